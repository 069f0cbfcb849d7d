/**
 * Runtime 1 (DESIGN.md §5): drives one protocol's ProtocolHandler over libp2p streams, one
 * long-lived outbound stream per peer (outbound-stream.ts) and one reader per inbound stream
 * (inbound-stream.ts), each frame a length-prefixed envelope (src/wire/envelope.ts) around the
 * codec's bytes, so a request costs a frame, not a stream negotiation.
 * Invariants: every read has a size cap (the codec's maxFrameBytes) and a deadline; a malformed,
 * truncated or oversized frame resets the stream it came on only and is counted; requests per peer
 * in flight and bytes queued per peer are bounded; inbound frames pass a token bucket per peer and
 * one in total (rate-limit.ts) before they are decoded, and a request over either is answered with
 * a refusal envelope and counted (a message over it is dropped and counted); a `done` callback fires exactly once and never
 * inside `request()`; after `stop()` nothing is sent, streams are closed and pending requests end
 * `stopped`. Peers join the protocol's view through the registrar topology (only peers that speak
 * the protocol), so a stock libp2p node without it is never used.
 */
import { randomBytes } from 'node:crypto'
import { peerIdFromString } from '@libp2p/peer-id'
import { createRandom } from '../core/random.js'
import { encodeEnvelopeHeader, MAX_ENVELOPE_HEADER_BYTES } from '../wire/envelope.js'
import { WireError } from '../wire/peer-codec.js'
import { frameOf } from './frames.js'
import { InboundStream, ProtocolBug } from './inbound-stream.js'
import { OutboundStream } from './outbound-stream.js'
import { PeerBook } from './peer-book.js'
import { InboundRateLimiter } from './rate-limit.js'
import type { RateLimitInit } from './rate-limit.js'
import type { Failure, Io, PeerRef, ProtocolHandler, Result } from '../core/port.js'
import type { Envelope } from '../wire/envelope.js'
import type { PeerCodec } from '../wire/peer-codec.js'
import type { ComponentLogger, Connection, IdentifyResult, Libp2pEvents, Logger, PeerId, PeerStore, Stream, TypedEventTarget } from '@libp2p/interface'
import type { AddressManager, ConnectionManager, Registrar } from '@libp2p/interface-internal'
import type { Uint8ArrayList } from 'uint8arraylist'

/**
 * Requests awaiting answers per peer: 64, the number of concurrent requests the
 * one-stream-per-request runtime allowed (maxOutboundStreams); beyond it a request fails at once.
 */
export const MAX_IN_FLIGHT_REQUESTS_PER_PEER = 64
/**
 * Bytes of frames waiting per peer for the stream to open or drain: 8 MiB, three of the largest
 * frames (Chord's and Pastry's 2 MiB + 64 KiB), while a full in-flight window of typical requests
 * (< 10 KiB each) stays far below it.
 */
export const MAX_QUEUED_BYTES_PER_PEER = 8 * 1024 * 1024
/**
 * Inbound streams of one protocol per connection a service should register: 4. An honest peer
 * keeps one stream per protocol open to us, two for a moment while it replaces a dead or idle one;
 * the rest is slack. (The one-stream-per-request runtime needed kad-dht's 32.)
 */
export const REUSED_MAX_INBOUND_STREAMS = 4
/** Outbound streams of one protocol per connection a service should register: 4, as inbound (this runtime opens one per peer). */
export const REUSED_MAX_OUTBOUND_STREAMS = 4
/** Time to open (dial and negotiate) an outbound stream: libp2p's own dial timeout (10 s). */
export const STREAM_OPEN_TIMEOUT_MS = 10_000
/**
 * An outbound stream unused this long is closed: 2 min, longer than the slowest maintenance
 * period between neighbours (so a neighbour's stream stays open) and libp2p's stream
 * inactivity default (120 s).
 */
export const OUTBOUND_IDLE_TIMEOUT_MS = 120_000

/** How a protocol's typed messages become frames and back; decoders throw WireError. */
export interface FrameCodec<Req, Res, Msg = never> {
  /** Largest frame accepted, in bytes; the reader refuses longer ones before decoding. */
  readonly maxFrameBytes: number
  encodeRequest(req: Req, peers: PeerCodec): Uint8Array
  encodeResponse(res: Res, peers: PeerCodec): Uint8Array
  decodeResponse(bytes: Uint8Array, peers: PeerCodec): Res
  /** An inbound frame is a request to answer or a fire-and-forget message. */
  decodeInbound(bytes: Uint8Array, peers: PeerCodec): { request: Req } | { message: Msg }
  /** Needed only by protocols that `send`. */
  encodeMessage?(msg: Msg, peers: PeerCodec): Uint8Array
}

export interface StreamRuntimeComponents {
  peerId: PeerId
  registrar: Registrar
  connectionManager: ConnectionManager
  addressManager: AddressManager
  peerStore: PeerStore
  events: TypedEventTarget<Libp2pEvents>
  logger: ComponentLogger
}

export interface StreamRuntimeInit<Req, Res, Msg> {
  protocol: string
  codec: FrameCodec<Req, Res, Msg>
  /** Concurrent inbound streams of this protocol per connection (an honest peer opens one, two while replacing it). */
  maxInboundStreams: number
  /** Concurrent outbound streams of this protocol per connection (this runtime opens one per peer). */
  maxOutboundStreams: number
  /** Time allowed to finish an inbound frame once begun, and to drain an answer. */
  inboundTimeoutMs: number
  /** Requests awaiting answers per peer. @default MAX_IN_FLIGHT_REQUESTS_PER_PEER (64) */
  maxInFlightPerPeer?: number
  /** Bytes of frames waiting per peer to be written. @default MAX_QUEUED_BYTES_PER_PEER (8 MiB) */
  maxQueuedBytesPerPeer?: number
  /** An outbound stream unused this long is closed. @default OUTBOUND_IDLE_TIMEOUT_MS (120 s) */
  outboundIdleTimeoutMs?: number
  /** Inbound frames per second and burst, per remote peer and in total (rate-limit.ts). @default 100/s, burst 500 per peer; 2000/s, burst 5000 in total */
  inboundRateLimit?: RateLimitInit
  /** Logger component name, e.g. 'overlay:chord'. */
  logName: string
  /** Told of each inbound frame refused as malformed or oversized (the stream is reset anyway). */
  onBadFrame?(from: PeerRef, code: 'malformed' | 'oversize'): void
}

/** What the runtime counts; the service exports these as metrics. */
export interface StreamRuntimeCounters {
  inboundRequests: number
  inboundMessages: number
  /** Inbound frames that failed to decode (the stream was reset). */
  inboundMalformed: number
  /** Inbound frames over maxFrameBytes (the stream was reset). */
  inboundOversize: number
  /** Inbound streams that failed otherwise (deadline passed, reset or closed inside a frame by the remote). */
  inboundFailed: number
  /** Inbound streams accepted. */
  inboundStreams: number
  /** Inbound requests answered with a refusal, and messages dropped: the peer was over its rate limit. */
  inboundRateLimitedPeer: number
  /** Inbound requests refused and messages dropped: all peers together were over the protocol's rate limit. */
  inboundRateLimitedTotal: number
  /** Inbound streams the remote closed or reset before our answer was written (its loss, not our bug). */
  inboundClosedEarly: number
  outboundRequests: number
  outboundFailed: Record<Failure, number>
  /** Outbound streams opened; with `framesOnOpenStream`, how well streams are reused. */
  streamsOpened: number
  /** Outbound frames that found their peer's stream already open. */
  framesOnOpenStream: number
  /** Outbound streams closed after OUTBOUND_IDLE_TIMEOUT_MS unused. */
  streamsClosedIdle: number
  /** Requests refused at once: the peer already had maxInFlightPerPeer in flight. */
  outboundRefused: number
  /** Frames refused at once: the peer's queue was full. */
  outboundQueueFull: number
  /** Messages queued but never written (their stream died or the runtime stopped). */
  outboundDropped: number
  /** Responses for no pending request (timed out before the answer came): dropped. */
  lateResponses: number
  /** Request timeouts that fired late on a stalled event loop and were given their time again once. */
  timeoutsGracedForStall: number
  /** Bad frames received on our outbound streams (each stream reset). */
  outboundBadFrames: number
  /** Requests the remote refused (over its rate limit); each failed `rejected`. */
  refusedByRemote: number
}

const fail = (failure: Failure): Result<never> => ({ ok: false, failure })

/**
 * Runs `fn` after `delayMs`; returns its cancel. Node runs a setTimeout of 0 after at least 1 ms,
 * so a timer of 0 ms (a protocol's deferred callbacks: every put, get and lookup ends through one)
 * runs from setImmediate instead, after the I/O already waiting.
 */
function startTimer (delayMs: number, fn: () => void): () => void {
  if (delayMs <= 0) {
    const immediate = setImmediate(fn)
    return () => { clearImmediate(immediate) }
  }
  const timer = setTimeout(fn, delayMs)
  return () => { clearTimeout(timer) }
}
const EMPTY = new Uint8Array(0)

export class StreamRuntime<Req, Res, Msg = never> {
  readonly counters: StreamRuntimeCounters = {
    inboundRequests: 0,
    inboundMessages: 0,
    inboundMalformed: 0,
    inboundOversize: 0,
    inboundFailed: 0,
    inboundStreams: 0,
    inboundRateLimitedPeer: 0,
    inboundRateLimitedTotal: 0,
    inboundClosedEarly: 0,
    outboundRequests: 0,
    outboundFailed: { timeout: 0, unreachable: 0, rejected: 0, malformed: 0, stopped: 0 },
    streamsOpened: 0,
    framesOnOpenStream: 0,
    streamsClosedIdle: 0,
    outboundRefused: 0,
    outboundQueueFull: 0,
    outboundDropped: 0,
    lateResponses: 0,
    timeoutsGracedForStall: 0,
    outboundBadFrames: 0,
    refusedByRemote: 0
  }

  readonly peers: PeerBook
  private readonly limiter: InboundRateLimiter
  private readonly components: StreamRuntimeComponents
  private readonly init: StreamRuntimeInit<Req, Res, Msg>
  private readonly log: Logger
  /** Each named timer's cancel. */
  private readonly timers = new Map<string, () => void>()
  /** One per peer we talk to; forgotten when its stream is gone and nothing is pending. */
  private readonly outbound = new Map<string, OutboundStream>()
  private readonly inbound = new Set<InboundStream>()
  private handler: ProtocolHandler<Req, Res, Msg> | undefined
  private topologyId: string | undefined
  private running = false

  constructor (components: StreamRuntimeComponents, init: StreamRuntimeInit<Req, Res, Msg>) {
    this.components = components
    this.init = init
    this.log = components.logger.forComponent(init.logName)
    this.peers = new PeerBook(components.peerId, () => components.addressManager.getAddresses())
    this.limiter = new InboundRateLimiter(init.inboundRateLimit)
    this.onIdentify = this.onIdentify.bind(this)
  }

  get self (): PeerRef {
    return this.peers.ref(this.components.peerId)
  }

  /** Builds the protocol instance on this runtime's Io, registers the handler and topology, starts it. */
  async start<H extends ProtocolHandler<Req, Res, Msg>> (create: (io: Io<Req, Res, Msg>) => H): Promise<H> {
    const handler = create(this.io())
    this.handler = handler
    this.running = true
    this.components.events.addEventListener('peer:identify', this.onIdentify)
    await this.components.registrar.handle(this.init.protocol, (stream, connection) => {
      this.onStream(stream, connection)
    }, { maxInboundStreams: this.init.maxInboundStreams, maxOutboundStreams: this.init.maxOutboundStreams })
    this.topologyId = await this.components.registrar.register(this.init.protocol, {
      onConnect: (peerId) => { this.safely('onPeer', () => handler.onPeer?.(this.peers.ref(peerId), true)) },
      onDisconnect: (peerId) => { this.safely('onPeer', () => handler.onPeer?.(this.peers.ref(peerId), false)) }
    })
    handler.start()
    return handler
  }

  async stop (): Promise<void> {
    if (!this.running) return
    this.handler?.stop()
    this.running = false
    for (const cancel of this.timers.values()) cancel()
    this.timers.clear()
    this.components.events.removeEventListener('peer:identify', this.onIdentify)
    if (this.topologyId !== undefined) this.components.registrar.unregister(this.topologyId)
    await this.components.registrar.unhandle(this.init.protocol)
    for (const stream of [...this.inbound]) stream.close()
    const outbound = [...this.outbound.values()]
    this.outbound.clear()
    for (const stream of outbound) stream.stop()
  }

  /**
   * Whether closing the connection to `peer` now would cut work of ours short: a request of ours
   * waits for its answer, or a frame for it waits to be written (connection-trimmer.ts).
   */
  busyWith (peer: string): boolean {
    return this.outbound.get(peer)?.busy === true
  }

  /** The open outbound stream to `peer`, if any (for tests and tools). */
  outboundStream (peer: string): Stream | undefined {
    return this.outbound.get(peer)?.current
  }

  private onIdentify (event: CustomEvent<IdentifyResult>): void {
    this.peers.learn(event.detail.peerId, event.detail.listenAddrs)
  }

  /** Runs protocol code; an exception there is a bug, logged loudly, and never takes the process down. */
  private safely (what: string, fn: () => void): void {
    try {
      fn()
    } catch (err) {
      this.log.error('BUG: %s threw: %e', what, err)
    }
  }

  private io (): Io<Req, Res, Msg> {
    const runtime = this
    const self = this.peers.ref(this.components.peerId)
    return {
      self,
      now: () => performance.timeOrigin + performance.now(),
      random: createRandom(`${self.address}/${randomBytes(16).toString('hex')}`),
      request: (to, req, options, done) => { void runtime.request(to, req, options.timeoutMs, done) },
      send: (to, msg) => { void runtime.send(to, msg) },
      setTimer: (name, delayMs) => {
        if (!runtime.running) return
        runtime.timers.get(name)?.()
        runtime.timers.set(name, startTimer(delayMs, () => {
          runtime.timers.delete(name)
          if (runtime.running) runtime.safely(`onTimer(${name})`, () => runtime.handler?.onTimer(name))
        }))
      },
      cancelTimer: (name) => {
        runtime.timers.get(name)?.()
        runtime.timers.delete(name)
      }
    }
  }

  private streamTo (to: PeerRef): OutboundStream {
    let stream = this.outbound.get(to.address)
    if (stream === undefined) {
      const created: OutboundStream = new OutboundStream({
        peer: to.address,
        open: async (signal) => await this.openStream(to.address, signal),
        maxFrameBytes: this.init.codec.maxFrameBytes,
        maxInFlight: this.init.maxInFlightPerPeer ?? MAX_IN_FLIGHT_REQUESTS_PER_PEER,
        maxQueuedBytes: this.init.maxQueuedBytesPerPeer ?? MAX_QUEUED_BYTES_PER_PEER,
        openTimeoutMs: STREAM_OPEN_TIMEOUT_MS,
        idleTimeoutMs: this.init.outboundIdleTimeoutMs ?? OUTBOUND_IDLE_TIMEOUT_MS,
        counters: this.counters,
        log: this.log,
        onEmpty: () => {
          if (created.empty && this.outbound.get(to.address) === created) this.outbound.delete(to.address)
        }
      })
      stream = created
      this.outbound.set(to.address, stream)
    }
    return stream
  }

  /**
   * Opens a stream of the protocol to a peer: by its id when connected or when the peer store has
   * addresses for it (first-hand: a connection or identify put them there), else through the dial
   * hints a frame named (kept in memory only) without naming the peer to the dialer, so a peer
   * that does not exist leaves no trace in the peer store; Noise then tells who answered, and a
   * hint that led to anyone else is dropped. Without either, by its id (peer routing).
   */
  private async openStream (address: string, signal: AbortSignal): Promise<Stream> {
    const { connectionManager, peerStore } = this.components
    const peerId = peerIdFromString(address)
    const hints = connectionManager.getConnections(peerId).length > 0 ? undefined : this.peers.dialHints(address)
    const known = hints !== undefined && await peerStore.get(peerId).then(peer => peer.addresses.length > 0, () => false)
    if (hints === undefined || known) return await connectionManager.openStream(peerId, this.init.protocol, { signal })
    let connection: Connection
    try {
      connection = await connectionManager.openConnection(hints, { signal })
    } catch (err) {
      this.peers.forgetHints(address)
      throw err
    }
    if (!connection.remotePeer.equals(peerId)) {
      this.peers.forgetHints(address)
      throw new Error(`the addresses named for ${address} reached ${connection.remotePeer.toString()}`)
    }
    return await connection.newStream(this.init.protocol, { signal })
  }

  /** Encodes a frame body; a throw or an oversized frame is our own bug, never sent. */
  private encode (what: string, encode: () => Uint8Array): Uint8Array | undefined {
    try {
      const body = encode()
      if (MAX_ENVELOPE_HEADER_BYTES + body.length > this.init.codec.maxFrameBytes) throw new RangeError(`a ${what} of ${body.length} bytes exceeds the frame cap of ${this.init.codec.maxFrameBytes}`)
      return body
    } catch (err) {
      this.log.error('BUG: encoding a %s threw: %e', what, err)
      return undefined
    }
  }

  private async request (to: PeerRef, req: Req, timeoutMs: number, done: (result: Result<Res>) => void): Promise<void> {
    // Yield first, so that `done` can never run inside the caller's `request()`.
    await Promise.resolve()
    const finish = (result: Result<Res>): void => {
      if (!result.ok) this.counters.outboundFailed[result.failure]++
      this.safely('request callback', () => { done(result) })
    }
    if (!this.running) return finish(fail('stopped'))
    this.counters.outboundRequests++
    const body = this.encode('request', () => this.init.codec.encodeRequest(req, this.peers))
    if (body === undefined) return finish(fail('malformed'))
    this.streamTo(to).request(body, timeoutMs, (result) => {
      if (!result.ok) return finish(result)
      let res: Res
      try {
        this.peers.startFrame()
        res = this.init.codec.decodeResponse(result.value, this.peers)
      } catch (err) {
        if (err instanceof WireError) this.log('response from %s refused (%s): %s', to.address, err.code, err.message)
        else this.log.error('BUG: decoding a response threw: %e', err)
        return finish(fail('malformed'))
      }
      finish({ ok: true, value: res })
    })
  }

  private async send (to: PeerRef, msg: Msg): Promise<void> {
    await Promise.resolve()
    const encode = this.init.codec.encodeMessage
    if (!this.running || encode === undefined) return
    const body = this.encode('message', () => encode(msg, this.peers))
    if (body !== undefined) this.streamTo(to).send(body)
  }

  private onStream (stream: Stream, connection: Connection): void {
    const handler = this.handler
    if (!this.running || handler === undefined) {
      stream.abort(new Error('protocol stopped'))
      return
    }
    this.counters.inboundStreams++
    const from = this.peers.ref(connection.remotePeer)
    const reader: InboundStream = new InboundStream(stream, {
      maxFrameBytes: this.init.codec.maxFrameBytes,
      timeoutMs: this.init.inboundTimeoutMs,
      serve: (envelope) => this.serve(handler, from, envelope),
      onBadFrame: (err) => {
        if (err.code === 'oversize') this.counters.inboundOversize++
        else this.counters.inboundMalformed++
        this.log('inbound stream from %p reset (%s): %s', connection.remotePeer, err.code, err.message)
        this.safely('onBadFrame', () => this.init.onBadFrame?.(from, err.code))
      },
      onBug: (err) => { this.log.error('BUG: serving %p: %s: %e', connection.remotePeer, err.message, err.cause) },
      onFailed: (why) => {
        this.counters.inboundFailed++
        this.log('inbound stream from %p failed: %s', connection.remotePeer, why)
      },
      onClosedEarly: (why) => {
        this.counters.inboundClosedEarly++
        this.log('inbound stream from %p closed before its answer: %s', connection.remotePeer, why)
      },
      onEnd: () => { this.inbound.delete(reader) }
    })
    this.inbound.add(reader)
  }

  /** One inbound frame: a request is answered (the frame to write), a message is delivered. */
  private serve (handler: ProtocolHandler<Req, Res, Msg>, from: PeerRef, envelope: Envelope): Uint8ArrayList | undefined {
    if (!this.running) return undefined
    if (envelope.kind === 'response' || envelope.kind === 'refused') throw new WireError('malformed', `a ${envelope.kind} on an inbound stream`)
    // Before decoding: a flood costs us a bucket lookup per frame, not a decode and a handler run.
    const admitted = this.limiter.admit(from.address, performance.now())
    if (admitted !== 'ok') {
      if (admitted === 'peer') this.counters.inboundRateLimitedPeer++
      else this.counters.inboundRateLimitedTotal++
      return envelope.kind === 'message' ? undefined : frameOf(encodeEnvelopeHeader('refused', envelope.id), EMPTY)
    }
    let inbound: { request: Req } | { message: Msg }
    try {
      this.peers.startFrame()
      inbound = this.init.codec.decodeInbound(envelope.body, this.peers)
    } catch (err) {
      if (err instanceof WireError) throw err
      throw new ProtocolBug('the frame decoder threw', { cause: err })
    }
    if (envelope.kind === 'message') {
      if (!('message' in inbound)) throw new WireError('malformed', 'a request body in a message envelope')
      this.counters.inboundMessages++
      this.safely('onMessage', () => { handler.onMessage(from, inbound.message) })
      return undefined
    }
    if (!('request' in inbound)) throw new WireError('malformed', 'a message body in a request envelope')
    this.counters.inboundRequests++
    let body: Uint8Array
    try {
      body = this.init.codec.encodeResponse(handler.onRequest(from, inbound.request), this.peers)
    } catch (err) {
      throw new ProtocolBug('the request handler threw', { cause: err })
    }
    if (MAX_ENVELOPE_HEADER_BYTES + body.length > this.init.codec.maxFrameBytes) {
      throw new ProtocolBug(`a response of ${body.length} bytes exceeds the frame cap of ${this.init.codec.maxFrameBytes}`)
    }
    return frameOf(encodeEnvelopeHeader('response', envelope.id), body)
  }
}
