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
import { DhtSimulation, progressStep } from './dht-simulation.js'
import type { SimNode, SimulatorInit } from './simulator.js'
import type { DhtComponents } from '../dht/context.js'

export interface ChordSimNode {
  readonly sim: SimNode
  readonly chord: ChordNode
}

export interface ChordSimulationInit extends SimulatorInit {
  chord?: ChordInit
  /** Every node's record verifier and signer. @default the digest check (the simulator does not model forgery) */
  records?: DhtComponents
}

export class ChordSimulation extends DhtSimulation<ChordSimNode, ChordNode> {
  readonly chordInit: ChordInit
  private readonly records: DhtComponents

  constructor (init: ChordSimulationInit) {
    super(init)
    this.chordInit = Object.freeze({ ...init.chord })
    this.records = init.records ?? {}
  }

  dht (node: ChordSimNode): ChordNode { return node.chord }

  protected add (): ChordSimNode {
    let chord!: ChordNode
    const sim = this.sim.addNode<ChordRequest, ChordResponse, ChordMessage>(io => { chord = new ChordNode(io, this.chordInit, this.records); return this.withPolicy(io, chord) })
    return { sim, chord }
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

  /** Runs until every successor and predecessor is right, checking each `checkEveryMs` (`onCheck` gets the count still wrong). */
  runUntilConverged (checkEveryMs: number, maxMs: number, onCheck: (wrong: number) => void = () => {}): boolean {
    return this.sim.runUntilNone(() => this.wrongNeighbours(), checkEveryMs, maxMs, onCheck)
  }

  /**
   * Fast bootstrap for large rings: creates `n` nodes and installs, from the global view, the
   * routing a converged ring has (predecessor, successor list, distinct fingers), then starts them.
   * Lookups and maintenance afterwards run the real protocol through the simulator. Cost: about
   * log2 n binary searches per node. `settled`: the ring has long been stable, so maintenance
   * starts at its longest periods (SeedRouting.settled), as the experiments' large rings do.
   */
  seedRing (n: number, log: (line: string) => void = () => {}, settled = false): void {
    if (this.ring.length > 0) throw new Error('seedRing needs an empty simulation')
    const every = progressStep(n)
    for (let i = 0; i < n; i++) {
      this.ring.push(this.add())
      if ((i + 1) % every === 0) log(`build: ${i + 1}/${n} nodes created`)
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
      node.chord.seedRouting({ predecessor: n > 1 ? this.ring[(i - 1 + n) % n].sim.ref : undefined, successors, fingers, settled })
      if ((i + 1) % every === 0) log(`build: ${i + 1}/${n} nodes seeded`)
    }
    for (const node of this.ring) this.sim.start(node.sim)
    this.admitAll()
  }
}
