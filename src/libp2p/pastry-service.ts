/**
 * The Pastry libp2p service, `/overlay/pastry/2.1.0`, in the js-libp2p factory shape:
 * `services: { pastry: pastry(init) }`. The pure PastryNode (src/pastry) on the shared DHT service
 * (dht-service.ts: runtime, join policy, Promise API).
 */
import { PastryNode } from '../pastry/pastry-node.js'
import { decodePastryRequest, decodePastryResponse, encodePastryRequest, encodePastryResponse, MAX_FRAME_BYTES } from '../wire/pastry.js'
import { DhtLibp2pService, peerStatus } from './dht-service.js'
import type { DhtServiceComponents, DhtServiceLimits, DhtService, PeerStatus } from './dht-service.js'
import type { PastryInit } from '../pastry/config.js'
import type { PastryRequest, PastryResponse } from '../pastry/messages.js'

export const PASTRY_PROTOCOL = '/overlay/pastry/2.1.0'

export interface PastryServiceInit extends PastryInit, DhtServiceLimits {
  /** @default '/overlay/pastry/2.1.0' */
  protocol?: string
}

export interface PastryServiceStatus {
  self: PeerStatus
  joined: boolean
  leafSet: { left: PeerStatus[], right: PeerStatus[] }
  /** The routing table's non-empty rows: row i holds nodes sharing i digits with us, by next digit. */
  routingRows: Array<{ row: number, entries: Array<{ column: number, peer: PeerStatus }> }>
  routingEntries: number
  storedRecords: number
  primaryRecords: number
  counters: Record<string, number>
}

export type PastryService = DhtService<PastryServiceStatus>

/** The Pastry service factory: `services: { pastry: pastry() }`. */
export function pastry (init: PastryServiceInit = {}): (components: DhtServiceComponents) => PastryService {
  const { protocol, maxInboundStreams, maxOutboundStreams, inboundTimeoutMs, inboundRateLimit, bootstrapPeers, ...pastryInit } = init
  return (components) => {
    const service: DhtLibp2pService<PastryRequest, PastryResponse, PastryNode, PastryServiceStatus> = new DhtLibp2pService(components, {
      name: 'Pastry',
      protocol: protocol ?? PASTRY_PROTOCOL,
      codec: {
        maxFrameBytes: MAX_FRAME_BYTES,
        encodeRequest: encodePastryRequest,
        encodeResponse: encodePastryResponse,
        decodeResponse: decodePastryResponse,
        decodeInbound: (bytes, peers) => ({ request: decodePastryRequest(bytes, peers) })
      },
      logName: 'overlay:pastry',
      create: (io, records) => new PastryNode(io, pastryInit, records),
      status: (node) => {
        const s = node.status()
        return {
          self: peerStatus(s.self),
          joined: !node.alone(),
          leafSet: { left: s.leafSet.left.map(peerStatus), right: s.leafSet.right.map(peerStatus) },
          routingRows: s.routingRows.map(r => ({ row: r.row, entries: r.entries.map(e => ({ column: e.column, peer: peerStatus(e.peer) })) })),
          routingEntries: s.routingEntries,
          storedRecords: s.storedRecords,
          primaryRecords: s.primaryRecords,
          counters: { ...s.counters, ...service.runtimeCounters() }
        }
      }
    }, { maxInboundStreams, maxOutboundStreams, inboundTimeoutMs, inboundRateLimit, bootstrapPeers })
    return service
  }
}
