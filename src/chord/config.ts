/**
 * Chord's options (`ChordInit`, every field documented with its default) and their validation into
 * a complete `ChordConfig`, done once at construction (STYLE.md #5). Intervals follow the paper's
 * periodic maintenance (Stoica et al. 2001 §4.4, §5), made adaptive as in Bamboo (Rhea et al. 2004
 * §4) and Accordion (Li et al. 2005 §4): each period runs from its minimum (right after a change)
 * to its maximum (after quiet steps); r follows §5.3 (successor list) and §6.
 */
import { MAX_SUCCESSORS } from './limits.js'
import { storageLimits, type StorageInit } from '../dht/config.js'
import { cachedForFrozen } from '../core/frozen-cache.js'

export interface ChordInit extends StorageInit {
  /**
   * Copies of each key: the owner successor(key) and the next r-1 successors (also the minimum
   * successor-list length).
   * @default 3
   */
  replicas?: number
  /**
   * Successor-list entries kept (>= replicas, <= 32). Longer lists survive more simultaneous
   * failures (Stoica §5.3: with r = O(log N), lookups succeed when half the nodes fail).
   * @default 8
   */
  successorListLength?: number
  /**
   * Shortest period of stabilize (ask the successor for its predecessor and successor list;
   * notify it), used right after any change of the successor list, a failure, a join or a leave.
   * @default 1000
   */
  stabilizeIntervalMs?: number
  /**
   * Longest period of stabilize: each stabilize that finds nothing new doubles the period up to
   * this. It bounds how long a silent crash of the successor goes unnoticed when no disconnect
   * signal arrives (about this plus one request timeout), so 8 s keeps repair inside the 10 s
   * target of issue 8 on a real network.
   * @default 8000
   */
  stabilizeMaxIntervalMs?: number
  /**
   * Shortest period of fix-fingers; each firing refreshes one distinct finger by one lookup.
   * @default 1000
   */
  fixFingersIntervalMs?: number
  /**
   * Longest period of fix-fingers: a lookup that finds the finger unchanged doubles the period up
   * to this. Dead fingers are dropped when a lookup fails on them, so stale fingers cost hops,
   * never correctness.
   * @default 60000
   */
  fixFingersMaxIntervalMs?: number
  /**
   * Shortest period of check-predecessor. A predecessor heard from (a request from it, or an
   * answer) within the current period is not pinged.
   * @default 2000
   */
  checkPredecessorIntervalMs?: number
  /**
   * Longest period of check-predecessor. The predecessor's own stabilize reaches this node at
   * least every stabilizeMaxIntervalMs × (1 + jitter), so with twice that a live, quiet
   * predecessor is never pinged.
   * @default 16000
   */
  checkPredecessorMaxIntervalMs?: number
  /**
   * After a peer fails a request it is not asked again, nor re-adopted from what other nodes say
   * of it, for this long; the time doubles with each further failure. Twice the request timeout,
   * so that a stale neighbour has time to find out by its own request. A notify from the peer
   * itself, or any answer from it, clears it.
   * @default 4000
   */
  failedPeerBackoffMs?: number
  /**
   * The longest suppression of a peer that keeps failing.
   * @default 60000
   */
  failedPeerMaxBackoffMs?: number
  /**
   * The storage step (hand off records to a new owner, promote replicas after a predecessor
   * change, bring replicas up to r, drop replicas no owner refreshed) runs 50 ms after any change,
   * again this long after such a step, and while nothing changes once per the largest multiple of
   * this within replicaLeaseMs / 3 (the lease refresh).
   * @default 5000
   */
  replicateIntervalMs?: number
  /**
   * A replica not confirmed by its owner for this long is dropped (the node is no longer among
   * the r successors of its key). Must exceed several replicate intervals.
   * @default 60000
   */
  replicaLeaseMs?: number
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
   * Nodes asked by one lookup before it fails with `hop-limit` (a lookup asks O(log N) nodes;
   * the surplus covers dead fingers).
   * @default 64
   */
  maxLookupSteps?: number
}

export type ChordConfig = Readonly<Required<ChordInit>>

export const CHORD_DEFAULTS: Omit<ChordConfig, keyof StorageInit> = {
  replicas: 3,
  successorListLength: 8,
  stabilizeIntervalMs: 1000,
  stabilizeMaxIntervalMs: 8000,
  fixFingersIntervalMs: 1000,
  fixFingersMaxIntervalMs: 60000,
  checkPredecessorIntervalMs: 2000,
  checkPredecessorMaxIntervalMs: 16000,
  failedPeerBackoffMs: 4000,
  failedPeerMaxBackoffMs: 60000,
  replicateIntervalMs: 5000,
  replicaLeaseMs: 60000,
  jitter: 0.1,
  requestTimeoutMs: 2000,
  maxLookupSteps: 64
}

function intIn (name: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`chord: ${name} must be an integer in [${min}, ${max}], got ${v}`)
}

/** Fills defaults and checks every option; throws a RangeError naming the bad one. */
export function chordConfig (init: ChordInit = {}): ChordConfig {
  return cachedChordConfig(init)
}

/** Validated once per frozen options object (the simulator's nodes share one). */
const cachedChordConfig = cachedForFrozen(validateChordConfig)

function validateChordConfig (init: ChordInit): ChordConfig {
  const replicas = init.replicas ?? CHORD_DEFAULTS.replicas
  const c: Omit<Required<ChordInit>, keyof StorageInit> = {
    ...CHORD_DEFAULTS,
    ...Object.fromEntries(Object.entries(init).filter(([, v]) => v !== undefined)),
    successorListLength: init.successorListLength ?? Math.max(CHORD_DEFAULTS.successorListLength, replicas)
  }
  // A maximum left unset never falls below the minimum that was set.
  c.stabilizeMaxIntervalMs = init.stabilizeMaxIntervalMs ?? Math.max(CHORD_DEFAULTS.stabilizeMaxIntervalMs, c.stabilizeIntervalMs)
  c.fixFingersMaxIntervalMs = init.fixFingersMaxIntervalMs ?? Math.max(CHORD_DEFAULTS.fixFingersMaxIntervalMs, c.fixFingersIntervalMs)
  c.checkPredecessorMaxIntervalMs = init.checkPredecessorMaxIntervalMs ?? Math.max(CHORD_DEFAULTS.checkPredecessorMaxIntervalMs, c.checkPredecessorIntervalMs)
  c.failedPeerMaxBackoffMs = init.failedPeerMaxBackoffMs ?? Math.max(CHORD_DEFAULTS.failedPeerMaxBackoffMs, c.failedPeerBackoffMs)
  intIn('replicas', c.replicas, 1, MAX_SUCCESSORS)
  intIn('successorListLength', c.successorListLength, c.replicas, MAX_SUCCESSORS)
  intIn('stabilizeIntervalMs', c.stabilizeIntervalMs, 1, 3_600_000)
  intIn('fixFingersIntervalMs', c.fixFingersIntervalMs, 1, 3_600_000)
  intIn('checkPredecessorIntervalMs', c.checkPredecessorIntervalMs, 1, 3_600_000)
  intIn('stabilizeMaxIntervalMs', c.stabilizeMaxIntervalMs, c.stabilizeIntervalMs, 3_600_000)
  intIn('fixFingersMaxIntervalMs', c.fixFingersMaxIntervalMs, c.fixFingersIntervalMs, 3_600_000)
  intIn('checkPredecessorMaxIntervalMs', c.checkPredecessorMaxIntervalMs, c.checkPredecessorIntervalMs, 3_600_000)
  intIn('failedPeerBackoffMs', c.failedPeerBackoffMs, 1, 3_600_000)
  intIn('failedPeerMaxBackoffMs', c.failedPeerMaxBackoffMs, c.failedPeerBackoffMs, 86_400_000)
  intIn('replicateIntervalMs', c.replicateIntervalMs, 1, 3_600_000)
  intIn('replicaLeaseMs', c.replicaLeaseMs, 2 * c.replicateIntervalMs, 86_400_000)
  intIn('requestTimeoutMs', c.requestTimeoutMs, 1, 600_000)
  intIn('maxLookupSteps', c.maxLookupSteps, 1, 1024)
  if (!(c.jitter >= 0 && c.jitter < 1)) throw new RangeError(`chord: jitter must be in [0, 1), got ${c.jitter}`)
  return Object.freeze({ ...c, ...storageLimits('chord', init) })
}
