/**
 * Pastry's periodic maintenance (Rowstron & Druschel 2001 §2.4, "node failure"; the heartbeat to
 * one neighbour and the spreading of failures through leaf-set exchanges follow MSPastry, Castro et
 * al. 2004 §3): each leaf-set step exchanges leaf sets (push-pull) with the nearest node clockwise,
 * so every node hears from both neighbours each interval; a member that a neighbour's leaf set
 * should list but does not is probed at once, so a failure spreads along the ring one exchange at a
 * time; members not heard from for `leafProbeAfterMs` are probed as a backstop. A member found dead
 * is replaced from the leaf set of the farthest live member on its side (§2.4); a dead routing-table
 * entry is repaired lazily from the same row of another entry (or a higher row). Invariants: each
 * step sends O(1) requests and reschedules itself with jitter; at most one exchange per peer is in
 * flight; a failed peer is forgotten everywhere and the step goes on.
 */
import { inInterval } from '../core/id.js'
import type { PeerRef } from '../core/port.js'
import type { Random } from '../core/random.js'
import type { PastryContext } from './context.js'
import type { Side } from './leaf-set.js'
import { LEAF_PROBES_PER_STEP } from './limits.js'
import type { LeafSetView } from './messages.js'
import type { Slot } from './routing-table.js'

/** Per-node bookkeeping of the maintenance steps (owned by the node, passed in). */
export interface MaintenanceState {
  /** Peers with a leaf-set exchange in flight. */
  readonly exchanging: Set<string>
  /** Round-robin position of the routing-table probe. */
  tableCursor: number
  /** Picks the source of a lazy repair (forked from the node's source for this purpose). */
  readonly random: Random
}

export function newMaintenanceState (random: Random): MaintenanceState {
  return { exchanging: new Set(), tableCursor: 0, random }
}

/** The leaf-set step: exchange with the nearest node clockwise; probe members not heard from. */
export function leafSetStep (ctx: PastryContext, m: MaintenanceState): void {
  const { state, config, io } = ctx
  ctx.schedule('leaf-set', config.leafSetIntervalMs)
  const leaves = state.leaves
  const targets: PeerRef[] = []
  const add = (p: PeerRef | undefined): void => {
    if (p !== undefined && !targets.some(q => q.address === p.address)) targets.push(p)
  }
  // Clockwise only: the counter-clockwise neighbour exchanges with us in its own step.
  add(leaves.nearest('right') ?? leaves.nearest('left'))
  // The members heard from longest ago (and not within leafProbeAfterMs), oldest first.
  const now = io.now()
  const stale: PeerRef[] = []
  for (const p of leaves.members()) {
    const heard = state.lastHeard(p.address)
    if (now - heard < config.leafProbeAfterMs || targets.some(q => q.address === p.address)) continue
    let at = stale.length
    while (at > 0 && state.lastHeard(stale[at - 1].address) > heard) at--
    if (at < LEAF_PROBES_PER_STEP) { stale.splice(at, 0, p); stale.length = Math.min(stale.length, LEAF_PROBES_PER_STEP) }
  }
  for (const p of stale) add(p)
  for (const p of targets) exchangeLeafSets(ctx, m, p)
}

/** Sends `peer` our leaf set and merges its own; a failure forgets the peer (and repairs). */
export function exchangeLeafSets (ctx: PastryContext, m: MaintenanceState, peer: PeerRef): void {
  if (m.exchanging.has(peer.address)) return
  m.exchanging.add(peer.address)
  const leafSet = ctx.state.leaves.view()
  ctx.io.request(peer, { type: 'exchange', leafSet }, { timeoutMs: ctx.config.requestTimeoutMs }, result => {
    m.exchanging.delete(peer.address)
    if (!ctx.isRunning()) return
    if (!result.ok || result.value.type !== 'leaf-set') { ctx.peerFailed(peer); return }
    ctx.heardFrom(peer)
    mergeLeafSet(ctx, m, peer, result.value.leafSet)
  })
}

/** Offers the nodes of `from`'s leaf set to ours, and probes members it should list but lacks. */
export function mergeLeafSet (ctx: PastryContext, m: MaintenanceState, from: PeerRef, view: LeafSetView): void {
  if (ctx.state.learnLeafSet(view, ctx.io.now())) ctx.replicateSoon()
  const { left, right } = view
  if (left.length === 0 || right.length === 0) return
  const listed = new Set<string>()
  for (const p of left) listed.add(p.address)
  for (const p of right) { if (listed.has(p.address)) return; listed.add(p.address) } // `from` knows the whole ring
  const lo = left[left.length - 1].id
  const hi = right[right.length - 1].id
  for (const p of ctx.state.leaves.members()) {
    if (p.address === from.address || listed.has(p.address)) continue
    // Within `from`'s range, so among its nearest: `from` has lost it (or not met it yet).
    if (inInterval(p.id, lo, hi, CLOSED)) exchangeLeafSets(ctx, m, p)
  }
}

const CLOSED = { leftOpen: false, rightOpen: false }

/**
 * A side lost a member: ask the farthest live member on that side for its leaf set, which reaches
 * past our edge (§2.4). With that side empty, the nearest node on the other side knows our
 * neighbours on this one (its own leaf set spans us).
 */
export function repairLeafSide (ctx: PastryContext, m: MaintenanceState, side: Side): void {
  const leaves = ctx.state.leaves
  const target = leaves.farthest(side) ?? leaves.nearest(side === 'left' ? 'right' : 'left')
  if (target === undefined) return
  ctx.counters.leafRepairs++
  exchangeLeafSets(ctx, m, target)
}

/** The routing-table step: one pending lazy repair, and a probe of one entry (round robin). */
export function routingTableStep (ctx: PastryContext, m: MaintenanceState): void {
  const { state, config, io } = ctx
  ctx.schedule('routing-table', config.routingTableIntervalMs)
  const slot = state.pendingRepairs.shift()
  if (slot !== undefined) repairSlot(ctx, m, slot)
  const entries = state.table.entries()
  if (entries.length === 0) return
  const p = entries[m.tableCursor++ % entries.length]
  io.request(p, { type: 'ping' }, { timeoutMs: config.requestTimeoutMs }, result => {
    if (!ctx.isRunning()) return
    if (result.ok) ctx.heardFrom(p)
    else ctx.peerFailed(p)
  })
}

/**
 * Lazy repair of an emptied slot (§2.4): ask another entry of the same row for its row (any node
 * sharing at least `row` digits with us holds valid entries for it); with none, an entry of a
 * higher row, then a leaf-set member. Every node returned is offered to our state.
 */
function repairSlot (ctx: PastryContext, m: MaintenanceState, slot: Slot): void {
  const { state, io, config } = ctx
  if (state.table.get(slot.row, slot.column) !== undefined) return
  let source: PeerRef | undefined
  const sameRow = state.table.row(slot.row)
  if (sameRow.length > 0) source = m.random.pick(sameRow)
  else {
    state.table.forEachFrom(slot.row + 1, p => { source ??= p })
    source ??= state.leaves.nearest('right') ?? state.leaves.nearest('left')
  }
  if (source === undefined) return
  const from = source
  io.request(from, { type: 'get-row', row: slot.row }, { timeoutMs: config.requestTimeoutMs }, result => {
    if (!ctx.isRunning()) return
    if (!result.ok || result.value.type !== 'row') { ctx.peerFailed(from); return }
    ctx.heardFrom(from)
    const now = io.now()
    let leafChanged = false
    for (const p of result.value.nodes) leafChanged = state.learn(p, 'hearsay', now) || leafChanged
    if (state.table.get(slot.row, slot.column) !== undefined) ctx.counters.rowRepairs++
    if (leafChanged) ctx.replicateSoon()
  })
}
