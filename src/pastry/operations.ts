/**
 * Pastry's long operations as explicit continuations over the port: the route driver (iterative,
 * see route-iter.ts), put and get (PAST: a key's r copies live on the r nodes numerically closest
 * to it, found in the owner's leaf set), and graceful leave (hand each owned key to the node that
 * becomes closest, and tell the leaf set). Invariants: every operation ends exactly once with a
 * value or a named failure; a failed peer moves it to the next candidate; no operation asks self
 * over the network.
 */
import type { Outcome } from '../core/dht-outcome.js'
import { keyId, type NodeId } from '../core/id.js'
import type { PeerRef } from '../core/port.js'
import { byCloseness, isCloser } from './closeness.js'
import type { PastryContext, RouteOutcome } from './context.js'
import { MAX_NEXT_NODES } from './limits.js'
import type { LeafSetView, PastryRecord } from './messages.js'
import { getFromHolders, putToHolders, type GetResult, type PutResult } from '../dht/operations.js'
import { acceptable, readBack, recordKeyId, sendRecords } from '../dht/replication.js'
import { RouteIter } from './route-iter.js'

export type { GetResult, PutResult }

/**
 * Routes to the node closest to `key`: the local rule first (0 hops when self delivers), then the
 * iterative route. Counts routes, failures and drops at the hop limit. With `fetch` (a get), each
 * step asks the node that delivers to answer a fetch of `key` too (RouteResult.fetched).
 */
export function runRoute (ctx: PastryContext, key: NodeId, done: (o: RouteOutcome) => void, fetch = false): void {
  const { state, io, config, counters } = ctx
  counters.routes++
  const finish = (o: RouteOutcome): void => {
    if (!o.ok) {
      counters.routesFailed++
      if (o.failure === 'hop-limit') counters.routesOverHopLimit++
    }
    done(o)
  }
  const hop = state.nextHop(key, MAX_NEXT_NODES)
  if (hop.kind === 'deliver') {
    finish({ ok: true, value: { owner: io.self, leafSet: state.leaves.view(), hops: 0, failures: 0 } })
    return
  }
  // No retry storm: a node that failed us lately is asked only when no other candidate is left.
  const iter = new RouteIter(key, io.self.address, hop.nodes, config.maxRouteHops, p => state.isDead(p.address, io.now()))
  const advance = (): void => {
    const step = iter.next()
    if (step.kind === 'delivered') { finish({ ok: true, value: step.result }); return }
    if (step.kind === 'failed') { finish({ ok: false, failure: step.failure }); return }
    const peer = step.peer
    io.request(peer, fetch ? { type: 'route', key, fetch } : { type: 'route', key }, { timeoutMs: config.requestTimeoutMs }, result => {
      if (!ctx.isRunning()) { iter.stop(); return }
      if (result.ok) {
        ctx.heardFrom(peer)
        iter.onResponse(peer, result.value)
      } else {
        iter.onFailure(peer)
        ctx.peerFailed(peer)
      }
      advance()
    })
  }
  advance()
}

/** Where a key's r copies live, by the owner's leaf set: the r closest of the owner and its leaves. */
export function holdersFrom (owner: PeerRef, leafSet: LeafSetView, key: NodeId, r: number): PeerRef[] {
  const all: PeerRef[] = [owner]
  for (const p of [...leafSet.left, ...leafSet.right]) if (!all.some(q => q.address === p.address)) all.push(p)
  return all.sort(byCloseness(key)).slice(0, r)
}

/** The members of `leafSet` that are among the key's r holders (with `owner`), each side in its order. */
export function holderLeaves (owner: PeerRef, leafSet: LeafSetView, key: NodeId, r: number): LeafSetView {
  const holders = new Set(holdersFrom(owner, leafSet, key, r).map(p => p.address))
  return { left: leafSet.left.filter(p => holders.has(p.address)), right: leafSet.right.filter(p => holders.has(p.address)) }
}

export function put (ctx: PastryContext, record: PastryRecord, done: (o: Outcome<PutResult>) => void): void {
  if (!acceptable(ctx.storage, record)) { done({ ok: false, failure: 'too-large' }); return }
  const id = recordKeyId(record.key)
  ctx.route(id, outcome => {
    if (!outcome.ok) { done(outcome); return }
    const { owner, leafSet, hops } = outcome.value
    putToHolders(ctx.storage, record, holdersFrom(owner, leafSet, id, ctx.config.replicas), hops, done)
  })
}

/**
 * Asks every holder at once and returns the highest valid version among the answers; a holder
 * that answered older is sent it (read repair). A crashed owner's replicas answer, and a stale
 * owner does not hide a newer replica (dht/operations.ts). The route's last step reads the owner's
 * copy (its `fetch`), so only the other holders are asked after it: hops + r - 1 requests.
 */
export function get (ctx: PastryContext, key: Uint8Array, done: (o: Outcome<GetResult>) => void): void {
  const id = keyId(key)
  ctx.route(id, outcome => {
    if (!outcome.ok) { done(outcome); return }
    const { owner, leafSet, hops, fetched } = outcome.value
    const answered = fetched === undefined ? undefined : { holder: owner, record: fetched.record }
    getFromHolders(ctx.storage, id, holdersFrom(owner, leafSet, id, ctx.config.replicas), hops, done, answered)
  }, true)
}

/**
 * Graceful leave: tell every leaf-set member (with our leaf set, to replace us from), then hand
 * each owned record to the member that is closest to its key once we are gone. A member that fails,
 * or does not serve back a sample of what it acknowledged (dht/replication.ts readBack), is skipped:
 * its records go to the next closest.
 */
export function leave (ctx: PastryContext, done: (o: Outcome<void>) => void): void {
  const { state, store, io, config, counters } = ctx
  const leaves = state.leaves
  const view = leaves.view()
  let heirs = leaves.members()
  const owned: PastryRecord[] = []
  for (const [id, s] of store.entries()) if (s.primary || leaves.owns(id)) owned.push(s.record)
  let pending = heirs.length
  const told = (): void => { if (--pending === 0) handOff(owned) }
  const handOff = (records: PastryRecord[]): void => {
    if (records.length === 0 || heirs.length === 0) { done({ ok: true, value: undefined }); return } // alone: data goes with us
    const groups = new Map<string, { to: PeerRef, records: PastryRecord[] }>()
    for (const r of records) {
      const id = recordKeyId(r.key)
      let best = heirs[0]
      for (const p of heirs) if (isCloser(id, p.id, best.id)) best = p
      let g = groups.get(best.address)
      if (g === undefined) groups.set(best.address, g = { to: best, records: [] })
      g.records.push(r)
    }
    const failed: PastryRecord[] = []
    const list = [...groups.values()]
    let i = 0
    const next = (): void => {
      const g = list[i++]
      if (g === undefined) {
        if (failed.length > 0) handOff(failed)
        else done({ ok: true, value: undefined })
        return
      }
      sendRecords(ctx.storage, g.to, 'primary', g.records, sent => readBack(ctx.storage, g.to, sent, held => {
        // An acknowledgment not borne out by a read-back counts as nothing taken.
        const accepted = held ? sent : []
        counters.handoffRecordsSent += accepted.length
        if (accepted.length < g.records.length) {
          // What this heir did not take goes to the next closest.
          const taken = new Set(accepted)
          heirs = heirs.filter(p => p.address !== g.to.address)
          failed.push(...g.records.filter(r => !taken.has(r)))
        }
        next()
      }))
    }
    next()
  }
  if (pending === 0) { handOff(owned); return }
  for (const p of heirs) {
    io.request(p, { type: 'leaving', leafSet: view }, { timeoutMs: config.requestTimeoutMs }, result => {
      if (!result.ok) heirs = heirs.filter(q => q.address !== p.address)
      told()
    })
  }
}
