/**
 * Length-prefixed frames on a byte stream: an incremental reader and the writer's framing.
 * Invariants: the reader refuses a length over `maxFrameBytes` as soon as the prefix is read,
 * before buffering the frame (WireError 'oversize'), so it never holds more than one frame plus
 * the chunk it came in; the writer frames header and body without copying them.
 */
import { Uint8ArrayList } from 'uint8arraylist'
import { MAX_VARINT_BYTES, readVarint, varintLength, writeVarint } from '../wire/envelope.js'
import { WireError } from '../wire/peer-codec.js'

export class FrameReader {
  private readonly buffer = new Uint8ArrayList()
  private readonly maxFrameBytes: number

  constructor (maxFrameBytes: number) {
    this.maxFrameBytes = maxFrameBytes
  }

  /** Bytes received that are not yet a whole frame (or not yet taken). */
  get buffered (): number {
    return this.buffer.byteLength
  }

  push (chunk: Uint8Array | Uint8ArrayList): void {
    this.buffer.append(chunk)
  }

  /** The next whole frame, or undefined until more bytes arrive. Throws WireError on a bad prefix. */
  next (): Uint8Array | undefined {
    if (this.buffer.byteLength === 0) return undefined
    const prefix = this.buffer.subarray(0, Math.min(MAX_VARINT_BYTES, this.buffer.byteLength))
    const length = readVarint(prefix, 0, this.maxFrameBytes, 'oversize', 'frame length')
    if (length === undefined) return undefined
    const end = length.next + length.value
    if (this.buffer.byteLength < end) return undefined
    const frame = this.buffer.subarray(length.next, end)
    this.buffer.consume(end)
    if (frame.length === 0) throw new WireError('malformed', 'empty frame')
    return frame
  }
}

/** One frame ready for `stream.send`: length prefix, envelope header, body (no copies). */
export function frameOf (header: Uint8Array, body: Uint8Array): Uint8ArrayList {
  const length = header.length + body.length
  const prefix = new Uint8Array(varintLength(length))
  writeVarint(length, prefix, 0)
  return new Uint8ArrayList(prefix, header, body)
}
