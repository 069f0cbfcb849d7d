/**
 * Which metric series `bench dht` sums into its per-DHT counters (`requests.<dht>`,
 * `bytesSent.<dht>`), whether the series come from a worker's registry or from a daemon's
 * /metrics: one rule for both, so a worker network and a `--targets` network count alike.
 */

/** Protocol ids whose bytes sent are summed, by the DHT they count for. */
const BYTE_PROTOCOLS: Record<string, RegExp> = {
  kad: /\/kad\//,
  chord: /\/overlay\/chord\//,
  pastry: /\/overlay\/pastry\//
}

/** Adds one metric sample to `out` if it is one of the DHT counters. */
export function addDhtCounter (out: Record<string, number>, name: string, labels: Record<string, string | number | undefined>, value: number): void {
  const add = (key: string): void => { out[key] = (out[key] ?? 0) + value }
  if (name === 'libp2p_kad_dht_outbound_rpc_requests_total') add('requests.kad')
  else if (/^overlay_(chord|pastry)_requests_total$/.test(name) && labels.direction === 'outbound') add(`requests.${name.split('_')[1]}`)
  else if (name === 'libp2p_data_transfer_bytes_total') {
    const label = String(labels.protocol ?? '')
    if (!label.endsWith(' sent')) return
    for (const [dht, pattern] of Object.entries(BYTE_PROTOCOLS)) if (pattern.test(label)) add(`bytesSent.${dht}`)
  }
}
