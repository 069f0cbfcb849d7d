/**
 * The SIR wire codec (protocols/sir.md): protons messages <-> the typed unions of
 * src/sir/messages.ts. Invariants: protobuf types never leave this file; decoding returns a fully
 * checked typed value or throws WireError ('oversize': frame, list or field over its limit;
 * 'malformed': anything else: missing field, bad id length, bad UTF-8, unknown type, an origin the
 * runtime's PeerCodec refuses, a creation time beyond 2^53 - 1 ms); decoded byte fields are copies, so a stored rumor never pins the
 * frame it came in. A rumor's id and signature are checked by the protocol, not here.
 */
import { checkFrame as checkFrameLimit, copyBytes, malformed, oversize, protonsDecode } from './decode.js'
import type { PeerCodec } from './peer-codec.js'
import { WireError } from './peer-codec.js'
import {
  MAX_DIGEST_IDS, MAX_FRAME_BYTES, MAX_ORIGIN_BYTES, MAX_PAYLOAD_BYTES_LIMIT, MAX_RUMORS_PER_MESSAGE,
  MAX_SIGNATURE_BYTES, MAX_TOPIC_BYTES, RUMOR_ID_BYTES
} from '../sir/limits.js'
import type { SirRequest, SirResponse } from '../sir/messages.js'
import { rumorIdFromBytes, rumorIdToBytes, type Rumor, type RumorId } from '../sir/rumor.js'
import * as pb from './pb/sir.js'

export { MAX_FRAME_BYTES }

const utf8Encoder = new TextEncoder()
/** The latest creation time a rumor can carry: ms as a safe integer (the year 287,396). */
const MAX_CREATED_MS = BigInt(Number.MAX_SAFE_INTEGER)
const utf8Decoder = new TextDecoder('utf-8', { fatal: true })

// ---- encode (a message over a limit is a bug of the caller: RangeError) ----

function encodeRumors (rumors: readonly Rumor[]): pb.Rumor[] {
  if (rumors.length > MAX_RUMORS_PER_MESSAGE) throw new RangeError(`sir wire: ${rumors.length} rumors exceed ${MAX_RUMORS_PER_MESSAGE}`)
  return rumors.map(r => ({
    origin: r.origin as Uint8Array<ArrayBuffer>,
    seq: r.seq,
    topic: utf8Encoder.encode(r.topic),
    payload: r.payload as Uint8Array<ArrayBuffer>,
    signature: r.signature as Uint8Array<ArrayBuffer>,
    createdMs: BigInt(r.createdAtMs)
  }))
}

function encodeDigest (ids: readonly RumorId[]): Array<Uint8Array<ArrayBuffer>> {
  if (ids.length > MAX_DIGEST_IDS) throw new RangeError(`sir wire: ${ids.length} digest ids exceed ${MAX_DIGEST_IDS}`)
  return ids.map(id => rumorIdToBytes(id) as Uint8Array<ArrayBuffer>)
}

function encodeKnown (known: readonly boolean[]): Uint8Array<ArrayBuffer> {
  if (known.length > MAX_RUMORS_PER_MESSAGE) throw new RangeError('sir wire: too many feedback flags')
  return Uint8Array.from(known, k => (k ? 1 : 0))
}

export function encodeSirRequest (req: SirRequest): Uint8Array {
  const m: pb.SirRequest = { type: pb.SirRequest.Type.UNKNOWN, rumors: [], digest: [] }
  switch (req.type) {
    case 'push': m.type = pb.SirRequest.Type.PUSH; m.rumors = encodeRumors(req.rumors); break
    case 'pull': m.type = pb.SirRequest.Type.PULL; m.digest = encodeDigest(req.digest); break
    case 'pushpull': m.type = pb.SirRequest.Type.PUSHPULL; m.rumors = encodeRumors(req.rumors); m.digest = encodeDigest(req.digest); break
    case 'sync': m.type = pb.SirRequest.Type.SYNC; m.digest = encodeDigest(req.digest); break
  }
  return pb.SirRequest.encode(m)
}

export function encodeSirResponse (res: SirResponse): Uint8Array {
  const m: pb.SirResponse = { type: pb.SirResponse.Type.UNKNOWN, known: new Uint8Array(0), rumors: [] }
  switch (res.type) {
    case 'push-ack': m.type = pb.SirResponse.Type.PUSH_ACK; m.known = encodeKnown(res.known); break
    case 'rumors': m.type = pb.SirResponse.Type.RUMORS; m.rumors = encodeRumors(res.rumors); break
    case 'pushpull-ack': m.type = pb.SirResponse.Type.PUSHPULL_ACK; m.known = encodeKnown(res.known); m.rumors = encodeRumors(res.rumors); break
  }
  return pb.SirResponse.encode(m)
}

// ---- decode (anything wrong is the sender's: WireError) ----

const checkFrame = (bytes: Uint8Array): void => { checkFrameLimit(bytes, MAX_FRAME_BYTES) }

function decodeRumor (r: pb.Rumor, codec: PeerCodec): Rumor {
  if (r.origin.length === 0) malformed('rumor without an origin')
  if (r.origin.length > MAX_ORIGIN_BYTES) oversize(`origin of ${r.origin.length} bytes (at most ${MAX_ORIGIN_BYTES})`)
  try {
    codec.decode({ peerId: r.origin, addrs: [] })
  } catch (err) {
    if (err instanceof WireError) throw err
    malformed(`origin is not a peer id: ${(err as Error).message}`)
  }
  if (r.topic.length === 0) malformed('rumor without a topic')
  if (r.topic.length > MAX_TOPIC_BYTES) oversize(`topic of ${r.topic.length} bytes (at most ${MAX_TOPIC_BYTES})`)
  let topic: string
  try {
    topic = utf8Decoder.decode(r.topic)
  } catch {
    malformed('topic is not UTF-8')
  }
  if (r.payload.length > MAX_PAYLOAD_BYTES_LIMIT) oversize(`payload of ${r.payload.length} bytes (at most ${MAX_PAYLOAD_BYTES_LIMIT})`)
  if (r.signature.length === 0) malformed('rumor without a signature')
  if (r.signature.length > MAX_SIGNATURE_BYTES) oversize(`signature of ${r.signature.length} bytes (at most ${MAX_SIGNATURE_BYTES})`)
  if (r.createdMs > MAX_CREATED_MS) malformed(`creation time ${r.createdMs} exceeds 2^53 - 1`)
  return { origin: copyBytes(r.origin), seq: r.seq, createdAtMs: Number(r.createdMs), topic, payload: copyBytes(r.payload), signature: copyBytes(r.signature) }
}

function decodeRumors (rumors: readonly pb.Rumor[], codec: PeerCodec): Rumor[] {
  if (rumors.length > MAX_RUMORS_PER_MESSAGE) oversize(`${rumors.length} rumors (at most ${MAX_RUMORS_PER_MESSAGE})`)
  return rumors.map(r => decodeRumor(r, codec))
}

function decodeDigest (ids: readonly Uint8Array[]): RumorId[] {
  if (ids.length > MAX_DIGEST_IDS) oversize(`${ids.length} digest ids (at most ${MAX_DIGEST_IDS})`)
  return ids.map(b => {
    if (b.length !== RUMOR_ID_BYTES) malformed(`a digest id of ${b.length} bytes (must be ${RUMOR_ID_BYTES})`)
    return rumorIdFromBytes(b)
  })
}

function decodeKnown (known: Uint8Array): boolean[] {
  if (known.length > MAX_RUMORS_PER_MESSAGE) oversize(`${known.length} feedback flags (at most ${MAX_RUMORS_PER_MESSAGE})`)
  return Array.from(known, b => {
    if (b > 1) malformed(`a feedback flag of ${b} (must be 0 or 1)`)
    return b === 1
  })
}

/**
 * Decodes a request. `codec` is the runtime's PeerCodec: each rumor's origin must be a peer id it
 * accepts (libp2p: a valid multihash). Fields that do not belong to the request's type are ignored.
 */
export function decodeSirRequest (bytes: Uint8Array, codec: PeerCodec): SirRequest {
  checkFrame(bytes)
  const m = protonsDecode(() => pb.SirRequest.decode(bytes))
  switch (m.type) {
    case pb.SirRequest.Type.PUSH: return { type: 'push', rumors: decodeRumors(m.rumors, codec) }
    case pb.SirRequest.Type.PULL: return { type: 'pull', digest: decodeDigest(m.digest) }
    case pb.SirRequest.Type.PUSHPULL: return { type: 'pushpull', rumors: decodeRumors(m.rumors, codec), digest: decodeDigest(m.digest) }
    case pb.SirRequest.Type.SYNC: return { type: 'sync', digest: decodeDigest(m.digest) }
    default: return malformed('unknown request type')
  }
}

/** Decodes a response (see decodeSirRequest for `codec`). */
export function decodeSirResponse (bytes: Uint8Array, codec: PeerCodec): SirResponse {
  checkFrame(bytes)
  const m = protonsDecode(() => pb.SirResponse.decode(bytes))
  switch (m.type) {
    case pb.SirResponse.Type.PUSH_ACK: return { type: 'push-ack', known: decodeKnown(m.known) }
    case pb.SirResponse.Type.RUMORS: return { type: 'rumors', rumors: decodeRumors(m.rumors, codec) }
    case pb.SirResponse.Type.PUSHPULL_ACK: return { type: 'pushpull-ack', known: decodeKnown(m.known), rumors: decodeRumors(m.rumors, codec) }
    default: return malformed('unknown response type')
  }
}
