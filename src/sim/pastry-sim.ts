/**
 * Pastry nodes in the simulator, with the global view only an observer has: the true owner of a key
 * (the numerically closest live node), the true leaf sets, convergence checks, and the fast
 * bootstrap that seeds a converged network for 10^5-node runs. Invariants: the protocol code is the
 * same PastryNode the libp2p runtime drives; the observer reads it through its public API only
 * (status, leafSet, storedKeys) and never steers it, except through `seedNetwork`, documented as a
 * shortcut for building large networks.
 */
import { digit, ID_DIGITS, type NodeId } from '../core/id.js'
import type { PeerRef } from '../core/port.js'
import type { Random } from '../core/random.js'
import { isCloser } from '../pastry/closeness.js'
import type { PastryInit } from '../pastry/config.js'
import type { PastryMessage, PastryRequest, PastryResponse } from '../pastry/messages.js'
import { ROUTING_COLUMNS } from '../pastry/limits.js'
import { PastryNode } from '../pastry/pastry-node.js'
import { DhtSimulation, progressStep } from './dht-simulation.js'
import type { SimNode, SimulatorInit } from './simulator.js'
import type { DhtComponents } from '../dht/context.js'

export interface PastrySimNode {
  readonly sim: SimNode
  readonly pastry: PastryNode
}

export interface PastrySimulationInit extends SimulatorInit {
  pastry?: PastryInit
  /** Every node's record verifier and signer. @default the digest check (the simulator does not model forgery) */
  records?: DhtComponents
}

export class PastrySimulation extends DhtSimulation<PastrySimNode, PastryNode> {
  readonly pastryInit: PastryInit
  private readonly records: DhtComponents

  constructor (init: PastrySimulationInit) {
    super(init)
    this.pastryInit = Object.freeze({ ...init.pastry })
    this.records = init.records ?? {}
  }

  dht (node: PastrySimNode): PastryNode { return node.pastry }

  protected add (): PastrySimNode {
    let pastry!: PastryNode
    const sim = this.sim.addNode<PastryRequest, PastryResponse, PastryMessage>(io => { pastry = new PastryNode(io, this.pastryInit, this.records); return this.withPolicy(io, pastry) })
    return { sim, pastry }
  }

  /** The true owner of `key`: the live node numerically closest to it. */
  owner (key: NodeId): PastrySimNode {
    return this.holders(key, 1)[0]
  }

  /** The r live nodes numerically closest to `key`, closest first: where its copies belong. */
  holders (key: NodeId, r: number): PastrySimNode[] {
    const ring = this.ring
    const n = ring.length
    if (n === 0) throw new Error('empty network')
    const out: PastrySimNode[] = []
    // Two fronts walk outward from the key's position; each step takes the closer one.
    let right = this.successorIndex(key)
    let left = (right - 1 + n) % n
    let taken = 0
    while (out.length < Math.min(r, n) && taken < n) {
      const a = ring[right]; const b = ring[left]
      if (a === b) { out.push(a); break }
      if (isCloser(key, a.sim.ref.id, b.sim.ref.id)) { out.push(a); right = (right + 1) % n } else { out.push(b); left = (left - 1 + n) % n }
      taken++
    }
    return out
  }

  /** The true leaf set of the node at ring position i: up to l live nodes on each side, nearest first. */
  trueLeafSet (i: number, perSide: number): { left: PastrySimNode[], right: PastrySimNode[] } {
    const n = this.ring.length
    const count = Math.min(perSide, n - 1)
    const left: PastrySimNode[] = []
    const right: PastrySimNode[] = []
    for (let j = 1; j <= count; j++) {
      right.push(this.ring[(i + j) % n])
      left.push(this.ring[(i - j + n) % n])
    }
    return { left, right }
  }

  /** Live nodes whose leaf set is not the true one. */
  wrongLeafSets (): number {
    const perSide = (this.ring[0]?.pastry.config.leafSetSize ?? 0) / 2
    let wrong = 0
    for (let i = 0; i < this.ring.length; i++) {
      const truth = this.trueLeafSet(i, perSide)
      const have = this.ring[i].pastry.leafSet()
      if (!sameAddresses(have.left, truth.left) || !sameAddresses(have.right, truth.right)) wrong++
    }
    return wrong
  }

  /** Runs until every leaf set is the true one, checking each `checkEveryMs` (`onCheck` gets the count still wrong). */
  runUntilConverged (checkEveryMs: number, maxMs: number, onCheck: (wrong: number) => void = () => {}): boolean {
    return this.sim.runUntilNone(() => this.wrongLeafSets(), checkEveryMs, maxMs, onCheck)
  }

  /**
   * Fast bootstrap for large networks: creates `n` nodes and installs, from the global view, the
   * state a converged network has — the true leaf sets, and in each routing-table slot a node drawn
   * uniformly from those that fit it (the paper picks the nearest by network proximity; with no
   * proximity metric every fitting node is as good) — then starts them. Lookups and maintenance
   * afterwards run the real protocol through the simulator. Cost: O(n log16 n) slot fills.
   * `settled`: the network has long been stable, so maintenance starts at its longest periods
   * (SeedState.settled), as the experiments' large networks do.
   */
  seedNetwork (n: number, log: (line: string) => void = () => {}, settled = false): void {
    if (this.ring.length > 0) throw new Error('seedNetwork needs an empty simulation')
    const every = progressStep(n)
    for (let i = 0; i < n; i++) {
      this.ring.push(this.add())
      if ((i + 1) % every === 0) log(`build: ${i + 1}/${n} nodes created`)
    }
    this.ring.sort((a, b) => (a.sim.ref.id < b.sim.ref.id ? -1 : a.sim.ref.id > b.sim.ref.id ? 1 : 0))
    // The peers in ring order, one array: seeding reads them at scattered positions, and a chain
    // of node, simulator state and ref at each would cost three cache misses instead of one.
    const refs = this.ring.map(x => x.sim.ref)
    const perSide = (this.ring[0]?.pastry.config.leafSetSize ?? 0) / 2
    const count = Math.min(perSide, n - 1)
    const random = this.sim.random.fork('pastry-seed')
    const splits = new Map<string, number[]>()
    for (let i = 0; i < n; i++) {
      // The true leaf set (as trueLeafSet gives it): left side nearest first, then the right side.
      const leafSet: PeerRef[] = []
      for (let j = 1; j <= count; j++) leafSet.push(refs[(i - j + n) % n])
      for (let j = 1; j <= count; j++) leafSet.push(refs[(i + j) % n])
      const routingTable: PeerRef[] = []
      const routingSlots: number[] = []
      this.seedRow(i, refs, splits, random, (slot, p) => { routingSlots.push(slot); routingTable.push(p) })
      this.ring[i].pastry.seedState({ leafSet, routingTable, routingSlots, settled })
      if ((i + 1) % every === 0) log(`build: ${i + 1}/${n} nodes seeded`)
    }
    for (const node of this.ring) this.sim.start(node.sim)
    this.admitAll()
  }

  /** One fitting node per routing-table slot of the node at position i, each with its slot (row·ROUTING_COLUMNS + column; see seedNetwork). */
  private seedRow (i: number, refs: readonly PeerRef[], splits: Map<string, number[]>, random: Random, put: (slot: number, p: PeerRef) => void): void {
    const self = refs[i].id
    let lo = 0; let hi = refs.length
    for (let row = 0; row < ID_DIGITS && hi - lo > 1; row++) {
      const key = `${row}:${lo}`
      let bounds = splits.get(key)
      if (bounds === undefined) splits.set(key, bounds = splitByDigit(refs, lo, hi, row))
      const own = digit(self, row)
      for (let d = 0; d < ROUTING_COLUMNS; d++) {
        if (d === own || bounds[d + 1] === bounds[d]) continue
        put(row * ROUTING_COLUMNS + d, refs[bounds[d] + random.int(bounds[d + 1] - bounds[d])])
      }
      lo = bounds[own]; hi = bounds[own + 1]
    }
  }
}

/** Within refs[lo, hi), whose ids share `row` digits, the 17 bounds of the runs by digit `row`. */
function splitByDigit (refs: readonly PeerRef[], lo: number, hi: number, row: number): number[] {
  const bounds = [lo]
  for (let d = 1; d < ROUTING_COLUMNS; d++) {
    let a = bounds[d - 1]; let b = hi
    while (a < b) {
      const mid = (a + b) >>> 1
      if (digit(refs[mid].id, row) < d) a = mid + 1
      else b = mid
    }
    bounds.push(a)
  }
  bounds.push(hi)
  return bounds
}

function sameAddresses (a: readonly PeerRef[], b: readonly PastrySimNode[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i].address !== b[i].sim.ref.address) return false
  return true
}
