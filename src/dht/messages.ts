/**
 * The storage requests and answers Chord and Pastry both speak (protocols/chord.md, pastry.md,
 * "Records"): store, fetch and the replica digest. Each protocol's request union includes these
 * shapes, so one engine (replication.ts) serves both. Invariant: lists respect limits.ts; a key id
 * is recomputed from the record's key on receipt, never read from a message; a record's signature
 * is checked by every holder (record.ts).
 */
import type { NodeId } from '../core/id.js'

/** One version of a key's value, signed by the writer the key names (record.ts). */
export interface DhtRecord {
  /** `<writer>/<name>` in UTF-8; its id is SHA-256(key), recomputed on receipt. */
  readonly key: Uint8Array
  readonly value: Uint8Array
  /** The version: a holder keeps the highest. */
  readonly seq: number
  /** The writer's signature over (key, value, seq) (record.ts, signedPayload). */
  readonly signature: Uint8Array
}

/** Whether a store makes the receiver the records' owner or one of their replicas. */
export type StoreRole = 'primary' | 'replica'

/** Why a holder did not keep a record of a store. */
export type RefusalReason =
  /** The holder has a newer version (or this same one is not newer: a replay). */
  | 'stale'
  /** The signature does not verify against the key's writer. */
  | 'invalid'
  /** Key or value over the holder's limits. */
  | 'too-large'
  /** The holder's store is full (records or bytes). */
  | 'full'
  /** The sender has used its quota of records or bytes at this holder. */
  | 'quota'
  /** The holder is leaving and takes no records. */
  | 'leaving'

export interface Refusal {
  /** The record's position in the store request. */
  readonly index: number
  readonly reason: RefusalReason
}

/** A key id with the version the sender holds (seq), in a replica digest. */
export interface KeyVersion {
  readonly keyId: NodeId
  readonly seq: number
}

export type StorageRequest =
  /** Put (primary), handoff to a new owner (primary), or replica copy (replica). */
  | { readonly type: 'store', readonly role: StoreRole, readonly records: readonly DhtRecord[] }
  /** Get: the record for a key id, if held. */
  | { readonly type: 'fetch', readonly keyId: NodeId }
  /** Replica digest from an owner: "which of these do you lack, or hold older or newer?" Refreshes their lease. */
  | { readonly type: 'sync', readonly keys: readonly KeyVersion[] }

export type StorageResponse =
  /** How many records of a store were kept, and why each other one was refused. */
  | { readonly type: 'stored', readonly accepted: number, readonly refused: readonly Refusal[] }
  | { readonly type: 'value', readonly record: DhtRecord | undefined }
  /** `keyIds`: lacking or older here (send them); `newer`: a newer version is held here (fetch it). */
  | { readonly type: 'missing', readonly keyIds: readonly NodeId[], readonly newer: readonly NodeId[] }
