/**
 * Memory of peers that recently failed a request (no retry storms): a failed peer is suppressed
 * for a backoff that doubles with each consecutive failure (from `baseMs` to `maxMs`), so a stale
 * neighbour that still names it cannot make this node re-adopt it or dial it again at once. A
 * success (first-hand evidence that it is alive) clears it. Invariant: at most `maxEntries`
 * peers are remembered (least recently failed evicted); pure: time is passed in.
 */
import { BoundedLru } from './bounded.js'

export interface FailedPeersInit {
  /** Suppression after the first failure, in ms. */
  baseMs: number
  /** Longest suppression, in ms (>= baseMs). */
  maxMs: number
  /** Peers remembered at once. */
  maxEntries: number
}

interface Entry {
  failures: number
  until: number
}

export class FailedPeers {
  private readonly init: FailedPeersInit
  private readonly entries: BoundedLru<string, Entry>

  constructor (init: FailedPeersInit) {
    if (!(init.baseMs > 0) || !(init.maxMs >= init.baseMs)) throw new RangeError(`failed-peer backoff needs 0 < baseMs <= maxMs, got ${init.baseMs} and ${init.maxMs}`)
    this.init = init
    this.entries = new BoundedLru(init.maxEntries)
  }

  /** Records a failure of `address` at `now`; returns the time until which it is suppressed. */
  failed (address: string, now: number): number {
    const previous = this.entries.peek(address)
    const failures = Math.min(30, (previous?.failures ?? 0) + 1)
    const until = now + Math.min(this.init.maxMs, this.init.baseMs * 2 ** (failures - 1))
    this.entries.set(address, { failures, until })
    return until
  }

  /** `address` answered: it is no longer suppressed and its backoff starts again from baseMs. */
  succeeded (address: string): void {
    this.entries.delete(address)
  }

  /** Whether `address` failed recently enough that it must not be adopted or retried yet. */
  suppressed (address: string, now: number): boolean {
    const e = this.entries.peek(address)
    return e !== undefined && now < e.until
  }

  /** Consecutive failures remembered for `address` (0 if none). */
  failures (address: string): number {
    return this.entries.peek(address)?.failures ?? 0
  }

  get size (): number { return this.entries.size }
}
