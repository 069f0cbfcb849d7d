/**
 * Chord's routing state is first-hand (issue 10; Castro et al., OSDI 2002 §4): a peer enters the
 * successor list, the predecessor or a finger only after this node reached it itself and it
 * answered for Chord. What others name (a successor's list and predecessor, a LEAVING's
 * replacements, a lookup's owner) is a candidate for src/core/candidate-probes.ts. A predecessor
 * that refuses the records it should own loses standing (src/core/peer-standing.ts), is dropped,
 * and the records stay here. Invariant: nothing here adds a peer that is not first-hand.
 */
import { PENALTY_REFUSED_HANDOFF } from '../core/peer-standing.js'
import type { PeerRef } from '../core/port.js'
import type { StorageResponse } from '../dht/messages.js'
import type { ChordContext } from './context.js'

/**
 * The part of a neighbour's successor list worth verifying: clockwise up to self (a wrap) and at
 * most one list long, without peers that failed lately.
 */
export function namedSuccessors (ctx: ChordContext, named: readonly PeerRef[]): PeerRef[] {
  const out: PeerRef[] = []
  for (const p of named) {
    if (p.id === ctx.io.self.id || out.length >= ctx.config.successorListLength) break
    if (!ctx.suppressed(p)) out.push(p)
  }
  return out
}

/**
 * The first-hand prefix of a named successor list, for the caller to install: it ends at the first
 * peer not verified yet, so the list never skips a node it has not checked (a replica would go to
 * a node past it, and linger there for a lease once the list is whole). The peers not verified are
 * queued for a probe, charged to `namedBy` (undefined: our own lookup); each that answers snaps
 * stabilize back, which then installs it.
 */
export function verifiedPrefix (ctx: ChordContext, named: readonly PeerRef[], namedBy: string | undefined): PeerRef[] {
  let prefix = named.length
  const unknown: PeerRef[] = []
  named.forEach((p, i) => {
    if (ctx.firstHand(p)) return
    unknown.push(p)
    if (prefix > i) prefix = i
  })
  if (unknown.length > 0) ctx.probes.offer(unknown, namedBy)
  return named.slice(0, prefix)
}

/**
 * Probes `candidates` in order (our own lookup's answer) until one answers; `done` gets it, or
 * undefined when none did. A first-hand candidate is taken without a probe.
 */
export function firstAnswering (ctx: ChordContext, candidates: readonly PeerRef[], done: (p: PeerRef | undefined) => void): void {
  let i = 0
  const next = (): void => {
    const p = candidates[i++]
    if (p === undefined) { done(undefined); return }
    if (ctx.firstHand(p)) { done(p); return }
    if (!ctx.probes.trusted(p.address)) { next(); return }
    ctx.request(p, { type: 'ping' }, result => {
      if (!ctx.isRunning()) return
      if (result.ok && result.value.type === 'ack') done(p)
      else next()
    })
  }
  next()
}

/**
 * The predecessor each node has seen take a hand-off (accept records, or hold them: `stale`). An
 * established owner may refuse later ones for a limit: a flood passed on through this node can
 * spend our share there, and that must not cost an honest neighbour its place (issue 10).
 */
const provenPredecessor = new WeakMap<ChordContext, string>()

/**
 * Checks the answer to a hand-off (a primary store to the predecessor, the new owner). An answer
 * whose counts do not cover every record is malformed: no record counts as taken. A predecessor
 * that took none of them loses standing and is dropped, unless it holds them (`stale`), is
 * leaving, or has taken a hand-off before and refuses for a limit (`quota`, `full`, `too-large`);
 * a new predecessor that takes none (a sybil that NOTIFYed in) is dropped whatever it says. The
 * records not accepted stay here as owned. Returns the answer to pass on.
 */
export function checkHandoffAnswer (ctx: ChordContext, to: PeerRef, sent: number, res: StorageResponse): StorageResponse | undefined {
  if (res.type !== 'stored') return res
  if (res.accepted + res.refused.length < sent) return handoffRefused(ctx, to)
  const holds = res.refused.some(r => r.reason === 'stale' || r.reason === 'leaving')
  if (res.accepted > 0 || holds) {
    if (ctx.routing.predecessor?.address === to.address) provenPredecessor.set(ctx, to.address)
    return res
  }
  const proven = provenPredecessor.get(ctx) === to.address
  if (!proven || res.refused.some(r => r.reason === 'invalid')) handoffRefused(ctx, to)
  return res
}

function handoffRefused (ctx: ChordContext, to: PeerRef): undefined {
  if (ctx.routing.predecessor?.address === to.address) ctx.probes.penalize(to.address, PENALTY_REFUSED_HANDOFF)
  return undefined
}

/** `address` lost standing: it leaves the routing state (not as failed: it is alive, not trusted). */
export function dropUntrusted (ctx: ChordContext, address: string): void {
  if (!ctx.routing.isNeighbour(address)) return
  ctx.routing.forget(address)
  ctx.timers.soon('stabilize')
  ctx.replicateSoon()
}
