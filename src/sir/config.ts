/**
 * SIR gossip's options (`SirInit`, each documented with its default) and their validation into a
 * complete `SirConfig`, done once at construction (STYLE.md #5). The model parameters follow
 * Demers et al. 1987 §1.3–1.5: k (feedback + coin), push / pull / push-pull, and anti-entropy as
 * the backup that closes the residue.
 */
import { MAX_FANOUT, MAX_PAYLOAD_BYTES_LIMIT } from './limits.js'

/** Who carries rumors in a round (Demers §1.4): push from the caller, pull to it, or both. */
export type SirMode = 'push' | 'pull' | 'pushpull'

export const SIR_MODES: readonly SirMode[] = ['push', 'pull', 'pushpull']

export interface SirInit {
  /**
   * Feedback + coin: when a peer already knew a rumor this node spreads, the node stops spreading
   * it (turns R) with probability 1/k. `Infinity` never stops: the SI model. Any k >= 1.
   * The residue s (share never informed) solves s = exp(-(k+1)(1-s)): k = 4 leaves 0.7 %, which
   * anti-entropy then closes.
   * @default 4
   */
  k?: number
  /**
   * push: each round an infected node pushes its hot rumors; pull: each round every node sends a
   * digest and gets back the hot rumors it lacks; pushpull: both in one exchange.
   * @default 'pushpull'
   */
  mode?: SirMode
  /**
   * Length of a round. Round r of a node falls at phase + r·interval (+ jitter).
   * @default 1000
   */
  roundIntervalMs?: number
  /**
   * Each round fires up to this fraction of an interval after its slot, drawn per round, so nodes
   * do not march in step. 0 for the synchronous rounds of the analysis.
   * @default 0.1
   */
  roundJitter?: number
  /**
   * When true, every node's slots fall on multiples of the interval of its own clock (phase 0),
   * so simulated nodes run synchronous rounds as the theory assumes; otherwise each node draws a
   * random phase at start. Only meaningful in the simulator, where clocks agree.
   * @default false
   */
  alignRounds?: boolean
  /**
   * A node holding no rumor it spreads (none infected) still pulls in pull and push-pull mode, so
   * that it hears of news nobody pushed to it; those idle pulls start one round interval apart
   * and double while they bring nothing new, up to this period, and snap back to one interval
   * when the node learns a rumor (AdaptivePeriod, Bamboo's rule). A node with an infected rumor
   * always runs a round per interval. Set it to roundIntervalMs for Demers' model, in which every
   * node pulls every round (the simulator experiments do). Unused in push mode: an idle push
   * node arms no round timer at all.
   * @default max(60000, roundIntervalMs)
   */
  idlePullMaxIntervalMs?: number
  /**
   * After news, this many idle pulls go out one interval apart before the period starts doubling.
   * Each carries a digest naming the news, and a peer whose digest lacks it syncs with the sender
   * (see antiEntropy), so these pulls are what reach, within seconds, the few nodes no infected
   * peer happened to push to; fewer make an idle network cheaper after each rumor and slower to
   * close its residue. 16: in 300 simulated idle 30-peer networks wired as LocalNetwork wires them
   * (each peer linked to peer 0 and 2 random earlier ones; test/sim/sir-idle.test.ts), a node was
   * still uninformed 30 s after publication in 48 networks with 0, 5 with 8, 1 with 16. Each rumor
   * then costs every node about 16 pulls, a quarter of what the fixed period spent every minute.
   * @default 16
   */
  idlePullsAfterNews?: number
  /**
   * Peers contacted per round (distinct, uniformly drawn from the view). The analysis assumes 1.
   * @default 1
   */
  fanout?: number
  /**
   * Periodic anti-entropy: a digest of every stored rumor goes to one random peer, which returns
   * what the asker lacks (Demers §1.5: the backup that closes the residue). Off in theory runs.
   * @default true
   */
  antiEntropy?: boolean
  /**
   * Shortest period of anti-entropy, with the same jitter as rounds: the period right after a
   * sync brought rumors, a peer's digest named one this node lacks, this node learned a rumor or
   * a peer joined its view. Snap backs never bring two syncs closer than this.
   * @default 5000
   */
  antiEntropyIntervalMs?: number
  /**
   * Longest period of anti-entropy: the period doubles from antiEntropyIntervalMs after each
   * sync that brought nothing (the digests matched), up to this. It bounds how long a node that
   * nobody pushed a rumor to and nobody's digest told of it can stay uninformed.
   * @default max(60000, antiEntropyIntervalMs)
   */
  antiEntropyMaxIntervalMs?: number
  /**
   * A request not answered within this long counts as failed (no feedback, no state change).
   * @default 5000
   */
  requestTimeoutMs?: number
  /**
   * Rumors kept at once (infected and removed). When full, the oldest removed rumor goes first,
   * else the oldest infected one.
   * @default 10000
   */
  maxStoredRumors?: number
  /**
   * Rumors of one origin kept at once; more from that origin are refused until some expire, so
   * one publisher cannot take over the store.
   * @default min(1000, maxStoredRumors)
   */
  maxRumorsPerOrigin?: number
  /**
   * Rumors kept at once that were first received from one peer (the authenticated connection
   * that relayed them, whatever their origin); more from that peer are refused until some leave.
   * Origin keys cost nothing to make, so this, not maxRumorsPerOrigin, is what bounds one peer's
   * share of the store; half the store, as the DHT record store's share per peer (issue 10).
   * @default max(1, floor(maxStoredRumors / 2))
   */
  maxRumorsPerPeer?: number
  /**
   * A rumor is dropped this long after it was accepted; its id is remembered (see
   * maxRememberedIds) so it is not accepted again.
   * @default 600000
   */
  rumorTtlMs?: number
  /**
   * Freshness window: a rumor created (by its origin's signed clock) longer ago than this is
   * refused as stale, so a captured rumor replayed after its id was forgotten is refused too. A
   * rumor that old has outlived its TTL everywhere it was accepted at once.
   * @default rumorTtlMs
   */
  maxRumorAgeMs?: number
  /**
   * A rumor created further than this in the future of this node's clock is refused: clocks of
   * honest peers disagree by a few seconds (NTP), and a far-future time would outlive the window.
   * @default 30000
   */
  maxClockSkewMs?: number
  /**
   * Ids of accepted rumors remembered for duplicate detection after their rumor left the store
   * (Demers' death certificates, by id only). At least maxStoredRumors.
   * @default max(65536, maxStoredRumors)
   */
  maxRememberedIds?: number
  /**
   * Largest payload accepted or published, in bytes (<= 64 KiB).
   * @default 16384
   */
  maxPayloadBytes?: number
  /**
   * Peers kept in the view (fed by onPeer); when full, a new peer replaces a random one.
   * @default 256
   */
  maxViewPeers?: number
}

export type SirConfig = Readonly<Required<SirInit>>

/**
 * Default longest idle-pull and anti-entropy period. An idle node then sends about one pull and one
 * sync a minute (instead of 60 and 12), and a node that missed a rumor still gets about ten chances
 * to fetch it within the default rumorTtlMs (10 min) by its own syncs alone.
 */
const DEFAULT_IDLE_MAX_INTERVAL_MS = 60_000

export const SIR_DEFAULTS: SirConfig = {
  k: 4,
  mode: 'pushpull',
  roundIntervalMs: 1000,
  roundJitter: 0.1,
  alignRounds: false,
  idlePullMaxIntervalMs: DEFAULT_IDLE_MAX_INTERVAL_MS,
  idlePullsAfterNews: 16,
  fanout: 1,
  antiEntropy: true,
  antiEntropyIntervalMs: 5000,
  antiEntropyMaxIntervalMs: DEFAULT_IDLE_MAX_INTERVAL_MS,
  requestTimeoutMs: 5000,
  maxStoredRumors: 10_000,
  maxRumorsPerOrigin: 1000,
  maxRumorsPerPeer: 5000,
  rumorTtlMs: 600_000,
  maxRumorAgeMs: 600_000,
  maxClockSkewMs: 30_000,
  maxRememberedIds: 65_536,
  maxPayloadBytes: 16_384,
  maxViewPeers: 256
}

function intIn (name: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`sir: ${name} must be an integer in [${min}, ${max}], got ${v}`)
}

/** Configs this module built: passing one back skips the checks (10^5 simulated nodes share one). */
const VALIDATED = new WeakSet<object>()

/**
 * Fills defaults and checks every option; throws a RangeError naming the bad one. A config this
 * function returned is returned as is.
 */
export function sirConfig (init: SirInit = {}): SirConfig {
  if (VALIDATED.has(init)) return init as SirConfig
  const c: Required<SirInit> = {
    ...SIR_DEFAULTS,
    ...Object.fromEntries(Object.entries(init).filter(([, v]) => v !== undefined))
  }
  // Defaults that must fit a smaller store shrink with it.
  if (init.maxRumorsPerOrigin === undefined) c.maxRumorsPerOrigin = Math.min(SIR_DEFAULTS.maxRumorsPerOrigin, c.maxStoredRumors)
  if (init.maxRumorsPerPeer === undefined) c.maxRumorsPerPeer = Math.max(1, Math.floor(c.maxStoredRumors / 2))
  if (init.maxRumorAgeMs === undefined) c.maxRumorAgeMs = c.rumorTtlMs
  if (init.maxRememberedIds === undefined) c.maxRememberedIds = Math.max(SIR_DEFAULTS.maxRememberedIds, c.maxStoredRumors)
  // Longest periods never below the shortest ones they grow from.
  if (init.idlePullMaxIntervalMs === undefined) c.idlePullMaxIntervalMs = Math.max(SIR_DEFAULTS.idlePullMaxIntervalMs, c.roundIntervalMs)
  if (init.antiEntropyMaxIntervalMs === undefined) c.antiEntropyMaxIntervalMs = Math.max(SIR_DEFAULTS.antiEntropyMaxIntervalMs, c.antiEntropyIntervalMs)
  if (!(c.k >= 1)) throw new RangeError(`sir: k must be >= 1 or Infinity, got ${c.k}`)
  if (!SIR_MODES.includes(c.mode)) throw new RangeError(`sir: mode must be one of ${SIR_MODES.join(', ')}, got ${String(c.mode)}`)
  intIn('roundIntervalMs', c.roundIntervalMs, 1, 3_600_000)
  if (!(c.roundJitter >= 0 && c.roundJitter < 1)) throw new RangeError(`sir: roundJitter must be in [0, 1), got ${c.roundJitter}`)
  if (typeof c.alignRounds !== 'boolean') throw new RangeError('sir: alignRounds must be a boolean')
  intIn('idlePullMaxIntervalMs', c.idlePullMaxIntervalMs, c.roundIntervalMs, 86_400_000)
  intIn('idlePullsAfterNews', c.idlePullsAfterNews, 0, 3600)
  intIn('fanout', c.fanout, 1, MAX_FANOUT)
  if (typeof c.antiEntropy !== 'boolean') throw new RangeError('sir: antiEntropy must be a boolean')
  intIn('antiEntropyIntervalMs', c.antiEntropyIntervalMs, 1, 86_400_000)
  intIn('antiEntropyMaxIntervalMs', c.antiEntropyMaxIntervalMs, c.antiEntropyIntervalMs, 86_400_000)
  intIn('requestTimeoutMs', c.requestTimeoutMs, 1, 600_000)
  intIn('maxStoredRumors', c.maxStoredRumors, 1, 1_000_000)
  intIn('maxRumorsPerOrigin', c.maxRumorsPerOrigin, 1, c.maxStoredRumors)
  intIn('maxRumorsPerPeer', c.maxRumorsPerPeer, 1, c.maxStoredRumors)
  intIn('rumorTtlMs', c.rumorTtlMs, 1, 30 * 86_400_000)
  intIn('maxRumorAgeMs', c.maxRumorAgeMs, 1, 30 * 86_400_000)
  intIn('maxClockSkewMs', c.maxClockSkewMs, 0, 3_600_000)
  intIn('maxRememberedIds', c.maxRememberedIds, c.maxStoredRumors, 10_000_000)
  intIn('maxPayloadBytes', c.maxPayloadBytes, 0, MAX_PAYLOAD_BYTES_LIMIT)
  intIn('maxViewPeers', c.maxViewPeers, 1, 100_000)
  const config = Object.freeze(c)
  VALIDATED.add(config)
  return config
}
