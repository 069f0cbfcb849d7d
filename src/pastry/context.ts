/**
 * What the parts of a Pastry node (join, maintenance, storage, operations) share: the port, the
 * options, the routing state, the record store and the counters. Invariant: only PastryNode builds
 * one; the parts never reach the runtime except through `io`.
 */
import { newCandidateCounters, type CandidateCounters, type CandidateProbes } from '../core/candidate-probes.js'
import type { NodeId } from '../core/id.js'
import type { Outcome } from '../core/dht-outcome.js'
import type { Io, PeerRef } from '../core/port.js'
import type { StorageContext, StorageCounters } from '../dht/context.js'
import { newStorageCounters } from '../dht/context.js'
import type { RecordStore } from '../dht/store.js'
import type { PastryConfig } from './config.js'
import type { PastryMessage, PastryRequest, PastryResponse } from './messages.js'
import type { RouteFailure, RouteResult } from './route-iter.js'
import type { RoutingState } from './routing-state.js'

export type PastryIo = Io<PastryRequest, PastryResponse, PastryMessage>

export type TimerName = 'leaf-set' | 'routing-table' | 'replicate' | 'deferred'

/** Monotonic counters of what this node did, for status and experiments. */
export interface PastryCounters extends StorageCounters, CandidateCounters {
  /** Routes this node originated (lookups, puts, gets; joins not included). */
  routes: number
  routesFailed: number
  /** Routes dropped for asking `maxRouteHops` nodes without a delivery (joins included). */
  routesOverHopLimit: number
  /** Route steps this node answered for others (`deliver` or `next`). */
  routeStepsAnswered: number
  /** Of those, answers that fell to the rare case of the routing rule. */
  rareCaseAnswers: number
  /** Nodes this node found dead (a request failed) or saw leave. */
  peersForgotten: number
  /** Leaf-set repairs started (a side lost a member). */
  leafRepairs: number
  /** Routing-table slots refilled by a lazy repair. */
  rowRepairs: number
}

export function newCounters (): PastryCounters {
  return {
    routes: 0,
    routesFailed: 0,
    routesOverHopLimit: 0,
    routeStepsAnswered: 0,
    rareCaseAnswers: 0,
    peersForgotten: 0,
    leafRepairs: 0,
    rowRepairs: 0,
    ...newStorageCounters(),
    ...newCandidateCounters()
  }
}

export type RouteOutcome = Outcome<RouteResult, RouteFailure>

export interface PastryContext {
  readonly io: PastryIo
  readonly config: PastryConfig
  readonly state: RoutingState
  readonly store: RecordStore
  /** The storage layer's view of this node (src/dht): store, placement, request path. */
  readonly storage: StorageContext
  readonly counters: PastryCounters
  /** Peers named to us, waiting for our own probe before they may enter the routing state (first-hand.ts). */
  readonly probes: CandidateProbes<PeerRef>
  /** False before start and after stop/leave: callbacks of requests then do nothing. */
  isRunning(): boolean
  /** Re-arms a periodic timer at its interval with jitter. */
  schedule(timer: TimerName, intervalMs: number): void
  /** Runs the storage step soon (after a change of the records held as owner). */
  replicateSoon(): void
  /** The leaf set changed: the storage step runs soon and the maintenance periods snap back. */
  leafSetChanged(): void
  /** Iterative route to the node numerically closest to `key`; with `fetch`, it also reads the key id `key` there. */
  route(key: NodeId, done: (outcome: RouteOutcome) => void, fetch?: boolean): void
  /** A request to `peer` failed, or it left: forget it and start the repairs (leaf set, row). */
  peerFailed(peer: PeerRef): void
  /** `peer` answered a request (first-hand evidence that it is alive): heard, and no longer failed. */
  heardFrom(peer: PeerRef): void
}
