/**
 * When a node's next anti-entropy sync (Demers et al. 1987 §1.5) runs, and with whom. The period
 * backs off while syncs bring nothing (AdaptivePeriod, as Bamboo's maintenance: doubling from
 * antiEntropyIntervalMs up to antiEntropyMaxIntervalMs) and snaps back on news: a rumor learned
 * (by a sync or otherwise), a peer's digest naming a rumor this node lacks (that peer becomes the
 * next partner: it is known to hold it), a peer new to the view. Invariants: pure (the node arms
 * its timer with the delays returned here); a snap back never brings a sync nearer than
 * antiEntropyIntervalMs after the previous one, nor nearer than one round from now, so no stream
 * of news drives syncs faster than the fixed period of old did.
 */
import { AdaptivePeriod } from '../core/adaptive-period.js'
import type { PeerRef } from '../core/port.js'
import type { Random } from '../core/random.js'
import type { SirConfig } from './config.js'
import { jitteredDelayMs } from './round-clock.js'

export class SyncSchedule {
  private readonly period: AdaptivePeriod
  /** Local time the armed sync fires (Infinity before start). */
  private dueAt = Infinity
  private lastSyncAt = -Infinity
  private hint: PeerRef | undefined = undefined

  constructor (private readonly config: SirConfig, private readonly random: Random) {
    this.period = new AdaptivePeriod({ minMs: config.antiEntropyIntervalMs, maxMs: config.antiEntropyMaxIntervalMs })
  }

  /** The current period (ms): antiEntropyIntervalMs right after news, longer while quiet. */
  get periodMs (): number { return this.period.current }

  /** Delay of the first sync after start: uniform over one shortest period, so nodes do not sync in step. */
  first (now: number): number {
    return this.arm(now, this.random.int(this.config.antiEntropyIntervalMs))
  }

  /**
   * A sync runs now: returns its partner when a digest named one (else the caller draws a random
   * peer) and the delay until the next sync, one period longer than the last unless news comes.
   */
  run (now: number): { partner: PeerRef | undefined, nextDelayMs: number } {
    const partner = this.hint
    this.hint = undefined
    this.lastSyncAt = now
    this.period.quiet()
    return { partner, nextDelayMs: this.arm(now, jitteredDelayMs(this.period.current, this.config.roundJitter, this.random)) }
  }

  /**
   * News: the period snaps back to its minimum, and `partner` (a peer known to hold a rumor this
   * node lacks), when given, is the next sync's partner. Returns the delay to re-arm the timer
   * with, or undefined when the armed sync comes soon enough.
   */
  snapBack (now: number, partner?: PeerRef): number | undefined {
    this.period.changed()
    if (partner !== undefined) this.hint = partner
    const c = this.config
    const earliest = Math.max(now + c.roundIntervalMs, this.lastSyncAt + c.antiEntropyIntervalMs)
    if (earliest >= this.dueAt) return undefined
    const at = earliest + Math.floor(this.random.next() * c.roundJitter * c.roundIntervalMs)
    return at < this.dueAt ? this.arm(now, at - now) : undefined
  }

  private arm (now: number, delayMs: number): number {
    this.dueAt = now + delayMs
    return delayMs
  }
}
