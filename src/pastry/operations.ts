/**
 * Pastry's long operations as explicit continuations over the port: the route driver (iterative,
 * see route-iter.ts), put and get (PAST: a key's r copies live on the r nodes numerically closest
 * to it, found in the owner's leaf set), and graceful leave (hand each owned key to the node that
 * becomes closest, and tell the leaf set). Invariants: every operation ends exactly once with a
 * value or a named failure; a failed peer moves it to the next candidate; no operation asks self
 * over the network.
 */
import type { DhtFailure, DhtOutcome, GetResult, PutResult } from '../core/dht-outcome.js'
import { keyId, type NodeId } from '../core/id.js'
import type { PeerRef } from '../core/port.js'
import { byCloseness, isCloser } from './closeness.js'
import type { PastryContext, RouteOutcome } from './context.js'
import { MAX_NEXT_NODES } from './limits.js'
import type { LeafSetView, PastryRecord } from './messages.js'
import { acceptable, onStore, recordKeyId, sendRecords } from './replication.js'
import { RouteIter } from './route-iter.js'

/** Why a put, get, join or leave failed. */
export type { GetResult, PutResult } from '../core/dht-outcome.js'
export type PastryFailure = DhtFailure
export type Outcome<T> = DhtOutcome<T>

/**
 * Routes to the node closest to `key`: the local rule first (0 hops when self delivers), then the
 * iterative route. Counts routes, failures and drops at the hop limit.
 */
export function runRoute (ctx: PastryContext, key: NodeId, done: (o: RouteOutcome) => void): void {
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
    io.request(peer, { type: 'route', key }, { timeoutMs: config.requestTimeoutMs }, result => {
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

export function put (ctx: PastryContext, record: PastryRecord, done: (o: Outcome<PutResult>) => void): void {
  if (!acceptable(ctx, record)) { done({ ok: false, failure: 'too-large' }); return }
  const id = recordKeyId(record.key)
  ctx.route(id, outcome => {
    if (!outcome.ok) { done(outcome); return }
    const { owner, leafSet, hops } = outcome.value
    const targets = holdersFrom(owner, leafSet, id, ctx.config.replicas)
    let i = 0
    const tryNext = (): void => {
      const target = targets[i++]
      if (target === undefined) { done({ ok: false, failure: 'unreachable' }); return }
      if (target.address === ctx.io.self.address) {
        const res = onStore(ctx, 'primary', [record])
        done(res.type === 'stored' && res.accepted === 1 ? { ok: true, value: { holder: target, hops } } : { ok: false, failure: 'refused' })
        return
      }
      ctx.io.request(target, { type: 'store', role: 'primary', records: [record] }, { timeoutMs: ctx.config.requestTimeoutMs }, result => {
        if (!ctx.isRunning()) return
        if (!result.ok) { ctx.peerFailed(target); tryNext(); return }
        const res = result.value
        if (res.type === 'stored' && res.accepted === 1) done({ ok: true, value: { holder: target, hops } })
        else done({ ok: false, failure: 'refused' })
      })
    }
    tryNext()
  })
}

/** Reads from the owner, then the other holders in order (a crashed owner's replicas answer). */
export function get (ctx: PastryContext, key: Uint8Array, done: (o: Outcome<GetResult>) => void): void {
  const id = keyId(key)
  ctx.route(id, outcome => {
    if (!outcome.ok) { done(outcome); return }
    const { owner, leafSet, hops } = outcome.value
    const targets = holdersFrom(owner, leafSet, id, ctx.config.replicas)
    let i = 0
    let answered = false
    const tryNext = (): void => {
      const target = targets[i++]
      if (target === undefined) {
        done(answered ? { ok: true, value: { value: undefined, holder: undefined, hops } } : { ok: false, failure: 'unreachable' })
        return
      }
      if (target.address === ctx.io.self.address) {
        answered = true
        const s = ctx.store.get(id)
        if (s !== undefined) done({ ok: true, value: { value: s.record.value, holder: target, hops } })
        else tryNext()
        return
      }
      ctx.io.request(target, { type: 'fetch', keyId: id }, { timeoutMs: ctx.config.requestTimeoutMs }, result => {
        if (!ctx.isRunning()) return
        if (result.ok && result.value.type === 'value') {
          answered = true
          const record = result.value.record
          if (record !== undefined && keyId(record.key) === id) {
            done({ ok: true, value: { value: record.value, holder: target, hops } })
            return
          }
        } else if (!result.ok) ctx.peerFailed(target)
        tryNext()
      })
    }
    tryNext()
  })
}

/**
 * Graceful leave: tell every leaf-set member (with our leaf set, to replace us from), then hand
 * each owned record to the member that is closest to its key once we are gone. A member that fails
 * is skipped: its records go to the next closest.
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
      sendRecords(ctx, g.to, 'primary', g.records, ok => {
        if (ok) counters.handoffRecordsSent += g.records.length
        else { heirs = heirs.filter(p => p.address !== g.to.address); failed.push(...g.records) }
        next()
      })
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
