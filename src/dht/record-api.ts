/**
 * The storage half of a Chord or Pastry node's public face, written once: put a new version signed
 * by this node, put a record signed elsewhere, get, restore after a restart, and what the store
 * holds. Each node binds it to its own put and get (its lookup names the holders) and to its
 * guard, which ends an operation at once with `stopped` unless the node runs and otherwise makes
 * the callback fire exactly once, later (core/pending-callbacks.ts).
 */
import { keyId, type NodeId } from '../core/id.js'
import type { Outcome } from '../core/dht-outcome.js'
import type { StorageContext } from './context.js'
import type { DhtRecord } from './messages.js'
import { newVersion, type GetResult, type PutResult } from './operations.js'
import { restoreRecords, type SavedRecord } from './replication.js'
import type { RecordStore } from './store.js'

export interface RecordApi {
  /** Stores `value` under `key` at its owner as a new version signed by this node; replicas follow within a storage step. */
  put(key: Uint8Array, value: Uint8Array, done: (o: Outcome<PutResult>) => void): void
  /** Stores a record signed elsewhere (its writer's key, not necessarily this node's). */
  putRecord(record: DhtRecord, done: (o: Outcome<PutResult>) => void): void
  /** Asks every holder of `key`; the highest valid version wins (dht/operations.ts). */
  get(key: Uint8Array, done: (o: Outcome<GetResult>) => void): void
  /** Puts back the records this node held before a restart (dht/replication.ts); call after start. */
  restoreRecords(saved: Iterable<SavedRecord>): number
  /** Key ids held, with whether held as owner (for experiments and tests; no copy of values). */
  storedKeys(): IterableIterator<[NodeId, boolean]>
  /** Whether this node holds `key` (for experiments and tests). */
  holds(key: Uint8Array): boolean
}

/** The tracked callback, or undefined when the node does not run (`done` then gets `stopped`, later). */
export type Guard = <T>(done: (o: Outcome<T>) => void) => ((o: Outcome<T>) => void) | undefined

export interface RecordApiInit<C> {
  readonly storage: () => StorageContext
  readonly store: RecordStore
  readonly guard: Guard
  /** The DHT's context, passed to its put and get loops over the holders its lookup names. */
  readonly ctx: C
  readonly putAt: (ctx: C, record: DhtRecord, done: (o: Outcome<PutResult>) => void) => void
  readonly getAt: (ctx: C, key: Uint8Array, done: (o: Outcome<GetResult>) => void) => void
}

export function recordApi<C> ({ storage, store, guard, ctx, putAt, getAt }: RecordApiInit<C>): RecordApi {
  return {
    put: (key, value, done) => {
      const tracked = guard(done)
      if (tracked !== undefined) putAt(ctx, newVersion(storage(), key, value), tracked)
    },
    putRecord: (record, done) => {
      const tracked = guard(done)
      if (tracked !== undefined) putAt(ctx, record, tracked)
    },
    get: (key, done) => {
      const tracked = guard(done)
      if (tracked !== undefined) getAt(ctx, key, tracked)
    },
    restoreRecords: saved => restoreRecords(storage(), saved),
    * storedKeys () {
      for (const [id, s] of store.entries()) yield [id, s.primary]
    },
    holds: key => store.has(keyId(key))
  }
}
