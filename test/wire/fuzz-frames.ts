/**
 * Generated frames for fuzzing every decoder of our wire (issue 10): the decoders, and fast-check
 * arbitraries of frames: well-formed messages of the decoder's own protocol (fuzz-messages.ts),
 * frames that look like protobuf (tags, varints, nested messages, peer ids, key ids, multiaddrs,
 * with the type field mostly in range) and plain random bytes, each perhaps mutated (cut, flipped
 * byte, inserted bytes). Shared by test/wire/fuzz.test.ts (10^3 frames per decoder in
 * `npm test`) and benchmarks/fuzz-decoders.ts (10^5). The property: a decoder returns a value or
 * throws WireError, never anything else.
 */
import fc from 'fast-check'
import { decodeChordRequest, decodeChordResponse } from '../../src/wire/chord.js'
import { decodeEnvelope, encodeEnvelope } from '../../src/wire/envelope.js'
import { decodePastryRequest, decodePastryResponse } from '../../src/wire/pastry.js'
import { addressPeerCodec, WireError } from '../../src/wire/peer-codec.js'
import { decodeSirRequest, decodeSirResponse } from '../../src/wire/sir.js'
import { chordRequestFrames, chordResponseFrames, pastryRequestFrames, pastryResponseFrames, sirRequestFrames, sirResponseFrames } from './fuzz-messages.js'
import type { EnvelopeKind } from '../../src/wire/envelope.js'
import type { PeerCodec } from '../../src/wire/peer-codec.js'

/** Envelopes of every kind around a short body (a refusal's is empty). */
const envelopeFrames: fc.Arbitrary<Uint8Array> = fc.tuple(
  fc.constantFrom<EnvelopeKind>('request', 'response', 'message', 'refused'),
  fc.integer({ min: 1, max: 0xffffffff }),
  fc.uint8Array({ maxLength: 32 })
).map(([kind, id, body]) => encodeEnvelope(kind, kind === 'message' ? 0 : id, kind === 'refused' ? new Uint8Array(0) : body))

export interface FuzzTarget {
  readonly name: string
  decode(bytes: Uint8Array, codec: PeerCodec): unknown
  /** Well-formed frames this decoder reads. */
  readonly valid: fc.Arbitrary<Uint8Array>
}

/** Every decoder that reads bytes from the wire (the storage fields are decoded inside Chord's and Pastry's). */
export const FUZZ_TARGETS: readonly FuzzTarget[] = [
  { name: 'chord request', decode: decodeChordRequest, valid: chordRequestFrames },
  { name: 'chord response', decode: decodeChordResponse, valid: chordResponseFrames },
  { name: 'pastry request', decode: decodePastryRequest, valid: pastryRequestFrames },
  { name: 'pastry response', decode: decodePastryResponse, valid: pastryResponseFrames },
  { name: 'sir request', decode: decodeSirRequest, valid: sirRequestFrames },
  { name: 'sir response', decode: decodeSirResponse, valid: sirResponseFrames },
  { name: 'envelope', decode: (bytes) => decodeEnvelope(bytes), valid: envelopeFrames }
]

export { addressPeerCodec }

/** Decodes `bytes` with `target`: 'ok', 'refused' (a WireError), or the crash (anything else). */
export function decodeOnce (target: FuzzTarget, bytes: Uint8Array, codec: PeerCodec): 'ok' | 'refused' | { crash: unknown } {
  try {
    target.decode(bytes, codec)
    return 'ok'
  } catch (err) {
    return err instanceof WireError ? 'refused' : { crash: err }
  }
}

function varint (value: bigint): number[] {
  const out: number[] = []
  for (; value >= 0x80n; value >>= 7n) out.push(Number(value & 0x7fn) | 0x80)
  out.push(Number(value))
  return out
}

const tag = (field: number, wireType: number): number[] => varint(BigInt((field << 3) | wireType))
const lengthDelimited = (field: number, payload: Uint8Array): number[] => [...tag(field, 2), ...varint(BigInt(payload.length)), ...payload]

/** Byte strings a decoder treats specially: ids, peer ids (valid multihashes), multiaddrs. */
const meaningfulBytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ minLength: 32, maxLength: 32 }),
  fc.uint8Array({ minLength: 32, maxLength: 32 }).map(key => Uint8Array.from([0x00, 0x24, 0x08, 0x01, 0x12, 0x20, ...key])),
  fc.uint8Array({ minLength: 32, maxLength: 32 }).map(digest => Uint8Array.from([0x12, 0x20, ...digest])),
  fc.integer({ min: 0, max: 65535 }).map(port => Uint8Array.from([0x04, 127, 0, 0, 1, 0x06, port >> 8, port & 0xff])),
  fc.string({ maxLength: 40 }).map(s => new TextEncoder().encode(s)),
  fc.uint8Array({ maxLength: 80 })
)

const varintValue: fc.Arbitrary<bigint> = fc.oneof(
  fc.integer({ min: 0, max: 12 }).map(BigInt),
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  fc.constantFrom(0n, 1n, 63n, 64n, 65n, 1023n, 1024n, 1025n, BigInt(Number.MAX_SAFE_INTEGER), BigInt(Number.MAX_SAFE_INTEGER) + 1n)
)

/** One protobuf field of any wire type (including the invalid 3, 4, 6, 7) on fields 1 to 16. */
function field (depth: number): fc.Arbitrary<number[]> {
  const fieldNo = fc.integer({ min: 1, max: 16 })
  const options: Array<fc.Arbitrary<number[]>> = [
    fc.tuple(fieldNo, varintValue).map(([f, v]) => [...tag(f, 0), ...varint(v)]),
    fc.tuple(fieldNo, meaningfulBytes).map(([f, b]) => lengthDelimited(f, b)),
    fc.tuple(fieldNo, fc.uint8Array({ minLength: 8, maxLength: 8 })).map(([f, b]) => [...tag(f, 1), ...b]),
    fc.tuple(fieldNo, fc.uint8Array({ minLength: 4, maxLength: 4 })).map(([f, b]) => [...tag(f, 5), ...b]),
    fc.tuple(fieldNo, fc.constantFrom(3, 4, 6, 7)).map(([f, w]) => tag(f, w))
  ]
  if (depth > 0) options.push(fc.tuple(fieldNo, message(depth - 1)).map(([f, m]) => lengthDelimited(f, m)))
  return fc.oneof(...options)
}

/** A protobuf-like message: usually a type field in range first, then up to 24 fields. */
function message (depth: number): fc.Arbitrary<Uint8Array> {
  return fc.tuple(
    fc.option(fc.integer({ min: 0, max: 12 }), { freq: 4 }),
    fc.array(field(depth), { maxLength: 24 })
  ).map(([type, fields]) => Uint8Array.from([...(type === null ? [] : [...tag(1, 0), ...varint(BigInt(type))]), ...fields.flat()]))
}

/** A frame as an attacker might send `target`: a well-formed one, a protobuf-like one or random bytes, perhaps cut, flipped or grown. */
export const frameFor = (target: FuzzTarget): fc.Arbitrary<Uint8Array> => fc.tuple(
  fc.oneof({ weight: 3, arbitrary: target.valid }, { weight: 2, arbitrary: message(2) }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 512 }) }),
  fc.oneof(
    fc.constant({ kind: 'none' as const }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) })
  )
).map(([bytes, mutation]) => {
  if (mutation.kind === 'none' || bytes.length === 0) return bytes
  const at = mutation.at % bytes.length
  switch (mutation.kind) {
    case 'cut': return bytes.subarray(0, at)
    case 'flip': { const out = Uint8Array.from(bytes); out[at] ^= mutation.mask; return out }
    case 'insert': return Uint8Array.from([...bytes.subarray(0, at), ...mutation.bytes, ...bytes.subarray(at)])
  }
})
