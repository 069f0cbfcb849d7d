/**
 * Chord's periodic maintenance (Stoica et al. 2001 §4.4 Fig. 7, §5.3): stabilize, notify,
 * fix-fingers and check-predecessor. Each is a bounded timer step (at most one outstanding request
 * or lookup) that ends by telling MaintenanceTimers whether it found a change, which sets its next
 * period (adaptive, Bamboo/Accordion). Invariant: a failed peer is forgotten from every table and
 * the step goes on with the next candidate; nothing here blocks or loops unboundedly.
 */
import { addPow2, inOpen, log2Floor, ringDistance, ID_BITS } from '../core/id.js'
import type { PeerRef } from '../core/port.js'
import type { ChordContext } from './context.js'
import { firstAnswering, namedSuccessors, verifiedPrefix } from './first-hand.js'

/**
 * Stabilize: learn successor.predecessor and successor.successors; adopt a closer successor; notify.
 * What the successor says of other nodes is hearsay: a node this one saw fail lately is left out
 * (no retry storm through a stale neighbour), and a node not verified first-hand is probed before
 * it is adopted (first-hand.ts). Ends "changed" when the successor list changed.
 */
export function stabilize (ctx: ChordContext): void {
  const { routing, io, config, timers } = ctx
  if (!timers.begin('stabilize')) return
  const succ = routing.successors[0]
  if (succ === undefined) {
    // Alone: a node that notified us is our successor too (the ring of two forms here).
    const p = routing.predecessor
    if (p !== undefined) { routing.setSuccessors([p]); notify(ctx, p) }
    timers.end('stabilize', p !== undefined)
    return
  }
  ctx.request(succ, { type: 'get-neighbors' }, result => {
    if (!ctx.isRunning()) return
    if (!result.ok || result.value.type !== 'neighbors') {
      routing.forget(succ.address)
      ctx.replicateSoon()
      // Try the next successor now rather than a whole interval later.
      timers.end('stabilize', true, routing.successors.length > 0)
      return
    }
    const { predecessor, successors } = result.value
    const current = routing.successors[0]
    if (current === undefined || current.address !== succ.address) { timers.end('stabilize', true); return } // changed meanwhile
    const named = predecessor !== undefined && !ctx.suppressed(predecessor) && inOpen(predecessor.id, io.self.id, succ.id) ? predecessor : undefined
    // Hearsay: only first-hand peers are installed now; the others wait for our own probe, and
    // one that answers takes its place then (ChordNode's adoption of verified candidates).
    const x = named !== undefined && verifiedPrefix(ctx, [named], succ.address).length > 0 ? named : undefined
    const heard = verifiedPrefix(ctx, namedSuccessors(ctx, successors), succ.address)
    const before = routing.successors.slice()
    if (x !== undefined) {
      routing.setSuccessors([x, succ, ...heard])
      notify(ctx, x)
      // The successor moved strictly closer; check the new one at once (ends: the arc shrinks).
      timers.end('stabilize', true, true)
    } else {
      const list = [succ, ...heard]
      if (!routing.sameSuccessors(list)) routing.setSuccessors(list)
      if (predecessor === undefined || predecessor.id !== io.self.id) notify(ctx, succ)
      timers.end('stabilize', changed(before, routing.successors))
    }
    if (changed(before.slice(0, config.replicas), routing.successors.slice(0, config.replicas))) ctx.replicateSoon()
  })
}

function changed (a: readonly PeerRef[], b: readonly PeerRef[]): boolean {
  if (a.length !== b.length) return true
  for (let i = 0; i < a.length; i++) if (a[i].address !== b[i].address) return true
  return false
}

export function notify (ctx: ChordContext, to: PeerRef): void {
  ctx.request(to, { type: 'notify' }, () => {})
}

/**
 * Notify handler: `from` might be our predecessor (Fig. 7 n.notify). Returns whether it was
 * adopted. A notify is first-hand: `from` is alive, whatever this node remembered of it. A notify
 * from a node that our current predecessor precedes means the notifier's view skips our
 * predecessor (it found it dead, or it left): the predecessor is then checked at once, and the
 * notifier becomes the candidate to take its place if that check fails.
 */
export function onNotify (ctx: ChordContext, from: PeerRef): 'adopted' | 'refused' | 'candidate' {
  const { routing, io } = ctx
  if (from.id === io.self.id) return 'refused'
  ctx.failed.succeeded(from.address)
  const p = routing.predecessor
  if (p !== undefined && p.address !== from.address && !inOpen(from.id, p.id, io.self.id)) {
    ctx.timers.soon('check-predecessor')
    return 'candidate'
  }
  const isNew = p === undefined || p.address !== from.address
  routing.predecessor = from
  if (routing.successors.length === 0) routing.setSuccessors([from])
  if (isNew) ctx.replicateSoon()
  return 'adopted'
}

/**
 * Check-predecessor: ping a predecessor not heard from (a request from it, or an answer) within the
 * current period; forget it if it fails, and adopt `candidate` (a live node that notified us
 * meanwhile) in its place. Ends "changed" when the predecessor was forgotten.
 */
export function checkPredecessor (ctx: ChordContext, lastHeardAt: number, candidate: () => PeerRef | undefined): void {
  const { routing, io, timers } = ctx
  if (!timers.begin('check-predecessor')) return
  const p = routing.predecessor
  if (p === undefined || io.now() - lastHeardAt < timers.period('check-predecessor')) { timers.end('check-predecessor', false); return }
  ctx.request(p, { type: 'ping' }, result => {
    if (!ctx.isRunning()) return
    if (result.ok || routing.predecessor?.address !== p.address) { timers.end('check-predecessor', !result.ok); return }
    routing.forget(p.address)
    const c = candidate()
    if (c !== undefined && !ctx.suppressed(c) && c.id !== io.self.id) routing.predecessor = c
    ctx.replicateSoon()
    timers.end('check-predecessor', true)
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

/**
 * Starts the lookup for finger `i`; `next` receives the index to refresh on the following firing
 * and whether anything changed (a different finger, or a failed lookup).
 */
export function refreshFinger (ctx: ChordContext, i: number, next: (index: number, changed: boolean) => void): void {
  const { routing, io } = ctx
  const target = addPow2(io.self.id, i)
  ctx.lookup(target, outcome => {
    if (!ctx.isRunning()) return
    if (!outcome.ok) { next(i + 1, true); return }
    const f = outcome.value.owner
    // The lookup's last hop named f: a finger only once f answers us itself.
    const install = (): void => {
      const previous = routing.fingers.finger(i)
      routing.fingers.set(i, f)
      // f = successor(self + 2^i) is also finger k for every 2^k <= d(self, f); a wrap ends the cycle.
      const d = ringDistance(io.self.id, f.id)
      const after = f.id === io.self.id ? ID_BITS : log2Floor(d) + 1
      next(after > i ? after : ID_BITS, f.id !== io.self.id && previous?.address !== f.address)
    }
    if (f.id === io.self.id) { install(); return }
    firstAnswering(ctx, [f], p => {
      if (!ctx.isRunning()) return
      if (p !== undefined) install(); else next(i + 1, true)
    })
  })
}
