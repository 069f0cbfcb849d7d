/**
 * One peer's long-lived outbound stream of one protocol (STYLE.md #14): opened by the first frame
 * for the peer, shared by every request and message after it, replaced when it dies, closed when
 * idle. Requests carry ids and are matched to their responses by id.
 * Invariants: each request's `done` fires exactly once (response, its own timeout, the stream's
 * death, refusal over a limit here or by the remote, or stop); at most `maxInFlight` requests await answers and at most
 * `maxQueuedBytes` wait to be written; a response for an unknown id is dropped and counted; after
 * `stop()` nothing is written.
 */
import { RttEstimator } from '../core/rtt-estimator.js'
import { decodeEnvelope, encodeEnvelopeHeader, MAX_REQUEST_ID } from '../wire/envelope.js'
import { WireError } from '../wire/peer-codec.js'
import { FrameReader, frameOf } from './frames.js'
import type { StreamRuntimeCounters } from './stream-runtime.js'
import type { Failure, Result } from '../core/port.js'
import type { Logger, Stream } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface OutboundStreamInit {
  /** For logs: the remote peer's address. */
  peer: string
  /** Opens a new stream of the protocol to the peer. */
  open(signal: AbortSignal): Promise<Stream>
  maxFrameBytes: number
  maxInFlight: number
  maxQueuedBytes: number
  openTimeoutMs: number
  idleTimeoutMs: number
  counters: StreamRuntimeCounters
  log: Logger
  /** Called when the stream is gone and nothing is pending, so the owner may forget this object. */
  onEmpty(): void
}

interface QueuedFrame {
  readonly frame: Uint8ArrayList
  readonly message: boolean
}

interface PendingRequest {
  readonly done: (result: Result<Uint8Array>) => void
  /** The timeout (re-armed once when it fired late: see STALL_LATENESS_MS). */
  timer: ReturnType<typeof setTimeout>
  /** performance.now() when it was queued, for the round-trip estimate. */
  readonly sentAtMs: number
}

/**
 * A protocol's timeout is stretched by this peer's measured round trips up to this many times
 * itself (8 s for the DHTs' 2 s): enough to ride out an overloaded event loop, short enough that a
 * dead peer is still found within seconds. Per peer, so a peer that answers late only slows
 * requests to itself.
 */
const MAX_TIMEOUT_STRETCH = 4
/** Requests that timed out, remembered so that a late answer still counts as a round trip. */
const MAX_TIMED_OUT_REMEMBERED = 64
/**
 * A timeout timer that fires this much later than it was due (and at least a tenth of the timeout
 * late) found this process's event loop stalled: the answer may be waiting, unread, in the socket,
 * and a peer in this same process had no chance to answer at all. Blaming the peer would start
 * repairs that load the stalled node more, so the request gets its whole timeout once more, on
 * the loop's clock. A request is granted this grace only once, so a silent peer still fails.
 */
const STALL_LATENESS_MS = 50

const fail = (failure: Failure): Result<never> => ({ ok: false, failure })

/** Why a stream could not be opened, as the protocol sees it. */
function openFailure (err: unknown): Failure {
  const name = (err as Error)?.name
  return name === 'UnsupportedProtocolError' || name === 'ProtocolError' ? 'rejected' : 'unreachable'
}

export class OutboundStream {
  private readonly init: OutboundStreamInit
  private readonly pending = new Map<number, PendingRequest>()
  /** Frames waiting for the stream to open or to drain, oldest first. */
  private queue: QueuedFrame[] = []
  private queuedBytes = 0
  private stream: Stream | undefined
  private opening: AbortController | undefined
  private idleTimer: ReturnType<typeof setTimeout> | undefined
  private lastUsedMs = 0
  private lastId = 0
  private stopped = false
  /** Round trips to this peer, answers late or not; stretches the protocol's timeouts. */
  private readonly rtt = new RttEstimator()
  /** Request id -> when it was sent, for requests that timed out (oldest first, bounded). */
  private readonly timedOut = new Map<number, number>()

  constructor (init: OutboundStreamInit) {
    this.init = init
  }

  /** True while neither a stream nor an open nor any request exists. */
  get empty (): boolean {
    return this.stream === undefined && this.opening === undefined && this.pending.size === 0
  }

  /** True while a request waits for its answer, a frame waits to be written or a stream is opening. */
  get busy (): boolean {
    return this.pending.size > 0 || this.queue.length > 0 || this.opening !== undefined
  }

  /** The stream in use, if open (for tests and status). */
  get current (): Stream | undefined {
    return this.stream
  }

  /** Sends a request body; `done` gets the response body or a failure. May call `done` at once (refusals). */
  request (body: Uint8Array, timeoutMs: number, done: (result: Result<Uint8Array>) => void): void {
    if (this.stopped) return done(fail('stopped'))
    if (this.pending.size >= this.init.maxInFlight) {
      this.init.counters.outboundRefused++
      return done(fail('unreachable'))
    }
    const id = this.nextId()
    const frame = frameOf(encodeEnvelopeHeader('request', id), body)
    if (!this.fits(frame)) return done(fail('unreachable'))
    const sentAtMs = performance.now()
    const waitMs = this.rtt.timeoutMs(timeoutMs, MAX_TIMEOUT_STRETCH * timeoutMs)
    let dueAtMs = sentAtMs + waitMs
    let graced = false
    const expire = (): void => {
      const request = this.pending.get(id)
      if (request === undefined) return
      if (!graced && performance.now() - dueAtMs > Math.max(STALL_LATENESS_MS, waitMs / 10)) {
        graced = true
        this.init.counters.timeoutsGracedForStall++
        dueAtMs = performance.now() + waitMs
        request.timer = setTimeout(expire, waitMs)
        return
      }
      this.pending.delete(id)
      this.timedOut.set(id, sentAtMs)
      if (this.timedOut.size > MAX_TIMED_OUT_REMEMBERED) this.timedOut.delete(this.timedOut.keys().next().value as number)
      done(fail('timeout'))
    }
    this.pending.set(id, { done, timer: setTimeout(expire, waitMs), sentAtMs })
    this.enqueue({ frame, message: false })
  }

  /** Sends a fire-and-forget message; false when it was dropped (queue full or stopped). */
  send (body: Uint8Array): boolean {
    if (this.stopped) return false
    const frame = frameOf(encodeEnvelopeHeader('message', 0), body)
    if (!this.fits(frame)) return false
    this.enqueue({ frame, message: true })
    return true
  }

  /**
   * Fails pending requests `stopped`, writes nothing more and closes the stream (without waiting
   * for the remote: no answer will be read, so there is nothing to wait for).
   */
  stop (): void {
    this.stopped = true
    clearTimeout(this.idleTimer)
    this.opening?.abort()
    this.failAll('stopped')
    const stream = this.stream
    this.stream = undefined
    if (stream !== undefined) void closeGracefully(stream, this.init.openTimeoutMs)
  }

  private nextId (): number {
    do {
      this.lastId = this.lastId === MAX_REQUEST_ID ? 1 : this.lastId + 1
    } while (this.pending.has(this.lastId))
    return this.lastId
  }

  private fits (frame: Uint8ArrayList): boolean {
    if (this.queuedBytes + frame.byteLength <= this.init.maxQueuedBytes) return true
    this.init.counters.outboundQueueFull++
    return false
  }

  private enqueue (queued: QueuedFrame): void {
    this.lastUsedMs = performance.now()
    this.queue.push(queued)
    this.queuedBytes += queued.frame.byteLength
    if (this.stream !== undefined) {
      this.init.counters.framesOnOpenStream++
      this.flush(this.stream)
    } else if (this.opening === undefined) {
      void this.openStream()
    }
  }

  /** Writes queued frames until the stream asks to drain; its 'drain' event calls this again. */
  private flush (stream: Stream): void {
    try {
      while (this.queue.length > 0 && !stream.writableNeedsDrain) {
        const { frame } = this.queue.shift() as QueuedFrame
        this.queuedBytes -= frame.byteLength
        stream.send(frame)
      }
    } catch (err) {
      // The stream closed under us: its 'close' event fails what it carried.
      stream.abort(err as Error)
    }
  }

  private async openStream (): Promise<void> {
    const controller = new AbortController()
    this.opening = controller
    let stream: Stream
    try {
      stream = await this.init.open(AbortSignal.any([controller.signal, AbortSignal.timeout(this.init.openTimeoutMs)]))
    } catch (err) {
      this.opening = undefined
      if (this.stopped) return
      this.init.log('opening a stream to %s failed: %s', this.init.peer, (err as Error).message)
      this.failAll(openFailure(err))
      this.init.onEmpty()
      return
    } finally {
      if (this.opening === controller) this.opening = undefined
    }
    if (this.stopped) {
      await closeGracefully(stream, this.init.openTimeoutMs)
      return
    }
    this.init.counters.streamsOpened++
    this.attach(stream)
    this.flush(stream)
  }

  private attach (stream: Stream): void {
    this.stream = stream
    const reader = new FrameReader(this.init.maxFrameBytes)
    stream.addEventListener('message', (event) => {
      if (this.stream !== stream) return
      reader.push(event.data)
      this.onData(stream, reader)
    })
    stream.addEventListener('drain', () => { if (this.stream === stream) this.flush(stream) })
    // A remote that stops writing can answer nothing more: the stream is as good as dead.
    stream.addEventListener('remoteCloseWrite', () => { this.detach(stream, 'unreachable', 'closed by the remote') })
    stream.addEventListener('close', (event) => { this.detach(stream, 'unreachable', event.error?.message ?? 'closed') })
    this.armIdleTimer(this.init.idleTimeoutMs)
  }

  private onData (stream: Stream, reader: FrameReader): void {
    try {
      for (let frame = reader.next(); frame !== undefined; frame = reader.next()) {
        const envelope = decodeEnvelope(frame)
        if (envelope.kind !== 'response' && envelope.kind !== 'refused') throw new WireError('malformed', `a ${envelope.kind} on an outbound stream`)
        const request = this.pending.get(envelope.id)
        if (request === undefined) {
          this.init.counters.lateResponses++
          const sentAtMs = this.timedOut.get(envelope.id)
          if (sentAtMs !== undefined) {
            this.timedOut.delete(envelope.id)
            this.rtt.sample(performance.now() - sentAtMs)
          }
          continue
        }
        this.pending.delete(envelope.id)
        clearTimeout(request.timer)
        this.lastUsedMs = performance.now()
        this.rtt.sample(this.lastUsedMs - request.sentAtMs)
        if (envelope.kind === 'refused') {
          // Over the remote's rate limit: a failure of this request only; the stream stays.
          this.init.counters.refusedByRemote++
          request.done(fail('rejected'))
        } else {
          request.done({ ok: true, value: envelope.body })
        }
      }
    } catch (err) {
      if (!(err instanceof WireError)) throw err
      this.init.counters.outboundBadFrames++
      this.init.log('%s sent a bad frame (%s): %s', this.init.peer, err.code, err.message)
      this.detach(stream, 'malformed', err.message)
      stream.abort(err)
    }
  }

  /** The stream is gone: every request it carried fails, and the next request opens a new one. */
  private detach (stream: Stream, failure: Failure, why: string): void {
    if (this.stream !== stream) return
    this.stream = undefined
    clearTimeout(this.idleTimer)
    if (this.pending.size > 0) this.init.log('stream to %s ended with %d requests in flight: %s', this.init.peer, this.pending.size, why)
    this.failAll(failure)
    if (stream.status === 'open') void closeGracefully(stream, this.init.openTimeoutMs)
    this.init.onEmpty()
  }

  private failAll (failure: Failure): void {
    this.init.counters.outboundDropped += this.queue.filter(queued => queued.message).length
    this.queue = []
    this.queuedBytes = 0
    const requests = [...this.pending.values()]
    this.pending.clear()
    for (const request of requests) {
      clearTimeout(request.timer)
      request.done(fail(failure))
    }
  }

  /** Closes the stream once nothing has used it for idleTimeoutMs; checks again when it was used since. */
  private armIdleTimer (delayMs: number): void {
    clearTimeout(this.idleTimer)
    this.idleTimer = setTimeout(() => {
      const stream = this.stream
      if (stream === undefined) return
      const quietMs = performance.now() - this.lastUsedMs
      if (this.pending.size > 0 || this.queue.length > 0 || quietMs < this.init.idleTimeoutMs) {
        this.armIdleTimer(Math.max(1, this.init.idleTimeoutMs - quietMs))
        return
      }
      this.init.counters.streamsClosedIdle++
      this.stream = undefined
      void closeGracefully(stream, this.init.openTimeoutMs)
      this.init.onEmpty()
    }, delayMs)
    this.idleTimer.unref?.()
  }
}

/**
 * Closes our end (flushing what is written) and expects the remote to close its end within
 * `timeoutMs`; a stream that will not close is reset, so a remote cannot keep it half-open.
 */
async function closeGracefully (stream: Stream, timeoutMs: number): Promise<void> {
  const signal = AbortSignal.timeout(timeoutMs)
  await stream.close({ signal }).catch((err: Error) => { stream.abort(err) })
  if (stream.status !== 'open') return
  const timer = setTimeout(() => { stream.abort(new Error(`the remote did not close within ${timeoutMs} ms`)) }, timeoutMs)
  timer.unref?.()
  stream.addEventListener('close', () => { clearTimeout(timer) }, { once: true })
}
