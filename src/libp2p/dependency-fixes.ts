/**
 * Two per-frame costs in libp2p's stack that every request on an open stream pays, replaced by
 * the behaviour the other implementations have. Each fix applies only when the method it replaces
 * is byte-for-byte the one it was written against (a hash of its source), so an upgraded package
 * is left alone and `dependencyFixStatus()` says so (a test fails, so it is looked at).
 * - js-yamux sends a window update after every data frame it reads. go-yamux and rust-yamux (and
 *   the spec's intent, hashicorp/yamux `stream.go` sendWindowUpdate) send one only when at least
 *   half of the window has been consumed. Each update is a whole frame: a Noise encryption and a
 *   TCP write here, a decryption and a dispatch at the peer.
 * - @libp2p/utils' LengthPrefixedDecoder asks its length decoder for the next prefix after every
 *   message, and Noise's decoder throws a RangeError when the buffer is empty: one Error (with its
 *   stack trace) per Noise message on every connection. The fix stops when the buffer is empty.
 * TODO(#8): upstream both (js-yamux stream.ts `sendWindowUpdate`, js-libp2p
 * packages/utils/src/length-prefixed-decoder.ts) and delete this file when released.
 */
import { createHash } from 'node:crypto'
import { StreamState, YamuxStream } from '@chainsafe/libp2p-yamux/stream'
import { InvalidParametersError } from '@libp2p/interface'
import { LengthPrefixedDecoder } from '@libp2p/utils'
import type { Uint8ArrayList } from 'uint8arraylist'

/** Yamux frame type of a window update (yamux spec, "Type" field). */
const YAMUX_WINDOW_UPDATE = 1

/** sha256 (first 16 hex digits) of the original method sources these fixes were written against. */
const KNOWN_SOURCES = {
  yamuxWindowUpdate: 'ad75cb27323f9a29', // @chainsafe/libp2p-yamux 8.0.1
  lengthPrefixedDecode: 'c5f365bb64c2c0f7' // @libp2p/utils 7.4.1
}

export type FixState = 'applied' | 'source-changed' | 'disabled'
export interface DependencyFixStatus { yamuxWindowUpdate: FixState, lengthPrefixedDecode: FixState }

let status: DependencyFixStatus | undefined

/** The fields of YamuxStream the replaced method reads (all exist on @chainsafe/libp2p-yamux 8.0.1). */
interface YamuxStreamFields {
  state: StreamState
  recvWindow: number
  recvWindowCapacity: number
  maxStreamWindowSize: number
  epochStart: number
  getRTT: () => number
  getSendFlags: () => number
  sendFrame: (header: { type: number, flag: number, streamID: number, length: number }) => void
  streamId: number
}

/** Same as js-yamux's, except that an established stream tops the window up only below half. */
function sendWindowUpdate (this: YamuxStreamFields): void {
  if (this.state === StreamState.Paused) {
    this.epochStart = Date.now()
    return
  }
  const flags = this.getSendFlags()
  const now = Date.now()
  const rtt = this.getRTT()
  if (flags === 0 && rtt > -1 && (now - this.epochStart) <= (rtt * 4)) {
    this.recvWindow = Math.min(this.recvWindow * 2, this.maxStreamWindowSize)
  }
  const delta = this.recvWindow - this.recvWindowCapacity
  if (flags === 0 && delta < this.recvWindow / 2) return
  this.recvWindowCapacity = this.recvWindow
  this.epochStart = now
  this.sendFrame({ type: YAMUX_WINDOW_UPDATE, flag: flags, streamID: this.streamId, length: delta })
}

interface DecoderFields {
  buffer: Uint8ArrayList
  maxBufferSize: number
  maxDataLength: number
  lengthDecoder: (buf: Uint8ArrayList) => number
  encodingLength: (n: number) => number
}

/** Same as @libp2p/utils', except that it does not ask for a length prefix in an empty buffer. */
function * decode (this: DecoderFields, buf: Uint8Array | Uint8ArrayList): Generator<Uint8ArrayList> {
  this.buffer.append(buf)
  if (this.buffer.byteLength > this.maxBufferSize) {
    throw new InvalidParametersError(`Buffer length limit exceeded - ${this.buffer.byteLength}/${this.maxBufferSize}`)
  }
  while (this.buffer.byteLength > 0) {
    let dataLength: number
    try {
      dataLength = this.lengthDecoder(this.buffer)
    } catch (err) {
      if (err instanceof RangeError) break
      throw err
    }
    if (dataLength < 0 || dataLength > this.maxDataLength) {
      throw new InvalidMessageLength('Invalid message length')
    }
    const lengthLength = this.encodingLength(dataLength)
    const chunkLength = lengthLength + dataLength
    if (this.buffer.byteLength < chunkLength) break
    const data = this.buffer.sublist(lengthLength, chunkLength)
    this.buffer.consume(chunkLength)
    if (data.byteLength > 0) yield data
  }
}

/** The name @libp2p/utils gives this error (its class is not exported). */
class InvalidMessageLength extends Error {
  override name = 'InvalidMessageLengthError'
}

export function sourceHash (fn: Function): string {
  return createHash('sha256').update(fn.toString()).digest('hex').slice(0, 16)
}

function replace (target: object, method: string, known: string, replacement: Function): FixState {
  const current = (target as Record<string, Function>)[method]
  if (current === replacement) return 'applied'
  if (sourceHash(current) !== known) return 'source-changed'
  Object.defineProperty(target, method, { value: replacement, writable: true, configurable: true })
  return 'applied'
}

/**
 * Applies both fixes once per process (idempotent); returns what was applied. The environment
 * variable OVERLAY_NODE_DEPENDENCY_FIXES=off leaves the packages as published, to measure them.
 */
export function applyDependencyFixes (): DependencyFixStatus {
  if (process.env.OVERLAY_NODE_DEPENDENCY_FIXES === 'off') return { yamuxWindowUpdate: 'disabled', lengthPrefixedDecode: 'disabled' }
  status ??= {
    yamuxWindowUpdate: replace(YamuxStream.prototype, 'sendWindowUpdate', KNOWN_SOURCES.yamuxWindowUpdate, sendWindowUpdate),
    lengthPrefixedDecode: replace(LengthPrefixedDecoder.prototype, 'decode', KNOWN_SOURCES.lengthPrefixedDecode, decode)
  }
  return status
}
