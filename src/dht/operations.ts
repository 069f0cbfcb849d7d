/**
 * The put and get loops over a key's holders, the same for every DHT once its lookup has named
 * them (owner first): a put stores at the first holder that answers (its replicas follow from
 * there, replication.ts); a get reads from the owner, then the replicas in order, so a crashed
 * owner's replicas answer. Invariants: each ends exactly once with a value or a named failure; a
 * failed holder moves it to the next; this node is never asked over the network.
 */
import type { DhtFailure, Outcome } from '../core/dht-outcome.js'
import type { NodeId } from '../core/id.js'
import type { PeerRef } from '../core/port.js'
import type { StorageContext } from './context.js'
import type { DhtRecord, RefusalReason, StorageResponse } from './messages.js'
import { onStore, recordKeyId } from './replication.js'

export interface PutResult {
  /** The node that stored the record as owner. */
  readonly holder: PeerRef
  readonly hops: number
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
 * Reads `id` from `holders` in order; a holder that answers without it, or with a record whose
 * signature does not verify (counted), sends the read on. The first valid version found is the
 * answer: owner first, so during a partition a get returns what the reachable holders have.
 */
export function getFromHolders (ctx: StorageContext, id: NodeId, holders: readonly PeerRef[], hops: number, done: (o: Outcome<GetResult>) => void): void {
  let i = 0
  let answered = false
  const tryNext = (): void => {
    const target = holders[i++]
    if (target === undefined) {
      done(answered ? { ok: true, value: { value: undefined, seq: 0, holder: undefined, hops } } : { ok: false, failure: 'unreachable' })
      return
    }
    if (target.address === ctx.self.address) {
      answered = true
      const s = ctx.store.get(id)
      if (s !== undefined) done({ ok: true, value: { value: s.record.value, seq: s.record.seq, holder: target, hops } })
      else tryNext()
      return
    }
    ctx.request(target, { type: 'fetch', keyId: id }, res => {
      if (res?.type === 'value') {
        answered = true
        const record = res.record
        if (record !== undefined && recordKeyId(record.key) === id) {
          if (ctx.verify(record)) { done({ ok: true, value: { value: record.value, seq: record.seq, holder: target, hops } }); return }
          ctx.counters.recordsInvalid++
        }
      }
      tryNext()
    })
  }
  tryNext()
}
