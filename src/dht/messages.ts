/**
 * The storage requests and answers Chord and Pastry both speak (protocols/chord.md, pastry.md,
 * "Records"): store, fetch and the replica digest. Each protocol's request union includes these
 * shapes, so one engine (replication.ts) serves both. Invariant: lists respect limits.ts; a key id
 * is recomputed from the record's key on receipt, never read from a message.
 */
import type { NodeId } from '../core/id.js'

/** A stored key/value pair; `keyId` = SHA-256(key) is recomputed on receipt, never trusted. */
export interface DhtRecord {
  readonly key: Uint8Array
  readonly value: Uint8Array
}

/** Whether a store makes the receiver the records' owner or one of their replicas. */
export type StoreRole = 'primary' | 'replica'

export type StorageRequest =
  /** Put (primary), handoff to a new owner (primary), or replica copy (replica). */
  | { readonly type: 'store', readonly role: StoreRole, readonly records: readonly DhtRecord[] }
  /** Get: the record for a key id, if held. */
  | { readonly type: 'fetch', readonly keyId: NodeId }
  /** Replica digest from an owner: "which of these do you lack?" Also refreshes their lease. */
  | { readonly type: 'sync', readonly keyIds: readonly NodeId[] }

export type StorageResponse =
  /** How many records of a store were kept; the rest were refused (too large, or store full). */
  | { readonly type: 'stored', readonly accepted: number }
  | { readonly type: 'value', readonly record: DhtRecord | undefined }
  | { readonly type: 'missing', readonly keyIds: readonly NodeId[] }
