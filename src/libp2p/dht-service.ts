/**
 * What the Chord and Pastry libp2p services share: a pure DHT node on a StreamRuntime, wired to
 * the pure join and membership policy (src/dht/membership.ts, which the simulator runs too), and
 * the Promise API (put, get, lookup) that the node and the CLI use. What stays here is libp2p's
 * alone: the records' datastore and the bound on a graceful leave at shutdown (LEAVE_TIMEOUT_MS).
 */
import { idToHex, keyId } from '../core/id.js'
import { InputError, NetworkError, NotFoundError } from './errors.js'
import { fullKey, isFullKey, recordSigner, recordVerifier } from './record-keys.js'
import { DatastoreRecords } from './record-persistence.js'
import { timed } from './overlay-service.js'
import { REUSED_MAX_INBOUND_STREAMS, REUSED_MAX_OUTBOUND_STREAMS, StreamRuntime } from './stream-runtime.js'
import type { ConnectionKeeper } from './connection-trimmer.js'
import type { OverlayComponents } from './overlay-service.js'
import type { RateLimitInit } from './rate-limit.js'
import type { FrameCodec } from './stream-runtime.js'
import { failureText, type DhtFailure, type Outcome } from '../core/dht-outcome.js'
import type { NodeId } from '../core/id.js'
import type { PeerRef, ProtocolHandler } from '../core/port.js'
import type { DhtComponents } from '../dht/context.js'
import { Membership, withMembership, type MemberNode } from '../dht/membership.js'
import type { SavedRecord } from '../dht/replication.js'
import type { PrivateKey, Startable } from '@libp2p/interface'
import type { Datastore } from 'interface-datastore'

/**
 * A graceful stop hands records on and tells the neighbours (LEAVING) for at most this long, then
 * stops regardless (a peer that does not answer must not hold up a shutdown).
 */
export const LEAVE_TIMEOUT_MS = 5_000

/** The callback API both ChordNode and PastryNode offer (join, alone, rejoinIfApart: MemberNode). */
export interface DhtNode<Req, Res> extends ProtocolHandler<Req, Res, never>, MemberNode {
  /** Copies kept of each key (`replicas`), as the node's options say. */
  readonly config: { readonly replicas: number }
  lookup(key: NodeId, done: (o: Outcome<{ readonly owner: PeerRef, readonly hops: number }>) => void): void
  put(key: Uint8Array, value: Uint8Array, done: (o: Outcome<{ readonly hops: number }>) => void): void
  get(key: Uint8Array, done: (o: Outcome<{ readonly value: Uint8Array | undefined, readonly hops: number }>) => void): void
  counters(): Readonly<object>
  storedKeys(): IterableIterator<[NodeId, boolean]>
  /** The peers routing state holds (their connections are kept: connection-trimmer.ts). */
  neighbours(): PeerRef[]
  /** Graceful leave: hand records on and tell the neighbours, then stop. */
  leave(done: (o: Outcome<void>) => void): void
  /** Puts back the records saved before a restart; returns how many. */
  restoreRecords(saved: Iterable<SavedRecord>): number
}

/** How one protocol plugs into the shared service. */
export interface DhtProtocol<Req, Res, N extends DhtNode<Req, Res>, S> {
  /** 'Chord', 'Pastry': for messages. */
  name: string
  protocol: string
  codec: FrameCodec<Req, Res, never>
  logName: string
  /** `records`: the Ed25519 record verifier and this peer's signer (record-keys.ts). */
  create(io: Parameters<Parameters<StreamRuntime<Req, Res, never>['start']>[0]>[0], records: DhtComponents): N
  status(node: N): S
}

/** A DHT service's components: the overlay's, and the peer's private key, which signs its records. */
export interface DhtServiceComponents extends OverlayComponents {
  privateKey: PrivateKey
  /** Where the records are kept across restarts (record-persistence.ts). */
  datastore: Datastore
}

export interface DhtServiceLimits {
  /** Concurrent inbound streams of the protocol per connection (one long-lived stream each way, plus slack). @default 4 */
  maxInboundStreams?: number
  /** Concurrent outbound streams of the protocol per connection. @default 4 */
  maxOutboundStreams?: number
  /** Time to read an inbound request and write its answer. @default 10_000 */
  inboundTimeoutMs?: number
  /** Inbound requests per second and burst, per peer and in total (rate-limit.ts). @default 100/s, burst 500 per peer; 2000/s, burst 5000 in total */
  inboundRateLimit?: RateLimitInit
  /** Peer ids to join through; empty: any peer of the protocol met. @default [] */
  bootstrapPeers?: string[]
}

export interface DhtService<S> extends Startable, ConnectionKeeper {
  readonly protocol: string
  /** In a network with at least one other node. */
  readonly joined: boolean
  /** Writes `name` under this peer's key; resolves with the full key (`<peer id>/<name>`). */
  put(name: string, value: Uint8Array): Promise<{ key: string, latencyMs: number, replicas: number, hops: number }>
  /** Reads a full key (from any peer), or a bare name under this peer's own key. */
  get(key: string): Promise<{ value: Uint8Array, hops: number, latencyMs: number }>
  lookup(key: string): Promise<{ owner: string, hops: number, latencyMs: number }>
  status(): S
  /** The key ids (hex) this node holds, and whether it holds each as owner (for tests and tools). */
  records(): Array<{ keyId: string, primary: boolean }>
  /**
   * Whether stopping leaves the network gracefully (hand-off, LEAVING) first. Set false to stop as
   * a crash would, without a goodbye (tests and benchmarks of crash repair). @default true
   */
  leaveOnStop: boolean
}

const encoder = new TextEncoder()

function failureError (name: string, what: string, failure: DhtFailure): Error {
  const text = failureText(failure, what, name)
  return failure === 'too-large' ? new InputError(text) : new NetworkError(text)
}

export class DhtLibp2pService<Req, Res, N extends DhtNode<Req, Res>, S> implements DhtService<S> {
  readonly protocol: string
  private readonly runtime: StreamRuntime<Req, Res, never>
  private readonly components: DhtServiceComponents
  private readonly spec: DhtProtocol<Req, Res, N, S>
  private readonly bootstrapPeers: readonly string[]
  private node: N | undefined
  private membership: Membership | undefined
  private persistence: DatastoreRecords | undefined
  leaveOnStop = true

  constructor (components: DhtServiceComponents, spec: DhtProtocol<Req, Res, N, S>, limits: DhtServiceLimits) {
    this.components = components
    this.spec = spec
    this.protocol = spec.protocol
    this.bootstrapPeers = limits.bootstrapPeers ?? []
    this.runtime = new StreamRuntime(components, {
      protocol: spec.protocol,
      codec: spec.codec,
      maxInboundStreams: limits.maxInboundStreams ?? REUSED_MAX_INBOUND_STREAMS,
      maxOutboundStreams: limits.maxOutboundStreams ?? REUSED_MAX_OUTBOUND_STREAMS,
      inboundTimeoutMs: limits.inboundTimeoutMs ?? 10_000,
      inboundRateLimit: limits.inboundRateLimit,
      logName: spec.logName
    })
  }

  get joined (): boolean {
    return this.node !== undefined && !this.node.alone()
  }

  async start (): Promise<void> {
    const log = this.components.logger.forComponent(this.spec.logName)
    const persistence = new DatastoreRecords(this.components.datastore, this.spec.name.toLowerCase(), err => { log.error('writing records to the datastore failed: %s', err.message) })
    this.persistence = persistence
    const saved = await persistence.load()
    await this.runtime.start(io => {
      const node = this.spec.create(io, { verifier: recordVerifier(), signer: recordSigner(this.components.privateKey), persistence })
      this.node = node
      this.membership = new Membership(io, node, { bootstrapPeers: this.bootstrapPeers })
      return withMembership(node, this.membership)
    })
    // The records held before a restart: served at once, re-validated with the neighbours soon.
    if (saved.length > 0) log('restored %d of %d saved records', this.node?.restoreRecords(saved) ?? 0, saved.length)
  }

  /**
   * Leaves the network gracefully while libp2p's connections are still open (libp2p calls every
   * service's beforeStop before it stops any component): records are handed on and the neighbours
   * told, within LEAVE_TIMEOUT_MS, so a `shutdown` loses nothing and costs the others no failed
   * requests.
   */
  async beforeStop (): Promise<void> {
    // No join or membership check while leaving.
    this.membership?.stop()
    const node = this.node
    if (node === undefined || !this.joined || !this.leaveOnStop) return
    await new Promise<void>(resolve => {
      const timer = setTimeout(resolve, LEAVE_TIMEOUT_MS)
      node.leave(() => { clearTimeout(timer); resolve() })
    })
  }

  async stop (): Promise<void> {
    await this.runtime.stop()
    // After the leave and the node's stop: everything the store held is written.
    await this.persistence?.flush()
  }

  private running (): N {
    if (this.node === undefined) throw new NetworkError(`the ${this.spec.name} service is not started`)
    return this.node
  }

  async put (name: string, value: Uint8Array): Promise<{ key: string, latencyMs: number, replicas: number, hops: number }> {
    const node = this.running()
    const key = fullKey(this.components.peerId.toString(), name)
    const { outcome, latencyMs } = await timed<Outcome<{ hops: number }>>(done => { node.put(encoder.encode(key), value, done) })
    if (!outcome.ok) throw failureError(this.spec.name, `${this.spec.name.toLowerCase()} put '${key}'`, outcome.failure)
    return { key, latencyMs, replicas: node.config.replicas, hops: outcome.value.hops }
  }

  async get (text: string): Promise<{ value: Uint8Array, hops: number, latencyMs: number }> {
    const node = this.running()
    const key = isFullKey(text) ? text : fullKey(this.components.peerId.toString(), text)
    const { outcome, latencyMs } = await timed<Outcome<{ value: Uint8Array | undefined, hops: number }>>(done => { node.get(encoder.encode(key), done) })
    if (!outcome.ok) throw failureError(this.spec.name, `${this.spec.name.toLowerCase()} get '${key}'`, outcome.failure)
    if (outcome.value.value === undefined) throw new NotFoundError(`no ${this.spec.name} node holds key '${key}'`)
    return { value: outcome.value.value, hops: outcome.value.hops, latencyMs }
  }

  async lookup (key: string): Promise<{ owner: string, hops: number, latencyMs: number }> {
    const node = this.running()
    const { outcome, latencyMs } = await timed<Outcome<{ owner: PeerRef, hops: number }>>(done => { node.lookup(keyId(encoder.encode(key)), done) })
    if (!outcome.ok) throw failureError(this.spec.name, `${this.spec.name.toLowerCase()} lookup '${key}'`, outcome.failure)
    return { owner: outcome.value.owner.address, hops: outcome.value.hops, latencyMs }
  }

  keptPeers (): string[] {
    return this.node === undefined ? [] : this.node.neighbours().map(p => p.address)
  }

  busyWith (peerId: string): boolean {
    return this.runtime.busyWith(peerId)
  }

  records (): Array<{ keyId: string, primary: boolean }> {
    return [...this.running().storedKeys()].map(([id, primary]) => ({ keyId: idToHex(id), primary }))
  }

  status (): S {
    return this.spec.status(this.running())
  }

  /** The runtime's counters, flattened for status output. */
  runtimeCounters (): Record<string, number> {
    const { outboundFailed, ...rest } = this.runtime.counters
    return { ...rest, ...Object.fromEntries(Object.entries(outboundFailed).map(([k, v]) => [`outboundFailed_${k}`, v])) }
  }
}

/** A peer as status output shows it. */
export interface PeerStatus {
  peerId: string
  id: string
}

export const peerStatus = (ref: PeerRef): PeerStatus => ({ peerId: ref.address, id: idToHex(ref.id) })
