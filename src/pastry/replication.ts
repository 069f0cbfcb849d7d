/**
 * Pastry storage (DESIGN.md §4; PAST, Rowstron & Druschel SOSP 2001 §2.2): a key lives at the node
 * numerically closest to it and on the next closest nodes, r in all, all within the owner's leaf
 * set. The storage step, run periodically and soon after any change of the leaf set, (1) hands
 * records this node holds as owner to a node its leaf set shows closer (so a join takes over exactly
 * the keys it is now closest to), (2) promotes replicas of keys it is now closest to (after a crash
 * or leave), (3) brings its owned records' replicas up to r by a digest (`sync`, then `store` of the
 * missing ones), and (4) drops replicas no owner confirmed within the lease and outside its own view
 * of the key's replica set. Invariants: at most one step in flight; messages respect limits.ts; a
 * failed peer only delays the step.
 */
import { keyId, type NodeId } from '../core/id.js'
import type { PeerRef } from '../core/port.js'
import type { PastryContext } from './context.js'
import { MAX_KEY_IDS_PER_MESSAGE, MAX_RECORD_BATCH_BYTES, MAX_RECORDS_PER_MESSAGE } from './limits.js'
import type { PastryRecord, PastryRequest, PastryResponse, StoreRole } from './messages.js'
import type { StoredRecord } from './store.js'

/**
 * keyId of a record's key, memoised per key array. Records are readonly once made; in the
 * simulator the same arrays travel from node to node, so a key is hashed once rather than at every
 * store, handoff and replica copy. Over the wire each frame decodes fresh arrays, so a received key
 * is still hashed on receipt (an id is never taken from a message). Entries go with their arrays.
 */
const keyIdCache = new WeakMap<Uint8Array, NodeId>()

export function recordKeyId (key: Uint8Array): NodeId {
  let id = keyIdCache.get(key)
  if (id === undefined) { id = keyId(key); keyIdCache.set(key, id) }
  return id
}

/** Splits records into store batches within MAX_RECORDS_PER_MESSAGE and MAX_RECORD_BATCH_BYTES. */
export function batchRecords (records: readonly PastryRecord[]): PastryRecord[][] {
  const batches: PastryRecord[][] = []
  let batch: PastryRecord[] = []
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
export function acceptable (ctx: PastryContext, r: PastryRecord): boolean {
  return r.key.length <= ctx.config.maxKeyBytes && r.value.length <= ctx.config.maxValueBytes
}

/**
 * Store handler. A primary store (put or handoff) makes this node the record's owner; if its leaf
 * set shows a closer node the record stays flagged primary and the next step hands it on. A replica
 * store keeps a copy, as owner if this node is the closest by its own view.
 */
export function onStore (ctx: PastryContext, role: StoreRole, records: readonly PastryRecord[]): PastryResponse {
  const now = ctx.io.now()
  let accepted = 0
  let primaries = false
  for (const r of records) {
    if (!acceptable(ctx, r)) { ctx.counters.storesRefused++; continue }
    const id = recordKeyId(r.key)
    const primary = role === 'primary' || ctx.state.leaves.owns(id)
    const outcome = ctx.store.put(id, r, primary, now)
    if (outcome === 'full') { ctx.counters.storesRefused++; continue }
    accepted++
    if (outcome === 'new') {
      if (primary) ctx.counters.primaryCopiesReceived++
      else ctx.counters.replicaCopiesMade++
    }
    if (primary) primaries = true
  }
  if (primaries) ctx.replicateSoon()
  return { type: 'stored', accepted }
}

export function onFetch (ctx: PastryContext, id: NodeId): PastryResponse {
  return { type: 'value', record: ctx.store.get(id)?.record }
}

/** Sync handler: confirm the listed replicas (refreshing their lease) and name the missing ones. */
export function onSync (ctx: PastryContext, ids: readonly NodeId[]): PastryResponse {
  const now = ctx.io.now()
  const missing: NodeId[] = []
  for (const id of ids) {
    const s = ctx.store.get(id)
    if (s === undefined) missing.push(id)
    else s.confirmedAt = now
  }
  return { type: 'missing', keyIds: missing }
}

/** What the storage step remembers between runs (owned by the node). */
export interface StorageState {
  /** The leaf-set version the last full pass saw. */
  leafVersion: number
  /** When the last full pass began (ms); -Infinity before the first. */
  fullAt: number
}

export function newStorageState (): StorageState {
  return { leafVersion: -1, fullAt: -Infinity }
}

interface Handoff { readonly to: PeerRef, readonly records: PastryRecord[], readonly ids: NodeId[] }
interface Digest { readonly to: PeerRef, readonly ids: NodeId[] }

/**
 * Runs one storage step; calls `done` when its requests have all ended. A full pass over the store
 * runs when the leaf set changed, or a third of the replica lease has passed since the last (the
 * digest then refreshes the replicas' lease well before it ends); otherwise the step looks only at
 * the keys added or turned owned since the last step (a put, a handoff), so its work is O(changes).
 */
export function replicateStep (ctx: PastryContext, last: StorageState, done: () => void): void {
  const { state, store, config, io, counters } = ctx
  const leaves = state.leaves
  const self = io.self
  const now = io.now()
  const r = config.replicas
  const dirty = store.takeDirty()
  const full = dirty === 'all' || state.leafVersion !== last.leafVersion || now - last.fullAt >= config.replicaLeaseMs / 3
  if (full) { last.leafVersion = state.leafVersion; last.fullAt = now }
  const handoffs = new Map<string, Handoff>()
  const digests = new Map<string, Digest>()
  const visit = (id: NodeId, s: StoredRecord): void => {
    if (leaves.owns(id)) {
      if (!s.primary) { store.setPrimary(id, s, true); counters.promotions++ }
      if (r === 1) return
      for (const h of leaves.ownedKeyHolders(id, r)) {
        if (h.address === self.address) continue
        let d = digests.get(h.address)
        if (d === undefined) digests.set(h.address, d = { to: h, ids: [] })
        d.ids.push(id)
      }
    } else if (s.primary) {
      const to = leaves.closest(id)
      let h = handoffs.get(to.address)
      if (h === undefined) handoffs.set(to.address, h = { to, records: [], ids: [] })
      h.records.push(s.record); h.ids.push(id)
    } else if (now - s.confirmedAt > config.replicaLeaseMs && !inReplicaSet(ctx, id)) {
      store.delete(id); counters.replicasDropped++
    }
  }
  if (full) {
    for (const [id, s] of store.entries()) visit(id, s)
  } else {
    for (const id of dirty as Set<NodeId>) {
      const s = store.get(id)
      if (s !== undefined) visit(id, s)
    }
  }
  const tasks: Array<(next: () => void) => void> = []
  for (const h of handoffs.values()) {
    tasks.push(next => sendRecords(ctx, h.to, 'primary', h.records, ok => {
      if (ok) {
        counters.handoffRecordsSent += h.records.length
        for (const id of h.ids) {
          const s = store.get(id)
          if (s === undefined) continue
          if (inReplicaSet(ctx, id)) { store.setPrimary(id, s, false); s.confirmedAt = io.now() } else store.delete(id)
        }
      }
      next()
    }))
  }
  for (const d of digests.values()) tasks.push(next => syncTo(ctx, d.to, d.ids, next))
  runInSequence(tasks, done)
}

/** Whether this node is among the r closest to `id` by its own leaf set. */
function inReplicaSet (ctx: PastryContext, id: NodeId): boolean {
  const self = ctx.io.self.address
  return ctx.state.leaves.closestSet(id, ctx.config.replicas).some(p => p.address === self)
}

function runInSequence (tasks: Array<(next: () => void) => void>, done: () => void): void {
  let i = 0
  const next = (): void => {
    if (i >= tasks.length) { done(); return }
    tasks[i++](next)
  }
  next()
}

/** Sends `records` in batches; `done(true)` when `to` stored every record of every batch. */
export function sendRecords (ctx: PastryContext, to: PeerRef, role: StoreRole, records: readonly PastryRecord[], done: (ok: boolean) => void): void {
  const batches = batchRecords(records)
  let i = 0
  const step = (): void => {
    if (i >= batches.length) { done(true); return }
    const batch = batches[i++]
    request(ctx, to, { type: 'store', role, records: batch }, res => {
      // A batch refused in part (store full, or the receiver is leaving) is not handed over.
      if (res?.type !== 'stored' || res.accepted !== batch.length) { done(false); return }
      step()
    })
  }
  step()
}

/** Digest exchange with one replica holder: list owned ids, then store whatever it lacks. */
function syncTo (ctx: PastryContext, holder: PeerRef, owned: readonly NodeId[], done: () => void): void {
  let offset = 0
  const step = (): void => {
    if (offset >= owned.length || !ctx.isRunning()) { done(); return }
    const ids = owned.slice(offset, offset + MAX_KEY_IDS_PER_MESSAGE)
    offset += ids.length
    request(ctx, holder, { type: 'sync', keyIds: ids }, res => {
      if (res?.type !== 'missing') { done(); return }
      const records: PastryRecord[] = []
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

/**
 * A request whose failure is `undefined` (and forgets the peer); callbacks after stop are
 * dropped, so a step in flight when the node stops simply never finishes.
 */
function request (ctx: PastryContext, to: PeerRef, req: PastryRequest, done: (res: PastryResponse | undefined) => void): void {
  ctx.io.request(to, req, { timeoutMs: ctx.config.requestTimeoutMs }, result => {
    if (!ctx.isRunning()) return
    if (result.ok) ctx.heardFrom(to)
    else ctx.peerFailed(to)
    done(result.ok ? result.value : undefined)
  })
}
