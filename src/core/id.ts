/**
 * The one 256-bit key space shared by every DHT here (DESIGN.md §2): node id = SHA-256 of the
 * peer id's multihash bytes, key id = SHA-256 of the key bytes. Chord reads an id as a point on the
 * ring mod 2^256 (Stoica et al. 2001 §4); Pastry as 64 base-16 digits (Rowstron & Druschel 2001 §2).
 * Invariant: every NodeId is a bigint in [0, 2^256).
 */
import { sha256 } from './sha256.js'

/** A point of the 256-bit id space. Always in [0, 2^256). */
export type NodeId = bigint

/** Bits in an id (SHA-256 output). */
export const ID_BITS = 256
/** Base-16 digits in an id (Pastry's b = 4). */
export const ID_DIGITS = 64
/** Bytes in an id's binary form. */
export const ID_BYTES = 32
/** 2^256: the size of the ring. */
export const RING_SIZE: bigint = 1n << 256n
const MASK = RING_SIZE - 1n
const POW2: readonly bigint[] = Array.from({ length: ID_BITS }, (_, i) => 1n << BigInt(i))
const HEX_ID = /^[0-9a-fA-F]{64}$/

/** Reads a 32-byte big-endian digest as an id. Throws on any other length. */
export function idFromDigest (bytes: Uint8Array): NodeId {
  if (bytes.length !== ID_BYTES) throw new RangeError(`an id digest must be ${ID_BYTES} bytes, got ${bytes.length}`)
  let hex = ''
  for (let i = 0; i < ID_BYTES; i++) hex += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16)
  return BigInt('0x' + hex)
}

/** The 32-byte big-endian form of an id. */
export function idToBytes (id: NodeId): Uint8Array {
  assertId(id)
  const hex = idToHex(id)
  const out = new Uint8Array(ID_BYTES)
  for (let i = 0; i < ID_BYTES; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16)
  return out
}

/** 64 lower-case hex digits, zero-padded. */
export function idToHex (id: NodeId): string {
  return id.toString(16).padStart(ID_DIGITS, '0')
}

/** Parses exactly 64 hex digits. Throws otherwise. */
export function idFromHex (hex: string): NodeId {
  if (!HEX_ID.test(hex)) throw new RangeError('an id in hex must be exactly 64 hex digits')
  return BigInt('0x' + hex)
}

/** Key id: SHA-256 of the key's bytes. */
export function keyId (key: Uint8Array): NodeId {
  return idFromDigest(sha256(key))
}

/** Node id of a peer: SHA-256 of its peer id's multihash bytes (the kad-dht derivation). */
export function nodeIdFromPeerIdBytes (multihashBytes: Uint8Array): NodeId {
  return idFromDigest(sha256(multihashBytes))
}

/** Fails loudly when a value is not a valid id (a bug, not a remote failure). */
export function assertId (id: NodeId): void {
  if (typeof id !== 'bigint' || id < 0n || id > MASK) throw new RangeError('not a 256-bit id')
}

/** -1, 0 or 1 as numbers compare. */
export function compareIds (a: NodeId, b: NodeId): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Clockwise distance from `a` to `b` on the ring: (b - a) mod 2^256. */
export function ringDistance (a: NodeId, b: NodeId): bigint {
  return (b - a) & MASK
}

/** Numeric distance on the ring, the shorter way round (Pastry's "numerically closest"). */
export function absDistance (a: NodeId, b: NodeId): bigint {
  const d = (b - a) & MASK
  const back = (RING_SIZE - d) & MASK
  return d < back ? d : back
}

/** (id + 2^i) mod 2^256, the start of Chord's i-th finger interval (0 <= i < 256). */
export function addPow2 (id: NodeId, i: number): NodeId {
  if (!Number.isInteger(i) || i < 0 || i >= ID_BITS) throw new RangeError(`finger index out of range: ${i}`)
  return (id + POW2[i]) & MASK
}

export interface IntervalEnds {
  /** Exclude `a` itself. */
  leftOpen: boolean
  /** Exclude `b` itself. */
  rightOpen: boolean
}

/**
 * Whether `x` lies on the clockwise arc from `a` to `b`. When `a === b` the arc is the full ring:
 * every point is inside, except `a` itself when both ends are open (Chord's (n, n) convention).
 */
export function inInterval (x: NodeId, a: NodeId, b: NodeId, ends: IntervalEnds): boolean {
  if (a === b) return x !== a || !(ends.leftOpen && ends.rightOpen)
  const dx = (x - a) & MASK
  if (dx === 0n) return !ends.leftOpen
  const db = (b - a) & MASK
  if (dx === db) return !ends.rightOpen
  return dx < db
}

/** x in (a, b]: Chord's ownership test. */
export function inOpenClosed (x: NodeId, a: NodeId, b: NodeId): boolean {
  return inInterval(x, a, b, OPEN_CLOSED)
}

/** x in (a, b). */
export function inOpen (x: NodeId, a: NodeId, b: NodeId): boolean {
  return inInterval(x, a, b, OPEN_OPEN)
}

const OPEN_CLOSED: IntervalEnds = { leftOpen: true, rightOpen: false }
const OPEN_OPEN: IntervalEnds = { leftOpen: true, rightOpen: true }

/** The i-th base-16 digit, 0 = most significant (0 <= i < 64). */
export function digit (id: NodeId, i: number): number {
  if (!Number.isInteger(i) || i < 0 || i >= ID_DIGITS) throw new RangeError(`digit index out of range: ${i}`)
  return Number(BigInt.asUintN(4, id >> DIGIT_SHIFTS[i]))
}

/** The shift that brings digit i to the bottom, per i: no BigInt built per call (a hot path of Pastry's routing and seeding). */
const DIGIT_SHIFTS: readonly bigint[] = Array.from({ length: ID_DIGITS }, (_, i) => BigInt(4 * (ID_DIGITS - 1 - i)))

/** Number of leading base-16 digits `a` and `b` share (64 when equal). */
export function sharedPrefixLength (a: NodeId, b: NodeId): number {
  const x = a ^ b
  if (x === 0n) return ID_DIGITS
  return ID_DIGITS - 1 - (log2Floor(x) >> 2)
}

/**
 * The index of the highest set bit of a positive distance, i.e. floor(log2 d); -1 for 0. Below
 * 2^256 (every distance), a binary search over the powers of two: eight comparisons, no allocation.
 */
export function log2Floor (d: bigint): number {
  if (d <= 0n) return -1
  if (d >= RING_SIZE) {
    const hex = d.toString(16)
    return (hex.length - 1) * 4 + (31 - Math.clz32(parseInt(hex[0], 16)))
  }
  let lo = 0; let hi = ID_BITS - 1
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1
    if (d >= POW2[mid]) lo = mid
    else hi = mid - 1
  }
  return lo
}
