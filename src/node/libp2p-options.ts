/**
 * Builds the libp2p 3 options for one overlay-node peer: TCP, Noise, Yamux, identify, ping,
 * kad-dht (server mode) and gossipsub, plus Prometheus metrics on a registry of its own.
 * The defaults are the ones safe on the internet; `local` relaxes exactly the three settings
 * that break when every peer shares 127.0.0.1 (DESIGN.md §6).
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { kadDHT, passthroughMapper, removePrivateAddressesMapper } from '@libp2p/kad-dht'
import { prometheusMetrics } from '@libp2p/prometheus-metrics'
import { tcp } from '@libp2p/tcp'
import { MemoryDatastore } from 'datastore-core'
import { Registry } from 'prom-client'
import { ping } from '../libp2p/ping-service.js'
import { chord, type ChordServiceInit } from '../libp2p/chord-service.js'
import { pastry, type PastryServiceInit } from '../libp2p/pastry-service.js'
import { applyDependencyFixes } from '../libp2p/dependency-fixes.js'
import { sir, type SirServiceInit } from '../libp2p/sir-service.js'
import { gossipsubMetricsRegister, OneTopicLabel } from './metrics-gossipsub.js'
import { KAD_NAMESPACE, overlayRecordValidator, selectOverlayRecord } from './kad-records.js'
import type { PrivateKey } from '@libp2p/interface'
import type { Datastore } from 'interface-datastore'
import type { Libp2pOptions } from 'libp2p'

export const AGENT_NAME = 'overlay-node'
export const AGENT_VERSION = '0.1.0'

/** The kad-dht protocol id; the stock one, so we interoperate with every other libp2p DHT. */
export const KAD_PROTOCOL = '/ipfs/kad/1.0.0'

/** Inbound kad-dht streams per connection; kad-dht's own default (32) is for a busy server, ours is the same. */
const KAD_MAX_INBOUND_STREAMS = 32

export interface PeerOptionsInit {
  privateKey: PrivateKey
  listen: string[]
  announce: string[]
  datastore?: Datastore
  /** Relax the per-IP limits for networks where every peer is 127.0.0.1. */
  local: boolean
  /** The registry that this node's metrics are registered in (one per node). */
  metricsRegistry: Registry
  /** Peer ids of the bootstrap peers: our overlays join through these. */
  bootstrapPeers: string[]
  /** Which of our overlays run beside the stock stack (the cost benchmark turns them off one by one). */
  overlays: ReadonlySet<OverlayName>
  /** SIR's options when it runs (benchmarks turn anti-entropy off). @default the service's defaults */
  sir?: SirServiceInit
  /** Chord's and Pastry's options when they run (store quotas, inbound rate limits). @default the services' defaults */
  chord?: Omit<ChordServiceInit, 'bootstrapPeers'>
  pastry?: Omit<PastryServiceInit, 'bootstrapPeers'>
}

/** Our own overlays, each a libp2p service of the same name. */
export const OVERLAY_NAMES = ['chord', 'pastry', 'sir'] as const
export type OverlayName = typeof OVERLAY_NAMES[number]

/** Every loopback address, for `connectionManager.allow` in the local profile. */
const LOOPBACK_ALLOW = ['/ip4/127.0.0.0/ipcidr/8', '/ip6/::1/ipcidr/128']

export function buildLibp2pOptions (init: PeerOptionsInit): Libp2pOptions<any> {
  applyDependencyFixes()
  // The /ov/ validator reads the record kad-dht holds, so it needs the store libp2p would make.
  const datastore = init.datastore ?? new MemoryDatastore()
  return {
    privateKey: init.privateKey,
    datastore,
    nodeInfo: { name: AGENT_NAME, version: AGENT_VERSION, userAgent: `${AGENT_NAME}/${AGENT_VERSION}` },
    addresses: { listen: init.listen, announce: init.announce },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: init.local
      // Without `allow`, libp2p admits about 5 inbound dials a second from one IP (measured here).
      ? { allow: LOOPBACK_ALLOW, maxConnections: 1000 }
      : {},
    // The monitor's pings time out on busy loopback links and cut them; keep it on the internet.
    connectionMonitor: { enabled: !init.local },
    metrics: prometheusMetrics({ registry: init.metricsRegistry, collectDefaultMetrics: false }),
    services: {
      identify: identify(),
      // kad-dht pings each new contact before adding it to its routing table; with the default
      // of one outbound ping stream a user's ping right after connect then fails (seen in the
      // interop test). Stock peers accept two inbound ping streams, so two and no more.
      // The stock service with an answering side that does not hold streams open (src/libp2p/ping-service.ts).
      ping: ping({ maxOutboundStreams: 2 }),
      dht: kadDHT({
        protocol: KAD_PROTOCOL,
        clientMode: false,
        // A lone peer answers from its own store at once instead of waiting for a first contact.
        allowQueryWithZeroPeers: true,
        // kad-dht drops private addresses from peer records by default; 127.0.0.1 is private.
        peerInfoMapper: init.local ? passthroughMapper : removePrivateAddressesMapper,
        validators: { [KAD_NAMESPACE]: overlayRecordValidator(datastore) },
        selectors: { [KAD_NAMESPACE]: selectOverlayRecord },
        maxInboundStreams: KAD_MAX_INBOUND_STREAMS
      }),
      ...(init.overlays.has('chord') ? { chord: chord({ ...init.chord, bootstrapPeers: init.bootstrapPeers }) } : {}),
      ...(init.overlays.has('pastry') ? { pastry: pastry({ ...init.pastry, bootstrapPeers: init.bootstrapPeers }) } : {}),
      ...(init.overlays.has('sir') ? { sir: sir(init.sir) } : {}),
      pubsub: gossipsub({
        // With every peer on one IP the colocation penalty would grey-list the whole network.
        scoreParams: init.local ? { IPColocationFactorWeight: 0 } : {},
        allowPublishToZeroTopicPeers: true,
        // Its own gossipsub_* series on this node's registry (metrics-gossipsub.ts).
        metricsRegister: gossipsubMetricsRegister(init.metricsRegistry),
        metricsTopicStrToLabel: new OneTopicLabel()
      })
    }
  }
}
