/**
 * The envelope every frame of our overlays carries on a long-lived stream (protocols/*.md,
 * "Framing"): kind (1 byte) ‖ request id (unsigned varint) ‖ body (the protocol codec's bytes).
 * Invariants: decoding yields a checked Envelope or throws WireError (malformed: empty frame,
 * unknown kind, a bad or out-of-range id); the decoded body is a copy, so a small record never
 * pins the (possibly large) frame it arrived in. Requests, responses and refusals carry ids
 * 1..MAX_REQUEST_ID; fire-and-forget messages carry id 0. A refusal answers a request the receiver
 * would not serve (over a rate limit): it carries the request's id and an empty body.
 */
import { WireError } from './peer-codec.js'

export type EnvelopeKind = 'request' | 'response' | 'message' | 'refused'

export interface Envelope {
  readonly kind: EnvelopeKind
  /** 1..MAX_REQUEST_ID for requests, responses and refusals, 0 for messages. */
  readonly id: number
  readonly body: Uint8Array
}

/** Largest request id: 2^32 - 1, a 5-byte varint; ids wrap long before a stream could confuse two. */
export const MAX_REQUEST_ID = 0xffffffff
/** Longest varint accepted anywhere in our framing: 5 bytes carry 35 bits, enough for MAX_REQUEST_ID and any frame length. */
export const MAX_VARINT_BYTES = 5
/** Longest envelope header: the kind byte and a MAX_VARINT_BYTES id. */
export const MAX_ENVELOPE_HEADER_BYTES = 1 + MAX_VARINT_BYTES

const KIND_CODES: Record<EnvelopeKind, number> = { request: 1, response: 2, message: 3, refused: 4 }
const KINDS: ReadonlyArray<EnvelopeKind | undefined> = [undefined, 'request', 'response', 'message', 'refused']

/** Bytes of the unsigned varint encoding of `value` (0 <= value < 2^35). */
export function varintLength (value: number): number {
  let length = 1
  while (value >= 0x80) {
    value = Math.floor(value / 0x80)
    length++
  }
  return length
}

/** Writes the unsigned varint of `value` at `offset`; returns the offset after it. */
export function writeVarint (value: number, target: Uint8Array, offset: number): number {
  while (value >= 0x80) {
    target[offset++] = (value % 0x80) | 0x80
    value = Math.floor(value / 0x80)
  }
  target[offset++] = value
  return offset
}

/**
 * Reads an unsigned varint at `offset`: its value and the offset after it, or undefined when
 * `bytes` ends inside it. Throws WireError(`code`) past MAX_VARINT_BYTES or above `maxValue`.
 */
export function readVarint (bytes: Uint8Array, offset: number, maxValue: number, code: 'malformed' | 'oversize', what: string): { value: number, next: number } | undefined {
  let value = 0
  let scale = 1
  for (let i = 0; i < MAX_VARINT_BYTES; i++) {
    if (offset + i >= bytes.length) return undefined
    const byte = bytes[offset + i]
    value += (byte & 0x7f) * scale
    if (value > maxValue) throw new WireError(code, `${what} exceeds ${maxValue}`)
    if ((byte & 0x80) === 0) return { value, next: offset + i + 1 }
    scale *= 0x80
  }
  throw new WireError(code, `${what}: varint longer than ${MAX_VARINT_BYTES} bytes`)
}

/** The header of an envelope (kind and id); the body follows it on the wire unchanged. */
export function encodeEnvelopeHeader (kind: EnvelopeKind, id: number): Uint8Array {
  if (kind === 'message' ? id !== 0 : !(Number.isInteger(id) && id >= 1 && id <= MAX_REQUEST_ID)) {
    throw new RangeError(`envelope: id ${id} is not valid for a ${kind}`)
  }
  const header = new Uint8Array(1 + varintLength(id))
  header[0] = KIND_CODES[kind]
  writeVarint(id, header, 1)
  return header
}

/** A whole envelope in one buffer (tests and tools; the runtime sends header and body apart). */
export function encodeEnvelope (kind: EnvelopeKind, id: number, body: Uint8Array): Uint8Array {
  const header = encodeEnvelopeHeader(kind, id)
  const out = new Uint8Array(header.length + body.length)
  out.set(header)
  out.set(body, header.length)
  return out
}

/** Parses one frame's envelope; the body is copied out of the frame. */
export function decodeEnvelope (frame: Uint8Array): Envelope {
  const kind = KINDS[frame.length === 0 ? 0 : frame[0]]
  if (kind === undefined) throw new WireError('malformed', frame.length === 0 ? 'empty frame' : `unknown envelope kind ${frame[0]}`)
  const id = readVarint(frame, 1, MAX_REQUEST_ID, 'malformed', 'envelope id')
  if (id === undefined) throw new WireError('malformed', 'envelope ends inside its id')
  if (kind === 'message' ? id.value !== 0 : id.value === 0) throw new WireError('malformed', `envelope id ${id.value} is not valid for a ${kind}`)
  if (kind === 'refused' && id.next !== frame.length) throw new WireError('malformed', 'a refusal with a body')
  // A copy, not a view (Buffer's `slice` is a view): the body must not pin the frame.
  const body = new Uint8Array(frame.length - id.next)
  body.set(frame.subarray(id.next))
  return { kind, id: id.value, body }
}
