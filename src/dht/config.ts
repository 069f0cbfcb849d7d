/**
 * The storage options Chord and Pastry share beside their own (`StorageInit`, every field
 * documented with its default), validated once into the store's limits (issue 10: every resource
 * has a limit per peer and in total). A store's records are charged to the peer that sent them, so
 * one peer, however many keys it makes, fills at most its share.
 */
import { MAX_KEY_BYTES_LIMIT, MAX_VALUE_BYTES_LIMIT } from './limits.js'
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

export const STORAGE_DEFAULTS = { maxStoredRecords: 100000, maxKeyBytes: 512, maxValueBytes: 16384 } as const

export interface StorageInit {
  /**
   * Records this node stores (primary and replica); a store beyond it is refused.
   * @default 100000
   */
  maxStoredRecords?: number
  /**
   * Largest key accepted, in bytes (<= 1024); the node's and the CLI's limit for every DHT.
   * @default 512
   */
  maxKeyBytes?: number
  /**
   * Largest value accepted, in bytes (<= 1 MiB).
   * @default 16384
   */
  maxValueBytes?: number
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
export function storageLimits (protocol: string, init: StorageInit): Required<StorageInit> {
  const maxStoredRecords = init.maxStoredRecords ?? STORAGE_DEFAULTS.maxStoredRecords
  const maxStoredBytes = init.maxStoredBytes ?? DEFAULT_MAX_STORED_BYTES
  const out = {
    maxStoredRecords,
    maxKeyBytes: init.maxKeyBytes ?? STORAGE_DEFAULTS.maxKeyBytes,
    maxValueBytes: init.maxValueBytes ?? STORAGE_DEFAULTS.maxValueBytes,
    maxStoredBytes,
    maxRecordsPerPeer: init.maxRecordsPerPeer ?? Math.max(1, Math.floor(maxStoredRecords / DEFAULT_PEER_SHARE)),
    maxBytesPerPeer: init.maxBytesPerPeer ?? Math.max(1, Math.floor(maxStoredBytes / DEFAULT_PEER_SHARE))
  }
  const check = (name: string, v: number, min: number, max: number): void => {
    if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`${protocol}: ${name} must be an integer in [${min}, ${max}], got ${v}`)
  }
  check('maxStoredRecords', out.maxStoredRecords, 1, 100_000_000)
  check('maxKeyBytes', out.maxKeyBytes, 1, MAX_KEY_BYTES_LIMIT)
  check('maxValueBytes', out.maxValueBytes, 0, MAX_VALUE_BYTES_LIMIT)
  check('maxStoredBytes', out.maxStoredBytes, 1, Number.MAX_SAFE_INTEGER)
  check('maxRecordsPerPeer', out.maxRecordsPerPeer, 1, maxStoredRecords)
  check('maxBytesPerPeer', out.maxBytesPerPeer, 1, out.maxStoredBytes)
  return out
}

/** The store's limits from a validated config. */
export function storeLimits (c: Required<StorageInit>): StoreLimits {
  return { maxRecords: c.maxStoredRecords, maxBytes: c.maxStoredBytes, maxRecordsPerPeer: c.maxRecordsPerPeer, maxBytesPerPeer: c.maxBytesPerPeer }
}
