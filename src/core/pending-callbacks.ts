/**
 * The public callbacks of a protocol node (STYLE.md's "never a callback inside the call that set
 * it"): each runs once, later, from a zero-delay timer; on stop every operation still open ends
 * with its `stopped` value. Invariant: a tracked callback fires exactly once.
 */

/** The timer the owner must route to `run()`. */
export const DEFERRED_TIMER = 'deferred'

export class PendingCallbacks {
  private readonly queue: Array<() => void> = []
  /** Operations still open: each entry ends its operation with `stopped`. */
  private readonly open = new Set<() => void>()
  private readonly setTimer: (name: string, delayMs: number) => void

  constructor (setTimer: (name: string, delayMs: number) => void) {
    this.setTimer = setTimer
  }

  /** Runs `fn` from the next DEFERRED_TIMER firing. */
  defer (fn: () => void): void {
    this.queue.push(fn)
    if (this.queue.length === 1) this.setTimer(DEFERRED_TIMER, 0)
  }

  /** Runs what was deferred (call it on DEFERRED_TIMER). */
  run (): void {
    const fns = this.queue.splice(0)
    for (const fn of fns) fn()
  }

  /** Wraps a public callback: it runs once, later, and with `stopped` if `stopAll` comes first. */
  track<O>(done: (o: O) => void, stopped: NoInfer<O>): (o: O) => void {
    let finished = false
    const finish = (o: O): void => {
      if (finished) return
      finished = true
      this.open.delete(fail)
      this.defer(() => done(o))
    }
    const fail = (): void => finish(stopped)
    this.open.add(fail)
    return finish
  }

  /** Ends every open operation with its `stopped` value and runs the queue at once. */
  stopAll (): void {
    const ops = [...this.open]
    this.open.clear()
    for (const fail of ops) fail()
    this.run()
  }
}
