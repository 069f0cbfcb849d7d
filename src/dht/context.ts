/**
 * What the storage engine needs from the DHT node it serves: the store, the placement, the
 * counters, its limits and one request path. Invariant: only a DHT node builds one; the engine
 * never reaches the runtime except through `request`.
 */
import { BoundedLru } from '../core/bounded.js'
import { PENALTY_UNPROVEN_HANDOFF } from '../core/peer-standing.js'
import type { NodeId } from '../core/id.js'
import type { PeerRef } from '../core/port.js'
import type { Random } from '../core/random.js'
import { MAX_WRITTEN_KEYS_REMEMBERED } from './limits.js'
import { digestSigner, digestVerifier, type RecordSigner, type RecordVerifier } from './record.js'
import type { StorageRequest, StorageResponse } from './messages.js'
import type { Placement } from './placement.js'
import type { RecordPersistence, RecordStore } from './store.js'

/** Monotonic counters of the storage layer, part of each DHT node's counters. */
export interface StorageCounters {
  /** Records this node newly stored as a replica. */
  replicaCopiesMade: number
  /** Records this node newly received as owner (puts, handoffs). */
  primaryCopiesReceived: number
  /** Replicas turned primary because this node became the owner (after a crash or leave). */
  promotions: number
  /** Records handed to a new owner (join takeover, leave) and accepted by it. */
  handoffRecordsSent: number
  /** Hand-offs a new owner acknowledged but did not serve back when read (nothing counted as handed). */
  handoffsUnproven: number
  /** Replicas dropped when no owner refreshed them within the lease. */
  replicasDropped: number
  /** Stores refused for the node's limits (too large, store full, quota, leaving). */
  storesRefused: number
  /** Of those, refused because the store was full (records or bytes). */
  storesRefusedFull: number
  /** Of those, refused because the sending peer had used its quota. */
  storesRefusedQuota: number
  /** Records refused because a newer version (or this one, replayed) is held. */
  recordsStale: number
  /** Records refused, or answers to a get skipped, for a signature that does not verify. */
  recordsInvalid: number
  /** Answers to a get from a holder with an older version than another holder had (each sent the newer one). */
  staleReads: number
}

export function newStorageCounters (): StorageCounters {
  return { replicaCopiesMade: 0, primaryCopiesReceived: 0, promotions: 0, handoffRecordsSent: 0, handoffsUnproven: 0, replicasDropped: 0, storesRefused: 0, storesRefusedFull: 0, storesRefusedQuota: 0, recordsStale: 0, recordsInvalid: 0, staleReads: 0 }
}

/** The options the engine reads (a subset of ChordConfig and PastryConfig). */
export interface StorageConfig {
  readonly replicas: number
  readonly replicaLeaseMs: number
  readonly maxKeyBytes: number
  readonly maxValueBytes: number
}

export interface StorageContext {
  readonly self: PeerRef
  readonly config: StorageConfig
  readonly store: RecordStore
  readonly placement: Placement
  readonly counters: StorageCounters
  /** Checks a record's signature against its key's writer (record.ts). */
  readonly verify: RecordVerifier
  /** Signs a new version this node writes. */
  readonly sign: RecordSigner
  /** Key id -> the last seq this node wrote, so its next version is higher. */
  readonly written: BoundedLru<NodeId, number>
  now(): number
  /** False before start and after stop: callbacks then do nothing. */
  isRunning(): boolean
  /**
   * The node's one request path for storage requests: `done` gets the answer, or undefined when
   * the request failed or the answer is not a storage answer; it is not called after stop.
   */
  request(to: PeerRef, req: StorageRequest, done: (res: StorageResponse | undefined) => void): void
  /** Runs the storage step soon (a record to hand on, or a replica turned owned copy). */
  replicateSoon(): void
  /** This node's seeded random source for the storage layer (which hand-off records to read back). */
  readonly random: Random
  /** `to` acknowledged records it then did not serve: it loses standing (and with it its place). */
  unproven(to: PeerRef): void
}

/** A protocol's answer as a storage answer, or undefined if it is another kind. */
export function asStorageResponse (res: { readonly type: string }): StorageResponse | undefined {
  return res.type === 'stored' || res.type === 'value' || res.type === 'missing' ? res as StorageResponse : undefined
}

/** What a runtime hands a DHT node for its records (both optional). */
export interface DhtComponents {
  /**
   * Checks each record's signature against the writer its key names.
   * @default digestVerifier (a digest only: the simulator and unit tests; no forgery protection)
   */
  verifier?: RecordVerifier
  /**
   * Signs the versions this node writes (`put`), as the writer of the keys it writes under.
   * @default digestSigner
   */
  signer?: RecordSigner
  /**
   * Where the store's changes are written to outlive the process (the node's datastore); records
   * saved there come back through the node's `restoreRecords`.
   * @default none (records live in memory only, as in the simulator)
   */
  persistence?: RecordPersistence
}

/** What a DHT node's context offers that the storage context is built from. */
export interface StorageHost {
  readonly io: { readonly self: PeerRef, readonly random: Random, now(): number }
  readonly config: StorageConfig
  readonly counters: StorageCounters
  readonly probes: { penalize(address: string, amount: number): void }
  isRunning(): boolean
  replicateSoon(): void
}

/**
 * A storage context over a DHT node's context: `request` sends one request over the node's own
 * request path and reports the answer as `undefined` when it failed (`done` is not called after stop).
 */
export function storageContext (
  host: StorageHost,
  store: RecordStore,
  placement: Placement,
  request: (to: PeerRef, req: StorageRequest, done: (res: { readonly type: string } | undefined) => void) => void,
  components: DhtComponents = {}
): StorageContext {
  return {
    self: host.io.self,
    config: host.config,
    store,
    placement,
    counters: host.counters,
    verify: components.verifier ?? digestVerifier,
    sign: components.signer ?? digestSigner,
    written: new BoundedLru(MAX_WRITTEN_KEYS_REMEMBERED),
    now: () => host.io.now(),
    isRunning: () => host.isRunning(),
    request: (to, req, done) => {
      request(to, req, res => {
        if (!host.isRunning()) return
        done(res === undefined ? undefined : asStorageResponse(res))
      })
    },
    replicateSoon: () => { host.replicateSoon() },
    random: host.io.random.fork('storage'),
    unproven: to => {
      host.counters.handoffsUnproven++
      host.probes.penalize(to.address, PENALTY_UNPROVEN_HANDOFF)
    }
  }
}
