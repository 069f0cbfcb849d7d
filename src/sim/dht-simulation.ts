/**
 * What the Chord and Pastry simulations share: the observer's ground truth of who is live (sorted
 * by id) and who has finished joining, and the membership events (create, join, leave, crash).
 * A join runs the real join path: the driver picks a member and the newcomer meets it, as a libp2p
 * connection would report it; the node's membership policy (src/dht/membership.ts, the same the
 * libp2p service runs) decides when to join through it (at once or deferred) and retries while
 * alone. Invariants: the ring holds exactly the live nodes in id order; only members that finished
 * their join are drawn as bootstraps or lookup origins; every draw comes from the driver's random source.
 */
import type { NodeId } from '../core/id.js'
import type { Io, ProtocolHandler } from '../core/port.js'
import { Membership, withMembership, type MemberNode } from '../dht/membership.js'
import { Simulator, type SimNode, type SimulatorInit } from './simulator.js'

type Done = (o: { readonly ok: boolean }) => void

/** Progress lines a long build prints: one per this share of its nodes. */
const PROGRESS_LINES = 100

/** Every how many of `n` steps a progress line is due (at least 1). */
export function progressStep (n: number): number {
  return Math.max(1, Math.ceil(n / PROGRESS_LINES))
}

/** The membership calls the simulation (and its membership policy) make on a protocol node. */
export interface SimulatedDht extends MemberNode {
  leave(done: Done): void
}

export abstract class DhtSimulation<S extends { readonly sim: SimNode }, D extends SimulatedDht> {
  readonly sim: Simulator
  /** Live nodes sorted by id: the ground truth of the ring. */
  protected ring: S[] = []
  /** Live nodes that finished joining (or were seeded): the only ones used as bootstraps. */
  protected readonly members = new Set<S>()
  private memberList: S[] | undefined = undefined
  /** Each node's membership policy, by address. */
  private readonly policies = new Map<string, Membership>()
  /** The `join` callers waiting for a node's first join outcome, by address. */
  private readonly joinWaiters = new Map<string, (ok: boolean) => void>()
  /** Nodes by address, for the policy's join outcomes. */
  private readonly byAddress = new Map<string, S>()

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
    this.byAddress.set(node.sim.ref.address, node)
    this.sim.start(node.sim)
    this.insert(node)
    return node
  }

  /**
   * Creates a node that meets `via` (a random member that finished its join if not given); its
   * membership policy joins through it. `done` gets the first join's outcome; a node whose first
   * join failed still becomes a member if a retry succeeds.
   */
  join (via?: S, done?: (ok: boolean) => void): S {
    const bootstrap = via ?? this.randomMember()
    const node = this.create()
    if (bootstrap === undefined) { this.addMember(node); done?.(true); return node }
    if (done !== undefined) this.joinWaiters.set(node.sim.ref.address, done)
    this.policies.get(node.sim.ref.address)?.onPeer(bootstrap.sim.ref, true)
    return node
  }

  /**
   * The handler the simulator drives for a protocol node: the node with its membership policy
   * (subclasses' `add` wrap every node with it).
   */
  protected withPolicy<Req, Res, Msg> (io: Io<Req, Res, Msg>, node: ProtocolHandler<Req, Res, Msg> & MemberNode): ProtocolHandler<Req, Res, Msg> {
    const address = io.self.address
    const policy = new Membership(io, node, {
      onJoin: o => {
        const joined = this.byAddress.get(address)
        if (o.ok && joined !== undefined && joined.sim.alive) this.addMember(joined)
        const waiter = this.joinWaiters.get(address)
        this.joinWaiters.delete(address)
        waiter?.(o.ok)
      }
    })
    this.policies.set(address, policy)
    return withMembership(node, policy)
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
    if (this.members.has(node)) return
    this.members.add(node)
    // The list stays sorted by creation index without a re-sort per event (10^5 members under churn).
    const list = this.memberList
    if (list !== undefined) list.splice(this.memberListIndex(list, node.sim.index), 0, node)
  }

  /** Where a member of creation index `index` is, or belongs, in the sorted member list. */
  private memberListIndex (list: readonly S[], index: number): number {
    let lo = 0; let hi = list.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (list[mid].sim.index < index) lo = mid + 1
      else hi = mid
    }
    return lo
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
    const address = node.sim.ref.address
    // Gone from the ground truth: its policy joins no more, and a late join outcome is ignored.
    this.policies.get(address)?.stop()
    this.policies.delete(address)
    this.byAddress.delete(address)
    this.joinWaiters.delete(address)
    if (this.members.delete(node) && this.memberList !== undefined) {
      const at = this.memberListIndex(this.memberList, node.sim.index)
      if (this.memberList[at] === node) this.memberList.splice(at, 1)
    }
    const i = this.ring.indexOf(node)
    if (i >= 0) this.ring.splice(i, 1)
  }
}
