/**
 * A DHT node's records, for Chord and Pastry alike: each held as owner ("primary") or as one of a
 * key's replicas (Chord: Stoica et al. 2001 §6 after CFS/DHash; Pastry: PAST, SOSP 2001 §2.2).
 * Invariants: at most `maxRecords` entries (new keys beyond are refused); a replica remembers when
 * its owner last confirmed it, so a copy nobody refreshes can be dropped; the keys added or turned
 * owned since the storage step last asked are remembered (bounded), so a step can handle just those.
 */
import type { NodeId } from '../core/id.js'
import { MAX_DIRTY_RECORDS } from './limits.js'
import type { DhtRecord } from './messages.js'

export interface StoredRecord {
  readonly record: DhtRecord
  /** True while this node holds the record as its owner (or owes a handoff to the owner). */
  primary: boolean
  /** Virtual or real ms when the record last arrived or its owner last listed it in a sync. */
  confirmedAt: number
}

export type StoreOutcome = 'new' | 'updated' | 'full'

export class RecordStore {
  private readonly records = new Map<NodeId, StoredRecord>()
  /**
   * Keys added or turned owned since the storage step last took them (`takeDirty`), so a step after
   * a put handles that put alone; past MAX_DIRTY_RECORDS only `overflowed` is kept (a full pass).
   */
  private dirty = new Set<NodeId>()
  private overflowed = false

  constructor (private readonly maxRecords: number) {
    if (!Number.isInteger(maxRecords) || maxRecords < 1) throw new RangeError(`RecordStore: maxRecords must be a positive integer, got ${maxRecords}`)
  }

  get size (): number { return this.records.size }

  get (keyId: NodeId): StoredRecord | undefined { return this.records.get(keyId) }
  has (keyId: NodeId): boolean { return this.records.has(keyId) }
  delete (keyId: NodeId): boolean { return this.records.delete(keyId) }

  /** Marks a held record as owned or as a replica. */
  setPrimary (keyId: NodeId, s: StoredRecord, primary: boolean): void {
    if (s.primary === primary) return
    s.primary = primary
    if (primary) this.markDirty(keyId)
  }

  /** The keys changed since the last call, or 'all' when too many changed to list. */
  takeDirty (): Set<NodeId> | 'all' {
    const out = this.overflowed ? 'all' : this.dirty
    this.dirty = new Set()
    this.overflowed = false
    return out
  }

  /** Stores or overwrites; an overwrite never demotes a primary copy. */
  put (keyId: NodeId, record: DhtRecord, primary: boolean, now: number): StoreOutcome {
    const existing = this.records.get(keyId)
    if (existing !== undefined) {
      if (primary && !existing.primary) this.markDirty(keyId)
      this.records.set(keyId, { record, primary: primary || existing.primary, confirmedAt: now })
      return 'updated'
    }
    if (this.records.size >= this.maxRecords) return 'full'
    this.records.set(keyId, { record, primary, confirmedAt: now })
    this.markDirty(keyId)
    return 'new'
  }

  entries (): IterableIterator<[NodeId, StoredRecord]> { return this.records.entries() }

  private markDirty (keyId: NodeId): void {
    if (this.overflowed) return
    if (this.dirty.size >= MAX_DIRTY_RECORDS) { this.overflowed = true; this.dirty.clear() } else this.dirty.add(keyId)
  }
}
