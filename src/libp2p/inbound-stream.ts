/**
 * One remote peer's inbound stream of one protocol: a single reader loop that answers every
 * request frame on the same stream, with its id, and hands messages on.
 * Invariants: frames are served in order, one at a time; while an answer waits for the stream to
 * drain nothing more is read (the stream is paused), so at most one answer is buffered beyond the
 * muxer's window; a frame begun but not finished, or an answer not drained, within `timeoutMs`
 * resets the stream; a bad frame resets this stream only and is reported once; nothing is written
 * after `close()`; a remote that goes away before its answer is written is reported as such
 * (`onClosedEarly`), never as a bug of ours (issue 10, item 10).
 */
import { decodeEnvelope } from '../wire/envelope.js'
import { WireError } from '../wire/peer-codec.js'
import { FrameReader } from './frames.js'
import type { Envelope } from '../wire/envelope.js'
import type { Stream } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'

/** Thrown by `serve` when protocol code (not the remote) failed: a bug, logged as such. */
export class ProtocolBug extends Error {
  override readonly name: string = 'ProtocolBug'
}

export interface InboundStreamInit {
  maxFrameBytes: number
  /** Time allowed to finish a frame once begun, and to drain an answer. */
  timeoutMs: number
  /** Answers a request (a frame to write) or takes a message (undefined); throws WireError or ProtocolBug. */
  serve(envelope: Envelope): Uint8ArrayList | undefined
  /** The remote sent a bad frame (the stream is being reset). */
  onBadFrame(err: WireError): void
  /** Protocol code threw (the stream is being reset). */
  onBug(err: ProtocolBug): void
  /** The remote reset the stream, closed it inside a frame, or let a deadline pass. */
  onFailed(why: string): void
  /** The remote closed or reset the stream before an answer could be written. */
  onClosedEarly(why: string): void
  /** The stream is finished, however it ended. */
  onEnd(): void
}

export class InboundStream {
  private readonly stream: Stream
  private readonly init: InboundStreamInit
  private readonly reader: FrameReader
  private deadline: ReturnType<typeof setTimeout> | undefined
  private finished = false
  private paused = false
  /** The remote closed its end: serve what is buffered, then close ours. */
  private remoteClosed = false

  constructor (stream: Stream, init: InboundStreamInit) {
    this.stream = stream
    this.init = init
    this.reader = new FrameReader(init.maxFrameBytes)
    stream.addEventListener('message', (event) => {
      this.reader.push(event.data)
      this.serveFrames()
    })
    stream.addEventListener('drain', () => {
      this.serveFrames()
      if (!this.finished && this.paused && !stream.writableNeedsDrain) {
        this.paused = false
        stream.resume()
      }
    })
    const remoteEnded = (): void => {
      if (this.remoteClosed) return
      this.remoteClosed = true
      this.serveFrames()
    }
    stream.addEventListener('remoteCloseWrite', remoteEnded)
    stream.addEventListener('end', remoteEnded)
    // libp2p runs a handler only after a peer-store write; a remote that closed before that sent
    // 'remoteCloseWrite' to nobody. The buffered bytes come first (queued by the 'message' listener).
    queueMicrotask(() => { if (stream.remoteWriteStatus === 'closed') remoteEnded() })
    stream.addEventListener('close', (event) => {
      if (!this.finished && event.error !== undefined) this.init.onFailed(event.error.message)
      this.end()
    })
  }

  /** Stops serving and closes our end gracefully (what is written still goes out). */
  close (): void {
    if (this.finished) return
    this.end()
    this.stream.close().catch((err: Error) => { this.stream.abort(err) })
  }

  private serveFrames (): void {
    if (this.finished) return
    let served = false
    try {
      while (!this.stream.writableNeedsDrain) {
        const frame = this.reader.next()
        if (frame === undefined) break
        served = true
        const answer = this.init.serve(decodeEnvelope(frame))
        if (this.finished) return
        if (answer !== undefined && !this.answer(answer)) return
      }
    } catch (err) {
      if (err instanceof WireError) {
        this.init.onBadFrame(err)
      } else if (err instanceof ProtocolBug) {
        this.init.onBug(err)
      } else {
        this.fail((err as Error).message)
        return
      }
      this.reset(err as Error)
      return
    }
    if (this.stream.writableNeedsDrain) {
      // Backpressure: read nothing more until the remote takes our answers.
      if (!this.paused && !this.remoteClosed) {
        this.paused = true
        this.stream.pause()
      }
      if (served || this.deadline === undefined) this.armDeadline('an answer not taken')
    } else if (this.remoteClosed) {
      if (this.reader.buffered > 0) this.fail('closed inside a frame')
      else this.close()
    } else if (this.reader.buffered > 0) {
      // A frame has begun; a new one gets a fresh deadline, an old one keeps its own.
      if (served || this.deadline === undefined) this.armDeadline('a frame not finished')
    } else if (this.deadline !== undefined) {
      clearTimeout(this.deadline)
      this.deadline = undefined
    }
  }

  /** Writes an answer; false (and the stream ended) when the remote is already gone. */
  private answer (frame: Uint8ArrayList): boolean {
    if (this.stream.status === 'open' && this.stream.writeStatus === 'writable') {
      try {
        this.stream.send(frame)
        return true
      } catch (err) {
        // Closed between the check and the write: the same case.
        if (this.stream.status === 'open' && this.stream.writeStatus === 'writable') throw err
      }
    }
    this.init.onClosedEarly(`the stream was ${this.stream.status} before the answer`)
    this.reset(new Error('closed before the answer'))
    return false
  }

  private armDeadline (what: string): void {
    clearTimeout(this.deadline)
    this.deadline = setTimeout(() => {
      this.deadline = undefined
      this.fail(`${what} within ${this.init.timeoutMs} ms`)
    }, this.init.timeoutMs)
  }

  /** The remote's fault, but not a bad frame: counted as a failed stream. */
  private fail (why: string): void {
    if (this.finished) return
    this.init.onFailed(why)
    this.reset(new Error(why))
  }

  private reset (err: Error): void {
    this.end()
    this.stream.abort(err)
  }

  private end (): void {
    if (this.finished) return
    this.finished = true
    clearTimeout(this.deadline)
    this.deadline = undefined
    this.init.onEnd()
  }
}
