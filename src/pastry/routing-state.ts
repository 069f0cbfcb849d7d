/**
 * A Pastry node's routing state (Rowstron & Druschel 2001 §2.1, §2.4): leaf set and routing table,
 * with the bookkeeping its repair needs — when each leaf-set member was last heard from, which nodes
 * were found dead (so that another node's stale leaf set cannot bring them back), and which routing
 * slots await a lazy repair. Invariants: a node is learnt into both structures at once and
 * forgotten from both at once; nodes found dead are refused from hearsay for `deadPeerMemoryMs`,
 * but a request a node sends itself proves it alive and readmits it; every collection is bounded.
 */
import type { NodeId } from '../core/id.js'
import { BoundedFifo } from '../core/bounded.js'
import { FailedPeers } from '../core/failed-peers.js'
import type { PeerRef } from '../core/port.js'
import { LeafSet, type Side } from './leaf-set.js'
import { MAX_DEAD_PEERS_REMEMBERED, MAX_PENDING_ROW_REPAIRS, MAX_UNHELPFUL_OFFERS_REMEMBERED } from './limits.js'
import { nextHop, type NextHop } from './next-hop.js'
import { RoutingTable, type Slot } from './routing-table.js'

/** How sure we are that a node offered to the state is alive. */
export type Evidence =
  /** It sent us a request (or answered one): accepted even if thought dead. */
  | 'direct'
  /** Named by another node: refused while remembered as dead. */
  | 'hearsay'

/** What forgetting a failed node changed. */
export interface Forgotten {
  /** Leaf-set sides it was on (each then needs a repair). */
  readonly sides: readonly Side[]
  /** The routing slot it held, now queued for a lazy repair. */
  readonly slot: Slot | undefined
}

export class RoutingState {
  readonly leaves: LeafSet
  readonly table: RoutingTable
  /** Member or entry address -> ms when last heard from. Only members and entries are kept. */
  private readonly heardAt = new Map<string, number>()
  /**
   * Nodes offered as hearsay that changed neither structure: they cannot until something is
   * removed (an addition only raises the bar), so neighbours' repeated leaf sets cost a lookup.
   * Cleared on every removal, and when it reaches MAX_UNHELPFUL_OFFERS_REMEMBERED.
   */
  private readonly unhelpful = new Set<string>()
  /** Undefined when `deadPeerMemoryMs` is 0 (no memory). */
  private readonly failed: FailedPeers | undefined
  readonly pendingRepairs = new BoundedFifo<Slot>(MAX_PENDING_ROW_REPAIRS)
  /** Incremented on every change of the leaf set (the storage step skips work when unchanged). */
  leafVersion = 0

  constructor (readonly self: PeerRef, leafSetSize: number, deadPeerMemoryMs: number, deadPeerMaxMemoryMs: number) {
    this.leaves = new LeafSet(self, leafSetSize / 2)
    this.table = new RoutingTable(self)
    this.failed = deadPeerMemoryMs > 0
      ? new FailedPeers({ baseMs: deadPeerMemoryMs, maxMs: deadPeerMaxMemoryMs, maxEntries: MAX_DEAD_PEERS_REMEMBERED })
      : undefined
  }

  /** Offers a node to the leaf set and the routing table; returns whether the leaf set changed. */
  learn (p: PeerRef, evidence: Evidence, now: number): boolean {
    if (p.id === this.self.id) return false
    if (this.leaves.has(p.address)) {
      // Already a member (and offered to the table when it became one): the common case of hearsay.
      if (evidence === 'direct') this.heardAt.set(p.address, now)
      return false
    }
    if (evidence === 'direct') this.failed?.succeeded(p.address)
    else if (this.unhelpful.has(p.address) || this.isDead(p.address, now)) return false
    const added = this.table.add(p)
    const changed = this.leaves.add(p)
    if (!added && !changed && evidence === 'hearsay') {
      if (this.unhelpful.size >= MAX_UNHELPFUL_OFFERS_REMEMBERED) this.unhelpful.clear()
      this.unhelpful.add(p.address)
    }
    if (changed) this.leafVersion++
    if ((changed || added) && evidence === 'direct') this.heardAt.set(p.address, now)
    if (changed || added) this.pruneHeard()
    return changed
  }

  /**
   * Whether offering `p` as hearsay would change the leaf set or fill a routing slot (without
   * changing anything): the candidates worth a probe (src/core/candidate-probes.ts).
   */
  wouldLearn (p: PeerRef, now: number): boolean {
    if (p.id === this.self.id || this.leaves.has(p.address) || this.unhelpful.has(p.address) || this.isDead(p.address, now)) return false
    const slot = this.table.slotOf(p.id)
    return (slot !== undefined && this.table.get(slot.row, slot.column) === undefined) || this.leaves.wouldAdd(p)
  }

  /**
   * First-hand evidence that `p` is alive (it sent a request, or answered one): a member or entry
   * is marked heard, and a failed node is no longer suppressed.
   */
  heard (p: PeerRef, now: number): void {
    if (this.failed !== undefined && this.failed.size > 0) this.failed.succeeded(p.address)
    if (this.leaves.has(p.address) || this.table.hasAddress(p.address)) this.heardAt.set(p.address, now)
  }

  /** When a member or entry was last heard from (0: never). */
  lastHeard (address: string): number { return this.heardAt.get(address) ?? 0 }

  /** Forgets a node that failed to answer, or left; remembers it as failed (with backoff). */
  forget (p: PeerRef, now: number): Forgotten {
    const sides = this.leaves.sidesOf(p.address)
    if (sides.length > 0) { this.leaves.remove(p.address); this.leafVersion++ }
    this.unhelpful.clear()
    this.heardAt.delete(p.address)
    const slot = this.table.remove(p)
    if (slot !== undefined) this.pendingRepairs.push(slot)
    this.failed?.failed(p.address, now)
    return { sides, slot }
  }

  /** Whether `address` failed recently: refused from hearsay and not asked by routes. */
  isDead (address: string, now: number): boolean {
    return this.failed?.suppressed(address, now) ?? false
  }

  /** Whether `p` is in the leaf set or the routing table. */
  knows (p: PeerRef): boolean {
    return this.leaves.has(p.address) || this.table.has(p)
  }

  /** The routing rule applied to this state. */
  nextHop (key: NodeId, maxNodes: number): NextHop {
    return nextHop(this.leaves, this.table, key, maxNodes)
  }

  private pruneHeard (): void {
    if (this.heardAt.size <= 2 * (2 * this.leaves.perSide + this.table.size)) return
    for (const address of [...this.heardAt.keys()]) {
      if (!this.leaves.has(address) && !this.table.hasAddress(address)) this.heardAt.delete(address)
    }
  }
}
