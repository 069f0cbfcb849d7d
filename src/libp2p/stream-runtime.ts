/**
 * Runtime 1 (DESIGN.md §5): drives one protocol's ProtocolHandler over libp2p streams. One stream
 * per request, as kad-dht does: open, write one length-prefixed frame, read one frame, close.
 * Invariants: every read has a size cap (the codec's maxFrameBytes) and a timeout; a malformed,
 * truncated or oversized frame resets that stream only and is counted; a `done` callback fires
 * exactly once and never inside `request()`; after `stop()` nothing is sent and pending requests end
 * `stopped`. Peers join the protocol's view through the registrar topology (only peers that speak
 * the protocol), so a stock libp2p node without it is never used.
 */
import { randomBytes } from 'node:crypto'
import { peerIdFromString } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import { createRandom } from '../core/random.js'
import { WireError } from '../wire/peer-codec.js'
import { PeerBook } from './peer-book.js'
import type { Failure, Io, PeerRef, ProtocolHandler, Result } from '../core/port.js'
import type { PeerCodec } from '../wire/peer-codec.js'
import type { ComponentLogger, Connection, IdentifyResult, Libp2pEvents, Logger, PeerId, PeerStore, Stream, TypedEventTarget } from '@libp2p/interface'
import type { AddressManager, ConnectionManager, Registrar } from '@libp2p/interface-internal'

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
  /** Concurrent inbound streams of this protocol per connection. */
  maxInboundStreams: number
  /** Concurrent outbound streams of this protocol per connection. */
  maxOutboundStreams: number
  /** Time allowed to read an inbound frame and write the answer. */
  inboundTimeoutMs: number
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
  /** Inbound streams that failed otherwise (timeout, reset by the remote). */
  inboundFailed: number
  outboundRequests: number
  outboundFailed: Record<Failure, number>
}

const fail = (failure: Failure): Result<never> => ({ ok: false, failure })

function classify (err: unknown, signal: AbortSignal): Failure {
  if (signal.aborted) return 'timeout'
  const name = (err as Error)?.name
  if (name === 'UnsupportedProtocolError' || name === 'ProtocolError') return 'rejected'
  if (err instanceof WireError) return 'malformed'
  return 'unreachable'
}

export class StreamRuntime<Req, Res, Msg = never> {
  readonly counters: StreamRuntimeCounters = {
    inboundRequests: 0,
    inboundMessages: 0,
    inboundMalformed: 0,
    inboundOversize: 0,
    inboundFailed: 0,
    outboundRequests: 0,
    outboundFailed: { timeout: 0, unreachable: 0, rejected: 0, malformed: 0, stopped: 0 }
  }

  readonly peers: PeerBook
  private readonly components: StreamRuntimeComponents
  private readonly init: StreamRuntimeInit<Req, Res, Msg>
  private readonly log: Logger
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>()
  private handler: ProtocolHandler<Req, Res, Msg> | undefined
  private topologyId: string | undefined
  private running = false
  private readonly pending = new Set<AbortController>()

  constructor (components: StreamRuntimeComponents, init: StreamRuntimeInit<Req, Res, Msg>) {
    this.components = components
    this.init = init
    this.log = components.logger.forComponent(init.logName)
    this.peers = new PeerBook(components.peerId, () => components.addressManager.getAddresses(), components.peerStore)
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
      void this.onStream(stream, connection)
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
    for (const timer of this.timers.values()) clearTimeout(timer)
    this.timers.clear()
    for (const controller of this.pending) controller.abort()
    this.components.events.removeEventListener('peer:identify', this.onIdentify)
    if (this.topologyId !== undefined) this.components.registrar.unregister(this.topologyId)
    await this.components.registrar.unhandle(this.init.protocol)
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
        const previous = runtime.timers.get(name)
        if (previous !== undefined) clearTimeout(previous)
        runtime.timers.set(name, setTimeout(() => {
          runtime.timers.delete(name)
          if (runtime.running) runtime.safely(`onTimer(${name})`, () => runtime.handler?.onTimer(name))
        }, Math.max(0, delayMs)))
      },
      cancelTimer: (name) => {
        const timer = runtime.timers.get(name)
        if (timer !== undefined) clearTimeout(timer)
        runtime.timers.delete(name)
      }
    }
  }

  private async request (to: PeerRef, req: Req, timeoutMs: number, done: (result: Result<Res>) => void): Promise<void> {
    // Yield first, so that `done` can never run inside the caller's `request()`.
    await Promise.resolve()
    const finish = (result: Result<Res>): void => {
      if (!result.ok) this.counters.outboundFailed[result.failure]++
      this.safely('request callback', () => done(result))
    }
    if (!this.running) return finish(fail('stopped'))
    this.counters.outboundRequests++
    const controller = new AbortController()
    this.pending.add(controller)
    const signal = AbortSignal.any([controller.signal, AbortSignal.timeout(timeoutMs)])
    let stream: Stream | undefined
    try {
      const frame = this.init.codec.encodeRequest(req, this.peers)
      stream = await this.openStream(to, signal)
      const lp = lpStream(stream, { maxDataLength: this.init.codec.maxFrameBytes })
      await lp.write(frame, { signal })
      const reply = await lp.read({ signal })
      await stream.close({ signal }).catch(() => {})
      const res = this.init.codec.decodeResponse(reply.subarray(), this.peers)
      finish({ ok: true, value: res })
    } catch (err) {
      stream?.abort(err as Error)
      const failure = controller.signal.aborted ? 'stopped' : classify(err, signal)
      if (failure !== 'stopped' && failure !== 'timeout') this.log('request to %s failed (%s): %s', to.address, failure, (err as Error).message)
      finish(fail(failure))
    } finally {
      this.pending.delete(controller)
    }
  }

  private async send (to: PeerRef, msg: Msg): Promise<void> {
    await Promise.resolve()
    const encode = this.init.codec.encodeMessage
    if (!this.running || encode === undefined) return
    const signal = AbortSignal.timeout(this.init.inboundTimeoutMs)
    let stream: Stream | undefined
    try {
      const frame = encode(msg, this.peers)
      stream = await this.openStream(to, signal)
      await lpStream(stream).write(frame, { signal })
      await stream.close({ signal })
    } catch (err) {
      stream?.abort(err as Error)
      this.log('send to %s failed: %s', to.address, (err as Error).message)
    }
  }

  private async openStream (to: PeerRef, signal: AbortSignal): Promise<Stream> {
    return await this.components.connectionManager.openStream(peerIdFromString(to.address), this.init.protocol, { signal })
  }

  private async onStream (stream: Stream, connection: Connection): Promise<void> {
    const handler = this.handler
    if (!this.running || handler === undefined) {
      stream.abort(new Error('protocol stopped'))
      return
    }
    const signal = AbortSignal.timeout(this.init.inboundTimeoutMs)
    const lp = lpStream(stream, { maxDataLength: this.init.codec.maxFrameBytes })
    let stage: 'read' | 'decode' | 'answer' = 'read'
    try {
      const frame = await lp.read({ signal })
      stage = 'decode'
      const inbound = this.init.codec.decodeInbound(frame.subarray(), this.peers)
      stage = 'answer'
      const from = this.peers.ref(connection.remotePeer)
      if ('request' in inbound) {
        this.counters.inboundRequests++
        const res = handler.onRequest(from, inbound.request)
        await lp.write(this.init.codec.encodeResponse(res, this.peers), { signal })
      } else {
        this.counters.inboundMessages++
        handler.onMessage(from, inbound.message)
      }
      await stream.close({ signal })
    } catch (err) {
      const name = (err as Error)?.name
      const oversize = name === 'InvalidDataLengthError' || name === 'InvalidMessageLengthError' || name === 'InvalidDataLengthLengthError' ||
        (err instanceof WireError && err.code === 'oversize')
      const malformed = !oversize && (stage === 'decode' || err instanceof WireError)
      if (oversize || malformed) {
        this.safely('onBadFrame', () => this.init.onBadFrame?.(this.peers.ref(connection.remotePeer), oversize ? 'oversize' : 'malformed'))
      }
      if (oversize) this.counters.inboundOversize++
      else if (malformed) this.counters.inboundMalformed++
      else if (stage === 'answer' && !(err as Error)?.name?.includes('Abort') && !signal.aborted) this.log.error('BUG: handling a request from %p threw: %e', connection.remotePeer, err)
      else this.counters.inboundFailed++
      this.log('inbound stream from %p reset (%s): %s', connection.remotePeer, stage, (err as Error)?.message)
      stream.abort(err as Error)
    }
  }
}
