/**
 * Pastry's options (`PastryInit`, every field documented with its default) and their validation into
 * a complete `PastryConfig`, done once at construction (STYLE.md #5). |L| and b follow Rowstron &
 * Druschel 2001 §2.1 (b = 4 is fixed by the shared id space); replication follows PAST (§2.2 there).
 */
import { MAX_KEY_BYTES_LIMIT, MAX_LEAF_SET_SIZE, MAX_VALUE_BYTES_LIMIT } from './limits.js'

export interface PastryInit {
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
   * Period of the leaf-set step: exchange leaf sets with the nearest node clockwise (so each node
   * hears from both neighbours once per period) and probe a member not heard from lately. A crashed
   * neighbour is found within about one period plus `requestTimeoutMs`.
   * @default 1000
   */
  leafSetIntervalMs?: number
  /**
   * A backstop: a leaf-set member not heard from (request or answer) for this long is probed, one
   * per leaf-set step. Failures normally spread faster, through the neighbours' exchanges.
   * @default 20000
   */
  leafProbeAfterMs?: number
  /**
   * Period of the routing-table step: probe one entry (round robin) and run one pending lazy repair.
   * @default 5000
   */
  routingTableIntervalMs?: number
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
   * A node found dead is not re-learnt from hearsay (others' leaf sets) for this long; a request it
   * sends itself clears it at once.
   * @default 30000
   */
  deadPeerMemoryMs?: number
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
  /**
   * Records this node stores (primary and replica); a store beyond it is refused.
   * @default 100000
   */
  maxStoredRecords?: number
  /**
   * Largest key accepted, in bytes (<= 1024).
   * @default 256
   */
  maxKeyBytes?: number
  /**
   * Largest value accepted, in bytes (<= 1 MiB).
   * @default 16384
   */
  maxValueBytes?: number
}

export type PastryConfig = Readonly<Required<PastryInit>>

export const PASTRY_DEFAULTS: PastryConfig = {
  leafSetSize: 16,
  replicas: 3,
  leafSetIntervalMs: 1000,
  leafProbeAfterMs: 20000,
  routingTableIntervalMs: 5000,
  replicateIntervalMs: 5000,
  replicaLeaseMs: 60000,
  deadPeerMemoryMs: 30000,
  jitter: 0.1,
  requestTimeoutMs: 2000,
  maxRouteHops: 32,
  maxStoredRecords: 100000,
  maxKeyBytes: 256,
  maxValueBytes: 16384
}

function intIn (name: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`pastry: ${name} must be an integer in [${min}, ${max}], got ${v}`)
}

/** Fills defaults and checks every option; throws a RangeError naming the bad one. */
export function pastryConfig (init: PastryInit = {}): PastryConfig {
  const c: Required<PastryInit> = {
    ...PASTRY_DEFAULTS,
    ...Object.fromEntries(Object.entries(init).filter(([, v]) => v !== undefined))
  }
  intIn('leafSetSize', c.leafSetSize, 2, MAX_LEAF_SET_SIZE)
  if (c.leafSetSize % 2 !== 0) throw new RangeError(`pastry: leafSetSize must be even, got ${c.leafSetSize}`)
  intIn('replicas', c.replicas, 1, c.leafSetSize / 2 + 1)
  intIn('leafSetIntervalMs', c.leafSetIntervalMs, 1, 3_600_000)
  intIn('leafProbeAfterMs', c.leafProbeAfterMs, 1, 3_600_000)
  intIn('routingTableIntervalMs', c.routingTableIntervalMs, 1, 3_600_000)
  intIn('replicateIntervalMs', c.replicateIntervalMs, 1, 3_600_000)
  intIn('replicaLeaseMs', c.replicaLeaseMs, 2 * c.replicateIntervalMs, 86_400_000)
  intIn('deadPeerMemoryMs', c.deadPeerMemoryMs, 0, 86_400_000)
  intIn('requestTimeoutMs', c.requestTimeoutMs, 1, 600_000)
  intIn('maxRouteHops', c.maxRouteHops, 1, 1024)
  intIn('maxStoredRecords', c.maxStoredRecords, 1, 100_000_000)
  intIn('maxKeyBytes', c.maxKeyBytes, 1, MAX_KEY_BYTES_LIMIT)
  intIn('maxValueBytes', c.maxValueBytes, 0, MAX_VALUE_BYTES_LIMIT)
  if (!(c.jitter >= 0 && c.jitter < 1)) throw new RangeError(`pastry: jitter must be in [0, 1), got ${c.jitter}`)
  return Object.freeze(c)
}
