/**
 * Chord's long operations as explicit continuations over the port: the lookup driver, put, get,
 * join (Stoica et al. 2001 §4.4: find successor(self) through any member) and graceful leave
 * (ToN 2003 §IV-E: hand keys to the successor, tell both neighbours). Invariants: every operation
 * ends exactly once with a value or a named failure; a failed peer moves it to the next candidate
 * (next successor, next replica); no operation asks self over the network.
 */
import type { DhtFailure, DhtOutcome, GetResult, PutResult } from '../core/dht-outcome.js'
import { keyId, type NodeId } from '../core/id.js'
import type { PeerRef } from '../core/port.js'
import type { ChordContext, LookupOutcome } from './context.js'
import { LookupIter } from './lookup.js'
import { MAX_CLOSER_NODES } from './limits.js'
import type { ChordRecord } from './messages.js'
import { acceptable, onStore, sendRecords } from './replication.js'

/** Why a put, get, join or leave failed. */
export type { GetResult, PutResult } from '../core/dht-outcome.js'
export type ChordFailure = DhtFailure
export type Outcome<T> = DhtOutcome<T>

/** Drives a LookupIter over the port until it ends; the tables answer first when they can. */
export function runLookup (ctx: ChordContext, key: NodeId, done: (o: LookupOutcome) => void, initial?: readonly PeerRef[], onEnd?: () => void): LookupIter {
  const { routing, io, config } = ctx
  ctx.counters.lookups++
  const iter = new LookupIter(key, io.self.address, initial ?? routing.closestPreceding(key, MAX_CLOSER_NODES), config.maxLookupSteps, initial === undefined ? routing.successors : [], p => !ctx.suppressed(p))
  const finish = (o: LookupOutcome): void => {
    if (!o.ok) ctx.counters.lookupsFailed++
    onEnd?.()
    done(o)
  }
  if (initial === undefined) {
    const local = routing.localOwner(key)
    if (local !== undefined) {
      finish({ ok: true, value: { owner: local[0], successors: local, hops: 0, failures: 0 } })
      return iter
    }
  }
  const advance = (): void => {
    const step = iter.next()
    if (step.kind === 'found') { finish({ ok: true, value: step.result }); return }
    if (step.kind === 'failed') { finish({ ok: false, failure: step.failure }); return }
    const peer = step.peer
    ctx.request(peer, { type: 'find-successor', key }, result => {
      if (!ctx.isRunning()) { iter.stop(); return }
      if (result.ok) iter.onResponse(peer, result.value)
      else {
        iter.onFailure(peer)
        routing.fingers.remove(peer.address)
      }
      advance()
    })
  }
  advance()
  return iter
}

/** The owner, then its successors: where a key's r copies live. */
function holders (ctx: ChordContext, successors: readonly PeerRef[]): PeerRef[] {
  return successors.slice(0, ctx.config.replicas)
}

export function put (ctx: ChordContext, record: ChordRecord, done: (o: Outcome<PutResult>) => void): void {
  if (!acceptable(ctx, record)) { done({ ok: false, failure: 'too-large' }); return }
  const id = keyId(record.key)
  ctx.lookup(id, outcome => {
    if (!outcome.ok) { done(outcome); return }
    const targets = holders(ctx, outcome.value.successors)
    const hops = outcome.value.hops
    let i = 0
    const tryNext = (): void => {
      const target = targets[i++]
      if (target === undefined) { done({ ok: false, failure: 'unreachable' }); return }
      if (target.id === ctx.io.self.id) {
        const res = onStore(ctx, 'primary', [record])
        done(res.type === 'stored' && res.accepted === 1 ? { ok: true, value: { holder: target, hops } } : { ok: false, failure: 'refused' })
        return
      }
      ctx.request(target, { type: 'store', role: 'primary', records: [record] }, result => {
        if (!result.ok) { tryNext(); return }
        const res = result.value
        if (res.type === 'stored' && res.accepted === 1) done({ ok: true, value: { holder: target, hops } })
        else done({ ok: false, failure: 'refused' })
      })
    }
    tryNext()
  })
}

/** Reads from the owner, then the replicas in order (a crashed owner's replicas answer). */
export function get (ctx: ChordContext, key: Uint8Array, done: (o: Outcome<GetResult>) => void): void {
  const id = keyId(key)
  ctx.lookup(id, outcome => {
    if (!outcome.ok) { done(outcome); return }
    const targets = holders(ctx, outcome.value.successors)
    const hops = outcome.value.hops
    let i = 0
    let answered = false
    const tryNext = (): void => {
      const target = targets[i++]
      if (target === undefined) {
        done(answered ? { ok: true, value: { value: undefined, holder: undefined, hops } } : { ok: false, failure: 'unreachable' })
        return
      }
      if (target.id === ctx.io.self.id) {
        answered = true
        const s = ctx.store.get(id)
        if (s !== undefined) done({ ok: true, value: { value: s.record.value, holder: target, hops } })
        else tryNext()
        return
      }
      ctx.request(target, { type: 'fetch', keyId: id }, result => {
        if (result.ok && result.value.type === 'value') {
          answered = true
          const record = result.value.record
          if (record !== undefined && keyId(record.key) === id) {
            done({ ok: true, value: { value: record.value, holder: target, hops } })
            return
          }
        }
        tryNext()
      })
    }
    tryNext()
  })
}

/**
 * Join through `bootstrap`: successor = successor(self), found by a lookup that starts there.
 * With `onlyIfApart`, a node that `bootstrap`'s ring already places at its own id stays as it is
 * (done gets its successor): the check that heals a node cut off into a ring of its own.
 */
export function join (ctx: ChordContext, bootstrap: PeerRef, done: (o: Outcome<PeerRef>) => void, onlyIfApart = false): void {
  const { routing, io } = ctx
  ctx.lookup(io.self.id, outcome => {
    if (!outcome.ok) { done(outcome); return }
    if (onlyIfApart && outcome.value.owner.id === io.self.id && routing.successors.length > 0) {
      done({ ok: true, value: routing.successors[0] })
      return
    }
    routing.predecessor = undefined
    const list = outcome.value.successors.filter(p => p.id !== io.self.id && !ctx.suppressed(p))
    routing.setSuccessors(list)
    done(routing.successors.length > 0 ? { ok: true, value: routing.successors[0] } : { ok: false, failure: 'no-live-node' })
  }, [bootstrap])
}

/**
 * Graceful leave: tell the successor (with our predecessor), hand it every record we own, then
 * tell the predecessor (with our successor list). A dead successor is skipped for the next one.
 */
export function leave (ctx: ChordContext, done: (o: Outcome<void>) => void): void {
  const { routing, store, io, config, counters } = ctx
  const owned: ChordRecord[] = []
  for (const [id, s] of store.entries()) if (s.primary || routing.owns(id)) owned.push(s.record)
  const successors = routing.successors.slice()
  const pred = routing.predecessor
  const tellPredecessor = (): void => {
    if (pred === undefined || pred.id === io.self.id) { done({ ok: true, value: undefined }); return }
    ctx.request(pred, { type: 'leaving', predecessor: undefined, successors }, () => done({ ok: true, value: undefined }))
  }
  let i = 0
  const handTo = (): void => {
    const succ = successors[i++]
    if (succ === undefined) { tellPredecessor(); return } // alone, or every successor dead: data goes with us
    ctx.request(succ, { type: 'leaving', predecessor: pred, successors: [] }, result => {
      if (!result.ok) { handTo(); return }
      sendRecords(ctx, succ, 'primary', owned, ok => {
        if (!ok) { handTo(); return }
        counters.handoffRecordsSent += owned.length
        tellPredecessor()
      })
    })
  }
  handTo()
}

/**
 * Leaving handler: the leaver's neighbour splices it out (ToN 2003 §IV-E). The leaver counts as
 * failed from now on, so that a neighbour that has not heard yet cannot hand it back as successor
 * or predecessor (the retry storm of issue 8); maintenance snaps back to its shortest period.
 */
export function onLeaving (ctx: ChordContext, from: PeerRef, predecessor: PeerRef | undefined, successors: readonly PeerRef[]): void {
  const { routing, io } = ctx
  ctx.failed.failed(from.address, io.now())
  const wasPredecessor = routing.predecessor?.address === from.address
  const wasSuccessor = routing.successors[0]?.address === from.address
  const heard = successors.filter(p => !ctx.suppressed(p))
  if (wasSuccessor && heard.length > 0) routing.setSuccessors([...heard, ...routing.successors])
  routing.forget(from.address)
  if (wasPredecessor) routing.predecessor = predecessor !== undefined && predecessor.id !== io.self.id && !ctx.suppressed(predecessor) ? predecessor : undefined
  ctx.timers.snap('stabilize')
  ctx.timers.snap('check-predecessor')
  ctx.replicateSoon()
}
