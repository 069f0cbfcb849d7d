/**
 * A Chord node's routing state: predecessor, successor list of up to `successorListLength`
 * entries, distinct fingers (Stoica et al. 2001 §4.3, §5.3), and the pure decisions made from it.
 * Invariants: `successors` never holds self or duplicates and is ordered clockwise from self; an
 * empty list means the node believes it is alone; the owner of key k is successor(k), the first
 * node at or after k.
 */
import { inOpen, inOpenClosed, ringDistance, RING_SIZE, type NodeId } from '../core/id.js'
import type { PeerRef } from '../core/port.js'
import { FingerTable } from './finger-table.js'

/** What changed since the last `takeChanges()`. */
export interface RoutingChanges {
  readonly predecessor: boolean
  /** The predecessor before the first change (when `predecessor`). */
  readonly previousPredecessor: PeerRef | undefined
  readonly successors: boolean
}

export class RoutingState {
  private pred: PeerRef | undefined = undefined
  private succ: PeerRef[] = []
  private predecessorChanged = false
  private previousPredecessor: PeerRef | undefined = undefined
  private successorsChanged = false
  readonly fingers: FingerTable

  constructor (readonly self: PeerRef, readonly successorListLength: number) {
    this.fingers = new FingerTable(self.id)
  }

  get predecessor (): PeerRef | undefined { return this.pred }

  set predecessor (p: PeerRef | undefined) {
    if (p?.address !== this.pred?.address && !this.predecessorChanged) {
      this.predecessorChanged = true
      this.previousPredecessor = this.pred
    }
    this.pred = p
  }

  /** The successor list, nearest first (replace it with setSuccessors). */
  get successors (): readonly PeerRef[] { return this.succ }

  /**
   * What changed since the last call (undefined: nothing), so that one observer can react to every
   * change (snap maintenance back, tell the predecessor) whichever step made it.
   */
  takeChanges (): RoutingChanges | undefined {
    if (!this.predecessorChanged && !this.successorsChanged) return undefined
    const changes = { predecessor: this.predecessorChanged && this.previousPredecessor?.address !== this.pred?.address, previousPredecessor: this.previousPredecessor, successors: this.successorsChanged }
    this.predecessorChanged = false
    this.previousPredecessor = undefined
    this.successorsChanged = false
    return changes.predecessor || changes.successors ? changes : undefined
  }

  private replaceSuccessors (list: PeerRef[]): void {
    const old = this.succ
    this.succ = list
    if (old.length !== list.length) { this.successorsChanged = true; return }
    for (let i = 0; i < list.length; i++) if (old[i].address !== list[i].address) { this.successorsChanged = true; return }
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
    this.replaceSuccessors(out)
  }

  /**
   * Offers a peer this node has verified itself (it answered a probe) as the first successor: it
   * takes the head if it is closer than the current one (or the list is empty); the rest of the
   * list follows from the next stabilize. Returns whether the list changed.
   */
  offerHead (p: PeerRef): boolean {
    if (p.id === this.self.id || this.isSuccessor(p.address)) return false
    const head = this.succ[0]
    if (head !== undefined && !inOpen(p.id, this.self.id, head.id)) return false
    this.replaceSuccessors([p, ...this.succ].slice(0, this.successorListLength))
    return true
  }

  /** Whether `address` is in the successor list. */
  isSuccessor (address: string): boolean {
    return this.succ.some(s => s.address === address)
  }

  /**
   * Whether setSuccessors(list) would leave the list as it is (the common, quiet case), checked by
   * address alone; false may be a false alarm (setSuccessors then decides), never a miss.
   */
  sameSuccessors (list: readonly PeerRef[]): boolean {
    const current = this.succ
    if (current.length !== Math.min(this.successorListLength, list.length)) return false
    for (let i = 0; i < current.length; i++) if (current[i].address !== list[i].address) return false
    return true
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
    const self = this.self.id
    // Successors preceding the key (clockwise order, so nearest first), with their distances.
    const dk = key === self ? RING_SIZE : ringDistance(self, key)
    const succ: PeerRef[] = []
    const succDistance: bigint[] = []
    for (const s of this.succ) {
      const d = ringDistance(self, s.id)
      if (d === 0n || d >= dk) break
      succ.push(s)
      succDistance.push(d)
    }
    let si = succ.length - 1
    this.fingers.forEachPreceding(key, (f, fd) => {
      while (si >= 0 && succDistance[si] >= fd && out.length < count) pushUnique(out, succ[si--])
      if (out.length < count) pushUnique(out, f)
      return out.length < count
    })
    while (si >= 0 && out.length < count) pushUnique(out, succ[si--])
    return out
  }

  /** Whether `address` is the predecessor, a successor or a finger. */
  isNeighbour (address: string): boolean {
    return this.pred?.address === address || this.succ.some(s => s.address === address) || this.fingers.has(address)
  }

  /** Forgets a node found dead or gone, everywhere it appears. */
  forget (address: string): void {
    if (this.predecessor?.address === address) this.predecessor = undefined
    const before = this.succ.length
    let list = this.succ.filter(s => s.address !== address)
    this.fingers.remove(address)
    if (list.length === before) return
    if (list.length === 0) {
      // Lost every successor (Stoica §5.3 assumes this rare): fall back to the nearest finger.
      const fallback = this.fingers.list()[0] ?? this.predecessor
      if (fallback !== undefined) list = [fallback]
    }
    this.replaceSuccessors(list)
  }
}

function pushUnique (out: PeerRef[], p: PeerRef): void {
  for (const q of out) if (q.id === p.id) return
  out.push(p)
}
