/**
 * A peer's standing: one score that misbehaviour lowers and time restores (gossipsub v1.1's peer
 * score, reduced to a single counter with linear recovery towards 0). A peer whose score is at or
 * below the threshold is not adopted into routing state, nor are the peers it names probed, until
 * it has recovered. Invariants: scores lie in [floor, 0]; at most `maxEntries` peers are remembered
 * (least recently penalised evicted: forgetting costs a peer nothing it had not earned back);
 * pure: time is passed in.
 */
import { BoundedLru } from './bounded.js'

export interface PeerStandingInit {
  /** A peer at or below this score (negative) has lost standing. */
  threshold: number
  /** The lowest score, so a peer always recovers within -floor / recoveryPerMs. */
  floor: number
  /** Score regained per ms, up to 0. */
  recoveryPerMs: number
  /** Peers remembered at once. */
  maxEntries: number
}

interface Entry { score: number, at: number }

export class PeerStanding {
  private readonly init: PeerStandingInit
  private readonly entries: BoundedLru<string, Entry>

  constructor (init: PeerStandingInit) {
    if (!(init.threshold < 0) || !(init.floor <= init.threshold)) throw new RangeError(`peer standing needs floor <= threshold < 0, got ${init.floor} and ${init.threshold}`)
    if (!(init.recoveryPerMs > 0)) throw new RangeError('peer standing needs recoveryPerMs > 0')
    this.init = init
    this.entries = new BoundedLru(init.maxEntries)
  }

  /** The current score of `address` (0: nothing held against it). */
  score (address: string, now: number): number {
    const e = this.entries.peek(address)
    if (e === undefined) return 0
    return Math.min(0, e.score + (now - e.at) * this.init.recoveryPerMs)
  }

  /** Lowers the score of `address` by `amount` (> 0); returns whether it has now lost standing. */
  penalize (address: string, amount: number, now: number): boolean {
    const score = Math.max(this.init.floor, this.score(address, now) - amount)
    this.entries.set(address, { score, at: now })
    return score <= this.init.threshold
  }

  /** Whether `address` is in good standing (may be adopted, and its word probed). */
  trusted (address: string, now: number): boolean {
    return this.score(address, now) > this.init.threshold
  }
}

/**
 * The standing rules both DHTs use. A false name (a candidate that failed our probe) costs 1: an
 * honest neighbour names a crashed peer now and then, and recovers at one point per 10 s; a lie
 * the size of one message's candidate allowance (16) drops below the threshold at once. Refusing
 * records a peer should own (a hand-off with nothing accepted) costs the whole allowance; taking
 * them and then not serving them back (a provable lie, issue 10) costs everything, down to the floor.
 */
export const STANDING_THRESHOLD = -8
/** The lowest score: a peer regains standing within (64 - 8) x 10 s, about 9 minutes. */
export const STANDING_FLOOR = -64
/** Score regained per ms: one point per 10 s. */
export const STANDING_RECOVERY_PER_MS = 1 / 10_000
/** Penalty for naming a peer that does not answer our probe. */
export const PENALTY_FALSE_NAME = 1
/** Penalty for refusing every record of a hand-off this node made to it as their new owner. */
export const PENALTY_REFUSED_HANDOFF = 16
/** Penalty for acknowledging a hand-off and then not serving a record of it back (keeping nothing). */
export const PENALTY_UNPROVEN_HANDOFF = 64
/** Peers whose standing a node remembers: the peers it probes and talks to (see candidate-probes.ts). */
export const MAX_STANDING_ENTRIES = 512

export function peerStanding (): PeerStanding {
  return new PeerStanding({ threshold: STANDING_THRESHOLD, floor: STANDING_FLOOR, recoveryPerMs: STANDING_RECOVERY_PER_MS, maxEntries: MAX_STANDING_ENTRIES })
}
