/**
 * The leaf set L (Rowstron & Druschel 2001 §2.1): the l = |L|/2 nodes with the numerically closest
 * smaller ids (left, counter-clockwise) and the l with the closest larger ids (right, clockwise).
 * Invariants: each side is sorted nearest first, holds no duplicate and never self, and holds the
 * l nearest of every node ever added and not removed since, on its side; a node may sit on both
 * sides only when fewer than |L| + 1 nodes are known, and then the set holds the whole ring.
 */
import { inInterval, ringDistance, type NodeId } from '../core/id.js'
import type { PeerRef } from '../core/port.js'
import { byCloseness, isCloser } from './closeness.js'
import type { LeafSetView } from './messages.js'

export type Side = 'left' | 'right'

const CLOSED = { leftOpen: false, rightOpen: false }

export class LeafSet {
  private readonly sides: Record<Side, PeerRef[]> = { left: [], right: [] }
  private wraps = true
  /**
   * Distinct members, right side then left (see members()), rebuilt on every change. `has` scans
   * it (at most |L| entries) and distances from self are recomputed when needed: a set of
   * addresses and a 256-bit distance per member cost about 1.2 kB per node (issue 14).
   */
  private memberList: PeerRef[] = []

  constructor (readonly self: PeerRef, readonly perSide: number) {
    if (!Number.isInteger(perSide) || perSide < 1) throw new RangeError('leaf set: perSide must be a positive integer')
  }

  get left (): readonly PeerRef[] { return this.sides.left }
  get right (): readonly PeerRef[] { return this.sides.right }

  /** Distinct members. */
  get size (): number { return this.memberList.length }

  /** Whether neither side has room left (the usual state in a network of more than |L| nodes). */
  get full (): boolean { return this.sides.left.length === this.perSide && this.sides.right.length === this.perSide }

  /**
   * Whether this node believes it knows every node: alone, or some node sits on both sides. The
   * whole ring is then the leaf set's range.
   */
  get wholeRing (): boolean { return this.wraps }

  /** Offers a node; returns whether either side changed. */
  add (p: PeerRef): boolean {
    if (p.id === this.self.id) return false
    const right = this.insert('right', p, ringDistance(this.self.id, p.id))
    const left = this.insert('left', p, ringDistance(p.id, this.self.id))
    if (right || left) this.changed()
    return right || left
  }

  /** Whether `add(p)` would change either side (without changing it). */
  wouldAdd (p: PeerRef): boolean {
    if (p.id === this.self.id || this.has(p.address)) return false
    return this.fits('right', ringDistance(this.self.id, p.id)) || this.fits('left', ringDistance(p.id, this.self.id))
  }

  /** Removes a node from both sides; returns whether it was there. */
  remove (address: string): boolean {
    let removed = false
    for (const side of ['left', 'right'] as const) {
      const i = this.sides[side].findIndex(q => q.address === address)
      if (i >= 0) { this.sides[side].splice(i, 1); removed = true }
    }
    if (removed) this.changed()
    return removed
  }

  has (address: string): boolean {
    for (const p of this.memberList) if (p.address === address) return true
    return false
  }

  /** The side(s) a member sits on. */
  sidesOf (address: string): Side[] {
    const out: Side[] = []
    if (this.sides.left.some(q => q.address === address)) out.push('left')
    if (this.sides.right.some(q => q.address === address)) out.push('right')
    return out
  }

  /** Distinct members, right side then left, nearest first. */
  members (): PeerRef[] { return this.memberList.slice() }

  /** The nearest member on a side, if any. */
  nearest (side: Side): PeerRef | undefined { return this.sides[side][0] }

  /** The farthest member on a side (the paper's "largest index"), if any. */
  farthest (side: Side): PeerRef | undefined {
    const s = this.sides[side]
    return s[s.length - 1]
  }

  /** Whether `key` lies within the range from the leftmost to the rightmost member (through self). */
  covers (key: NodeId): boolean {
    if (this.wraps) return true
    const leftmost = this.farthest('left') ?? this.self
    const rightmost = this.farthest('right') ?? this.self
    return inInterval(key, leftmost.id, rightmost.id, CLOSED)
  }

  /** The numerically closest node to `key` among self and the members. */
  closest (key: NodeId): PeerRef {
    let best = this.self
    for (const side of ['left', 'right'] as const) {
      for (const p of this.sides[side]) if (isCloser(key, p.id, best.id)) best = p
    }
    return best
  }

  /**
   * Whether self is the closest to `key` (same answer as `closest(key) === self`, in O(1)). On a
   * circle the closest of a set of points is one of the key's two neighbours in it, so self's share
   * is the arc between the midpoints to its nearest member on each side.
   */
  owns (key: NodeId): boolean {
    const l1 = this.sides.left[0]
    const r1 = this.sides.right[0]
    if (l1 === undefined || r1 === undefined) return this.closest(key) === this.self // alone, or a side lost
    const self = this.self.id
    const cw = ringDistance(self, key)
    if (cw === 0n) return true
    const toRight = this.distanceFrom('right', r1)
    if (cw < toRight) {
      const other = toRight - cw
      return cw < other || (cw === other && self < r1.id)
    }
    const ccw = ringDistance(key, self)
    const toLeft = this.distanceFrom('left', l1)
    if (ccw < toLeft) {
      const other = toLeft - ccw
      return ccw < other || (ccw === other && self < l1.id)
    }
    return false
  }

  /**
   * The `count` nodes closest to a key that self owns (see `owns`), closest first: a run of
   * consecutive nodes around self, found by stepping outward on whichever side is closer.
   */
  ownedKeyHolders (key: NodeId, count: number): PeerRef[] {
    const out: PeerRef[] = [this.self]
    const { left, right } = this.sides
    let i = 0; let j = 0
    while (out.length < count && (i < left.length || j < right.length)) {
      const l = left[i]; const r = right[j]
      const takeLeft = r === undefined || (l !== undefined && isCloser(key, l.id, r.id))
      const p = takeLeft ? l : r
      if (takeLeft) i++; else j++
      if (!out.some(q => q.address === p.address)) out.push(p)
    }
    return out
  }

  /** The `count` nodes closest to `key` among self and the members, closest first. */
  closestSet (key: NodeId, count: number): PeerRef[] {
    return [this.self, ...this.members()].sort(byCloseness(key)).slice(0, count)
  }

  /** A copy of both sides, for the wire. */
  view (): LeafSetView {
    return { left: this.sides.left.slice(), right: this.sides.right.slice() }
  }

  /** Distance from self to a member along a side (clockwise for right, counter-clockwise for left). */
  private distanceFrom (side: Side, p: PeerRef): bigint {
    return side === 'right' ? ringDistance(this.self.id, p.id) : ringDistance(p.id, this.self.id)
  }

  /** Whether a node at distance `d` along `side` would be among its perSide nearest. */
  private fits (side: Side, d: bigint): boolean {
    const list = this.sides[side]
    return list.length < this.perSide || d < this.distanceFrom(side, list[list.length - 1])
  }

  private insert (side: Side, p: PeerRef, d: bigint): boolean {
    const list = this.sides[side]
    // The usual case of hearsay: a full side, and a node no nearer than its farthest member.
    if (list.length === this.perSide && d >= this.distanceFrom(side, list[list.length - 1])) return false
    let at = list.length
    for (let i = 0; i < list.length; i++) {
      if (list[i].address === p.address) return false
      if (at === list.length && d < this.distanceFrom(side, list[i])) at = i
    }
    if (at >= this.perSide) return false
    list.splice(at, 0, p)
    if (list.length > this.perSide) list.pop()
    return true
  }

  private changed (): void {
    const list = this.sides.right.slice()
    const rights = list.length
    for (const p of this.sides.left) {
      let listed = false
      for (let i = 0; i < rights && !listed; i++) listed = list[i].address === p.address
      if (!listed) list.push(p)
    }
    this.memberList = list
    this.updateWraps()
  }

  private updateWraps (): void {
    const { left, right } = this.sides
    // Alone: the ring is self. One side emptied by failures: that side's range ends at self.
    this.wraps = left.length === 0 && right.length === 0
    if (this.wraps || left.length === 0 || right.length === 0) return
    for (const p of left) {
      if (right.some(q => q.address === p.address)) { this.wraps = true; return }
    }
  }
}
