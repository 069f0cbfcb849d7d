/**
 * A Chord node's routing state: predecessor, successor list of up to `successorListLength`
 * entries, distinct fingers (Stoica et al. 2001 §4.3, §5.3), and the pure decisions made from it.
 * Invariants: `successors` never holds self or duplicates and is ordered clockwise from self; an
 * empty list means the node believes it is alone; the owner of key k is successor(k), the first
 * node at or after k.
 */
import { inOpen, inOpenClosed, ringDistance, type NodeId } from '../core/id.js'
import type { PeerRef } from '../core/port.js'
import { FingerTable } from './finger-table.js'

export class RoutingState {
  predecessor: PeerRef | undefined = undefined
  successors: PeerRef[] = []
  readonly fingers: FingerTable

  constructor (readonly self: PeerRef, readonly successorListLength: number) {
    this.fingers = new FingerTable(self.id)
  }

  /** The first successor, or self when alone. */
  successor (): PeerRef {
    return this.successors.length > 0 ? this.successors[0] : this.self
  }

  /** Replaces the successor list: drops self, duplicates and anything past a wrap to self; trims. */
  setSuccessors (list: readonly PeerRef[]): void {
    const out: PeerRef[] = []
    let lastDistance = 0n
    for (const p of list) {
      if (out.length >= this.successorListLength) break
      if (p.id === this.self.id) break // wrapped around the ring
      const d = ringDistance(this.self.id, p.id)
      if (d <= lastDistance) continue // duplicate or out of clockwise order
      out.push(p)
      lastDistance = d
    }
    this.successors = out
  }

  /** Whether this node owns `key` by its own view: key in (predecessor, self]. */
  owns (key: NodeId): boolean {
    if (this.predecessor === undefined) return this.successors.length === 0
    return inOpenClosed(key, this.predecessor.id, this.self.id)
  }

  /**
   * The owner of `key` and the nodes after it, when this node can tell locally: key in
   * (predecessor, self] (self owns it) or key in (self, successor] (Stoica et al. Fig. 5). Only the
   * first successor is trusted for this: further entries of the list lag behind joins by a few
   * stabilize rounds, and answering from them handed out wrong owners on real networks.
   */
  localOwner (key: NodeId): PeerRef[] | undefined {
    if (this.owns(key)) return [this.self, ...this.successors]
    const successor = this.successors[0]
    if (successor !== undefined && inOpenClosed(key, this.self.id, successor.id)) return this.successors.slice()
    return undefined
  }

  /**
   * Up to `count` known nodes in the open arc (self, key), closest to the key first: the closest
   * preceding fingers, merged with the successor list (which is exact near self).
   */
  closestPreceding (key: NodeId, count: number): PeerRef[] {
    const out: PeerRef[] = []
    // Successors preceding the key, farthest first.
    const succ: PeerRef[] = []
    for (const s of this.successors) if (inOpen(s.id, this.self.id, key)) succ.push(s)
    let si = succ.length - 1
    this.fingers.forEachPreceding(key, f => {
      while (si >= 0 && ringDistance(this.self.id, succ[si].id) >= ringDistance(this.self.id, f.id) && out.length < count) {
        pushUnique(out, succ[si--])
      }
      if (out.length < count) pushUnique(out, f)
      return out.length < count
    })
    while (si >= 0 && out.length < count) pushUnique(out, succ[si--])
    return out
  }

  /** Forgets a node found dead or gone, everywhere it appears. */
  forget (address: string): void {
    if (this.predecessor?.address === address) this.predecessor = undefined
    const before = this.successors.length
    this.successors = this.successors.filter(s => s.address !== address)
    this.fingers.remove(address)
    if (before > 0 && this.successors.length === 0) {
      // Lost every successor (Stoica §5.3 assumes this rare): fall back to the nearest finger.
      const fallback = this.fingers.list()[0] ?? this.predecessor
      if (fallback !== undefined) this.successors = [fallback]
    }
  }
}

function pushUnique (out: PeerRef[], p: PeerRef): void {
  for (const q of out) if (q.id === p.id) return
  out.push(p)
}
