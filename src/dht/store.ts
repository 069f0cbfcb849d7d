/**
 * A DHT node's records, for Chord and Pastry alike: each held as owner ("primary") or as one of a
 * key's replicas (Chord: Stoica et al. 2001 §6 after CFS/DHash; Pastry: PAST, SOSP 2001 §2.2).
 * Invariants: at most `maxRecords` entries (new keys beyond are refused); a replica remembers when
 * its owner last confirmed it, so a copy nobody refreshes can be dropped; the keys added or turned
 * owned since the storage step last asked are remembered (bounded), so a step can handle just those;
 * a key's version only goes up (record.ts: the highest version wins, whoever sends it).
 */
import type { NodeId } from '../core/id.js'
import { MAX_DIRTY_RECORDS } from './limits.js'
import type { DhtRecord } from './messages.js'
import { compareVersions } from './record.js'

export interface StoredRecord {
  readonly record: DhtRecord
  /** The peer (address) whose store brought this version, charged for it; undefined: this node's own. */
  readonly from: string | undefined
  /** True while this node holds the record as its owner (or owes a handoff to the owner). */
  primary: boolean
  /** Virtual or real ms when the record last arrived or its owner last listed it in a sync. */
  confirmedAt: number
}

/**
 * new key; newer version; the same version (refreshed); an older version (refused); no room in
 * total; no room in the sender's quota.
 */
export type StoreOutcome = 'new' | 'updated' | 'same' | 'stale' | 'full' | 'quota'

/** How much a store holds, or one peer has brought into it. */
export interface StoreUsage {
  records: number
  bytes: number
}

/** The store's limits, in records and in bytes (key + value + signature), in total and per sender. */
export interface StoreLimits {
  readonly maxRecords: number
  readonly maxBytes: number
  readonly maxRecordsPerPeer: number
  readonly maxBytesPerPeer: number
}

/**
 * Where a store's changes go to outlive the process (the node's datastore on libp2p; none in the
 * simulator). Called synchronously on each change; the implementation batches its writes and must
 * have written everything it was told before its runtime reports a graceful stop done.
 */
export interface RecordPersistence {
  /** `keyId` now holds `s` (a new key, a newer version, or a change of role). */
  saved(keyId: NodeId, s: StoredRecord): void
  deleted(keyId: NodeId): void
}

/** The quota account of this node's own writes: a node filling its own store leaves room for others too. */
const SELF = ''

/** What a record costs to hold: its key, value and signature bytes. */
export function recordBytes (r: DhtRecord): number {
  return r.key.length + r.value.length + r.signature.length
}

export class RecordStore {
  private readonly records = new Map<NodeId, StoredRecord>()
  /**
   * Keys added or turned owned since the storage step last took them (`takeDirty`), so a step after
   * a put handles that put alone; past MAX_DIRTY_RECORDS only `overflowed` is kept (a full pass).
   */
  private dirty = new Set<NodeId>()
  private overflowed = false
  private readonly total: StoreUsage = { records: 0, bytes: 0 }
  /** Sender address -> what it brought; an entry goes when its last record does (so <= maxRecords entries). */
  private readonly byPeer = new Map<string, StoreUsage>()

  constructor (private readonly limits: StoreLimits, private readonly persistence?: RecordPersistence) {
    for (const [name, v] of Object.entries(limits)) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`RecordStore: ${name} must be a positive integer, got ${v}`)
    }
  }

  get size (): number { return this.records.size }

  /** What the store holds in total (records, bytes). */
  usage (): Readonly<StoreUsage> { return { ...this.total } }

  /** What `peer` (undefined: this node) has brought into the store (records, bytes). */
  usageOf (peer: string | undefined): Readonly<StoreUsage> { return { ...(this.byPeer.get(peer ?? SELF) ?? { records: 0, bytes: 0 }) } }

  get (keyId: NodeId): StoredRecord | undefined { return this.records.get(keyId) }
  has (keyId: NodeId): boolean { return this.records.has(keyId) }

  delete (keyId: NodeId): boolean {
    const s = this.records.get(keyId)
    if (s === undefined) return false
    this.charge(s, -1)
    this.persistence?.deleted(keyId)
    return this.records.delete(keyId)
  }

  /** Marks a held record as owned or as a replica. */
  setPrimary (keyId: NodeId, s: StoredRecord, primary: boolean): void {
    if (s.primary === primary) return
    s.primary = primary
    this.persistence?.saved(keyId, s)
    if (primary) this.markDirty(keyId)
  }

  /** The keys changed since the last call, or 'all' when too many changed to list. */
  takeDirty (): Set<NodeId> | 'all' {
    const out = this.overflowed ? 'all' : this.dirty
    this.dirty = new Set()
    this.overflowed = false
    return out
  }

  /**
   * Stores a new key or a newer version, charged to `from` (the sending peer; undefined for this
   * node's own writes, which have a share of their own); the same version refreshes the copy (and may make it primary); an older one
   * changes nothing. A version that would take the store, or the sender's share, past its limits
   * is refused ('full', 'quota') and the held one stays. An overwrite never demotes a primary copy.
   */
  put (keyId: NodeId, record: DhtRecord, primary: boolean, now: number, from?: string): StoreOutcome {
    const existing = this.records.get(keyId)
    if (existing !== undefined) {
      const order = compareVersions(record, existing.record)
      if (order < 0) return 'stale'
      if (order === 0) {
        if (primary && !existing.primary) { existing.primary = true; this.markDirty(keyId); this.persistence?.saved(keyId, existing) }
        existing.confirmedAt = now
        return 'same'
      }
    }
    const next: StoredRecord = { record, from, primary: primary || existing?.primary === true, confirmedAt: now }
    const room = this.room(next, existing)
    if (room !== undefined) return room
    if (existing !== undefined) this.charge(existing, -1)
    this.charge(next, 1)
    this.records.set(keyId, next)
    this.persistence?.saved(keyId, next)
    if (existing === undefined || (primary && !existing.primary)) this.markDirty(keyId)
    return existing === undefined ? 'new' : 'updated'
  }

  /** Puts back a record read from persistent storage (no limits but the total record count; not saved again). */
  restore (keyId: NodeId, s: StoredRecord): boolean {
    if (this.records.has(keyId) || this.records.size >= this.limits.maxRecords) return false
    this.charge(s, 1)
    this.records.set(keyId, s)
    this.markDirty(keyId)
    return true
  }

  /** Why `next` (replacing `existing`) does not fit, or undefined if it does. */
  private room (next: StoredRecord, existing: StoredRecord | undefined): 'full' | 'quota' | undefined {
    const bytes = recordBytes(next.record)
    const freed = existing === undefined ? 0 : recordBytes(existing.record)
    const l = this.limits
    if ((existing === undefined && this.total.records >= l.maxRecords) || this.total.bytes - freed + bytes > l.maxBytes) return 'full'
    const mine = this.byPeer.get(next.from ?? SELF) ?? { records: 0, bytes: 0 }
    const sameSender = existing !== undefined && existing.from === next.from
    const records = mine.records + (sameSender ? 0 : 1)
    const used = mine.bytes - (sameSender ? freed : 0) + bytes
    return records > l.maxRecordsPerPeer || used > l.maxBytesPerPeer ? 'quota' : undefined
  }

  private charge (s: StoredRecord, sign: 1 | -1): void {
    const bytes = recordBytes(s.record)
    this.total.records += sign
    this.total.bytes += sign * bytes
    const peer = s.from ?? SELF
    let u = this.byPeer.get(peer)
    if (u === undefined) this.byPeer.set(peer, u = { records: 0, bytes: 0 })
    u.records += sign
    u.bytes += sign * bytes
    if (u.records === 0) this.byPeer.delete(peer)
  }

  entries (): IterableIterator<[NodeId, StoredRecord]> { return this.records.entries() }

  private markDirty (keyId: NodeId): void {
    if (this.overflowed) return
    if (this.dirty.size >= MAX_DIRTY_RECORDS) { this.overflowed = true; this.dirty.clear() } else this.dirty.add(keyId)
  }
}
