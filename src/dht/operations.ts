/**
 * The put and get loops over a key's holders, the same for every DHT once its lookup has named
 * them (owner first): a put stores at the first holder that answers (its replicas follow from
 * there, replication.ts); a get reads from the owner, then the replicas in order, so a crashed
 * owner's replicas answer. Invariants: each ends exactly once with a value or a named failure; a
 * failed holder moves it to the next; this node is never asked over the network.
 */
import type { Outcome } from '../core/dht-outcome.js'
import type { NodeId } from '../core/id.js'
import type { PeerRef } from '../core/port.js'
import type { StorageContext } from './context.js'
import type { DhtRecord } from './messages.js'
import { onStore, recordKeyId } from './replication.js'

export interface PutResult {
  /** The node that stored the record as owner. */
  readonly holder: PeerRef
  readonly hops: number
}

export interface GetResult {
  /** The value, or undefined when no holder asked has the key. */
  readonly value: Uint8Array | undefined
  /** The node that answered with the value. */
  readonly holder: PeerRef | undefined
  readonly hops: number
}

/** Stores `record` as owner at the first of `holders` that answers. */
export function putToHolders (ctx: StorageContext, record: DhtRecord, holders: readonly PeerRef[], hops: number, done: (o: Outcome<PutResult>) => void): void {
  let i = 0
  const tryNext = (): void => {
    const target = holders[i++]
    if (target === undefined) { done({ ok: false, failure: 'unreachable' }); return }
    if (target.address === ctx.self.address) {
      const res = onStore(ctx, 'primary', [record])
      done(res.type === 'stored' && res.accepted === 1 ? { ok: true, value: { holder: target, hops } } : { ok: false, failure: 'refused' })
      return
    }
    ctx.request(target, { type: 'store', role: 'primary', records: [record] }, res => {
      if (res === undefined) { tryNext(); return }
      if (res.type === 'stored' && res.accepted === 1) done({ ok: true, value: { holder: target, hops } })
      else done({ ok: false, failure: 'refused' })
    })
  }
  tryNext()
}

/** Reads `id` from `holders` in order; a holder that answers without it sends the read on. */
export function getFromHolders (ctx: StorageContext, id: NodeId, holders: readonly PeerRef[], hops: number, done: (o: Outcome<GetResult>) => void): void {
  let i = 0
  let answered = false
  const tryNext = (): void => {
    const target = holders[i++]
    if (target === undefined) {
      done(answered ? { ok: true, value: { value: undefined, holder: undefined, hops } } : { ok: false, failure: 'unreachable' })
      return
    }
    if (target.address === ctx.self.address) {
      answered = true
      const s = ctx.store.get(id)
      if (s !== undefined) done({ ok: true, value: { value: s.record.value, holder: target, hops } })
      else tryNext()
      return
    }
    ctx.request(target, { type: 'fetch', keyId: id }, res => {
      if (res?.type === 'value') {
        answered = true
        const record = res.record
        if (record !== undefined && recordKeyId(record.key) === id) {
          done({ ok: true, value: { value: record.value, holder: target, hops } })
          return
        }
      }
      tryNext()
    })
  }
  tryNext()
}
