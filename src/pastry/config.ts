/**
 * Pastry's options (`PastryInit`, every field documented with its default) and their validation into
 * a complete `PastryConfig`, done once at construction (STYLE.md #5). |L| and b follow Rowstron &
 * Druschel 2001 §2.1 (b = 4 is fixed by the shared id space); replication follows PAST (§2.2 there).
 */
import { MAX_LEAF_SET_SIZE } from './limits.js'
import { storageLimits, type StorageInit } from '../dht/config.js'
import { cachedForFrozen } from '../core/frozen-cache.js'

export interface PastryInit extends StorageInit {
  /**
   * |L|: leaf-set entries, half on each side of this node's id (l = |L| / 2 per side). Even, 2..64.
   * Routing is guaranteed unless |L| / 2 nodes with adjacent ids fail together (§2.3).
   * @default 16
   */
  leafSetSize?: number
  /**
   * Copies of each key: the numerically closest node and the next closest, all within its leaf set
   * (1 .. |L|/2 + 1).
   * @default 3
   */
  replicas?: number
  /**
   * Shortest period of the leaf-set step (right after a change): exchange leaf sets with the
   * nearest node clockwise unless it was heard from within the period, and probe a member not
   * heard from lately. While steps learn nothing new the period doubles up to
   * `leafSetMaxIntervalMs`; any change (a leaf-set change, a failure, a join, a leave) snaps it
   * back here (Bamboo, Rhea et al. 2004 §4).
   * @default 1000
   */
  leafSetIntervalMs?: number
  /**
   * Longest period of the leaf-set step while nothing changes. A crash no connection loss reports
   * (`onPeer`) is found within about this period (plus jitter) plus `requestTimeoutMs`; every leaf
   * set holding the dead node drops it one probe later.
   * @default 8000
   */
  leafSetMaxIntervalMs?: number
  /**
   * A backstop: a leaf-set member not heard from (request or answer) for this long is probed, one
   * per leaf-set step. Failures normally spread much faster (the finder pushes its leaf set to the
   * members, who verify), so this only guards against lost messages; with |L| - 2 silent members
   * its probes cost about (|L| - 2) / this per second, a fraction of the exchange at the backed-off
   * period.
   * @default 300000
   */
  leafProbeAfterMs?: number
  /**
   * Shortest period of the routing-table step (right after a change): run one pending lazy repair
   * and probe one entry (round robin) not heard from within the period. Doubles while quiet up to
   * `routingTableMaxIntervalMs`; snaps back on any change. Dead entries are also found by routes.
   * @default 5000
   */
  routingTableIntervalMs?: number
  /**
   * Longest period of the routing-table step while nothing changes.
   * @default 60000
   */
  routingTableMaxIntervalMs?: number
  /**
   * Period of the storage step: hand records to a closer node, promote replicas this node now owns,
   * bring the replicas up to `replicas`, drop replicas no owner refreshed.
   * @default 5000
   */
  replicateIntervalMs?: number
  /**
   * A replica not confirmed by its owner for this long, and outside this node's own view of the
   * key's replica set, is dropped. Must be at least two replicate intervals.
   * @default 60000
   */
  replicaLeaseMs?: number
  /**
   * A node that failed a request is not re-learnt from hearsay (others' leaf sets and rows) nor
   * asked again by a route for this long after its first failure; each further failure doubles the
   * wait up to `deadPeerMaxMemoryMs`. A request it sends itself, or an answer, clears it at once.
   * 0 turns the memory off.
   * @default 30000
   */
  deadPeerMemoryMs?: number
  /**
   * Longest wait after repeated failures of one node (see `deadPeerMemoryMs`).
   * @default 240000
   */
  deadPeerMaxMemoryMs?: number
  /**
   * Timers fire at interval * (1 ± jitter), drawn per firing, so nodes do not march in step.
   * @default 0.1
   */
  jitter?: number
  /**
   * Per-request timeout; a silent peer counts as failed after this.
   * @default 2000
   */
  requestTimeoutMs?: number
  /**
   * Nodes asked by one route (lookup or join) before it is dropped with `hop-limit` and counted. A
   * route takes about log16 N hops; the surplus covers failed nodes and the rare case.
   * @default 32
   */
  maxRouteHops?: number
}

export type PastryConfig = Readonly<Required<PastryInit>>

export const PASTRY_DEFAULTS: Omit<PastryConfig, keyof StorageInit> = {
  leafSetSize: 16,
  replicas: 3,
  leafSetIntervalMs: 1000,
  leafSetMaxIntervalMs: 8000,
  leafProbeAfterMs: 300000,
  routingTableIntervalMs: 5000,
  routingTableMaxIntervalMs: 60000,
  replicateIntervalMs: 5000,
  replicaLeaseMs: 60000,
  deadPeerMemoryMs: 30000,
  deadPeerMaxMemoryMs: 240000,
  jitter: 0.1,
  requestTimeoutMs: 2000,
  maxRouteHops: 32
}

function intIn (name: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`pastry: ${name} must be an integer in [${min}, ${max}], got ${v}`)
}

/** Fills defaults and checks every option; throws a RangeError naming the bad one. */
export function pastryConfig (init: PastryInit = {}): PastryConfig {
  return cachedPastryConfig(init)
}

/** Validated once per frozen options object (the simulator's nodes share one). */
const cachedPastryConfig = cachedForFrozen(validatePastryConfig)

function validatePastryConfig (init: PastryInit): PastryConfig {
  const c: Omit<Required<PastryInit>, keyof StorageInit> = {
    ...PASTRY_DEFAULTS,
    ...Object.fromEntries(Object.entries(init).filter(([, v]) => v !== undefined))
  }
  intIn('leafSetSize', c.leafSetSize, 2, MAX_LEAF_SET_SIZE)
  if (c.leafSetSize % 2 !== 0) throw new RangeError(`pastry: leafSetSize must be even, got ${c.leafSetSize}`)
  intIn('replicas', c.replicas, 1, c.leafSetSize / 2 + 1)
  intIn('leafSetIntervalMs', c.leafSetIntervalMs, 1, 3_600_000)
  intIn('leafSetMaxIntervalMs', c.leafSetMaxIntervalMs, c.leafSetIntervalMs, 3_600_000)
  intIn('leafProbeAfterMs', c.leafProbeAfterMs, 1, 3_600_000)
  intIn('routingTableIntervalMs', c.routingTableIntervalMs, 1, 3_600_000)
  intIn('routingTableMaxIntervalMs', c.routingTableMaxIntervalMs, c.routingTableIntervalMs, 3_600_000)
  intIn('replicateIntervalMs', c.replicateIntervalMs, 1, 3_600_000)
  intIn('replicaLeaseMs', c.replicaLeaseMs, 2 * c.replicateIntervalMs, 86_400_000)
  intIn('deadPeerMemoryMs', c.deadPeerMemoryMs, 0, 86_400_000)
  intIn('deadPeerMaxMemoryMs', c.deadPeerMaxMemoryMs, c.deadPeerMemoryMs, 86_400_000)
  intIn('requestTimeoutMs', c.requestTimeoutMs, 1, 600_000)
  intIn('maxRouteHops', c.maxRouteHops, 1, 1024)
  if (!(c.jitter >= 0 && c.jitter < 1)) throw new RangeError(`pastry: jitter must be in [0, 1), got ${c.jitter}`)
  return Object.freeze({ ...c, ...storageLimits('pastry', init) })
}
