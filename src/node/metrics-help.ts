/**
 * HELP texts for the series libp2p registers itself: @libp2p/prometheus-metrics uses the name as
 * HELP when a component gives none, and turns the spaces of those it gives into underscores. A
 * scrape writes these texts over both before the registry renders (prom-client reads `help` then).
 */
import type { Registry } from 'prom-client'

/** Texts by series name, for libp2p 3's components (@libp2p/* as pinned in package-lock.json). */
const LIBP2P_HELP: Record<string, string> = {
  libp2p_data_transfer_bytes_total: 'Bytes sent and received, by protocol and direction (global_sent, global_received, <protocol> sent/received)',
  libp2p_peer_store_locks: 'Peer store locks held, by kind (read, write)',
  libp2p_noise_xxhandshake_successes_total: 'Noise XX handshakes that succeeded',
  libp2p_noise_xxhandshake_error_total: 'Noise XX handshakes that failed',
  libp2p_noise_encrypted_packets_total: 'Packets Noise encrypted',
  libp2p_noise_decrypted_packets_total: 'Packets Noise decrypted',
  libp2p_noise_decrypt_errors_total: 'Packets Noise failed to decrypt',
  libp2p_upgrader_connection_encrypters: 'Connection encrypters in use, by protocol',
  libp2p_upgrader_stream_multiplexers: 'Stream multiplexers in use, by protocol',
  libp2p_connection_manager_connections: 'Open connections, by direction',
  libp2p_connection_manager_dials_total: 'Dials made, by direction (inbound, outbound)',
  libp2p_connection_manager_dial_errors_total: 'Dials that failed, by direction',
  libp2p_connection_manager_dials_inbound_errors_total: 'Inbound connections that failed to upgrade, by error',
  libp2p_connection_manager_dials_outbound_errors_total: 'Outbound dials that failed, by error',
  libp2p_connection_manager_protocol_streams_per_connection_90th_percentile: '90th percentile of open streams per connection, by protocol and direction',
  libp2p_protocol_streams_total: 'Open streams, by protocol and direction',
  libp2p_transport_manager_transports: 'Transports configured, by name',
  libp2p_transport_manager_listeners: 'Listeners open, by transport',
  libp2p_dial_queue: 'Dial queue: jobs by state',
  libp2p_registrar_topologies: 'Topologies (protocol watchers) registered, by protocol',
  libp2p_registrar_protocol_handlers: 'Protocol handlers registered, by protocol',
  libp2p_address_manager_observed_addresses: 'Addresses peers observed for this node',
  libp2p_address_manager_dns_mappings: 'DNS address mappings held',
  libp2p_address_manager_ip_mappings: 'IP address mappings held (NAT, port mapping)',
  libp2p_address_manager_transport_addresses: 'Addresses the transports listen on',
  libp2p_tcp_dialer_events_total: 'TCP dial events, by kind',
  libp2p_tcp_dialer_errors_total: 'TCP dial errors, by kind',
  libp2p_tcp_inbound_connections_total: 'Inbound TCP connections open, by listener',
  libp2p_tcp_listener_status_info: 'TCP listener state, by address (0 inactive, 1 active, 2 paused)',
  libp2p_tcp_listener_errors_total: 'TCP listener errors, by kind',
  libp2p_tcp_listener_events_total: 'TCP listener events, by kind',
  libp2p_kad_dht_operations_total: 'Kademlia queries started, by kind (stock kad-dht, all callers)',
  libp2p_kad_dht_operation_errors_total: 'Kademlia queries that failed, by kind',
  libp2p_kad_dht_operation_time_seconds: 'Time Kademlia queries took, by kind',
  libp2p_kad_dht_operation_error_time_seconds: 'Time failed Kademlia queries took, by kind',
  libp2p_kad_dht_network_message_send_times_milliseconds: 'Adaptive timeout of Kademlia RPCs: mean, deviation and the timeout in use',
  libp2p_kad_dht_outbound_rpc_requests_total: 'Kademlia RPCs sent, by message type',
  libp2p_kad_dht_outbound_rpc_errors_total: 'Kademlia RPCs sent that failed, by message type',
  libp2p_kad_dht_inbound_rpc_requests_total: 'Kademlia RPCs received, by message type',
  libp2p_kad_dht_inbound_rpc_errors_total: 'Kademlia RPCs received that failed, by message type',
  libp2p_kad_dht_inbound_rpc_time_seconds: 'Time to answer a Kademlia RPC, by message type',
  libp2p_kad_dht_routing_table_update_queue: 'Kademlia routing table update queue: jobs by state',
  libp2p_kad_dht_ping_old_contact_queue: 'Queue of pings to old contacts (before eviction): jobs by state',
  libp2p_kad_dht_routing_table_ping_old_contact_time_milliseconds: 'Adaptive timeout of pings to old contacts: mean, deviation and the timeout in use',
  libp2p_kad_dht_ping_new_contact_queue: 'Queue of pings to new contacts (before adding them): jobs by state',
  libp2p_kad_dht_routing_table_ping_new_contact_time_milliseconds: 'Adaptive timeout of pings to new contacts: mean, deviation and the timeout in use',
  libp2p_kad_dht_adding_peer_map: 'Peers being added to the Kademlia routing table',
  libp2p_kad_dht_routing_table_size: 'Peers in the Kademlia routing table',
  libp2p_kad_dht_routing_table_kad_bucket_total: 'K-buckets in the Kademlia routing table',
  libp2p_kad_dht_routing_table_kad_bucket_average_occupancy: 'Mean peers per K-bucket',
  libp2p_kad_dht_routing_table_kad_bucket_min_occupancy: 'Fewest peers in a K-bucket',
  libp2p_kad_dht_routing_table_kad_bucket_max_occupancy: 'Most peers in a K-bucket',
  libp2p_kad_dht_routing_table_kad_bucket_max_depth: 'Depth of the deepest K-bucket',
  libp2p_kad_dht_kad_bucket_events_total: 'K-bucket events (peer added, removed, ping), by kind',
  libp2p_kad_dht_reprovide_queue: 'Reprovide queue: jobs by state',
  libp2p_kad_dht_reprovide_timeout_milliseconds: 'Adaptive timeout of reprovides: mean, deviation and the timeout in use',
  nodejs_memory_usage_bytes: 'Memory of the Node.js process, by kind (rss, heap total, heap used, external, array buffers)',
  nodejs_memory_total_bytes: 'Total memory of the Node.js process (resident set size)',
  nodejs_fs_usage_bytes: 'Bytes on disk the process uses, by file system'
}

/** A HELP libp2p left as the name, or with its spaces made underscores. */
const isPlaceholder = (name: string, help: string): boolean => help === name || !help.includes(' ')

/**
 * Gives each series of `registry` whose HELP is a placeholder a text: from the table above, else
 * the underscored text with its spaces back, else a line that says libp2p gave none.
 */
export function describeSeries (registry: Registry): void {
  for (const metric of registry.getMetricsAsArray() as unknown as Array<{ name: string, help: string }>) {
    if (!isPlaceholder(metric.name, metric.help)) continue
    metric.help = LIBP2P_HELP[metric.name] ??
      (metric.help !== metric.name ? metric.help.replace(/_/g, ' ').trim() : `${metric.name.replace(/_/g, ' ')} (libp2p gives this series no description)`)
  }
}
