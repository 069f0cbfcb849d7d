/**
 * Round-trip time estimate and the request timeout it implies, as TCP computes its retransmission
 * timeout (RFC 6298 §2: SRTT, RTTVAR, RTO = SRTT + 4·RTTVAR, gains 1/8 and 1/4). A protocol's
 * timeout is a floor: the estimate only ever stretches it, up to a ceiling. Why: on an overloaded
 * node (a busy event loop, a slow link) answers arrive late though their senders are alive, and a
 * fixed timeout turns each into a "failure" that starts repairs, which load the node more. Late
 * answers are samples too, so the timeout follows the load and the feedback loop does not start.
 * Invariant: `timeoutMs(floor, ceiling)` is in [floor, max(floor, ceiling)].
 */

/** RFC 6298's gains. */
const SRTT_GAIN = 1 / 8
const RTTVAR_GAIN = 1 / 4
/** RTO = SRTT + K·RTTVAR (RFC 6298 §2.3). */
const RTTVAR_WEIGHT = 4

export class RttEstimator {
  private srttMs: number | undefined
  private rttvarMs = 0

  /** One measured round trip (an answer in time or a late one). */
  sample (rttMs: number): void {
    if (!(rttMs >= 0) || !Number.isFinite(rttMs)) return
    if (this.srttMs === undefined) {
      this.srttMs = rttMs
      this.rttvarMs = rttMs / 2
      return
    }
    this.rttvarMs += RTTVAR_GAIN * (Math.abs(this.srttMs - rttMs) - this.rttvarMs)
    this.srttMs += SRTT_GAIN * (rttMs - this.srttMs)
  }

  /** The smoothed round trip (undefined before the first sample). */
  get smoothedMs (): number | undefined {
    return this.srttMs
  }

  /** The timeout for a request whose protocol asks for `floorMs`, stretched at most to `ceilingMs`. */
  timeoutMs (floorMs: number, ceilingMs: number): number {
    if (this.srttMs === undefined) return floorMs
    const rto = this.srttMs + RTTVAR_WEIGHT * this.rttvarMs
    return Math.max(floorMs, Math.min(rto, ceilingMs))
  }
}
