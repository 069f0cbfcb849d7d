/**
 * Taking in a rumor from a peer: duplicate, then shape, then freshness, then signature, then the
 * store's bounds. Invariants: a rumor is stored only after its signature verified against its
 * origin; a rumor outside the freshness window (by its signed creation time), or no later than a
 * rumor whose id was forgotten, is refused, so a replay is refused even after its id is forgotten
 * (issue 10, item 7); the store's quota per relaying peer binds what fresh origin keys cannot buy;
 * each refusal is counted under one reason; a known rumor (stored or remembered) is never accepted twice, so an
 * epidemic cannot loop (Demers et al. 1987 §1.3: a site that already knows the update is not
 * re-infected).
 */
import type { PeerRef } from '../core/port.js'
import type { SirContext } from './context.js'
import { checkRumorShape, rumorId, signedBytes, type Rumor } from './rumor.js'

/** new: accepted now; known: already known (feedback "I knew it"); refused: dropped and counted. */
export type IntakeOutcome = 'new' | 'known' | 'refused'

/** Takes in one rumor into `state` (I when spread by push or pull, R when from anti-entropy). */
export function takeIn (ctx: SirContext, from: PeerRef, rumor: Rumor, state: 'I' | 'R'): IntakeOutcome {
  // Duplicates first: most copies are (k+1 per node in push). A known id means content identical to
  // a rumor that passed every check here, and the wire already bounds what gets hashed.
  const id = rumorId(rumor)
  if (ctx.store.knows(id)) { ctx.counters.duplicates++; return 'known' }
  const shape = checkRumorShape(rumor, ctx.config.maxPayloadBytes)
  if (shape !== undefined) {
    if (shape === 'oversize') ctx.counters.oversized++
    else ctx.counters.malformed++
    return 'refused'
  }
  const now = ctx.io.now()
  if (rumor.createdAtMs > now + ctx.config.maxClockSkewMs) { ctx.counters.fromFuture++; return 'refused' }
  if (rumor.createdAtMs < now - ctx.config.maxRumorAgeMs || rumor.createdAtMs <= ctx.store.forgottenUpToMs) { ctx.counters.stale++; return 'refused' }
  if (!verifies(ctx, rumor)) { ctx.counters.forged++; return 'refused' }
  const outcome = ctx.store.add(id, rumor, state, now, ctx.nextSlot(now), from.address)
  if (outcome === 'over-quota') { ctx.counters.overQuota++; return 'refused' }
  if (outcome === 'over-peer-quota') { ctx.counters.overPeerQuota++; return 'refused' }
  ctx.counters.accepted++
  if (state === 'R') ctx.counters.acceptedBySync++
  const entry = ctx.store.get(id)
  if (entry !== undefined) ctx.onAccepted(entry, from)
  return 'new'
}

function verifies (ctx: SirContext, rumor: Rumor): boolean {
  try {
    return ctx.verifier.verify(rumor.origin, signedBytes(rumor), rumor.signature) === true
  } catch {
    return false
  }
}
