/**
 * What the parts of a Pastry node (join, maintenance, storage, operations) share: the port, the
 * options, the routing state, the record store and the counters. Invariant: only PastryNode builds
 * one; the parts never reach the runtime except through `io`.
 */
import type { NodeId } from '../core/id.js'
import type { Io, PeerRef } from '../core/port.js'
import type { PastryConfig } from './config.js'
import type { PastryMessage, PastryRequest, PastryResponse } from './messages.js'
import type { RouteFailure, RouteResult } from './route-iter.js'
import type { RoutingState } from './routing-state.js'
import type { RecordStore } from './store.js'

export type PastryIo = Io<PastryRequest, PastryResponse, PastryMessage>

export type TimerName = 'leaf-set' | 'routing-table' | 'replicate' | 'deferred'

/** Monotonic counters of what this node did, for status and experiments. */
export interface PastryCounters {
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
  /** Records this node newly stored as a replica. */
  replicaCopiesMade: number
  /** Records this node newly received as owner (puts, handoffs). */
  primaryCopiesReceived: number
  /** Replicas turned primary because this node became the closest (after a crash or leave). */
  promotions: number
  /** Records handed to a closer node (a join's takeover, a leave). */
  handoffRecordsSent: number
  /** Replicas dropped when no owner refreshed them within the lease. */
  replicasDropped: number
  /** Stores refused (too large, or the store full). */
  storesRefused: number
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
    replicaCopiesMade: 0,
    primaryCopiesReceived: 0,
    promotions: 0,
    handoffRecordsSent: 0,
    replicasDropped: 0,
    storesRefused: 0
  }
}

export type RouteOutcome = { readonly ok: true, readonly value: RouteResult } | { readonly ok: false, readonly failure: RouteFailure }

export interface PastryContext {
  readonly io: PastryIo
  readonly config: PastryConfig
  readonly state: RoutingState
  readonly store: RecordStore
  readonly counters: PastryCounters
  /** False before start and after stop/leave: callbacks of requests then do nothing. */
  isRunning(): boolean
  /** Re-arms a periodic timer at its interval with jitter. */
  schedule(timer: TimerName, intervalMs: number): void
  /** Runs the storage step soon (after a change of the records held as owner). */
  replicateSoon(): void
  /** The leaf set changed: the storage step runs soon and the maintenance periods snap back. */
  leafSetChanged(): void
  /** Iterative route to the node numerically closest to `key`. */
  route(key: NodeId, done: (outcome: RouteOutcome) => void): void
  /** A request to `peer` failed, or it left: forget it and start the repairs (leaf set, row). */
  peerFailed(peer: PeerRef): void
  /** `peer` answered a request (first-hand evidence that it is alive): heard, and no longer failed. */
  heardFrom(peer: PeerRef): void
}
