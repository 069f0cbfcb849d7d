/**
 * Joining (Rowstron & Druschel 2001 §2.4): the new node X routes a join to its own id through a
 * known node; each node asked on the path also returns its routing-table rows from the first row X
 * still lacks up to the prefix it shares with X (the i-th node shares about i digits, so supplies
 * row i); the last node Z, numerically closest to X, supplies its leaf set, from which X's own is
 * taken (X's true leaf set lies within Z's and Z). X then announces itself to the nodes named, which
 * add X to theirs once X answers their probe and answer with their leaf sets; X learns each that
 * answers (first-hand: what the path names is never state until it answers X). Invariants: nobody
 * learns X before X has its leaf set (join-route senders are not learnt); the join ends exactly once.
 */
import { sharedPrefixLength, ID_DIGITS } from '../core/id.js'
import type { PeerRef } from '../core/port.js'
import type { PastryContext } from './context.js'
import { MAX_ANNOUNCES_PER_JOIN, MAX_JOIN_ROWS_PER_REPLY } from './limits.js'
import type { PastryResponse } from './messages.js'
import type { Outcome } from '../core/dht-outcome.js'
import { RouteIter } from './route-iter.js'
import { offerPeers } from './first-hand.js'

/** The rows a join step returns: `fromRow` .. min(shared prefix with the joiner, fromRow + 3). */
export function joinRows (ctx: PastryContext, joiner: bigint, fromRow: number): PeerRef[] {
  const last = Math.min(sharedPrefixLength(ctx.io.self.id, joiner), ID_DIGITS - 1, fromRow + MAX_JOIN_ROWS_PER_REPLY - 1)
  const out: PeerRef[] = []
  for (let i = fromRow; i <= last; i++) out.push(...ctx.state.table.row(i))
  return out
}

/**
 * Joins through `bootstrap`. Resolves with Z, the node numerically closest to self, once the
 * announcements to the leaf set have been answered (or failed).
 */
export function join (ctx: PastryContext, bootstrap: PeerRef, done: (o: Outcome<PeerRef>) => void): void {
  const { io, config, state, counters } = ctx
  const self = io.self
  const iter = new RouteIter(self.id, self.address, [bootstrap], config.maxRouteHops)
  let fromRow = 0
  // Rows the path named: not state, but the first nodes to announce to (their answer verifies them).
  const named = new Map<string, PeerRef>()
  const advance = (): void => {
    const step = iter.next()
    if (step.kind === 'failed') {
      if (step.failure === 'hop-limit') counters.routesOverHopLimit++
      done({ ok: false, failure: step.failure })
      return
    }
    if (step.kind === 'delivered') {
      const { owner, leafSet } = step.result
      state.learn(owner, 'direct', io.now())
      announce(ctx, [...leafSet.left, ...leafSet.right, ...named.values()], () => done({ ok: true, value: owner }))
      return
    }
    const peer = step.peer
    io.request(peer, { type: 'join-route', key: self.id, fromRow }, { timeoutMs: config.requestTimeoutMs }, result => {
      if (!ctx.isRunning()) { iter.stop(); return }
      if (!result.ok) { iter.onFailure(peer); advance(); return }
      const res: PastryResponse = result.value
      if (res.type === 'next' || res.type === 'deliver') {
        const now = io.now()
        state.learn(peer, 'direct', now)
        for (const p of res.rows) if (named.size < MAX_ANNOUNCES_PER_JOIN) named.set(p.address, p)
        const shared = sharedPrefixLength(peer.id, self.id)
        if (shared >= fromRow) fromRow = Math.min(shared, fromRow + MAX_JOIN_ROWS_PER_REPLY - 1) + 1
      }
      iter.onResponse(peer, res)
      advance()
    })
  }
  advance()
}

/**
 * Tells the nodes Z's leaf set and the path's rows name, then the routing table (at most
 * MAX_ANNOUNCES_PER_JOIN nodes), that self has joined. Each that answers is learnt first-hand, and
 * the leaf set it answers with is candidates to probe (first-hand.ts) unless they are announced to
 * anyway. `done` runs when all have answered or failed.
 */
function announce (ctx: PastryContext, candidates: readonly PeerRef[], done: () => void): void {
  const { io, config, state } = ctx
  const targets: PeerRef[] = []
  const seen = new Set<string>([io.self.address])
  for (const p of [...candidates, ...state.table.entries()]) {
    if (targets.length >= MAX_ANNOUNCES_PER_JOIN) break
    if (!seen.has(p.address)) { seen.add(p.address); targets.push(p) }
  }
  let pending = targets.length
  if (pending === 0) { done(); return }
  for (const p of targets) {
    io.request(p, { type: 'announce' }, { timeoutMs: config.requestTimeoutMs }, result => {
      if (ctx.isRunning()) {
        if (result.ok && result.value.type === 'leaf-set') {
          state.learn(p, 'direct', io.now())
          ctx.heardFrom(p)
          const { left, right } = result.value.leafSet
          offerPeers(ctx, [...left, ...right].filter(q => !seen.has(q.address)), p.address)
        } else if (!result.ok) ctx.peerFailed(p)
      }
      if (--pending === 0) done()
    })
  }
}
