/**
 * The storage options Chord and Pastry share beside their own (`StorageInit`, every field
 * documented with its default), validated once into the store's limits (issue 10: every resource
 * has a limit per peer and in total). A store's records are charged to the peer that sent them, so
 * one peer, however many keys it makes, fills at most its share.
 */
import type { StoreLimits } from './store.js'

/**
 * Bytes of records (keys, values and signatures) a node stores by default: 128 MiB, an eighth of
 * what 100,000 records of 16 KiB would take (the 1.8 GB issue 10 measured per node under a flood).
 */
export const DEFAULT_MAX_STORED_BYTES = 128 * 1024 * 1024
/**
 * The share of the store one sending peer may fill by default: half. An honest owner pushes its
 * owned keys' replicas to its successors, which in a network of three is about half of what a
 * replica holder stores; a flooding peer then leaves the other half to everyone else.
 */
export const DEFAULT_PEER_SHARE = 2

export interface StorageInit {
  /**
   * Bytes of records (key + value + signature) this node stores; a store beyond it is refused
   * (`full`).
   * @default 134217728 (128 MiB)
   */
  maxStoredBytes?: number
  /**
   * Records one peer may have brought into this node's store (puts, replica copies, handoffs it
   * sent); beyond it that peer's stores are refused (`quota`). This node's own writes have a
   * share of the same size.
   * @default half of maxStoredRecords
   */
  maxRecordsPerPeer?: number
  /**
   * Bytes one peer may have brought into this node's store.
   * @default half of maxStoredBytes
   */
  maxBytesPerPeer?: number
}

/** Fills the storage options' defaults and checks them; throws a RangeError naming a bad one. */
export function storageLimits (protocol: string, init: StorageInit, maxStoredRecords: number): Required<StorageInit> {
  const maxStoredBytes = init.maxStoredBytes ?? DEFAULT_MAX_STORED_BYTES
  const out = {
    maxStoredBytes,
    maxRecordsPerPeer: init.maxRecordsPerPeer ?? Math.max(1, Math.floor(maxStoredRecords / DEFAULT_PEER_SHARE)),
    maxBytesPerPeer: init.maxBytesPerPeer ?? Math.max(1, Math.floor(maxStoredBytes / DEFAULT_PEER_SHARE))
  }
  const check = (name: string, v: number, max: number): void => {
    if (!Number.isInteger(v) || v < 1 || v > max) throw new RangeError(`${protocol}: ${name} must be an integer in [1, ${max}], got ${v}`)
  }
  check('maxStoredBytes', out.maxStoredBytes, Number.MAX_SAFE_INTEGER)
  check('maxRecordsPerPeer', out.maxRecordsPerPeer, maxStoredRecords)
  check('maxBytesPerPeer', out.maxBytesPerPeer, out.maxStoredBytes)
  return out
}

/** The store's limits from a validated config. */
export function storeLimits (c: Required<StorageInit> & { readonly maxStoredRecords: number }): StoreLimits {
  return { maxRecords: c.maxStoredRecords, maxBytes: c.maxStoredBytes, maxRecordsPerPeer: c.maxRecordsPerPeer, maxBytesPerPeer: c.maxBytesPerPeer }
}
