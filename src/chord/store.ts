/**
 * A Chord node's records: each held as owner ("primary", key in (predecessor, self]) or as one of
 * the r-1 replicas. Invariants: at most `maxRecords` entries (new keys beyond are refused); a
 * replica remembers when its owner last confirmed it, so a copy nobody refreshes can be dropped.
 * Roles follow the storage rules of DESIGN.md §4 (Chord; Stoica et al. 2001 §6 and CFS/DHash).
 */
import type { NodeId } from '../core/id.js'
import { BoundedMap } from '../core/bounded.js'
import type { ChordRecord } from './messages.js'

export interface StoredRecord {
  readonly record: ChordRecord
  /** True while this node holds the record as its owner (or owes a handoff to the owner). */
  primary: boolean
  /** Virtual or real ms when the record last arrived or its owner last listed it in a sync. */
  confirmedAt: number
}

export type StoreOutcome = 'new' | 'updated' | 'full'

export class RecordStore {
  private readonly records: BoundedMap<NodeId, StoredRecord>

  constructor (maxRecords: number) {
    this.records = new BoundedMap(maxRecords)
  }

  get size (): number { return this.records.size }

  get (keyId: NodeId): StoredRecord | undefined { return this.records.get(keyId) }
  has (keyId: NodeId): boolean { return this.records.has(keyId) }
  delete (keyId: NodeId): boolean { return this.records.delete(keyId) }

  /** Stores or overwrites; an overwrite never demotes a primary copy. */
  put (keyId: NodeId, record: ChordRecord, primary: boolean, now: number): StoreOutcome {
    const existing = this.records.get(keyId)
    if (existing !== undefined) {
      this.records.set(keyId, { record, primary: primary || existing.primary, confirmedAt: now })
      return 'updated'
    }
    return this.records.set(keyId, { record, primary, confirmedAt: now }) ? 'new' : 'full'
  }

  entries (): IterableIterator<[NodeId, StoredRecord]> { return this.records.entries() }
}
