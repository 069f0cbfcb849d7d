/**
 * The Chord libp2p service, `/overlay/chord/2.0.0`, in the js-libp2p factory shape:
 * `services: { chord: chord(init) }`. The pure ChordNode (src/chord) on the shared DHT service
 * (dht-service.ts: runtime, join policy, Promise API).
 */
import { ChordNode } from '../chord/chord-node.js'
import { encodeChordRequest, encodeChordResponse, decodeChordRequest, decodeChordResponse, MAX_FRAME_BYTES } from '../wire/chord.js'
import { DhtLibp2pService, peerStatus } from './dht-service.js'
import type { DhtServiceComponents, DhtServiceLimits, DhtService, PeerStatus } from './dht-service.js'
import type { ChordInit } from '../chord/config.js'
import type { ChordRequest, ChordResponse } from '../chord/messages.js'

export const CHORD_PROTOCOL = '/overlay/chord/2.0.0'

export interface ChordServiceInit extends ChordInit, DhtServiceLimits {
  /** @default '/overlay/chord/2.0.0' */
  protocol?: string
}

export interface ChordServiceStatus {
  self: PeerStatus
  joined: boolean
  predecessor: PeerStatus | null
  successors: PeerStatus[]
  fingers: PeerStatus[]
  storedRecords: number
  primaryRecords: number
  counters: Record<string, number>
}

export type ChordService = DhtService<ChordServiceStatus>

/** The Chord service factory: `services: { chord: chord() }`. */
export function chord (init: ChordServiceInit = {}): (components: DhtServiceComponents) => ChordService {
  const { protocol, maxInboundStreams, maxOutboundStreams, inboundTimeoutMs, inboundRateLimit, bootstrapPeers, ...chordInit } = init
  return (components) => {
    const service: DhtLibp2pService<ChordRequest, ChordResponse, ChordNode, ChordServiceStatus> = new DhtLibp2pService(components, {
      name: 'Chord',
      protocol: protocol ?? CHORD_PROTOCOL,
      codec: {
        maxFrameBytes: MAX_FRAME_BYTES,
        encodeRequest: encodeChordRequest,
        encodeResponse: encodeChordResponse,
        decodeResponse: decodeChordResponse,
        decodeInbound: (bytes, peers) => ({ request: decodeChordRequest(bytes, peers) })
      },
      logName: 'overlay:chord',
      create: (io, records) => new ChordNode(io, chordInit, records),
      status: (node) => {
        const s = node.status()
        return {
          self: peerStatus(s.self),
          joined: !node.alone(),
          predecessor: s.predecessor === undefined ? null : peerStatus(s.predecessor),
          successors: s.successors.map(peerStatus),
          fingers: s.fingers.map(peerStatus),
          storedRecords: s.storedRecords,
          primaryRecords: s.primaryRecords,
          counters: { ...s.counters, ...service.runtimeCounters() }
        }
      }
    }, { maxInboundStreams, maxOutboundStreams, inboundTimeoutMs, inboundRateLimit, bootstrapPeers })
    return service
  }
}
