/**
 * Chord's periodic maintenance (Stoica et al. 2001 §4.4 Fig. 7, §5.3): stabilize, notify,
 * fix-fingers and check-predecessor. Each is a bounded timer step (at most one outstanding request
 * or lookup) that reschedules itself with jitter. Invariant: a failed peer is forgotten from every
 * table and the step goes on with the next candidate; nothing here blocks or loops unboundedly.
 */
import { addPow2, inOpen, log2Floor, ringDistance, ID_BITS } from '../core/id.js'
import type { PeerRef } from '../core/port.js'
import type { ChordContext } from './context.js'

/** Stabilize: learn successor.predecessor and successor.successors; adopt a closer successor; notify. */
export function stabilize (ctx: ChordContext): void {
  const { routing, io, config } = ctx
  ctx.schedule('stabilize', config.stabilizeIntervalMs)
  const succ = routing.successors[0]
  if (succ === undefined) {
    // Alone: a node that notified us is our successor too (the ring of two forms here).
    const p = routing.predecessor
    if (p !== undefined) { routing.setSuccessors([p]); notify(ctx, p) }
    return
  }
  io.request(succ, { type: 'get-neighbors' }, { timeoutMs: config.requestTimeoutMs }, result => {
    if (!ctx.isRunning()) return
    if (!result.ok || result.value.type !== 'neighbors') {
      routing.forget(succ.address)
      ctx.replicateSoon()
      // Try the next successor now rather than a whole interval later.
      if (routing.successors.length > 0) ctx.schedule('stabilize', 0)
      return
    }
    const { predecessor: x, successors } = result.value
    const current = routing.successors[0]
    if (current === undefined || current.address !== succ.address) return // changed meanwhile
    const before = routing.successors.slice(0, config.replicas)
    if (x !== undefined && inOpen(x.id, io.self.id, succ.id)) {
      routing.setSuccessors([x, succ, ...successors])
      notify(ctx, x)
      // The successor moved strictly closer; check the new one at once (ends: the arc shrinks).
      ctx.schedule('stabilize', 0)
    } else {
      routing.setSuccessors([succ, ...successors])
      if (x === undefined || x.id !== io.self.id) notify(ctx, succ)
    }
    if (changed(before, routing.successors.slice(0, config.replicas))) ctx.replicateSoon()
  })
}

function changed (a: readonly PeerRef[], b: readonly PeerRef[]): boolean {
  if (a.length !== b.length) return true
  for (let i = 0; i < a.length; i++) if (a[i].address !== b[i].address) return true
  return false
}

function notify (ctx: ChordContext, to: PeerRef): void {
  ctx.io.request(to, { type: 'notify' }, { timeoutMs: ctx.config.requestTimeoutMs }, () => {})
}

/** Notify handler: `from` might be our predecessor (Fig. 7 n.notify). Returns whether it was adopted. */
export function onNotify (ctx: ChordContext, from: PeerRef): boolean {
  const { routing, io } = ctx
  if (from.id === io.self.id) return false
  const p = routing.predecessor
  if (p !== undefined && p.address !== from.address && !inOpen(from.id, p.id, io.self.id)) return false
  const isNew = p === undefined || p.address !== from.address
  routing.predecessor = from
  if (routing.successors.length === 0) routing.setSuccessors([from])
  if (isNew) ctx.replicateSoon()
  return true
}

/**
 * Check-predecessor: ping a predecessor not heard from for an interval; forget it if it fails, so
 * a live node's notify can take its place.
 */
export function checkPredecessor (ctx: ChordContext, lastHeardAt: number): void {
  const { routing, io, config } = ctx
  ctx.schedule('check-predecessor', config.checkPredecessorIntervalMs)
  const p = routing.predecessor
  if (p === undefined || io.now() - lastHeardAt < config.checkPredecessorIntervalMs) return
  io.request(p, { type: 'ping' }, { timeoutMs: config.requestTimeoutMs }, result => {
    if (!ctx.isRunning() || result.ok) return
    if (routing.predecessor?.address === p.address) {
      routing.forget(p.address)
      ctx.replicateSoon()
    }
  })
}

/**
 * Fix-fingers, choosing the index: one distinct finger is refreshed per firing by a lookup of
 * self + 2^i. Indices whose finger is the successor are skipped, and after finding finger f the
 * walk jumps to the first index past f (see refreshFinger), so a full cycle costs about log2 N
 * lookups, not 256. Returns undefined when alone.
 */
export function fingerToFix (ctx: ChordContext, cursor: number): number | undefined {
  const succ = ctx.routing.successors[0]
  if (succ === undefined) return undefined
  const lowest = Math.min(ID_BITS - 1, log2Floor(ringDistance(ctx.io.self.id, succ.id)) + 1)
  return cursor < lowest || cursor >= ID_BITS ? lowest : cursor
}

/** Starts the lookup for finger `i`; `next` receives the index to refresh on the following firing. */
export function refreshFinger (ctx: ChordContext, i: number, next: (index: number) => void): void {
  const { routing, io } = ctx
  const target = addPow2(io.self.id, i)
  ctx.lookup(target, outcome => {
    if (!ctx.isRunning()) return
    if (!outcome.ok) { next(i + 1); return }
    const f = outcome.value.owner
    routing.fingers.set(i, f)
    // f = successor(self + 2^i) is also finger k for every 2^k <= d(self, f); a wrap ends the cycle.
    const d = ringDistance(io.self.id, f.id)
    const after = f.id === io.self.id ? ID_BITS : log2Floor(d) + 1
    next(after > i ? after : ID_BITS)
  })
}
