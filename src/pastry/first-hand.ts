/**
 * Pastry's routing state is first-hand (issue 10; Castro et al., OSDI 2002 §4): a peer enters the
 * leaf set or a routing-table slot only after this node reached it itself and it answered for
 * Pastry. The leaves and rows others send (EXCHANGE, LEAVING, join and repair answers) and the
 * senders of requests are candidates for src/core/candidate-probes.ts, so a message cannot evict
 * honest members with peers nobody checked, and a peer that names peers which do not answer loses
 * standing (src/core/peer-standing.ts). Invariant: nothing here adds a peer that is not first-hand.
 */
import type { PeerRef } from '../core/port.js'
import type { PastryContext } from './context.js'
import type { LeafSetView } from './messages.js'

/**
 * Offers peers `namedBy` named (undefined: the peer speaks for itself): those that would change
 * the leaf set or fill a slot are learnt now if verified first-hand lately, else queued for a probe.
 */
export function offerPeers (ctx: PastryContext, peers: Iterable<PeerRef>, namedBy: string | undefined): void {
  const { state, probes } = ctx
  const now = ctx.io.now()
  const unknown: PeerRef[] = []
  let changed = false
  for (const p of peers) {
    if (!state.wouldLearn(p, now)) continue
    if (probes.verified(p.address) && probes.trusted(p.address)) changed = state.learn(p, 'direct', now) || changed
    else unknown.push(p)
  }
  if (changed) ctx.leafSetChanged()
  if (unknown.length > 0) probes.offer(unknown, namedBy)
}

/** Offers the members of another node's leaf set (see offerPeers). */
export function offerLeafSet (ctx: PastryContext, view: LeafSetView, namedBy: string | undefined): void {
  offerPeers(ctx, [...view.left, ...view.right], namedBy)
}

/** A candidate answered our probe: learnt where it fits. */
export function adoptVerified (ctx: PastryContext, peer: PeerRef): void {
  if (!ctx.isRunning()) return
  if (ctx.state.learn(peer, 'direct', ctx.io.now())) ctx.leafSetChanged()
}

/** `address` lost standing: it leaves the leaf set and the routing table (repaired as after a failure). */
export function dropUntrusted (ctx: PastryContext, address: string): void {
  const { state } = ctx
  const peer = state.leaves.members().find(p => p.address === address) ?? state.table.entries().find(p => p.address === address)
  if (peer !== undefined) ctx.peerFailed(peer)
}
