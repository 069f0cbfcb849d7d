/**
 * When a node's rounds fire. Round slots sit at phase + m·interval on the node's clock; each round
 * fires a jitter draw after its slot, in [0, jitter·interval). Invariants: one round per slot at
 * most, so every node makes one contact (per fan-out) per interval on average, as the synchronous
 * rounds of Demers et al. 1987 §1.4 and Karp et al. 2000 assume; jitter never accumulates. What a
 * node learns between two slots it offers to pullers from the next slot on (see responder.ts). An
 * idle node's backed-off pulls stay on the same slot grid.
 */
import type { Random } from '../core/random.js'

/** The first slot strictly after `now`. */
export function nextSlotMs (now: number, phaseMs: number, intervalMs: number): number {
  return phaseMs + (Math.floor((now - phaseMs) / intervalMs) + 1) * intervalMs
}

/**
 * The slot of a round that should come `waitMs` (>= intervalMs) after `now`: the first slot
 * strictly after now + waitMs - intervalMs, so a wait of one interval gives the next slot and a
 * longer (backed-off) wait stays on the same grid.
 */
export function slotAfterWaitMs (now: number, waitMs: number, phaseMs: number, intervalMs: number): number {
  return nextSlotMs(now + waitMs - intervalMs, phaseMs, intervalMs)
}

/** Milliseconds from `now` until the round of `slot` should fire (one jitter draw, none when jitter is 0). */
export function roundDelayMs (now: number, slot: number, intervalMs: number, jitter: number, random: Random): number {
  const offset = jitter === 0 ? 0 : Math.floor(random.next() * jitter * intervalMs)
  return Math.max(1, Math.ceil(slot + offset - now))
}

/** A periodic delay of interval × (1 ± jitter), for anti-entropy (no slot grid needed there). */
export function jitteredDelayMs (intervalMs: number, jitter: number, random: Random): number {
  return Math.max(1, Math.round(intervalMs * (1 + jitter * (2 * random.next() - 1))))
}
