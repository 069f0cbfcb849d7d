/**
 * Chord's long operations as explicit continuations over the port: the lookup driver, put, get,
 * join (Stoica et al. 2001 §4.4: find successor(self) through any member) and graceful leave
 * (ToN 2003 §IV-E: hand keys to the successor, tell both neighbours). Invariants: every operation
 * ends exactly once with a value or a named failure; a failed peer moves it to the next candidate
 * (next successor, next replica); no operation asks self over the network.
 */
import type { Outcome } from '../core/dht-outcome.js'
import { keyId, type NodeId } from '../core/id.js'
import type { PeerRef } from '../core/port.js'
import type { ChordContext, LookupOutcome } from './context.js'
import { LookupIter } from './lookup.js'
import { MAX_CLOSER_NODES } from './limits.js'
import type { ChordRecord } from './messages.js'
import { getFromHolders, putToHolders, type GetResult, type PutResult } from '../dht/operations.js'
import { acceptable, readBack, recordKeyId, sendRecords } from '../dht/replication.js'
import { firstAnswering, namedSuccessors, verifiedPrefix } from './first-hand.js'

export type { GetResult, PutResult }

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
  if (!acceptable(ctx.storage, record)) { done({ ok: false, failure: 'too-large' }); return }
  ctx.lookup(recordKeyId(record.key), outcome => {
    if (!outcome.ok) { done(outcome); return }
    putToHolders(ctx.storage, record, holders(ctx, outcome.value.successors), outcome.value.hops, done)
  })
}

/**
 * Asks every holder at once and returns the highest valid version among the answers; a holder
 * that answered older is sent it (read repair). A crashed owner's replicas answer, and a stale
 * owner does not hide a newer replica (dht/operations.ts).
 */
export function get (ctx: ChordContext, key: Uint8Array, done: (o: Outcome<GetResult>) => void): void {
  const id = keyId(key)
  ctx.lookup(id, outcome => {
    if (!outcome.ok) { done(outcome); return }
    getFromHolders(ctx.storage, id, holders(ctx, outcome.value.successors), outcome.value.hops, done)
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
    // The lookup's last hop named them: the first that answers us becomes the successor, and the
    // rest are verified (stabilize then fills the list from the successor's own).
    const list = outcome.value.successors.filter(p => p.id !== io.self.id && !ctx.suppressed(p))
    firstAnswering(ctx, list, succ => {
      if (succ === undefined) { done({ ok: false, failure: 'no-live-node' }); return }
      routing.predecessor = undefined
      routing.setSuccessors([succ])
      ctx.probes.offer(list.filter(p => p.address !== succ.address), undefined)
      done({ ok: true, value: succ })
    })
  }, [bootstrap])
}

/**
 * Graceful leave: tell the successor (with our predecessor), hand it every record we own, then
 * tell the predecessor (with our successor list). A dead successor is skipped for the next one, and
 * so is one that does not serve back a sample of what it acknowledged (dht/replication.ts readBack).
 */
export function leave (ctx: ChordContext, done: (o: Outcome<void>) => void): void {
  const { routing, store, io, config, counters } = ctx
  let owned: ChordRecord[] = []
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
      sendRecords(ctx.storage, succ, 'primary', owned, sent => readBack(ctx.storage, succ, sent, held => {
        // An acknowledgment not borne out by a read-back counts as nothing taken.
        const accepted = held ? sent : []
        counters.handoffRecordsSent += accepted.length
        if (accepted.length < owned.length) {
          // What this successor did not take goes to the next one.
          const taken = new Set(accepted)
          owned = owned.filter(r => !taken.has(r))
          handTo()
          return
        }
        tellPredecessor()
      }))
    })
  }
  handTo()
}

/**
 * Leaving handler: the leaver's neighbour splices it out (ToN 2003 §IV-E). A LEAVING removes its
 * sender alone; the replacements it names are candidates, adopted once they answer our own probe
 * (first-hand.ts). The leaver counts as failed from now on, so that a neighbour that has not heard
 * yet cannot hand it back as successor or predecessor (the retry storm of issue 8); maintenance
 * snaps back to its shortest period.
 */
export function onLeaving (ctx: ChordContext, from: PeerRef, predecessor: PeerRef | undefined, successors: readonly PeerRef[]): void {
  const { routing, io } = ctx
  ctx.failed.failed(from.address, io.now())
  ctx.probes.failed(from.address)
  const wasPredecessor = routing.predecessor?.address === from.address
  const wasSuccessor = routing.successors[0]?.address === from.address
  routing.forget(from.address)
  if (wasSuccessor) {
    // Our own list minus the leaver stays; the leaver's next one takes the head if it is first-hand.
    const [next] = verifiedPrefix(ctx, namedSuccessors(ctx, successors), from.address)
    if (next !== undefined) routing.offerHead(next)
  }
  if (wasPredecessor && predecessor !== undefined && predecessor.id !== io.self.id && !ctx.suppressed(predecessor)) ctx.offerPredecessor(predecessor, from.address)
  ctx.timers.snap('stabilize')
  ctx.timers.snap('check-predecessor')
  ctx.replicateSoon()
}
