/**
 * Chord's three periodic steps (stabilize, fix-fingers, check-predecessor) on adaptive periods
 * (Bamboo, Rhea et al. 2004 §4; Accordion, Li et al. 2005 §4): a step that found nothing new
 * doubles its period up to the maximum; a change, found by the step or learnt otherwise (a notify,
 * a LEAVING, a failure, a disconnect), snaps it back to the minimum. Invariants: at most one step
 * of each kind is in flight; a change learnt while a step is in flight is not lost (the step ends
 * as "changed"); timers are armed only through the port and only while `canArm()`.
 */
import { AdaptivePeriod } from '../core/adaptive-period.js'
import type { Random } from '../core/random.js'
import type { ChordConfig } from './config.js'
import type { ChordIo } from './context.js'

export type PeriodicTimer = 'stabilize' | 'fix-fingers' | 'check-predecessor'

const PERIODIC_TIMERS: readonly PeriodicTimer[] = ['stabilize', 'fix-fingers', 'check-predecessor']

interface Step {
  readonly period: AdaptivePeriod
  /** A step is in flight (its request or lookup has not ended). */
  running: boolean
  /** A change was learnt while the step was in flight. */
  dirty: boolean
  /** When the armed timer fires (virtual or real ms), or undefined when not armed. */
  dueAt: number | undefined
}

export class MaintenanceTimers {
  private readonly steps: Record<PeriodicTimer, Step>

  constructor (private readonly io: ChordIo, private readonly config: ChordConfig, private readonly jitterRandom: Random, private readonly canArm: () => boolean) {
    const step = (minMs: number, maxMs: number): Step => ({ period: new AdaptivePeriod({ minMs, maxMs }), running: false, dirty: false, dueAt: undefined })
    this.steps = {
      stabilize: step(config.stabilizeIntervalMs, config.stabilizeMaxIntervalMs),
      'fix-fingers': step(config.fixFingersIntervalMs, config.fixFingersMaxIntervalMs),
      'check-predecessor': step(config.checkPredecessorIntervalMs, config.checkPredecessorMaxIntervalMs)
    }
  }

  /** The current period of `timer` (ms). */
  period (timer: PeriodicTimer): number { return this.steps[timer].period.current }

  /** First firings spread over one current period, so nodes started together do not march in step. */
  start (): void {
    for (const t of PERIODIC_TIMERS) this.armAt(t, this.io.random.int(this.steps[t].period.current))
  }

  /** Before start: every period at its maximum, as in a node whose steps have long found nothing new. */
  settle (): void {
    for (const t of PERIODIC_TIMERS) this.steps[t].period.settle()
  }

  /** The timer fired: returns false (and does nothing) if the previous step is still in flight. */
  begin (timer: PeriodicTimer): boolean {
    const s = this.steps[timer]
    s.dueAt = undefined
    if (s.running) return false
    s.running = true
    s.dirty = false
    return true
  }

  /**
   * The step ended: the next one runs after the minimum period if anything changed (here or
   * meanwhile), else after a doubled period; `now` runs it at once (e.g. the successor failed).
   */
  end (timer: PeriodicTimer, changed: boolean, now = false): void {
    const s = this.steps[timer]
    s.running = false
    if (changed || s.dirty) s.period.changed()
    else s.period.quiet()
    s.dirty = false
    this.arm(timer, now ? 0 : s.period.current)
  }

  /** Something `timer`'s step should look at changed: its period snaps back to the minimum. */
  snap (timer: PeriodicTimer): void {
    const s = this.steps[timer]
    s.period.changed()
    if (s.running) { s.dirty = true; return }
    // Re-arm only if the armed firing is later than a minimum period from now (jitter included).
    const latest = this.io.now() + Math.ceil(s.period.minMs * (1 + this.config.jitter))
    if (s.dueAt === undefined || s.dueAt > latest) this.arm(timer, s.period.minMs)
  }

  /** Runs `timer`'s step as soon as possible (after the one in flight, if any). */
  soon (timer: PeriodicTimer): void {
    const s = this.steps[timer]
    s.period.changed()
    if (s.running) { s.dirty = true; return }
    this.armAt(timer, 0)
  }

  cancelAll (): void {
    for (const t of PERIODIC_TIMERS) {
      this.steps[t].dueAt = undefined
      this.io.cancelTimer(t)
    }
  }

  /** Arms `timer` after `intervalMs` × (1 ± jitter). */
  private arm (timer: PeriodicTimer, intervalMs: number): void {
    const j = this.config.jitter
    this.armAt(timer, intervalMs === 0 ? 0 : Math.max(1, Math.round(intervalMs * (1 + j * (2 * this.jitterRandom.next() - 1)))))
  }

  private armAt (timer: PeriodicTimer, delayMs: number): void {
    if (!this.canArm()) return
    this.steps[timer].dueAt = this.io.now() + delayMs
    this.io.setTimer(timer, delayMs)
  }
}
