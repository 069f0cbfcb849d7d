/**
 * Chord's finger table, kept as distinct fingers only (Stoica et al. 2001 §4.3): finger[i] =
 * successor(self + 2^i) is the first entry at clockwise distance >= 2^i. Invariants: entries are
 * sorted by distance from self, never include self, and each is finger[i] for at least one i, so
 * the table holds at most 256 entries and about log2 N in a ring of N nodes.
 */
import { log2Floor, ringDistance, type NodeId } from '../core/id.js'
import type { PeerRef } from '../core/port.js'

/*
 * Entries are kept as peer references only, sorted by clockwise distance from self; a distance is
 * recomputed when needed (a subtraction mod 2^256) rather than stored, which saves a 256-bit
 * bigint and an object per finger: about 1.6 kB per node at 10^6 nodes (issue 14).
 */

export class FingerTable {
  private entries: PeerRef[] = []

  constructor (private readonly selfId: NodeId) {}

  get size (): number { return this.entries.length }

  /** Distinct fingers, nearest first. */
  list (): PeerRef[] { return this.entries.slice() }

  /** finger[i]: the first entry at distance >= 2^i, or undefined. */
  finger (i: number): PeerRef | undefined {
    const bound = 1n << BigInt(i)
    for (const e of this.entries) if (this.distance(e) >= bound) return e
    return undefined
  }

  /**
   * Records that `ref` = successor(self + 2^i) (a fix-fingers result). Entries in [2^i, d(ref)) are
   * then known not to be live successors and are dropped; entries that no longer start any finger
   * interval are pruned.
   */
  set (i: number, ref: PeerRef): void {
    if (ref.id === this.selfId) return
    const low = 1n << BigInt(i)
    const d = ringDistance(this.selfId, ref.id)
    // ref is the first live node at or after self + 2^i; when it wrapped past self (d < 2^i),
    // nothing at distance >= 2^i is live either.
    const staleFrom = low
    const staleTo = d >= low ? d : (1n << 256n)
    const kept: PeerRef[] = []
    let placed = false
    for (const e of this.entries) {
      if (e.id === ref.id) continue
      const de = this.distance(e)
      if (de >= staleFrom && de < staleTo) continue
      if (!placed && de > d) { kept.push(ref); placed = true }
      kept.push(e)
    }
    if (!placed) kept.push(ref)
    this.entries = this.prune(kept)
  }

  /** Adds a node learned otherwise (e.g. seeding); keeps it only if it starts a finger interval. */
  add (ref: PeerRef): void {
    if (ref.id === this.selfId || this.entries.some(e => e.id === ref.id)) return
    const d = ringDistance(this.selfId, ref.id)
    const next = this.entries.slice()
    let at = next.findIndex(e => this.distance(e) > d)
    if (at < 0) at = next.length
    next.splice(at, 0, ref)
    this.entries = this.prune(next)
  }

  /**
   * Adds many nodes at once (seeding): the table `add` of each would leave, with one sort and one
   * prune instead of one per node (pruning keeps the first entry at or after each power of two,
   * whatever the order the entries came in).
   */
  addAll (refs: readonly PeerRef[]): void {
    const known = new Set<NodeId>(this.entries.map(e => e.id))
    const merged = this.entries.slice()
    for (const ref of refs) {
      if (ref.id === this.selfId || known.has(ref.id)) continue
      known.add(ref.id)
      merged.push(ref)
    }
    const keyed = merged.map(ref => ({ ref, d: this.distance(ref) }))
    keyed.sort((a, b) => (a.d < b.d ? -1 : a.d > b.d ? 1 : 0))
    this.entries = this.prune(keyed.map(k => k.ref))
  }

  has (address: string): boolean { return this.entries.some(e => e.address === address) }

  /** Drops a node found dead; the next entry now covers its intervals. */
  remove (address: string): boolean {
    const before = this.entries.length
    this.entries = this.entries.filter(e => e.address !== address)
    return this.entries.length !== before
  }

  /**
   * Fingers in the open arc (self, key), farthest first: the closest preceding fingers, each with
   * its clockwise distance from self. Calls `visit` until it returns false.
   */
  forEachPreceding (key: NodeId, visit: (ref: PeerRef, distance: bigint) => boolean): void {
    // (self, self) is the whole ring but self.
    const dk = key === this.selfId ? (1n << 256n) : ringDistance(this.selfId, key)
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i]
      const d = this.distance(e)
      if (d > 0n && d < dk) {
        if (!visit(e, d)) return
      }
    }
  }

  /** Clockwise distance from self. */
  private distance (ref: PeerRef): bigint { return ringDistance(this.selfId, ref.id) }

  /** Keeps each entry (sorted by distance) that is the first at or after some power of two. */
  private prune (sorted: PeerRef[]): PeerRef[] {
    const out: PeerRef[] = []
    let previous = 0n
    for (const e of sorted) {
      const d = this.distance(e)
      // Some 2^k lies in (previous, d] iff the top power of two of d exceeds previous.
      if ((1n << BigInt(log2Floor(d))) > previous) {
        out.push(e)
        previous = d
      }
    }
    return out
  }
}
