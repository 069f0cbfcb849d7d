/**
 * What the Chord and Pastry simulations share: the observer's ground truth of who is live (sorted
 * by id) and who has finished joining, and the membership events (create, join, leave, crash).
 * Invariants: the ring holds exactly the live nodes in id order; only members that finished their
 * join are drawn as bootstraps or lookup origins; every draw comes from the driver's random source.
 */
import type { NodeId } from '../core/id.js'
import type { PeerRef } from '../core/port.js'
import { Simulator, type SimNode, type SimulatorInit } from './simulator.js'

type Done = (o: { readonly ok: boolean }) => void

/** Progress lines a long build prints: one per this share of its nodes. */
const PROGRESS_LINES = 100

/** Every how many of `n` steps a progress line is due (at least 1). */
export function progressStep (n: number): number {
  return Math.max(1, Math.ceil(n / PROGRESS_LINES))
}

/** The membership calls the simulation makes on a protocol node. */
export interface SimulatedDht {
  join(bootstrap: PeerRef, done: Done): void
  leave(done: Done): void
}

export abstract class DhtSimulation<S extends { readonly sim: SimNode }, D extends SimulatedDht> {
  readonly sim: Simulator
  /** Live nodes sorted by id: the ground truth of the ring. */
  protected ring: S[] = []
  /** Live nodes that finished joining (or were seeded): the only ones used as bootstraps. */
  protected readonly members = new Set<S>()
  private memberList: S[] | undefined = undefined

  constructor (init: SimulatorInit) {
    this.sim = new Simulator(init)
  }

  /** Adds one protocol node to the simulator (not started, not in the ring). */
  protected abstract add (): S

  /** The protocol node of a simulated node. */
  abstract dht (node: S): D

  get size (): number { return this.ring.length }

  /** Live nodes in id order (a copy). */
  live (): S[] { return this.ring.slice() }

  /** Creates and starts a node (a network of one until it joins). */
  create (): S {
    const node = this.add()
    this.sim.start(node.sim)
    this.insert(node)
    return node
  }

  /** Creates a node and joins it through `via` (a random member that finished its join if not given). */
  join (via?: S, done?: (ok: boolean) => void): S {
    const bootstrap = via ?? this.randomMember()
    const node = this.create()
    if (bootstrap === undefined) { this.addMember(node); done?.(true); return node }
    this.dht(node).join(bootstrap.sim.ref, o => {
      if (o.ok && node.sim.alive) this.addMember(node)
      done?.(o.ok)
    })
    return node
  }

  /** A uniformly random member (joined and live), or undefined. */
  randomMember (): S | undefined {
    if (this.members.size === 0) return undefined
    this.memberList ??= [...this.members].sort((a, b) => a.sim.index - b.sim.index)
    return this.sim.random.pick(this.memberList)
  }

  crash (node: S): void {
    this.remove(node)
    this.sim.crash(node.sim)
  }

  /** Graceful leave; the node leaves the ground truth at once (its keys are in flight to their heirs). */
  leave (node: S, done?: (ok: boolean) => void): void {
    this.remove(node)
    this.dht(node).leave(o => { this.sim.remove(node.sim); done?.(o.ok) })
  }

  /** The true owner of `key` among the live nodes. */
  abstract owner (key: NodeId): S

  protected addMember (node: S): void {
    this.members.add(node)
    this.memberList = undefined
  }

  /** Makes every node of the ring a member (after a seeded build). */
  protected admitAll (): void {
    for (const node of this.ring) this.members.add(node)
    this.memberList = undefined
  }

  /** Index of the first live node at or after `key` (0 past the end). */
  protected successorIndex (key: NodeId): number {
    const ring = this.ring
    if (ring.length === 0) throw new Error('empty network')
    let lo = 0; let hi = ring.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (ring[mid].sim.ref.id < key) lo = mid + 1
      else hi = mid
    }
    return lo === ring.length ? 0 : lo
  }

  private insert (node: S): void {
    const id = node.sim.ref.id
    let lo = 0; let hi = this.ring.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.ring[mid].sim.ref.id < id) lo = mid + 1
      else hi = mid
    }
    this.ring.splice(lo, 0, node)
  }

  private remove (node: S): void {
    this.members.delete(node)
    this.memberList = undefined
    const i = this.ring.indexOf(node)
    if (i >= 0) this.ring.splice(i, 1)
  }
}
