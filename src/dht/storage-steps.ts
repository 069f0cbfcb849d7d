/**
 * When a Chord or Pastry node runs its storage step (replication.ts `replicateStep`): soon after a
 * change, then periodically, and never two at once: a change or a firing while a step runs asks
 * for another soon after it. Only the period after a step is each DHT's own (Chord waits for the
 * next lease refresh after a step no change asked for). Invariant: at most one step in flight.
 */
/** Delay before a storage step triggered by a change runs, to coalesce bursts of changes (ms). */
export const REPLICATE_SOON_DELAY_MS = 50

export class StorageSteps {
  private inFlight = false
  private again = false
  /** A change since the last step began (a node's first step counts as one). */
  private dirty = true

  /**
   * @param setTimer arms the node's `replicate` timer, whose firing the node passes to `fire`
   * @param running whether the node runs: steps are asked for and rescheduled only then
   * @param step runs one storage step
   * @param scheduleNext arms the next periodic step; `forChange`: a change asked for the one that ended
   */
  constructor (private readonly setTimer: (delayMs: number) => void, private readonly running: () => boolean, private readonly step: (done: () => void) => void, private readonly scheduleNext: (forChange: boolean) => void) {}

  /** Something changed (neighbours, a new owned record): run a step soon. */
  soon (): void {
    this.dirty = true
    if (!this.running()) return
    if (this.inFlight) { this.again = true; return }
    this.setTimer(REPLICATE_SOON_DELAY_MS)
  }

  /** The `replicate` timer fired. */
  fire (): void {
    if (this.inFlight) { this.again = true; return }
    const forChange = this.dirty
    this.dirty = false
    this.inFlight = true
    this.again = false
    this.step(() => {
      this.inFlight = false
      if (!this.running()) return
      if (this.again) this.soon()
      else this.scheduleNext(forChange)
    })
  }
}
