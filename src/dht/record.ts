/**
 * Records bound to their writer, versioned and signed, as BEP 44 mutable items and IPNS records
 * are (protocols/chord.md and pastry.md, "Records"). A record's key is `<writer>/<name>` in UTF-8,
 * where the writer is the text of a libp2p peer id whose public key is inline (Ed25519); its id,
 * SHA-256 of the key, so derives from the writer's key and the name. Each version carries a
 * sequence number and a signature over (key, value, seq). Invariants: a holder keeps the highest
 * valid version (seq first, then the signature bytes as a tie-break, so every holder picks the same
 * one); this core never checks a signature itself: a `RecordVerifier` handed to the node does (the
 * libp2p runtime's checks Ed25519 against the writer's key; the default checks a digest only).
 */
import { sha256 } from '../core/sha256.js'
import type { DhtRecord } from './messages.js'

/** Separates the writer from the name in a full key. */
export const KEY_SEPARATOR = '/'

/** Checks a record's signature against the writer its key names; true when valid. */
export type RecordVerifier = (record: DhtRecord) => boolean
/** Signs (key, value, seq) as the writer of `key`. */
export type RecordSigner = (key: Uint8Array, value: Uint8Array, seq: number) => Uint8Array

/** The writer's part of a full key (before the first separator), or undefined if it has none. */
export function keyWriter (key: string): string | undefined {
  const i = key.indexOf(KEY_SEPARATOR)
  return i <= 0 || i === key.length - 1 ? undefined : key.slice(0, i)
}

const DOMAIN = new TextEncoder().encode('overlay-node record v1\n')

/**
 * The bytes a signature covers: a domain tag, then key and value each with a 4-byte big-endian
 * length, then seq as 8 bytes big-endian. Lengths make (key, value) unambiguous.
 */
export function signedPayload (key: Uint8Array, value: Uint8Array, seq: number): Uint8Array {
  if (!Number.isSafeInteger(seq) || seq < 0) throw new RangeError(`record seq must be a non-negative safe integer, got ${seq}`)
  const out = new Uint8Array(DOMAIN.length + 4 + key.length + 4 + value.length + 8)
  const view = new DataView(out.buffer)
  let at = 0
  out.set(DOMAIN, at); at += DOMAIN.length
  view.setUint32(at, key.length); at += 4
  out.set(key, at); at += key.length
  view.setUint32(at, value.length); at += 4
  out.set(value, at); at += value.length
  view.setBigUint64(at, BigInt(seq))
  return out
}

/** Positive when `a` is a newer version than `b`, 0 when the same, negative when older. */
export function compareVersions (a: DhtRecord, b: DhtRecord): number {
  if (a.seq !== b.seq) return a.seq - b.seq
  const x = a.signature
  const y = b.signature
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i]
  return x.length - y.length
}

/**
 * The digest "signature": SHA-256 of the signed payload. It proves nothing about the writer (anyone
 * can compute it) and serves where there is no key pair: the simulator, which does not model
 * forgery, and unit tests. A node on libp2p uses Ed25519 (src/libp2p/record-keys.ts).
 */
export const digestSigner: RecordSigner = (key, value, seq) => sha256(signedPayload(key, value, seq))

export const digestVerifier: RecordVerifier = r => {
  const expected = digestSigner(r.key, r.value, r.seq)
  if (expected.length !== r.signature.length) return false
  for (let i = 0; i < expected.length; i++) if (expected[i] !== r.signature[i]) return false
  return true
}

/** A record signed by `signer` (the digest signer by default). */
export function signRecord (key: Uint8Array, value: Uint8Array, seq: number, signer: RecordSigner = digestSigner): DhtRecord {
  return { key, value, seq, signature: signer(key, value, seq) }
}
