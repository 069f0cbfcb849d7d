/**
 * What the parts of a SIR node (intake, responder, rounds) share: the port, the options, the store,
 * the counters, the verifier and the coin. Invariant: only SirNode builds one; the parts reach the
 * runtime only through `io`.
 */
import type { Io, PeerRef } from '../core/port.js'
import type { SirConfig } from './config.js'
import type { SirCounters } from './counters.js'
import type { SirMessage, SirRequest, SirResponse } from './messages.js'
import type { RumorVerifier } from './rumor.js'
import type { RumorStore, StoredRumor } from './rumor-store.js'

export type SirIo = Io<SirRequest, SirResponse, SirMessage>

export interface SirContext {
  readonly io: SirIo
  readonly config: SirConfig
  readonly store: RumorStore
  readonly counters: SirCounters
  readonly verifier: RumorVerifier
  /**
   * The coin of Demers et al. 1987 §1.3: true with probability 1/k (never when k = Infinity), when
   * a peer turned out to know a rumor this node spreads.
   */
  coin(): boolean
  /** The first round slot after `now`: when a rumor learned now starts being served to pullers. */
  nextSlot(now: number): number
  /** Called once per rumor newly accepted from `from` (delivery to subscribers, round timer). */
  onAccepted(entry: StoredRumor, from: PeerRef): void
}
