/**
 * The Chord libp2p service, `/overlay/chord/1.0.0`, in the js-libp2p factory shape:
 * `services: { chord: chord(init) }`. It runs the pure ChordNode (src/chord) on a StreamRuntime and
 * offers a Promise API.
 * Joining: a node is a ring of one until it joins through a member. With `bootstrapPeers` it joins
 * only through those (a peer met by chance, say through kad-dht, may be a newcomer on its own and
 * two such would make a ring apart); without, through any Chord peer it meets. Two lone nodes that
 * meet must not join through each other at once (that can tie the ring into a loop stabilization
 * never undoes), so the one with the larger id joins at once and the other only if it is still
 * alone JOIN_DEFER_MS later. A node with bootstrap peers also asks one of them now and then who
 * owns its own id, and rejoins if the answer is not itself: under load, timeouts can cut a
 * newcomer off into a ring of its own, which stabilization alone never merges back.
 */
import { idToHex, keyId } from '../core/id.js'
import { ChordNode } from '../chord/chord-node.js'
import { encodeChordRequest, encodeChordResponse, decodeChordRequest, decodeChordResponse, MAX_FRAME_BYTES } from '../wire/chord.js'
import { InputError, NetworkError, NotFoundError } from './errors.js'
import { registerOverlayMetrics, timed } from './overlay-service.js'
import { StreamRuntime } from './stream-runtime.js'
import type { OverlayComponents } from './overlay-service.js'
import type { FrameCodec } from './stream-runtime.js'
import type { ChordInit } from '../chord/config.js'
import type { ChordMessage, ChordRequest, ChordResponse } from '../chord/messages.js'
import type { ChordFailure } from '../chord/operations.js'
import type { PeerRef, ProtocolHandler } from '../core/port.js'
import type { Startable } from '@libp2p/interface'

export const CHORD_PROTOCOL = '/overlay/chord/1.0.0'

export interface ChordServiceInit extends ChordInit {
  /** @default '/overlay/chord/1.0.0' */
  protocol?: string
  /** Concurrent inbound Chord streams per connection. @default 32 (kad-dht's figure for the same request pattern) */
  maxInboundStreams?: number
  /** Concurrent outbound Chord streams per connection. @default 64 */
  maxOutboundStreams?: number
  /** Time to read an inbound request and write its answer. @default 10_000 */
  inboundTimeoutMs?: number
  /** Peer ids to join through; empty: any Chord peer met. @default [] */
  bootstrapPeers?: string[]
}

/** How long the smaller of two lone nodes waits for the larger to join it before joining itself. */
const JOIN_DEFER_MS = 2_000
/**
 * How often a node retries joining while alone, and checks its membership through a bootstrap peer
 * (one lookup; cheap beside stabilize's one request a second).
 */
const RING_CHECK_INTERVAL_MS = 5_000

export interface ChordPeerStatus {
  peerId: string
  id: string
}

export interface ChordServiceStatus {
  self: ChordPeerStatus
  joined: boolean
  predecessor: ChordPeerStatus | null
  successors: ChordPeerStatus[]
  fingers: ChordPeerStatus[]
  storedRecords: number
  primaryRecords: number
  counters: Record<string, number>
}

export interface ChordService extends Startable {
  readonly protocol: string
  put(key: string, value: Uint8Array): Promise<{ latencyMs: number, replicas: number, hops: number }>
  get(key: string): Promise<{ value: Uint8Array, hops: number, latencyMs: number }>
  lookup(key: string): Promise<{ owner: string, hops: number, latencyMs: number }>
  status(): ChordServiceStatus
  /** The key ids (hex) this node holds, and whether it holds each as owner (for tests and tools). */
  records(): Array<{ keyId: string, primary: boolean }>
  /** Whether the node has joined a ring (or been joined) since it started. */
  readonly joined: boolean
}

const chordCodec: FrameCodec<ChordRequest, ChordResponse, ChordMessage> = {
  maxFrameBytes: MAX_FRAME_BYTES,
  encodeRequest: encodeChordRequest,
  encodeResponse: encodeChordResponse,
  decodeResponse: decodeChordResponse,
  decodeInbound: (bytes, peers) => ({ request: decodeChordRequest(bytes, peers) })
}

const encoder = new TextEncoder()

function failureError (what: string, failure: ChordFailure): Error {
  switch (failure) {
    case 'too-large': return new InputError(`${what}: key or value over the node's limits`)
    case 'refused': return new NetworkError(`${what}: the owner refused the record (store full)`)
    case 'no-live-node': return new NetworkError(`${what}: no live Chord node answered`)
    case 'hop-limit': return new NetworkError(`${what}: the lookup exceeded its hop limit`)
    case 'stopped': return new NetworkError(`${what}: the Chord service is stopped`)
    default: return new NetworkError(`${what}: ${failure}`)
  }
}

const peerStatus = (ref: PeerRef): ChordPeerStatus => ({ peerId: ref.address, id: idToHex(ref.id) })

class ChordLibp2pService implements ChordService {
  readonly protocol: string
  private readonly runtime: StreamRuntime<ChordRequest, ChordResponse, ChordMessage>
  private readonly components: OverlayComponents
  private readonly init: ChordServiceInit
  private node: ChordNode | undefined
  private joining = false
  private readonly bootstrapPeers: Set<string>
  private readonly candidates = new Map<string, PeerRef>()
  private retryTimer: ReturnType<typeof setInterval> | undefined
  private readonly deferred = new Set<ReturnType<typeof setTimeout>>()

  constructor (components: OverlayComponents, init: ChordServiceInit) {
    this.components = components
    this.init = init
    this.protocol = init.protocol ?? CHORD_PROTOCOL
    this.bootstrapPeers = new Set(init.bootstrapPeers ?? [])
    this.runtime = new StreamRuntime(components, {
      protocol: this.protocol,
      codec: chordCodec,
      maxInboundStreams: init.maxInboundStreams ?? 32,
      maxOutboundStreams: init.maxOutboundStreams ?? 64,
      inboundTimeoutMs: init.inboundTimeoutMs ?? 10_000,
      logName: 'overlay:chord'
    })
  }

  /** In a ring with at least one other node. */
  get joined (): boolean { return (this.node?.status().successors.length ?? 0) > 0 }

  async start (): Promise<void> {
    const { protocol: _p, maxInboundStreams: _i, maxOutboundStreams: _o, inboundTimeoutMs: _t, bootstrapPeers: _b, ...chordInit } = this.init
    await this.runtime.start(io => {
      const node = new ChordNode(io, chordInit)
      this.node = node
      const handler: ProtocolHandler<ChordRequest, ChordResponse, ChordMessage> = {
        start: () => node.start(),
        stop: () => node.stop(),
        onRequest: (from, req) => node.onRequest(from, req),
        onMessage: (from, msg) => node.onMessage(from, msg),
        onTimer: (name) => node.onTimer(name),
        onPeer: (peer, up) => { this.onPeer(peer, up) }
      }
      return handler
    })
    this.retryTimer = setInterval(() => { this.checkRing() }, RING_CHECK_INTERVAL_MS)
    registerOverlayMetrics(this.components.metrics, 'overlay_chord', this.runtime, () => ({ ...(this.node?.counters() ?? {}) }))
  }

  async stop (): Promise<void> {
    clearInterval(this.retryTimer)
    for (const timer of this.deferred) clearTimeout(timer)
    this.deferred.clear()
    await this.runtime.stop()
  }

  private onPeer (peer: PeerRef, up: boolean): void {
    const eligible = this.bootstrapPeers.size === 0 || this.bootstrapPeers.has(peer.address)
    if (!eligible) return
    if (!up) {
      this.candidates.delete(peer.address)
      return
    }
    this.candidates.set(peer.address, peer)
    if (peer.id < this.runtime.self.id) {
      this.join(peer)
      return
    }
    const timer = setTimeout(() => {
      this.deferred.delete(timer)
      this.join(peer)
    }, JOIN_DEFER_MS)
    this.deferred.add(timer)
  }

  private checkRing (): void {
    const peers = [...this.candidates.values()]
    if (peers.length === 0 || this.joining || this.node === undefined) return
    const via = peers[Math.floor(Math.random() * peers.length)]
    if (!this.joined) {
      this.join(via)
    } else if (this.bootstrapPeers.size > 0) {
      this.joining = true
      this.node.rejoinIfApart(via, () => { this.joining = false })
    }
  }

  /** Joins through `peer` if this node is still a ring of one and no join is under way. */
  private join (peer: PeerRef): void {
    const node = this.node
    if (node === undefined || this.joined || this.joining) return
    this.joining = true
    node.join(peer, () => { this.joining = false })
  }

  private running (): ChordNode {
    if (this.node === undefined) throw new NetworkError('the Chord service is not started')
    return this.node
  }

  async put (key: string, value: Uint8Array): Promise<{ latencyMs: number, replicas: number, hops: number }> {
    const node = this.running()
    const { outcome, latencyMs } = await timed<Parameters<Parameters<ChordNode['put']>[2]>[0]>(done => node.put(encoder.encode(key), value, done))
    if (!outcome.ok) throw failureError(`chord put '${key}'`, outcome.failure)
    return { latencyMs, replicas: node.config.replicas, hops: outcome.value.hops }
  }

  async get (key: string): Promise<{ value: Uint8Array, hops: number, latencyMs: number }> {
    const node = this.running()
    const { outcome, latencyMs } = await timed<Parameters<Parameters<ChordNode['get']>[1]>[0]>(done => node.get(encoder.encode(key), done))
    if (!outcome.ok) throw failureError(`chord get '${key}'`, outcome.failure)
    if (outcome.value.value === undefined) throw new NotFoundError(`no Chord node holds key '${key}'`)
    return { value: outcome.value.value, hops: outcome.value.hops, latencyMs }
  }

  async lookup (key: string): Promise<{ owner: string, hops: number, latencyMs: number }> {
    const node = this.running()
    const { outcome, latencyMs } = await timed<Parameters<Parameters<ChordNode['lookup']>[1]>[0]>(done => node.lookup(keyId(encoder.encode(key)), done))
    if (!outcome.ok) throw failureError(`chord lookup '${key}'`, outcome.failure as ChordFailure)
    return { owner: outcome.value.owner.address, hops: outcome.value.hops, latencyMs }
  }

  records (): Array<{ keyId: string, primary: boolean }> {
    return [...this.running().storedKeys()].map(([id, primary]) => ({ keyId: idToHex(id), primary }))
  }

  status (): ChordServiceStatus {
    const s = this.running().status()
    return {
      self: peerStatus(s.self),
      joined: this.joined,
      predecessor: s.predecessor === undefined ? null : peerStatus(s.predecessor),
      successors: s.successors.map(peerStatus),
      fingers: s.fingers.map(peerStatus),
      storedRecords: s.storedRecords,
      primaryRecords: s.primaryRecords,
      counters: { ...s.counters, ...flatRuntimeCounters(this.runtime) }
    }
  }
}

function flatRuntimeCounters (runtime: StreamRuntime<any, any, any>): Record<string, number> {
  const { outboundFailed, ...rest } = runtime.counters
  return { ...rest, ...Object.fromEntries(Object.entries(outboundFailed).map(([k, v]) => [`outboundFailed_${k}`, v])) }
}

/** The Chord service factory: `services: { chord: chord() }`. */
export function chord (init: ChordServiceInit = {}): (components: OverlayComponents) => ChordService {
  return (components) => new ChordLibp2pService(components, init)
}
