/**
 * Chord nodes in the simulator, with the global view only an observer has: the true owner of a
 * key, convergence checks, and the fast bootstrap that seeds a correct ring for 10^5-node runs.
 * Invariants: the protocol code is the same ChordNode the libp2p runtime drives; the observer
 * reads it through its public API only (status, storedKeys) and never steers it, except through
 * `seedRing`, documented as a shortcut for building large rings.
 */
import { addPow2, log2Floor, ringDistance, ID_BITS, type NodeId } from '../core/id.js'
import type { PeerRef } from '../core/port.js'
import { ChordNode } from '../chord/chord-node.js'
import type { ChordInit } from '../chord/config.js'
import type { ChordMessage, ChordRequest, ChordResponse } from '../chord/messages.js'
import { Simulator, type SimNode, type SimulatorInit } from './simulator.js'

export interface ChordSimNode {
  readonly sim: SimNode
  readonly chord: ChordNode
}

export interface ChordSimulationInit extends SimulatorInit {
  chord?: ChordInit
}

export class ChordSimulation {
  readonly sim: Simulator
  readonly chordInit: ChordInit
  /** Live nodes sorted by id: the ground truth of the ring. */
  private ring: ChordSimNode[] = []
  /** Live nodes that finished joining (or were seeded): the only ones used as bootstraps. */
  private readonly members = new Set<ChordSimNode>()
  private memberList: ChordSimNode[] | undefined = undefined

  constructor (init: ChordSimulationInit) {
    this.sim = new Simulator(init)
    this.chordInit = init.chord ?? {}
  }

  get size (): number { return this.ring.length }

  /** Live nodes in id order (a copy). */
  live (): ChordSimNode[] { return this.ring.slice() }

  /** Creates and starts a node (a ring of one until it joins). */
  create (): ChordSimNode {
    let chord!: ChordNode
    const sim = this.sim.addNode<ChordRequest, ChordResponse, ChordMessage>(io => { chord = new ChordNode(io, this.chordInit); return chord })
    this.sim.start(sim)
    const node = { sim, chord }
    this.insert(node)
    return node
  }

  /** Creates a node and joins it through `via` (a random member that finished its join if not given). */
  join (via?: ChordSimNode, done?: (ok: boolean) => void): ChordSimNode {
    const bootstrap = via ?? this.randomMember()
    const node = this.create()
    if (bootstrap === undefined) { this.addMember(node); done?.(true); return node }
    node.chord.join(bootstrap.sim.ref, o => {
      if (o.ok && node.sim.alive) this.addMember(node)
      done?.(o.ok)
    })
    return node
  }

  /** A uniformly random member (joined and live), or undefined. */
  randomMember (): ChordSimNode | undefined {
    if (this.members.size === 0) return undefined
    this.memberList ??= [...this.members].sort((a, b) => a.sim.index - b.sim.index)
    return this.sim.random.pick(this.memberList)
  }

  private addMember (node: ChordSimNode): void {
    this.members.add(node)
    this.memberList = undefined
  }

  crash (node: ChordSimNode): void {
    this.remove(node)
    this.sim.crash(node.sim)
  }

  /** Graceful leave; the node leaves the ground truth at once (its keys are in flight to its successor). */
  leave (node: ChordSimNode, done?: (ok: boolean) => void): void {
    this.remove(node)
    node.chord.leave(o => { this.sim.remove(node.sim); done?.(o.ok) })
  }

  /** The true successor(key) among live nodes. */
  owner (key: NodeId): ChordSimNode {
    const i = this.successorIndex(key)
    return this.ring[i]
  }

  /** The first r live nodes at or after key: where its copies belong. */
  holders (key: NodeId, r: number): ChordSimNode[] {
    const out: ChordSimNode[] = []
    const n = this.ring.length
    const i = this.successorIndex(key)
    for (let j = 0; j < Math.min(r, n); j++) out.push(this.ring[(i + j) % n])
    return out
  }

  /** Nodes whose successor or predecessor is not the true one. */
  wrongNeighbours (): number {
    const n = this.ring.length
    let wrong = 0
    for (let i = 0; i < n; i++) {
      const st = this.ring[i].chord.status()
      const succ = n === 1 ? undefined : this.ring[(i + 1) % n].sim.ref.address
      const pred = n === 1 ? undefined : this.ring[(i - 1 + n) % n].sim.ref.address
      if (st.successors[0]?.address !== succ || st.predecessor?.address !== pred) wrong++
    }
    return wrong
  }

  /** Runs until every successor and predecessor is right, checking each `checkEveryMs`. */
  runUntilConverged (checkEveryMs: number, maxMs: number): boolean {
    return this.sim.runUntilTrue(() => this.wrongNeighbours() === 0, checkEveryMs, maxMs)
  }

  /**
   * Fast bootstrap for large rings: creates `n` nodes and installs, from the global view, the
   * routing a converged ring has (predecessor, successor list, distinct fingers), then starts them.
   * Lookups and maintenance afterwards run the real protocol through the simulator. Cost: about
   * log2 n binary searches per node.
   */
  seedRing (n: number): void {
    if (this.ring.length > 0) throw new Error('seedRing needs an empty simulation')
    for (let i = 0; i < n; i++) {
      let chord!: ChordNode
      const sim = this.sim.addNode<ChordRequest, ChordResponse, ChordMessage>(io => { chord = new ChordNode(io, this.chordInit); return chord })
      this.ring.push({ sim, chord })
    }
    this.ring.sort((a, b) => (a.sim.ref.id < b.sim.ref.id ? -1 : a.sim.ref.id > b.sim.ref.id ? 1 : 0))
    const listLength = this.ring[0]?.chord.config.successorListLength ?? 0
    for (let i = 0; i < n; i++) {
      const node = this.ring[i]
      const self = node.sim.ref
      const successors: PeerRef[] = []
      for (let j = 1; j <= Math.min(listLength, n - 1); j++) successors.push(this.ring[(i + j) % n].sim.ref)
      const fingers: PeerRef[] = []
      if (n > 1) {
        let k = log2Floor(ringDistance(self.id, successors[0].id)) + 1
        while (k < ID_BITS) {
          const f = this.ring[this.successorIndex(addPow2(self.id, k))].sim.ref
          if (f.id === self.id) break
          fingers.push(f)
          const next = log2Floor(ringDistance(self.id, f.id)) + 1
          if (next <= k) break
          k = next
        }
      }
      node.chord.seedRouting({ predecessor: n > 1 ? this.ring[(i - 1 + n) % n].sim.ref : undefined, successors, fingers })
    }
    for (const node of this.ring) { this.sim.start(node.sim); this.members.add(node) }
    this.memberList = undefined
  }

  private successorIndex (key: NodeId): number {
    const ring = this.ring
    if (ring.length === 0) throw new Error('empty ring')
    let lo = 0; let hi = ring.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (ring[mid].sim.ref.id < key) lo = mid + 1
      else hi = mid
    }
    return lo === ring.length ? 0 : lo
  }

  private insert (node: ChordSimNode): void {
    const id = node.sim.ref.id
    let lo = 0; let hi = this.ring.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.ring[mid].sim.ref.id < id) lo = mid + 1
      else hi = mid
    }
    this.ring.splice(lo, 0, node)
  }

  private remove (node: ChordSimNode): void {
    this.members.delete(node)
    this.memberList = undefined
    const i = this.ring.indexOf(node)
    if (i >= 0) this.ring.splice(i, 1)
  }
}
