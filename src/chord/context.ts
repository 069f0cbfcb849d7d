/**
 * What the parts of a Chord node (maintenance, storage, operations) share: the port, the options,
 * the routing state, the record store and the counters. Invariant: only ChordNode builds one; the
 * parts never reach the runtime except through `io`.
 */
import { newCandidateCounters, type CandidateCounters, type CandidateProbes } from '../core/candidate-probes.js'
import type { FailedPeers } from '../core/failed-peers.js'
import type { NodeId } from '../core/id.js'
import type { Outcome } from '../core/dht-outcome.js'
import type { Io, PeerRef, Result } from '../core/port.js'
import type { StorageContext, StorageCounters } from '../dht/context.js'
import { newStorageCounters } from '../dht/context.js'
import type { RecordStore } from '../dht/store.js'
import type { ChordConfig } from './config.js'
import type { LookupFailure, LookupResult } from './lookup.js'
import type { MaintenanceTimers } from './maintenance-timers.js'
import type { ChordMessage, ChordRequest, ChordResponse } from './messages.js'
import type { RoutingState } from './routing.js'

export type ChordIo = Io<ChordRequest, ChordResponse, ChordMessage>

export type TimerName = 'stabilize' | 'fix-fingers' | 'check-predecessor' | 'replicate' | 'hint' | 'deferred'

/** Monotonic counters of what this node did, for status and experiments. */
export interface ChordCounters extends StorageCounters, CandidateCounters {
  lookups: number
  lookupsFailed: number
}

export function newCounters (): ChordCounters {
  return { lookups: 0, lookupsFailed: 0, ...newStorageCounters(), ...newCandidateCounters() }
}

export type LookupOutcome = Outcome<LookupResult, LookupFailure>

export interface ChordContext {
  readonly io: ChordIo
  readonly config: ChordConfig
  readonly routing: RoutingState
  readonly store: RecordStore
  /** The storage layer's view of this node (src/dht): store, placement, request path. */
  readonly storage: StorageContext
  readonly counters: ChordCounters
  /** Peers that failed a request lately: not asked again, nor re-adopted from hearsay, until their backoff ends. */
  readonly failed: FailedPeers
  /** The adaptive periods of stabilize, fix-fingers and check-predecessor. */
  readonly timers: MaintenanceTimers
  /** False before start and after stop/leave: steps and callbacks then do nothing. */
  isRunning(): boolean
  /**
   * Every request goes through here: an answer clears the peer from `failed` and counts as hearing
   * from it; a failure records it in `failed`. A peer still in its backoff is not asked: `done`
   * gets `unreachable` later, without a dial.
   */
  request(to: PeerRef, req: ChordRequest, done: (result: Result<ChordResponse>) => void): void
  /** Whether `peer` failed recently enough that hearsay naming it must be ignored. */
  suppressed(peer: PeerRef): boolean
  /**
   * Peers others named, waiting for this node's own probe (first-hand.ts); a verified one is
   * offered to the successor list (and as predecessor if it was named as one).
   */
  readonly probes: CandidateProbes<PeerRef>
  /**
   * Whether `peer` may enter the routing state now: in good standing, and already in it or
   * verified first-hand lately (it answered a request of ours).
   */
  firstHand(peer: PeerRef): boolean
  /** `peer` notified us, or a leaver named it as its predecessor: adopt it once verified (onNotify). */
  offerPredecessor(peer: PeerRef, namedBy: string | undefined): void
  /** Runs the storage step soon (after a change of predecessor or successors). */
  replicateSoon(): void
  /** Iterative lookup of successor(key), starting from `initial` or from the local tables. */
  lookup(key: NodeId, done: (outcome: LookupOutcome) => void, initial?: readonly PeerRef[]): void
}
