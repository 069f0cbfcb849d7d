/**
 * Answering a SIR request (STYLE.md #3: a typed request in, a typed response out, synchronously).
 * push: take the rumors in and say which were already known (the feedback of Demers et al. 1987
 * §1.3); pull: return the hot rumors the caller lacks, and flip the coin for each hot rumor its
 * digest shows it knew (the same feedback seen from the other side, so the residue equation holds
 * for pull too); push-pull: both, the pull side judged on the state before the pushed rumors are
 * taken in; sync (anti-entropy, §1.5): every stored rumor the caller lacks, at once.
 */
import type { PeerRef } from '../core/port.js'
import { RumorBatch } from './batch.js'
import type { SirContext } from './context.js'
import { takeIn } from './intake.js'
import { MAX_DIGEST_IDS, MAX_RUMORS_PER_MESSAGE } from './limits.js'
import type { SirRequest, SirResponse } from './messages.js'
import type { Rumor, RumorId } from './rumor.js'

/** Digests at most this long are searched linearly; longer ones through a Set. */
const LINEAR_DIGEST_SEARCH_IDS = 8

export function answer (ctx: SirContext, from: PeerRef, req: SirRequest): SirResponse {
  ctx.counters.requestsServed++
  if (!withinLimits(req)) {
    ctx.counters.malformed++
    switch (req.type) {
      case 'push': return { type: 'push-ack', known: req.rumors.map(() => false) }
      case 'pushpull': return { type: 'pushpull-ack', known: req.rumors.map(() => false), rumors: [] }
      default: return { type: 'rumors', rumors: [] }
    }
  }
  switch (req.type) {
    case 'push':
      return { type: 'push-ack', known: takeInPushed(ctx, from, req.rumors) }
    case 'pull':
      return { type: 'rumors', rumors: sent(ctx, hotRumorsLacking(ctx, req.digest)) }
    case 'pushpull': {
      const rumors = sent(ctx, hotRumorsLacking(ctx, req.digest))
      return { type: 'pushpull-ack', known: takeInPushed(ctx, from, req.rumors), rumors }
    }
    case 'sync':
      return { type: 'rumors', rumors: sent(ctx, storedRumorsLacking(ctx, req.digest)) }
  }
}

function withinLimits (req: SirRequest): boolean {
  if ((req.type === 'push' || req.type === 'pushpull') && req.rumors.length > MAX_RUMORS_PER_MESSAGE) return false
  if (req.type !== 'push' && req.digest.length > MAX_DIGEST_IDS) return false
  return true
}

function sent (ctx: SirContext, rumors: Rumor[]): Rumor[] {
  ctx.counters.rumorsSent += rumors.length
  return rumors
}

/** Takes pushed rumors in; known[i] tells the pusher whether rumors[i] was known before. */
function takeInPushed (ctx: SirContext, from: PeerRef, rumors: readonly Rumor[]): boolean[] {
  return rumors.map(r => takeIn(ctx, from, r, 'I') === 'known')
}

function lister (digest: readonly RumorId[]): (id: RumorId) => boolean {
  if (digest.length <= LINEAR_DIGEST_SEARCH_IDS) return id => digest.includes(id)
  const set = new Set(digest)
  return id => set.has(id)
}

/**
 * Hot rumors not in the digest; a hot rumor in the digest is known to the caller: the coin. Only
 * rumors this node held at its latest round slot count: what it learns between two slots it offers
 * from the next one, as in the synchronous rounds of the analysis (a node informed in round t
 * spreads from round t+1). Without this, a rumor pushed to a node could be pulled from it in the
 * same round, and push-pull would beat the P' = P²·e^-(1-P) recursion.
 */
function hotRumorsLacking (ctx: SirContext, digest: readonly RumorId[]): Rumor[] {
  const listed = lister(digest)
  const batch = new RumorBatch()
  const knownToCaller: RumorId[] = []
  if (ctx.store.infectedCount === 0) return []
  const now = ctx.io.now()
  for (const entry of ctx.store.entries()) {
    if (entry.state !== 'I' || entry.servedFrom > now) continue
    if (listed(entry.id)) knownToCaller.push(entry.id)
    else batch.add(entry)
  }
  for (const id of knownToCaller) {
    if (ctx.coin() && ctx.store.remove(id)) ctx.counters.removedByCoin++
  }
  return batch.rumors
}

/** Every stored rumor (I or R) not in the digest, newest first, as many as fit one message. */
function storedRumorsLacking (ctx: SirContext, digest: readonly RumorId[]): Rumor[] {
  const listed = lister(digest)
  const entries = [...ctx.store.entries()]
  const batch = new RumorBatch()
  for (let i = entries.length - 1; i >= 0 && !batch.full; i--) {
    if (!listed(entries[i].id)) batch.add(entries[i])
  }
  return batch.rumors
}
