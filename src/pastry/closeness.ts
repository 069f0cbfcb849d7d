/**
 * "Numerically closest" (Rowstron & Druschel 2001 §2: a key belongs to the live node whose id is
 * numerically closest to it), as one total order every part of Pastry and its simulator shares.
 * Invariant: distance is core's absDistance (the shorter way round the 2^256 ring); a tie, two nodes
 * at key ± d, goes to the lower id, so every node picks the same owner from the same membership.
 */
import { absDistance, type NodeId } from '../core/id.js'
import type { PeerRef } from '../core/port.js'

/** Whether `a` is strictly closer to `key` than `b` in Pastry's total order. */
export function isCloser (key: NodeId, a: NodeId, b: NodeId): boolean {
  const da = absDistance(a, key)
  const db = absDistance(b, key)
  return da < db || (da === db && a < b)
}

/** A sort comparator: closest to `key` first. */
export function byCloseness (key: NodeId): (a: PeerRef, b: PeerRef) => number {
  return (a, b) => (a.id === b.id ? 0 : isCloser(key, a.id, b.id) ? -1 : 1)
}
