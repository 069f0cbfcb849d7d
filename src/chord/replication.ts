/**
 * Chord storage (DESIGN.md §4; Stoica et al. 2001 §6, replication after CFS/DHash): a key lives at
 * successor(key) and on the next r-1 successors. The storage step, run periodically and soon after
 * any change of predecessor or successors, (1) hands records it no longer owns to its predecessor
 * (a join takes over exactly (predecessor, self]), (2) promotes replicas its range now covers (after
 * a crash), (3) brings its owned records' replicas up to r by a digest (`sync`, then `store` of the
 * missing ones), and (4) drops replicas no owner has confirmed within the lease. Invariants: at most
 * one step in flight; every message respects limits.ts; a failed peer only delays the step.
 */
import { keyId, type NodeId } from '../core/id.js'
import type { PeerRef } from '../core/port.js'
import type { ChordContext } from './context.js'
import { MAX_KEY_IDS_PER_MESSAGE, MAX_RECORD_BATCH_BYTES, MAX_RECORDS_PER_MESSAGE } from './limits.js'
import type { ChordRecord, ChordRequest, ChordResponse, StoreRole } from './messages.js'

/** Splits records into store batches within MAX_RECORDS_PER_MESSAGE and MAX_RECORD_BATCH_BYTES. */
export function batchRecords (records: readonly ChordRecord[]): ChordRecord[][] {
  const batches: ChordRecord[][] = []
  let batch: ChordRecord[] = []
  let bytes = 0
  for (const r of records) {
    const size = r.key.length + r.value.length
    if (batch.length > 0 && (batch.length >= MAX_RECORDS_PER_MESSAGE || bytes + size > MAX_RECORD_BATCH_BYTES)) {
      batches.push(batch); batch = []; bytes = 0
    }
    batch.push(r); bytes += size
  }
  if (batch.length > 0) batches.push(batch)
  return batches
}

/** Whether a record fits this node's limits. */
export function acceptable (ctx: ChordContext, r: ChordRecord): boolean {
  return r.key.length <= ctx.config.maxKeyBytes && r.value.length <= ctx.config.maxValueBytes
}

/**
 * Store handler. A primary store (put or handoff) makes this node the record's owner; if the key is
 * outside its range the record stays flagged primary and the next step hands it on toward the
 * owner. A replica store keeps a copy unless this node owns the key by its own view. A record
 * that is new here, or a new value, and that this node owns is pushed to its r-1 replica holders
 * at once: a put then costs one store per replica, not a storage step (a scan of the store and a
 * digest of every owned key) per put.
 */
export function onStore (ctx: ChordContext, role: StoreRole, records: readonly ChordRecord[]): ChordResponse {
  const now = ctx.io.now()
  let accepted = 0
  let stepSoon = false
  const toReplicas: ChordRecord[] = []
  for (const r of records) {
    if (!acceptable(ctx, r)) { ctx.counters.storesRefused++; continue }
    const id = keyId(r.key)
    const owns = ctx.routing.owns(id)
    const primary = role === 'primary' || owns
    const previous = ctx.store.get(id)
    const wasPrimary = previous?.primary === true
    const previousValue = previous?.record.value
    const outcome = ctx.store.put(id, r, primary, now)
    if (outcome === 'full') { ctx.counters.storesRefused++; continue }
    accepted++
    if (outcome === 'new') {
      if (primary) ctx.counters.primaryCopiesReceived++
      else ctx.counters.replicaCopiesMade++
    }
    if (!primary) continue
    // The digest sync compares key ids only, so a new value must be pushed to the replicas.
    const fresh = outcome === 'new' || (previousValue !== undefined && !sameBytes(previousValue, r.value))
    if (owns && fresh) toReplicas.push(r)
    // A record to hand on, or a replica turned owned copy (its replica set moved): a storage step.
    else if (!owns || !wasPrimary) stepSoon = true
  }
  if (stepSoon) ctx.replicateSoon()
  if (toReplicas.length > 0) {
    for (const holder of ctx.routing.successors.slice(0, ctx.config.replicas - 1)) sendRecords(ctx, holder, 'replica', toReplicas, () => {})
  }
  return { type: 'stored', accepted }
}

function sameBytes (a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

export function onFetch (ctx: ChordContext, id: NodeId): ChordResponse {
  return { type: 'value', record: ctx.store.get(id)?.record }
}

/** Sync handler: confirm the listed replicas (refreshing their lease) and name the missing ones. */
export function onSync (ctx: ChordContext, ids: readonly NodeId[]): ChordResponse {
  const now = ctx.io.now()
  const missing: NodeId[] = []
  for (const id of ids) {
    const s = ctx.store.get(id)
    if (s === undefined) missing.push(id)
    else s.confirmedAt = now
  }
  return { type: 'missing', keyIds: missing }
}

/** Runs one storage step; calls `done` when its requests have all ended. */
export function replicateStep (ctx: ChordContext, done: () => void): void {
  const { routing, store, config, io, counters } = ctx
  const pred = routing.predecessor
  const alone = routing.successors.length === 0
  const now = io.now()
  const owned: NodeId[] = []
  const toHandOff: ChordRecord[] = []
  const handOffIds: NodeId[] = []
  for (const [id, s] of store.entries()) {
    const owns = routing.owns(id)
    if (owns) {
      if (!s.primary) { s.primary = true; counters.promotions++ }
      owned.push(id)
    } else if (pred !== undefined || alone) {
      if (s.primary) { toHandOff.push(s.record); handOffIds.push(id) } else if (now - s.confirmedAt > config.replicaLeaseMs) {
        store.delete(id); counters.replicasDropped++
      }
    } else if (s.primary) {
      owned.push(id) // range unknown until a predecessor notifies: keep serving and replicating
    }
  }
  const tasks: Array<(next: () => void) => void> = []
  if (pred !== undefined && toHandOff.length > 0) {
    tasks.push(next => sendRecords(ctx, pred, 'primary', toHandOff, ok => {
      if (ok) {
        counters.handoffRecordsSent += toHandOff.length
        for (const id of handOffIds) {
          const s = store.get(id)
          if (s === undefined) continue
          if (config.replicas > 1) { s.primary = false; s.confirmedAt = io.now() } else store.delete(id)
        }
      }
      next()
    }))
  }
  const replicaHolders = routing.successors.slice(0, config.replicas - 1)
  if (owned.length > 0) {
    for (const holder of replicaHolders) tasks.push(next => syncTo(ctx, holder, owned, next))
  }
  runInSequence(tasks, done)
}

function runInSequence (tasks: Array<(next: () => void) => void>, done: () => void): void {
  let i = 0
  const next = (): void => {
    if (i >= tasks.length) { done(); return }
    tasks[i++](next)
  }
  next()
}

/** Sends `records` in batches; `done(true)` when every batch was stored by `to`. */
export function sendRecords (ctx: ChordContext, to: PeerRef, role: StoreRole, records: readonly ChordRecord[], done: (ok: boolean) => void): void {
  const batches = batchRecords(records)
  let i = 0
  const step = (): void => {
    if (i >= batches.length) { done(true); return }
    const batch = batches[i++]
    request(ctx, to, { type: 'store', role, records: batch }, res => {
      if (res?.type !== 'stored') { done(false); return }
      step()
    })
  }
  step()
}

/** Digest exchange with one replica holder: list owned ids, then store whatever it lacks. */
function syncTo (ctx: ChordContext, holder: PeerRef, owned: readonly NodeId[], done: () => void): void {
  let offset = 0
  const step = (): void => {
    if (offset >= owned.length || !ctx.isRunning()) { done(); return }
    const ids = owned.slice(offset, offset + MAX_KEY_IDS_PER_MESSAGE)
    offset += ids.length
    request(ctx, holder, { type: 'sync', keyIds: ids }, res => {
      if (res?.type !== 'missing') { done(); return }
      const records: ChordRecord[] = []
      for (const id of res.keyIds) {
        const s = ctx.store.get(id)
        if (s !== undefined) records.push(s.record)
      }
      if (records.length === 0) { step(); return }
      sendRecords(ctx, holder, 'replica', records, ok => { if (ok) step(); else done() })
    })
  }
  step()
}

/** A request whose failure is just `undefined`; callbacks after stop are dropped. */
function request (ctx: ChordContext, to: PeerRef, req: ChordRequest, done: (res: ChordResponse | undefined) => void): void {
  ctx.request(to, req, result => {
    if (!ctx.isRunning()) return
    done(result.ok ? result.value : undefined)
  })
}
