/**
 * The replication engine Chord and Pastry share (DESIGN.md §4; Chord: Stoica et al. 2001 §6 after
 * CFS/DHash; Pastry: PAST, SOSP 2001 §2.2). A key lives at its owner and on r - 1 replica holders,
 * both named by the DHT's Placement. The storage step, run periodically and soon after any change,
 * (1) hands records held as owner but no longer owned to the placement's handoff target, (2)
 * promotes replicas of keys this node now owns (after a crash or leave), (3) brings its owned
 * records' replicas up to r by a digest (`sync`, then `store` of the missing ones), and (4) drops
 * replicas no owner confirmed within the lease unless this node knows itself a holder (one it
 * handed on is read back from the owner it went to first). Invariants:
 * at most one step in flight (the node's timer); every message respects limits.ts; a failed peer
 * only delays the step; a record a receiver did not accept, or did not serve back when read,
 * stays where it is as owned.
 */
import { keyId, type NodeId } from '../core/id.js'
import type { PeerRef } from '../core/port.js'
import type { StorageContext } from './context.js'
import { HANDOFF_READBACK_SAMPLE, MAX_KEY_IDS_PER_MESSAGE, MAX_SIGNATURE_BYTES, MAX_NEWER_FETCHES_PER_SYNC, MAX_RECORD_BATCH_BYTES, MAX_RECORDS_PER_MESSAGE } from './limits.js'
import type { DhtRecord, KeyVersion, Refusal, RefusalReason, StorageResponse, StoreRole } from './messages.js'
import { compareVersions } from './record.js'
import { recordBytes, type StoredRecord } from './store.js'

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
export function batchRecords (records: readonly DhtRecord[]): DhtRecord[][] {
  const batches: DhtRecord[][] = []
  let batch: DhtRecord[] = []
  let bytes = 0
  for (const r of records) {
    const size = recordBytes(r)
    if (batch.length > 0 && (batch.length >= MAX_RECORDS_PER_MESSAGE || bytes + size > MAX_RECORD_BATCH_BYTES)) {
      batches.push(batch); batch = []; bytes = 0
    }
    batch.push(r); bytes += size
  }
  if (batch.length > 0) batches.push(batch)
  return batches
}

/** Whether a record fits this node's limits. */
export function acceptable (ctx: StorageContext, r: DhtRecord): boolean {
  return r.key.length <= ctx.config.maxKeyBytes && r.value.length <= ctx.config.maxValueBytes && r.signature.length <= MAX_SIGNATURE_BYTES
}

/** The record held for `id` when `r` is not newer than it (so `r` need not be checked or kept). */
function notNewer (ctx: StorageContext, id: NodeId, r: DhtRecord): boolean {
  const held = ctx.store.get(id)
  return held !== undefined && compareVersions(r, held.record) <= 0
}

/**
 * Store handler. A primary store (put or handoff) makes this node the record's owner; if the key is
 * not its own the record stays flagged primary and the next step hands it on. A replica store keeps
 * a copy, as owner if this node owns the key by its own view. Every record is checked: within the
 * limits, signed by the writer its key names (unless this version is held already), and not older
 * than the version held, and within the store's room and the sender's quota (store.ts); each
 * refusal is named in the answer and counted. `from` is the sending peer (undefined: this node). A record that is new here,
 * or a newer version, and that this node owns is pushed to its replica holders at once (so an
 * overwrite reaches them without waiting for a digest).
 */
export function onStore (ctx: StorageContext, role: StoreRole, records: readonly DhtRecord[], from?: PeerRef): StorageResponse {
  const now = ctx.now()
  let accepted = 0
  let stepSoon = false
  const refused: Refusal[] = []
  const refuse = (index: number, reason: RefusalReason): void => {
    refused.push({ index, reason })
    if (reason === 'stale') ctx.counters.recordsStale++
    else if (reason === 'invalid') ctx.counters.recordsInvalid++
    else {
      ctx.counters.storesRefused++
      if (reason === 'full') ctx.counters.storesRefusedFull++
      if (reason === 'quota') ctx.counters.storesRefusedQuota++
    }
  }
  const toReplicas = new Map<string, { to: PeerRef, records: DhtRecord[] }>()
  records.forEach((r, index) => {
    if (!acceptable(ctx, r)) { refuse(index, 'too-large'); return }
    const id = recordKeyId(r.key)
    const known = notNewer(ctx, id, r)
    if (!known && !ctx.verify(r)) { refuse(index, 'invalid'); return }
    const owns = ctx.placement.owns(id) === true
    const primary = role === 'primary' || owns
    const wasPrimary = ctx.store.get(id)?.primary === true
    const outcome = ctx.store.put(id, r, primary, now, from?.address)
    if (outcome === 'full' || outcome === 'stale' || outcome === 'quota') { refuse(index, outcome); return }
    accepted++
    if (outcome === 'new') {
      if (primary) ctx.counters.primaryCopiesReceived++
      else ctx.counters.replicaCopiesMade++
    }
    if (!primary) return
    if (owns && (outcome === 'new' || outcome === 'updated')) {
      for (const h of ctx.placement.replicaHolders(id)) {
        let g = toReplicas.get(h.address)
        if (g === undefined) toReplicas.set(h.address, g = { to: h, records: [] })
        g.records.push(r)
      }
    } else if (!owns || !wasPrimary) stepSoon = true // a record to hand on, or a replica turned owned copy
  })
  if (stepSoon) ctx.replicateSoon()
  for (const g of toReplicas.values()) sendRecords(ctx, g.to, 'replica', g.records, () => {})
  return { type: 'stored', accepted, refused }
}

export function onFetch (ctx: StorageContext, id: NodeId): StorageResponse {
  return { type: 'value', record: ctx.store.get(id)?.record }
}

/**
 * Sync handler: confirm the listed replicas (refreshing their lease), name those lacking here or
 * older than the owner's version, and those held here in a newer version (the owner missed it).
 */
export function onSync (ctx: StorageContext, keys: readonly KeyVersion[]): StorageResponse {
  const now = ctx.now()
  const missing: NodeId[] = []
  const newer: NodeId[] = []
  for (const { keyId: id, seq } of keys) {
    const s = ctx.store.get(id)
    if (s === undefined || s.record.seq < seq) { missing.push(id); continue }
    s.confirmedAt = now
    if (s.record.seq > seq) newer.push(id)
  }
  return { type: 'missing', keyIds: missing, newer }
}

/** What the storage step remembers between runs (owned by the node). */
export interface StorageState {
  /** The placement's layout version the last full pass saw. */
  layoutVersion: number
  /** When the last full pass began (ms); -Infinity before the first. */
  fullAt: number
  /**
   * Key id -> the owner a record held here as a replica was handed to (made on the first
   * hand-off). Before the lease drops such a replica its owner is read back again, so an owner
   * that served the first read-back and dropped the records later does not take them with it.
   * At most one entry per record held.
   */
  handedTo: Map<NodeId, PeerRef> | undefined
}

export function newStorageState (): StorageState {
  return { layoutVersion: -1, fullAt: -Infinity, handedTo: undefined }
}

interface Handoff { readonly to: PeerRef, readonly records: DhtRecord[] }
interface Digest { readonly to: PeerRef, readonly ids: NodeId[] }

/**
 * Runs one storage step; calls `done` when its requests have all ended. A full pass over the store
 * runs when the placement has no layout version or it changed, or a third of the replica lease has
 * passed since the last (the digest then refreshes the replicas' lease well before it ends);
 * otherwise the step looks only at the keys added or turned owned since the last step.
 */
export function replicateStep (ctx: StorageContext, last: StorageState, done: () => void): void {
  const { store, config, placement, counters } = ctx
  const now = ctx.now()
  const dirty = store.takeDirty()
  const version = placement.layoutVersion?.()
  const full = version === undefined || dirty === 'all' || version !== last.layoutVersion || now - last.fullAt >= config.replicaLeaseMs / 3
  if (full) { last.layoutVersion = version ?? -1; last.fullAt = now }
  const handoffs = new Map<string, Handoff>()
  const audits = new Map<string, Handoff>()
  const digests = new Map<string, Digest>()
  const digest = (id: NodeId): void => {
    for (const h of placement.replicaHolders(id)) {
      let d = digests.get(h.address)
      if (d === undefined) digests.set(h.address, d = { to: h, ids: [] })
      d.ids.push(id)
    }
  }
  const visit = (id: NodeId, s: StoredRecord): void => {
    const owns = placement.owns(id)
    if (owns === true) {
      if (!s.primary) { store.setPrimary(id, s, true); counters.promotions++ }
      digest(id)
    } else if (owns === undefined) {
      if (s.primary) digest(id) // range unknown yet: keep serving and replicating what we own
    } else if (s.primary) {
      const to = placement.handoffTarget(id)
      if (to === undefined) return
      let h = handoffs.get(to.address)
      if (h === undefined) handoffs.set(to.address, h = { to, records: [] })
      h.records.push(s.record)
    } else if (now - s.confirmedAt > config.replicaLeaseMs && placement.inReplicaSet(id) !== true) {
      const owner = last.handedTo?.get(id)
      if (owner === undefined) { store.delete(id); counters.replicasDropped++; return }
      let a = audits.get(owner.address)
      if (a === undefined) audits.set(owner.address, a = { to: owner, records: [] })
      a.records.push(s.record)
    }
  }
  if (full) {
    if (last.handedTo !== undefined) {
      for (const id of last.handedTo.keys()) if (store.get(id)?.primary !== false) last.handedTo.delete(id)
    }
    for (const [id, s] of store.entries()) visit(id, s)
  } else {
    for (const id of dirty as Set<NodeId>) {
      const s = store.get(id)
      if (s !== undefined) visit(id, s)
    }
  }
  const tasks: Array<(next: () => void) => void> = []
  for (const h of handoffs.values()) {
    tasks.push(next => sendRecords(ctx, h.to, 'primary', h.records, taken => {
      readBack(ctx, h.to, taken, held => {
        if (held) {
          counters.handoffRecordsSent += taken.length
          for (const r of taken) settleHandedOff(ctx, last, recordKeyId(r.key), h.to)
        }
        next()
      })
    }))
  }
  for (const a of audits.values()) tasks.push(next => { auditHandedOff(ctx, last, a, next) })
  for (const d of digests.values()) tasks.push(next => syncTo(ctx, d.to, d.ids, next))
  runInSequence(tasks, done)
}

/**
 * After a handoff the receiver accepted and served back: the record stays here as a replica, and
 * the lease drops it unless an owner confirms it (this node is a holder). Until then it stays
 * charged to the peer that brought it, so records passed on through this node still count against
 * that peer's quota here for a lease (issue 10: a flood cannot pass through faster), and the new
 * owner can still be read back against it.
 */
function settleHandedOff (ctx: StorageContext, last: StorageState, id: NodeId, to: PeerRef): void {
  const s = ctx.store.get(id)
  if (s === undefined) return
  ctx.store.setPrimary(id, s, false)
  s.confirmedAt = ctx.now()
  if (last.handedTo === undefined) last.handedTo = new Map()
  last.handedTo.set(id, to)
}

/**
 * Replicas whose lease ended, handed to `a.to` earlier: read back from it once more before they go.
 * Served: dropped (unless an owner confirmed them meanwhile). Not served: held as owned again, so the next step hands them to whoever owns
 * them now, read back as ever. That costs `a.to` nothing: an honest owner may itself have handed
 * them on and dropped them since, or be gone.
 */
function auditHandedOff (ctx: StorageContext, last: StorageState, a: Handoff, done: () => void): void {
  servedBack(ctx, a.to, a.records, outcome => {
    const held = outcome === 'held'
    for (const r of a.records) {
      const id = recordKeyId(r.key)
      last.handedTo?.delete(id)
      const s = ctx.store.get(id)
      if (s === undefined || s.primary || s.record !== r) continue
      if (!held) ctx.store.setPrimary(id, s, true)
      else if (ctx.now() - s.confirmedAt > ctx.config.replicaLeaseMs) { ctx.store.delete(id); ctx.counters.replicasDropped++ }
    }
    if (!held) ctx.replicateSoon()
    done()
  })
}

/**
 * Reads back from `to`, all at once, up to HANDOFF_READBACK_SAMPLE of the records it took, drawn
 * at random (every one when fewer): its acknowledgment is a claim, a record it serves is evidence
 * (Castro et al. 2002: state changes on first-hand evidence). `done(true)` when each was served in
 * the version sent or a newer valid one. An answer without one is a lie: `to` loses standing
 * (ctx.unproven) and `done(false)`; a read that fails (gone, slow) is `done(false)` too, at no
 * cost to `to`. On false the records stay here as owned, and a later step hands them on again.
 */
export function readBack (ctx: StorageContext, to: PeerRef, taken: readonly DhtRecord[], done: (held: boolean) => void): void {
  servedBack(ctx, to, taken, outcome => {
    if (outcome === 'lied') ctx.unproven(to)
    done(outcome === 'held')
  })
}

/** What a read-back found: each sampled record served; one not served; a read that failed. */
type ReadBackOutcome = 'held' | 'lied' | 'failed'

/** The read-back of readBack, at no cost to `to` whatever it finds. */
function servedBack (ctx: StorageContext, to: PeerRef, records: readonly DhtRecord[], done: (outcome: ReadBackOutcome) => void): void {
  if (records.length === 0) { done('held'); return }
  const sample = records.length <= HANDOFF_READBACK_SAMPLE ? records : ctx.random.shuffle(records.slice()).slice(0, HANDOFF_READBACK_SAMPLE)
  let pending = sample.length
  let lied = false
  let failed = false
  for (const sent of sample) {
    ctx.request(to, { type: 'fetch', keyId: recordKeyId(sent.key) }, res => {
      if (res === undefined) failed = true
      else if (res.type !== 'value' || !serves(ctx, sent, res.record)) lied = true
      if (--pending > 0) return
      done(lied ? 'lied' : failed ? 'failed' : 'held')
    })
  }
}

/** Whether `got` (a fetch's answer) is `sent` or a newer valid version of its key. */
function serves (ctx: StorageContext, sent: DhtRecord, got: DhtRecord | undefined): boolean {
  if (got === undefined || recordKeyId(got.key) !== recordKeyId(sent.key)) return false
  const order = compareVersions(got, sent)
  if (order < 0) return false
  return (order === 0 && sameBytes(got.value, sent.value) && sameBytes(got.key, sent.key)) || ctx.verify(got)
}

function sameBytes (a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

function runInSequence (tasks: Array<(next: () => void) => void>, done: () => void): void {
  let i = 0
  const next = (): void => {
    if (i >= tasks.length) { done(); return }
    tasks[i++](next)
  }
  next()
}

/**
 * Sends `records` in batches; `done` gets the records `to` took: those it accepted, and those it
 * refused as stale (it holds a newer version). The rest (refused for its limits or quota, or for a
 * bad signature) are not handed over, and the next batch is still sent; a request that fails ends
 * the sending (the peer is gone or overloaded).
 */
export function sendRecords (ctx: StorageContext, to: PeerRef, role: StoreRole, records: readonly DhtRecord[], done: (taken: DhtRecord[]) => void): void {
  const batches = batchRecords(records)
  const taken: DhtRecord[] = []
  let i = 0
  const step = (): void => {
    if (i >= batches.length) { done(taken); return }
    const batch = batches[i++]
    ctx.request(to, { type: 'store', role, records: batch }, res => {
      if (res?.type !== 'stored') { done(taken); return }
      const kept = new Set(res.refused.filter(f => f.reason !== 'stale').map(f => f.index))
      batch.forEach((r, index) => { if (!kept.has(index)) taken.push(r) })
      step()
    })
  }
  step()
}

/**
 * Digest exchange with one replica holder: list owned (key id, version) pairs, store whatever it
 * lacks or holds older, and fetch what it holds newer (an overwrite this node missed, say while it
 * was down or before it took the key over), at most MAX_NEWER_FETCHES_PER_SYNC per message.
 */
function syncTo (ctx: StorageContext, holder: PeerRef, owned: readonly NodeId[], done: () => void): void {
  let offset = 0
  const step = (): void => {
    if (offset >= owned.length || !ctx.isRunning()) { done(); return }
    const keys: KeyVersion[] = []
    for (const id of owned.slice(offset, offset + MAX_KEY_IDS_PER_MESSAGE)) {
      const s = ctx.store.get(id)
      if (s !== undefined) keys.push({ keyId: id, seq: s.record.seq })
    }
    offset += MAX_KEY_IDS_PER_MESSAGE
    ctx.request(holder, { type: 'sync', keys }, res => {
      if (res?.type !== 'missing') { done(); return }
      const records: DhtRecord[] = []
      for (const id of res.keyIds) {
        const s = ctx.store.get(id)
        if (s !== undefined) records.push(s.record)
      }
      const push = (): void => {
        if (records.length === 0) { step(); return }
        sendRecords(ctx, holder, 'replica', records, taken => { if (taken.length === records.length) step(); else done() })
      }
      fetchNewer(ctx, holder, res.newer.slice(0, MAX_NEWER_FETCHES_PER_SYNC), push)
    })
  }
  step()
}

/** Fetches each of `ids` from `holder` and keeps what is valid and newer (as owner: it is ours). */
function fetchNewer (ctx: StorageContext, holder: PeerRef, ids: readonly NodeId[], done: () => void): void {
  let i = 0
  const next = (): void => {
    const id = ids[i++]
    if (id === undefined || !ctx.isRunning()) { done(); return }
    ctx.request(holder, { type: 'fetch', keyId: id }, res => {
      const record = res?.type === 'value' ? res.record : undefined
      if (record !== undefined && recordKeyId(record.key) === id) onStore(ctx, 'primary', [record], holder)
      next()
    })
  }
  next()
}

/** A record as persistent storage keeps it: the version, its role here and who it is charged to. */
export interface SavedRecord {
  readonly record: DhtRecord
  readonly primary: boolean
  readonly from: string | undefined
}

/**
 * Puts back the records a node held before a restart. Each is checked again (its signature, this
 * node's limits); its lease starts now, so a replica no owner confirms is dropped in time, and a
 * storage step soon re-validates the rest with the neighbours (handoffs and versioned digests).
 * Returns how many were restored.
 */
export function restoreRecords (ctx: StorageContext, saved: Iterable<SavedRecord>): number {
  const now = ctx.now()
  let restored = 0
  for (const { record, primary, from } of saved) {
    if (!acceptable(ctx, record) || !ctx.verify(record)) { ctx.counters.recordsInvalid++; continue }
    if (ctx.store.restore(recordKeyId(record.key), { record, primary, from, confirmedAt: now })) restored++
  }
  if (restored > 0) ctx.replicateSoon()
  return restored
}
