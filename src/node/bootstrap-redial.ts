/**
 * Redials the bootstrap peers while this node needs them and is connected to none. Our DHTs join
 * only through a connected bootstrap peer (src/dht/membership.ts); libp2p dials the list once at
 * start, so a node whose bootstrap dial failed, or whose bootstrap connection closed before its
 * join went through, stayed a network of one for good (59 of 128 peers in a loaded `bench churn`
 * run, issue 11). Invariants: one redial in flight at most; the wait doubles from `baseMs` to
 * `maxMs` while a redial leaves the node still in need, and drops back to `baseMs` once it is not;
 * each wait is jittered by ±50 % (69 peers of one worker redialling at once held it for minutes);
 * nothing runs after `stop`. The clock and the dial come in through the constructor.
 */

export interface BootstrapRedialDeps {
  /** True while some overlay of this node still needs a bootstrap peer (alone, or no peer at all). */
  needed: () => boolean
  /** True while a connection to at least one bootstrap peer is open. */
  connected: () => boolean
  /** Dials the bootstrap peers; resolves when every dial has ended, failed or not. */
  dial: () => Promise<void>
  setTimeout: (fn: () => void, ms: number) => unknown
  clearTimeout: (timer: unknown) => void
  /** A draw in [0, 1): each wait is spread over ½–1½ of its length, so peers started together do not redial together. */
  random: () => number
}

export const BOOTSTRAP_REDIAL_BASE_MS = 5_000
export const BOOTSTRAP_REDIAL_MAX_MS = 120_000

export class BootstrapRedial {
  private readonly deps: BootstrapRedialDeps
  private readonly baseMs: number
  private readonly maxMs: number
  private waitMs: number
  private timer: unknown
  private running = false

  constructor (deps: BootstrapRedialDeps, baseMs = BOOTSTRAP_REDIAL_BASE_MS, maxMs = BOOTSTRAP_REDIAL_MAX_MS) {
    if (!(baseMs > 0 && maxMs >= baseMs)) throw new RangeError(`bootstrap redial: need 0 < baseMs <= maxMs, got ${baseMs} and ${maxMs}`)
    this.deps = deps
    this.baseMs = baseMs
    this.maxMs = maxMs
    this.waitMs = baseMs
  }

  start (): void {
    if (this.running) return
    this.running = true
    this.arm()
  }

  stop (): void {
    this.running = false
    if (this.timer !== undefined) this.deps.clearTimeout(this.timer)
    this.timer = undefined
  }

  private arm (): void {
    this.timer = this.deps.setTimeout(() => { this.tick() }, this.waitMs * (0.5 + this.deps.random()))
  }

  private tick (): void {
    this.timer = undefined
    if (!this.running) return
    if (!this.deps.needed() || this.deps.connected()) {
      this.waitMs = this.baseMs
      this.arm()
      return
    }
    void this.deps.dial().catch(() => {}).then(() => {
      if (!this.running) return
      this.waitMs = Math.min(this.maxMs, this.waitMs * 2)
      this.arm()
    })
  }
}
