/**
 * An adaptive maintenance period (Bamboo, Rhea et al. USENIX 2004 §4; Accordion, Li et al. NSDI
 * 2005 §4): a periodic step that found nothing new doubles its period up to `maxMs`; any change
 * snaps it back to `minMs`. Invariant: `minMs <= current <= maxMs`; pure (no clock, no timers):
 * the protocol asks for the next delay and arms its own timer through the port.
 */

export interface AdaptivePeriodInit {
  /** The period right after a change, in ms. */
  minMs: number
  /** The longest period while nothing changes, in ms (>= minMs). */
  maxMs: number
  /** Growth per quiet step. @default 2 */
  factor?: number
}

export class AdaptivePeriod {
  readonly minMs: number
  readonly maxMs: number
  private readonly factor: number
  private currentMs: number

  constructor (init: AdaptivePeriodInit) {
    const factor = init.factor ?? 2
    if (!(init.minMs > 0) || !(init.maxMs >= init.minMs)) throw new RangeError(`adaptive period needs 0 < minMs <= maxMs, got ${init.minMs} and ${init.maxMs}`)
    if (!(factor >= 1)) throw new RangeError(`adaptive period factor must be >= 1, got ${factor}`)
    this.minMs = init.minMs
    this.maxMs = init.maxMs
    this.factor = factor
    this.currentMs = init.minMs
  }

  /** The period to wait now. */
  get current (): number { return this.currentMs }

  /** The step found nothing new: the next wait is longer (up to maxMs). Returns the new period. */
  quiet (): number {
    this.currentMs = Math.min(this.maxMs, this.currentMs * this.factor)
    return this.currentMs
  }

  /** Long quiet: the period at its maximum at once. */
  settle (): void {
    this.currentMs = this.maxMs
  }

  /** Something changed: the next wait is minMs. Returns whether the period was longer (a snap back). */
  changed (): boolean {
    const snapped = this.currentMs > this.minMs
    this.currentMs = this.minMs
    return snapped
  }

  /** True while the period has backed off from its minimum. */
  get backedOff (): boolean { return this.currentMs > this.minMs }
}
