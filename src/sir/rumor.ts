/**
 * A rumor (Demers et al., PODC 1987 §1.3 "rumor mongering": one update that hot sites spread), its
 * id, and the bytes its origin signs. Invariants: the id is SHA-256 over a canonical,
 * length-prefixed encoding of origin, seq, creation time, topic and payload, recomputed by every
 * receiver and never read from the wire; the origin signs SIGNING_DOMAIN ‖ id bytes, so the
 * creation time is signed and a replay cannot make an old rumor look new (issue 10, item 7); a
 * Rumor object is immutable once built, which is what lets its id be memoized per object.
 */
import { sha256 } from '../core/sha256.js'
import { MAX_ORIGIN_BYTES, MAX_PAYLOAD_BYTES_LIMIT, MAX_SIGNATURE_BYTES, MAX_TOPIC_BYTES, RUMOR_ID_BYTES, RUMOR_OVERHEAD_BYTES } from './limits.js'

/** A rumor id: 64 lower-case hex digits of SHA-256 (see rumorId). */
export type RumorId = string

export interface Rumor {
  /** The origin's peer id multihash bytes: whose key signed it. */
  readonly origin: Uint8Array
  /** The origin's sequence number (u64); makes two equal payloads on one topic distinct rumors. */
  readonly seq: bigint
  /**
   * When the origin made it, in ms on the origin's clock (Unix epoch on libp2p, virtual time in
   * the simulator); signed. Receivers refuse a rumor outside their freshness window.
   */
  readonly createdAtMs: number
  readonly topic: string
  readonly payload: Uint8Array
  /** The origin's signature over signedBytes(rumorId(this)). */
  readonly signature: Uint8Array
}

/** The origin side of signing: the runtime's node key (Ed25519 on libp2p; a stand-in in the simulator). */
export interface RumorSigner {
  /** This node's peer id multihash bytes, the `origin` of every rumor it publishes. */
  readonly origin: Uint8Array
  /** Signs `message` with this node's private key. Synchronous: Ed25519 on Node is. */
  sign(message: Uint8Array): Uint8Array
}

/** The receiver side: checks a signature against the key the origin peer id names. */
export interface RumorVerifier {
  /**
   * True when `signature` over `message` was made by the key of the peer whose id bytes are
   * `origin`. Returns false (never throws) for an origin it cannot read a key from.
   */
  verify(origin: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean
}

/** Domain separation: a SIR signature can never be replayed as another protocol's signature. */
const SIGNING_DOMAIN = new TextEncoder().encode('/overlay/sir/1.0.0 rumor:')
const utf8 = new TextEncoder()
const HEX = Array.from({ length: 256 }, (_, i) => (i < 16 ? '0' : '') + i.toString(16))
/** A rumor's id in both forms, memoized per (immutable) rumor object. */
interface IdForms { readonly hex: RumorId, readonly bytes: Uint8Array }
const idCache = new WeakMap<Rumor, IdForms>()
const U64_END = 1n << 64n

/** Lower-case hex of `bytes`. */
export function toHex (bytes: Uint8Array): string {
  let s = ''
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]]
  return s
}

/** The 32 bytes of a rumor id. Throws on anything but 64 hex digits (a bug, not a remote failure). */
export function rumorIdToBytes (id: RumorId): Uint8Array {
  if (!/^[0-9a-f]{64}$/.test(id)) throw new RangeError('a rumor id is 64 lower-case hex digits')
  const out = new Uint8Array(RUMOR_ID_BYTES)
  for (let i = 0; i < RUMOR_ID_BYTES; i++) out[i] = parseInt(id.slice(2 * i, 2 * i + 2), 16)
  return out
}

/** A rumor id from its 32 bytes. */
export function rumorIdFromBytes (bytes: Uint8Array): RumorId {
  if (bytes.length !== RUMOR_ID_BYTES) throw new RangeError(`a rumor id is ${RUMOR_ID_BYTES} bytes, got ${bytes.length}`)
  return toHex(bytes)
}

/**
 * The canonical bytes the id hashes: u16 origin length, origin, u64 seq, u64 creation time (ms),
 * u16 topic length, topic (UTF-8), u32 payload length, payload; all big-endian.
 */
function canonicalBytes (origin: Uint8Array, seq: bigint, createdAtMs: number, topic: Uint8Array, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 + origin.length + 8 + 8 + 2 + topic.length + 4 + payload.length)
  const view = new DataView(out.buffer)
  let at = 0
  view.setUint16(at, origin.length); at += 2
  out.set(origin, at); at += origin.length
  view.setBigUint64(at, seq); at += 8
  view.setBigUint64(at, BigInt(createdAtMs)); at += 8
  view.setUint16(at, topic.length); at += 2
  out.set(topic, at); at += topic.length
  view.setUint32(at, payload.length); at += 4
  out.set(payload, at)
  return out
}

function idForms (rumor: Rumor): IdForms {
  let forms = idCache.get(rumor)
  if (forms === undefined) {
    const bytes = sha256(canonicalBytes(rumor.origin, rumor.seq, rumor.createdAtMs, utf8.encode(rumor.topic), rumor.payload))
    forms = { hex: toHex(bytes), bytes }
    idCache.set(rumor, forms)
  }
  return forms
}

/** The rumor's id, computed from its content (memoized per object: rumors are immutable). */
export function rumorId (rumor: Rumor): RumorId {
  return idForms(rumor).hex
}

/** What the origin of `rumor` signs: SIGNING_DOMAIN ‖ the 32 id bytes. */
export function signedBytes (rumor: Rumor): Uint8Array {
  const out = new Uint8Array(SIGNING_DOMAIN.length + RUMOR_ID_BYTES)
  out.set(SIGNING_DOMAIN)
  out.set(idForms(rumor).bytes, SIGNING_DOMAIN.length)
  return out
}

/** Builds and signs a rumor made at `createdAtMs`; `seq` must be a u64. */
export function createRumor (signer: RumorSigner, seq: bigint, topic: string, payload: Uint8Array, createdAtMs: number): Rumor {
  if (seq < 0n || seq >= U64_END) throw new RangeError('seq must be a u64')
  if (!isCreationTime(createdAtMs)) throw new RangeError('createdAtMs must be an integer in [0, 2^53 - 1]')
  const unsigned: Rumor = { origin: signer.origin, seq, createdAtMs, topic, payload, signature: new Uint8Array(0) }
  const signature = signer.sign(signedBytes(unsigned))
  return { ...unsigned, signature }
}

/** Why a rumor's shape is refused (before any signature check). */
export type RumorShapeError = 'malformed' | 'oversize'

/**
 * Checks sizes against the hard limits and this node's payload bound; returns undefined when the
 * rumor may be hashed and verified.
 */
export function checkRumorShape (rumor: Rumor, maxPayloadBytes: number): RumorShapeError | undefined {
  if (rumor.origin.length === 0 || rumor.origin.length > MAX_ORIGIN_BYTES) return 'malformed'
  if (rumor.signature.length === 0) return 'malformed'
  if (rumor.signature.length > MAX_SIGNATURE_BYTES) return 'oversize'
  if (typeof rumor.seq !== 'bigint' || rumor.seq < 0n || rumor.seq >= U64_END) return 'malformed'
  if (!isCreationTime(rumor.createdAtMs)) return 'malformed'
  if (rumor.topic.length === 0) return 'malformed'
  // A UTF-16 code unit takes 1 to 3 UTF-8 bytes: encode only when the length alone cannot decide.
  if (rumor.topic.length > MAX_TOPIC_BYTES || (3 * rumor.topic.length > MAX_TOPIC_BYTES && topicBytes(rumor.topic) > MAX_TOPIC_BYTES)) return 'oversize'
  if (rumor.payload.length > Math.min(maxPayloadBytes, MAX_PAYLOAD_BYTES_LIMIT)) return 'oversize'
  return undefined
}

/** A creation time the id can carry: a whole number of ms, 0 to 2^53 - 1. */
export function isCreationTime (ms: number): boolean {
  return Number.isSafeInteger(ms) && ms >= 0
}

/** UTF-8 length of a topic. */
export function topicBytes (topic: string): number {
  return utf8.encode(topic).length
}

/** An upper bound of the rumor's encoded size, for the sender's batch budget. */
export function rumorWireBytes (rumor: Rumor): number {
  return rumor.origin.length + 3 * rumor.topic.length + rumor.payload.length + rumor.signature.length + RUMOR_OVERHEAD_BYTES
}
