/**
 * Pastry's maintenance (Rowstron & Druschel 2001 §2.4, "node failure"; the heartbeat to one
 * neighbour and the spreading of failures through leaf-set exchanges follow MSPastry, Castro et al.
 * 2004 §3; the adaptive periods follow Bamboo, Rhea et al. USENIX 2004 §4). The leaf-set step
 * exchanges leaf sets (push-pull) with the nearest node clockwise, so every node hears from both
 * neighbours each period; while backed off, a neighbour heard from since the last step by other
 * traffic (any request from it, any answer) is not asked, if our last exchange with it settled
 * both sides (its leaf set listed us and named no node ours would take): traffic shows it is
 * alive, not that it knows us, and a node it does not list (say, a newcomer whose announcements
 * timed out) keeps exchanging until it does. A member that a neighbour's leaf set
 * should list but does not is probed at once, so a failure spreads first-hand; a node that finds a
 * member dead pushes its leaf set to its members at once (one coalesced push per burst), so each
 * of them verifies and drops it within one probe. Members not heard from for `leafProbeAfterMs`
 * are probed as a backstop. A member found dead is replaced from the leaf set of the farthest live
 * member on its side (§2.4); a dead routing-table entry is repaired lazily from the same row of
 * another entry (or a higher row). Both steps' periods double while a step learns nothing new and
 * snap back to their minimum on any change (a leaf-set change, a failure, a join, a leave).
 * Invariants: each step sends O(|L|) requests at most (O(1) unless a push is due) and reschedules
 * itself with jitter; at most one request per peer is in flight from maintenance; a failed peer is
 * forgotten everywhere and the step goes on.
 */
import { AdaptivePeriod } from '../core/adaptive-period.js'
import { inInterval } from '../core/id.js'
import type { PeerRef } from '../core/port.js'
import type { Random } from '../core/random.js'
import type { PastryConfig } from './config.js'
import type { PastryContext } from './context.js'
import { offerLeafSet, offerPeers } from './first-hand.js'
import type { Side } from './leaf-set.js'
import { LEAF_PROBES_PER_STEP, LEAF_PUSH_DELAY_MS } from './limits.js'
import type { LeafSetView } from './messages.js'
import type { Slot } from './routing-table.js'

/** Per-node bookkeeping of the maintenance steps (owned by the node, passed in). */
export interface MaintenanceState {
  /** Peers with a maintenance request (exchange or probe) in flight. */
  readonly inFlight: Set<string>
  /** Round-robin position of the routing-table probe. */
  tableCursor: number
  /** Picks the source of a lazy repair (forked from the node's source for this purpose). */
  readonly random: Random
  /** Period of the leaf-set step (leafSetIntervalMs .. leafSetMaxIntervalMs). */
  readonly leafPeriod: AdaptivePeriod
  /** Period of the routing-table step (routingTableIntervalMs .. routingTableMaxIntervalMs). */
  readonly tablePeriod: AdaptivePeriod
  /** The leaf-set version the last leaf-set step saw (a step is quiet if it is unchanged). */
  leafVersionAtStep: number
  /** When the last leaf-set step ran (ms). */
  leafStepAt: number
  /** The clockwise neighbour the last step exchanged with, and when it answered (ms). */
  exchangedWith: string | undefined
  exchangeAnsweredAt: number
  /** That answer listed us and named no node our leaf set would take (exchangeSettles). */
  exchangeSettled: boolean
  /** This node found a member dead: the next leaf-set step pushes the leaf set to every member. */
  pushPending: boolean
  /** The leaf-set version of the last scan for stale members, and when the next is due (ms). */
  staleScanVersion: number
  staleScanAfter: number
}

export function newMaintenanceState (random: Random, config: PastryConfig): MaintenanceState {
  return {
    inFlight: new Set(),
    tableCursor: 0,
    random,
    leafPeriod: new AdaptivePeriod({ minMs: config.leafSetIntervalMs, maxMs: config.leafSetMaxIntervalMs }),
    tablePeriod: new AdaptivePeriod({ minMs: config.routingTableIntervalMs, maxMs: config.routingTableMaxIntervalMs }),
    leafVersionAtStep: -1,
    leafStepAt: -Infinity,
    exchangedWith: undefined,
    exchangeAnsweredAt: -Infinity,
    exchangeSettled: false,
    pushPending: false,
    staleScanVersion: -1,
    staleScanAfter: -Infinity
  }
}

/**
 * Something changed (the leaf set, a failure, a join, a leave): both periods snap back to their
 * minimum, and a timer armed for a backed-off period is re-armed at the minimum.
 */
export function snapBack (ctx: PastryContext, m: MaintenanceState): void {
  if (m.leafPeriod.changed()) ctx.schedule('leaf-set', m.leafPeriod.current)
  if (m.tablePeriod.changed()) ctx.schedule('routing-table', m.tablePeriod.current)
}

/** This node found a member dead: push the leaf set to the members soon (coalesced with others). */
export function pushSoon (ctx: PastryContext, m: MaintenanceState): void {
  if (m.pushPending) return
  m.pushPending = true
  ctx.schedule('leaf-set', LEAF_PUSH_DELAY_MS)
}

/**
 * The leaf-set step: a pending push to every member, or else the exchange with the nearest node
 * clockwise (skipped while backed off if it was heard from since the last step by other traffic);
 * and a probe of the member not heard from for longest, past `leafProbeAfterMs`.
 */
export function leafSetStep (ctx: PastryContext, m: MaintenanceState): void {
  const { state, config, io } = ctx
  const now = io.now()
  const push = m.pushPending
  m.pushPending = false
  if (!push && state.leafVersion === m.leafVersionAtStep) m.leafPeriod.quiet()
  m.leafVersionAtStep = state.leafVersion
  const lastStepAt = m.leafStepAt
  m.leafStepAt = now
  ctx.schedule('leaf-set', m.leafPeriod.current)
  const leaves = state.leaves
  const targets: PeerRef[] = []
  const add = (p: PeerRef | undefined): void => {
    if (p !== undefined && !targets.some(q => q.address === p.address)) targets.push(p)
  }
  if (push) {
    for (const p of leaves.members()) add(p)
  } else {
    // Clockwise only: the counter-clockwise neighbour exchanges with us in its own step.
    const next = leaves.nearest('right') ?? leaves.nearest('left')
    const ownAnswer = next !== undefined && m.exchangedWith === next.address ? m.exchangeAnsweredAt : -Infinity
    const heardByTraffic = next !== undefined && state.lastHeard(next.address) > Math.max(lastStepAt, ownAnswer)
    const settled = next !== undefined && m.exchangedWith === next.address && m.exchangeSettled
    if (!(m.leafPeriod.backedOff && heardByTraffic && settled)) {
      add(next)
      m.exchangedWith = next?.address
      m.exchangeAnsweredAt = Infinity
      m.exchangeSettled = false
    }
  }
  for (const p of staleMembers(ctx, m, now, targets)) add(p)
  for (const p of targets) exchangeLeafSets(ctx, m, p)
}

/**
 * The members heard from longest ago and not within leafProbeAfterMs, oldest first (at most
 * LEAF_PROBES_PER_STEP), other than `targets`. Hearing only moves a member's time forward, so no
 * member can turn stale before the oldest time seen by the last scan plus leafProbeAfterMs unless
 * the membership changed: until then the scan is skipped.
 */
function staleMembers (ctx: PastryContext, m: MaintenanceState, now: number, targets: readonly PeerRef[]): PeerRef[] {
  const { state, config } = ctx
  if (state.leafVersion === m.staleScanVersion && now < m.staleScanAfter) return []
  m.staleScanVersion = state.leafVersion
  let oldest = Infinity
  const stale: PeerRef[] = []
  for (const p of state.leaves.members()) {
    const heard = state.lastHeard(p.address)
    if (heard < oldest) oldest = heard
    if (now - heard < config.leafProbeAfterMs || targets.some(q => q.address === p.address)) continue
    let at = stale.length
    while (at > 0 && state.lastHeard(stale[at - 1].address) > heard) at--
    if (at < LEAF_PROBES_PER_STEP) { stale.splice(at, 0, p); stale.length = Math.min(stale.length, LEAF_PROBES_PER_STEP) }
  }
  // With a stale member found, scan again next step (the probe may not be answered yet).
  m.staleScanAfter = stale.length > 0 ? now : oldest + config.leafProbeAfterMs
  return stale
}

/**
 * Why an exchange is made: the periodic step, a repair or a push (`step`), or the check of a
 * member another node's leaf set lacks (`verify`). The answer to a check is merged without
 * checking further members in turn: two nodes whose views differ for a while (a member one of them
 * has not verified yet, or holds as failed) would otherwise set off checks of checks, a storm
 * measured at 9.5 exchanges a second per peer on 40 idle peers.
 */
export type ExchangePurpose = 'step' | 'verify'

/** Sends `peer` our leaf set and merges its own; a failure forgets the peer (and repairs). */
export function exchangeLeafSets (ctx: PastryContext, m: MaintenanceState, peer: PeerRef, purpose: ExchangePurpose = 'step'): void {
  if (m.inFlight.has(peer.address)) return
  m.inFlight.add(peer.address)
  const leafSet = ctx.state.leaves.view()
  ctx.io.request(peer, { type: 'exchange', leafSet }, { timeoutMs: ctx.config.requestTimeoutMs }, result => {
    m.inFlight.delete(peer.address)
    if (!ctx.isRunning()) return
    if (!result.ok || result.value.type !== 'leaf-set') { ctx.peerFailed(peer); return }
    ctx.heardFrom(peer)
    if (m.exchangedWith === peer.address) m.exchangeAnsweredAt = ctx.io.now()
    mergeLeafSet(ctx, m, peer, result.value.leafSet, purpose === 'step')
    if (m.exchangedWith === peer.address) m.exchangeSettled = exchangeSettles(ctx, result.value.leafSet)
  })
}

/**
 * Whether a neighbour's answered leaf set leaves nothing to exchange: it lists us, and names no
 * node our leaf set would take (a named node still waiting for our probe counts).
 */
function exchangeSettles (ctx: PastryContext, view: LeafSetView): boolean {
  const { state, io } = ctx
  const named = [...view.left, ...view.right]
  const now = io.now()
  return named.some(p => p.address === io.self.address) && !named.some(p => state.leaves.wouldAdd(p) && state.wouldLearn(p, now))
}

/**
 * First-hand check of a member or entry that may be gone (its connection closed): an exchange for
 * a leaf-set member, a ping for a routing-table entry; a failure forgets it and starts the repairs.
 */
export function verifyPeer (ctx: PastryContext, m: MaintenanceState, peer: PeerRef): void {
  if (ctx.state.leaves.has(peer.address)) { exchangeLeafSets(ctx, m, peer); return }
  if (ctx.state.table.has(peer)) ping(ctx, m, peer)
}

function ping (ctx: PastryContext, m: MaintenanceState, peer: PeerRef): void {
  if (m.inFlight.has(peer.address)) return
  m.inFlight.add(peer.address)
  ctx.io.request(peer, { type: 'ping' }, { timeoutMs: ctx.config.requestTimeoutMs }, result => {
    m.inFlight.delete(peer.address)
    if (!ctx.isRunning()) return
    if (result.ok) ctx.heardFrom(peer)
    else ctx.peerFailed(peer)
  })
}

/**
 * Offers the nodes of `from`'s leaf set to ours as candidates (first-hand.ts), and, when
 * `checkMissing`, checks the members it should list but lacks (see ExchangePurpose).
 */
export function mergeLeafSet (ctx: PastryContext, m: MaintenanceState, from: PeerRef, view: LeafSetView, checkMissing = true): void {
  offerLeafSet(ctx, view, from.address)
  if (!checkMissing) return
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
    if (inInterval(p.id, lo, hi, CLOSED)) exchangeLeafSets(ctx, m, p, 'verify')
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

/**
 * The routing-table step: one pending lazy repair, and a probe of the next entry (round robin) not
 * heard from within the current period. A step with no repair to do is quiet (the period doubles);
 * a failed probe snaps it back (through peerFailed).
 */
export function routingTableStep (ctx: PastryContext, m: MaintenanceState): void {
  const { state, io } = ctx
  const slot = state.pendingRepairs.shift()
  if (slot === undefined) m.tablePeriod.quiet()
  ctx.schedule('routing-table', m.tablePeriod.current)
  if (slot !== undefined) repairSlot(ctx, m, slot)
  const entries = state.table.entries()
  const now = io.now()
  for (let i = 0; i < entries.length; i++) {
    const p = entries[m.tableCursor++ % entries.length]
    if (now - state.lastHeard(p.address) >= m.tablePeriod.current) { ping(ctx, m, p); return }
  }
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
    offerPeers(ctx, result.value.nodes, from.address)
    if (state.table.get(slot.row, slot.column) !== undefined) ctx.counters.rowRepairs++
  })
}
