/**
 * The put and get loops over a key's holders, the same for every DHT once its lookup has named
 * them (owner first): a put stores at the first holder that answers (its replicas follow from
 * there, replication.ts); a get asks all of them and returns the highest valid version, so a
 * crashed owner's replicas answer and a stale owner does not hide a newer replica. Invariants: each
 * ends exactly once with a value or a named failure; a failed holder moves a put to the next and
 * only drops out of a get; this node is never asked over the network.
 */
import type { DhtFailure, Outcome } from '../core/dht-outcome.js'
import type { NodeId } from '../core/id.js'
import type { PeerRef } from '../core/port.js'
import type { StorageContext } from './context.js'
import type { DhtRecord, RefusalReason, StorageResponse } from './messages.js'
import { compareVersions } from './record.js'
import { onStore, recordKeyId } from './replication.js'

export interface PutResult {
  /** The node that stored the record as owner. */
  readonly holder: PeerRef
  readonly hops: number
}

/** A holder's answer to a fetch of the key, received before the get asks the others. */
export interface HolderAnswer {
  readonly holder: PeerRef
  readonly record: DhtRecord | undefined
}

export interface GetResult {
  /** The value, or undefined when no holder asked has the key. */
  readonly value: Uint8Array | undefined
  /** Its version (0 when there is no value). */
  readonly seq: number
  /** The node that answered with the value. */
  readonly holder: PeerRef | undefined
  readonly hops: number
}

/**
 * A new version of `key` written by this node, signed by its signer: seq is the current time in ms
 * (so versions go up across restarts), above any version of the key this node holds or wrote.
 */
export function newVersion (ctx: StorageContext, key: Uint8Array, value: Uint8Array): DhtRecord {
  const id = recordKeyId(key)
  const seq = Math.max(Math.floor(ctx.now()), (ctx.store.get(id)?.record.seq ?? -1) + 1, (ctx.written.peek(id) ?? -1) + 1)
  ctx.written.set(id, seq)
  return { key, value, seq, signature: ctx.sign(key, value, seq) }
}

/** The failure a refusal means to the writer. */
function refusalFailure (reason: RefusalReason | undefined): DhtFailure {
  switch (reason) {
    case 'stale': return 'stale'
    case 'invalid': return 'invalid'
    case 'too-large': return 'too-large'
    case 'full': return 'store-full'
    case 'quota': return 'over-quota'
    case 'leaving': case undefined: return 'refused'
  }
}

function putOutcome (res: StorageResponse, holder: PeerRef, hops: number): Outcome<PutResult> {
  if (res.type === 'stored' && res.accepted === 1) return { ok: true, value: { holder, hops } }
  return { ok: false, failure: refusalFailure(res.type === 'stored' ? res.refused[0]?.reason : undefined) }
}

/** Stores `record` as owner at the first of `holders` that answers. */
export function putToHolders (ctx: StorageContext, record: DhtRecord, holders: readonly PeerRef[], hops: number, done: (o: Outcome<PutResult>) => void): void {
  let i = 0
  const tryNext = (): void => {
    const target = holders[i++]
    if (target === undefined) { done({ ok: false, failure: 'unreachable' }); return }
    if (target.address === ctx.self.address) { done(putOutcome(onStore(ctx, 'primary', [record]), target, hops)); return }
    ctx.request(target, { type: 'store', role: 'primary', records: [record] }, res => {
      if (res === undefined) { tryNext(); return }
      done(putOutcome(res, target, hops))
    })
  }
  tryNext()
}

/**
 * Reads `id` from every one of `holders` at once (at most r of them) and waits for each to answer
 * or fail: the answer is the highest valid version any of them has, so an owner that missed an
 * overwrite (it was down or cut off) does not hide the newer version a replica holds. A record whose
 * signature does not verify, or whose key is not `id`, is skipped and counted. A holder that
 * answered with an older version than the one returned is counted (`staleReads`) and sent the
 * newer record as a replica copy (read repair, as kad-dht does for its records); one that lacks the
 * key is left to the owner's digest. During a partition a get returns the highest version among
 * the holders it can reach. Only the version returned has its signature checked: a forged
 * higher one is counted and the next is tried. `answered`: a holder's answer already in hand (the
 * owner's, carried by the lookup's last step); that holder is not asked again.
 */
export function getFromHolders (ctx: StorageContext, id: NodeId, holders: readonly PeerRef[], hops: number, done: (o: Outcome<GetResult>) => void, answered?: HolderAnswer): void {
  const targets = holders.filter((h, i) => holders.findIndex(o => o.address === h.address) === i && h.address !== answered?.holder.address)
  /** `checked`: this node's own copy, which its store took only after checking it. */
  const answers: Array<{ readonly holder: PeerRef, readonly record: DhtRecord | undefined, readonly checked: boolean }> = []
  if (answered !== undefined) answers.push({ holder: answered.holder, record: answered.record !== undefined && recordKeyId(answered.record.key) === id ? answered.record : undefined, checked: false })
  let pending = targets.length
  const settle = (): void => {
    if (--pending > 0) return
    if (answers.length === 0) { done({ ok: false, failure: 'unreachable' }); return }
    // Highest version first; only the one returned needs its signature checked (one verify per
    // get, not one per holder): older copies are repaired, not returned.
    const offered = answers.filter(a => a.record !== undefined).sort((a, b) => compareVersions(b.record as DhtRecord, a.record as DhtRecord))
    let best: { readonly holder: PeerRef, readonly record: DhtRecord } | undefined
    for (const a of offered) {
      const record = a.record as DhtRecord
      if (a.checked || ctx.verify(record)) { best = { holder: a.holder, record }; break }
      ctx.counters.recordsInvalid++
    }
    if (best === undefined) { done({ ok: true, value: { value: undefined, seq: 0, holder: undefined, hops } }); return }
    for (const a of answers) {
      if (a.record === undefined || compareVersions(a.record, best.record) >= 0) continue
      ctx.counters.staleReads++
      repair(ctx, a.holder, best.record)
    }
    done({ ok: true, value: { value: best.record.value, seq: best.record.seq, holder: best.holder, hops } })
  }
  if (pending === 0) {
    // Nothing to ask: settle on the answer in hand, or fail `unreachable` without one.
    pending = 1
    settle()
    return
  }
  for (const target of targets) {
    if (target.address === ctx.self.address) {
      answers.push({ holder: target, record: ctx.store.get(id)?.record, checked: true })
      settle()
      continue
    }
    ctx.request(target, { type: 'fetch', keyId: id }, res => {
      if (res?.type === 'value') answers.push({ holder: target, record: res.record !== undefined && recordKeyId(res.record.key) === id ? res.record : undefined, checked: false })
      settle()
    })
  }
}

/** Read repair: gives `holder` the newer `record` (this node itself keeps it through its own store rules). */
function repair (ctx: StorageContext, holder: PeerRef, record: DhtRecord): void {
  if (holder.address === ctx.self.address) { onStore(ctx, 'replica', [record]); return }
  ctx.request(holder, { type: 'store', role: 'replica', records: [record] }, () => {})
}
