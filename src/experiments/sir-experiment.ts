/**
 * `overlay-node sim sir` as a library function: for each k, `trials` independent epidemics of one
 * rumor from a random node over N SIR nodes in the simulator; the residue beside
 * s = exp(-(k+1)(1-s)), traffic, t_avg and t_last, and for k = Infinity (SI) the share still
 * susceptible after each round beside the recursions (THEORY.md, Epidemics).
 *
 * Rounds. The analysis assumes synchronous rounds in which every node contacts one uniformly random
 * other node. `timing: 'aligned'` (the default) gives exactly that: every node's round slots fall
 * on multiples of the interval (alignRounds, no jitter), every message takes a constant 10 ms, so
 * a round's exchanges all end before the next round starts, and the state is read half-way through
 * each interval; round r is the r-th firing, and a node informed during round r counts as informed
 * at round r. `timing: 'jittered'` runs the peer's own timing (random phases, 10 % jitter, 10–60 ms
 * latency) and measures rounds as elapsed time / interval.
 *
 * Trials of one finite k run one after another in one network (see TrialNetwork). s* is the
 * final size of Demers' equations; push matches it, pull and push-pull in rounds do not claim to
 * (protocols/sir.md, "Rounds and the coin").
 *
 * Invariant: the report is a pure function of the options (seed included), except `wallMs` and
 * `peakRssBytes`, which the caller fills in (they stay 0 here).
 */
import type { SirInit, SirMode } from '../sir/config.js'
import { sha256 } from '../core/sha256.js'
import { toHex, type RumorId } from '../sir/rumor.js'
import { constantLatency, uniformLatency } from '../sim/latency.js'
import { NO_PHASES, type PhaseMark } from '../sim/phases.js'
import { SirSimulation } from '../sim/sir-sim.js'
import { mean, round, std } from './stats.js'
import { nextSusceptible, theoryPushTrafficPerNode, theoryResidue, theoryRoundsToAll } from './sir-theory.js'

export type SirTiming = 'aligned' | 'jittered'

export interface SirExperimentOptions {
  nodes: number
  mode: SirMode
  /** Values of k, each >= 1; Infinity is the SI model. */
  ks: readonly number[]
  trials: number
  seed: number | string
  /** @default 'aligned' */
  timing?: SirTiming
  /** A trial still running after this many rounds is cut off (and reported). @default 2000 */
  maxRounds?: number
}

export interface SirRoundRow {
  round: number
  /** Share of nodes not yet informed after this round, mean over trials. */
  susceptibleMean: number
  /** The recursion applied to each trial's actual share after the previous round, then averaged. */
  theory: number
  /** The recursion iterated from P(0) = 1 - 1/N alone. */
  iterated: number
}

export interface SirResult {
  /** k, or 'inf' for the SI model (JSON has no Infinity). */
  k: number | 'inf'
  residueMean: number
  residueStd: number
  residueMin: number
  residueMax: number
  /** s* solving s = exp(-(k+1)(1-s)); 0 for k = inf. The push model's figure (see the file header). */
  theoryResidue: number
  /** |residueMean - s*| <= max(0.002, 15 % of s*): the acceptance band of issue 4. */
  withinBand: boolean
  /** Requests (contacts) per node until the epidemic ended (SIR: no node infected; SI: all informed). */
  trafficPerNode: number
  /** Push mode: (k+1)(1-s*), the contacts the feedback-and-coin argument predicts; else null. */
  theoryTrafficPerNode: number | null
  /** Rumor copies sent per node (in requests and responses), same period. */
  copiesPerNode: number
  /** Mean round at which a node (not the origin) was informed, averaged over trials. */
  tAvg: number
  /** Round at which the last node was informed, averaged over trials. */
  tLast: number
  /** Rounds the epidemic ran (until it ended), averaged over trials. */
  roundsRun: number
  /** Trials cut off at maxRounds. */
  cutOff: number
  /** SI only: the share still susceptible per round. */
  rounds?: SirRoundRow[]
  /** SI only: largest |susceptibleMean - theory| over the rounds. */
  maxRoundDeviation?: number
  /** SI only: rounds until every node was informed, mean over trials. */
  roundsToAll?: number
  roundsToAllMin?: number
  roundsToAllMax?: number
  theoryRoundsToAll?: number
  theoryRoundsToAllFormula?: string
  /** SI, push-pull only: log3 N, the leading term of Karp et al. */
  log3N?: number
}

export interface SirReport {
  protocol: 'sir'
  nodes: number
  seed: string
  mode: SirMode
  trials: number
  timing: SirTiming
  roundIntervalMs: number
  latency: string
  /** One hash over every simulated network's trace hash, in order. */
  traceHash: string
  wallMs: number
  peakRssBytes: number
  events: number
  results: SirResult[]
}

/** The round interval of the experiment (only the ratio latency / interval matters). */
const ROUND_INTERVAL_MS = 1000
/** One-way delay in aligned timing: every exchange of a round ends within 2 × 10 ms. */
const ALIGNED_LATENCY_MS = 10
const utf8 = new TextEncoder()
const TOPIC = 'sim'

interface TrialFigures {
  residue: number
  traffic: number
  copies: number
  tAvg: number
  tLast: number
  roundsRun: number
  cutOff: boolean
  /** Share still susceptible after round r = index (index 0: before any round). */
  susceptible: number[]
  roundsToAll: number | undefined
  events: number
}

export function runSirExperiment (options: SirExperimentOptions, log: (line: string) => void = () => {}, phase: PhaseMark = NO_PHASES): SirReport {
  const n = options.nodes
  if (!Number.isInteger(n) || n < 2) throw new RangeError('nodes must be an integer >= 2')
  if (!Number.isInteger(options.trials) || options.trials < 1) throw new RangeError('trials must be a positive integer')
  if (options.ks.length === 0) throw new RangeError('at least one k')
  for (const k of options.ks) if (!(k >= 1)) throw new RangeError(`k must be >= 1 or Infinity, got ${k}`)
  const timing = options.timing ?? 'aligned'
  const maxRounds = options.maxRounds ?? 2000
  const seed = String(options.seed)
  const latency = timing === 'aligned' ? constantLatency(ALIGNED_LATENCY_MS) : uniformLatency(10, 60)
  log(`sim seed ${seed} (sir, ${n} nodes, mode ${options.mode}, ${options.trials} trials per k, ${timing} rounds, latency ${latency.description})`)
  const hashes: string[] = []
  let events = 0
  const results: SirResult[] = []
  for (const k of options.ks) {
    phase(`k=${k === Infinity ? 'inf' : k}`)
    const trials: TrialFigures[] = []
    let network: TrialNetwork | undefined
    for (let t = 0; t < options.trials; t++) {
      if (network === undefined || k === Infinity) {
        if (network !== undefined) hashes.push(network.finish())
        network = new TrialNetwork(n, options.mode, k, timing, maxRounds, `${seed}/k=${k}/network=${t}`)
      }
      const figures = network.runTrial(`${seed}/k=${k}/trial=${t}`)
      trials.push(figures)
      events += figures.events
      if (options.trials >= 4 && (t + 1) % Math.ceil(options.trials / 4) === 0 && t + 1 < options.trials) {
        log(`k=${k === Infinity ? 'inf' : k}: ${t + 1}/${options.trials} trials`)
      }
    }
    if (network !== undefined) hashes.push(network.finish())
    const result = summarizeK(n, options.mode, k, trials)
    results.push(result)
    log(`k=${result.k}: residue ${round(result.residueMean, 4)} ± ${round(result.residueStd, 4)} (s* ${round(result.theoryResidue, 4)}), ` +
      `traffic ${round(result.trafficPerNode, 2)}/node, t_avg ${round(result.tAvg, 2)}, t_last ${round(result.tLast, 2)} rounds` +
      (result.roundsToAll !== undefined ? `, all informed after ${round(result.roundsToAll, 2)} rounds (${result.theoryRoundsToAllFormula} = ${round(result.theoryRoundsToAll ?? NaN, 2)})` : ''))
  }
  const traceHash = toHex(sha256(utf8.encode(hashes.join(',')))).slice(0, 16)
  log(`sim trace ${traceHash} (${hashes.length} networks, ${events} events)`)
  return {
    protocol: 'sir',
    nodes: n,
    seed,
    mode: options.mode,
    trials: options.trials,
    timing,
    roundIntervalMs: ROUND_INTERVAL_MS,
    latency: latency.description,
    traceHash,
    wallMs: 0,
    peakRssBytes: 0,
    events,
    results
  }
}

/**
 * One simulated network of N nodes with one value of k, running trials one after another: each
 * trial publishes a fresh rumor from a random node once the previous epidemic has ended (no node
 * infected, nothing in flight). Every contact is uniform over the full membership and a finished
 * rumor is inert (removed everywhere: never pushed, never served to a pull, never flips a coin), so
 * a trial in a used network is distributed as one in a fresh network, without the cost of
 * building 10^4 nodes per trial. SI rumors never end, so the SI model gets a fresh network per trial.
 */
class TrialNetwork {
  private readonly s: SirSimulation
  private readonly aligned: boolean
  private readonly informedAt: Float64Array
  private informed = 0
  private infectedNodes: number[] = []
  private current: RumorId | undefined
  /** Virtual time that counts as the start of round 0 of the current trial. */
  private baseMs = 0
  private eventsBefore = 0

  constructor (private readonly n: number, mode: SirMode, private readonly k: number, timing: SirTiming, private readonly maxRounds: number, seed: string) {
    const T = ROUND_INTERVAL_MS
    this.aligned = timing === 'aligned'
    const sir: SirInit = {
      mode,
      k,
      roundIntervalMs: T,
      roundJitter: this.aligned ? 0 : 0.1,
      alignRounds: this.aligned,
      // Demers' model: every node pulls every round, informed or not (no idle backoff).
      idlePullMaxIntervalMs: T,
      antiEntropy: false,
      fanout: 1,
      // Well past the longest round trip (2 × 10 or 2 × 60 ms): only a lost reply would time out.
      requestTimeoutMs: this.aligned ? 100 : 250,
      rumorTtlMs: 30 * 86_400_000
    }
    this.s = new SirSimulation({ seed, nodes: n, latency: this.aligned ? constantLatency(ALIGNED_LATENCY_MS) : uniformLatency(10, 60), sir })
    this.informedAt = new Float64Array(n)
    // Subscribing is how the observer learns of each acceptance (public API); the infected are
    // re-read once per round.
    for (let i = 0; i < n; i++) {
      this.s.nodes[i].sir.subscribe(TOPIC, d => {
        if (d.id !== this.current) return
        const at = (this.s.sim.now() - this.baseMs) / T
        this.informedAt[i] = this.aligned ? Math.floor(at) : at
        this.informed++
        this.infectedNodes.push(i)
      })
    }
  }

  runTrial (label: string): TrialFigures {
    const { n, s, k, aligned, informedAt } = this
    const T = ROUND_INTERVAL_MS
    // Aligned: publish half-way through an interval, read half-way through each later one (after
    // the round's exchanges), so the base is the slot before. Jittered: publish and read at r·T.
    const readOffsetMs = aligned ? T / 2 : 0
    if (aligned) s.sim.runUntil(Math.ceil((s.sim.now() - readOffsetMs) / T) * T + readOffsetMs)
    this.baseMs = s.sim.now() - readOffsetMs
    const requestsBefore = s.sim.counters.requests
    const copiesBefore = this.copies()
    this.eventsBefore = s.sim.counters.events
    const originIndex = s.sim.random.int(n)
    informedAt.fill(-1)
    informedAt[originIndex] = 0
    this.informed = 1
    this.infectedNodes = [originIndex]
    const id = s.nodes[originIndex].sir.publish(TOPIC, utf8.encode(label))
    this.current = id
    const susceptible = [(n - 1) / n]
    let roundsToAll: number | undefined
    let quietChecks = 0
    let r = 0
    while (r < this.maxRounds) {
      r++
      s.sim.runUntil(this.baseMs + r * T + readOffsetMs)
      // Keep only the nodes still infected (a removed node never turns infected again).
      let kept = 0
      for (const i of this.infectedNodes) if (s.nodes[i].sir.rumorState(id) === 'I') this.infectedNodes[kept++] = i
      this.infectedNodes.length = kept
      susceptible.push((n - this.informed) / n)
      if (this.informed === n && roundsToAll === undefined) roundsToAll = aligned ? r : maxOf(informedAt)
      if (k === Infinity) {
        if (this.informed === n) break
      } else if (kept === 0) {
        // Aligned: nothing is in flight at the read. Jittered: a reply may still be on its way; one more quiet check settles it.
        if (aligned || ++quietChecks >= 2) break
      } else {
        quietChecks = 0
      }
    }
    const cutOff = k === Infinity ? this.informed < n : r >= this.maxRounds
    let tSum = 0; let tLast = 0
    for (let i = 0; i < n; i++) {
      if (i === originIndex || informedAt[i] < 0) continue
      tSum += informedAt[i]
      if (informedAt[i] > tLast) tLast = informedAt[i]
    }
    return {
      residue: (n - this.informed) / n,
      traffic: (s.sim.counters.requests - requestsBefore) / n,
      copies: (this.copies() - copiesBefore) / n,
      tAvg: this.informed > 1 ? tSum / (this.informed - 1) : 0,
      tLast,
      roundsRun: r,
      cutOff,
      susceptible,
      roundsToAll,
      events: s.sim.counters.events - this.eventsBefore
    }
  }

  /** Ends the network; returns its trace hash. */
  finish (): string { return this.s.sim.finish() }

  private copies (): number {
    let c = 0
    for (const node of this.s.nodes) c += node.sir.counters().rumorsSent
    return c
  }
}

function maxOf (xs: Float64Array): number {
  let m = -Infinity
  for (const x of xs) if (x > m) m = x
  return m
}

function summarizeK (n: number, mode: SirMode, k: number, trials: readonly TrialFigures[]): SirResult {
  const residues = trials.map(t => t.residue)
  const sStar = theoryResidue(k)
  const residueMean = mean(residues)
  const result: SirResult = {
    k: k === Infinity ? 'inf' : k,
    residueMean,
    residueStd: std(residues),
    residueMin: Math.min(...residues),
    residueMax: Math.max(...residues),
    theoryResidue: sStar,
    withinBand: Math.abs(residueMean - sStar) <= Math.max(0.002, 0.15 * sStar),
    trafficPerNode: mean(trials.map(t => t.traffic)),
    theoryTrafficPerNode: mode === 'push' && k !== Infinity ? theoryPushTrafficPerNode(k) : null,
    copiesPerNode: mean(trials.map(t => t.copies)),
    tAvg: mean(trials.map(t => t.tAvg)),
    tLast: mean(trials.map(t => t.tLast)),
    roundsRun: mean(trials.map(t => t.roundsRun)),
    cutOff: trials.filter(t => t.cutOff).length
  }
  if (k !== Infinity) return result
  const length = Math.max(...trials.map(t => t.susceptible.length))
  const at = (t: TrialFigures, r: number): number => r < t.susceptible.length ? t.susceptible[r] : 0
  const rows: SirRoundRow[] = []
  let iterated = (n - 1) / n
  let maxDeviation = 0
  for (let r = 0; r < length; r++) {
    const actual = mean(trials.map(t => at(t, r)))
    const theory = r === 0 ? actual : mean(trials.map(t => nextSusceptible(mode, at(t, r - 1))))
    if (r > 0) iterated = nextSusceptible(mode, iterated)
    maxDeviation = Math.max(maxDeviation, Math.abs(actual - theory))
    rows.push({ round: r, susceptibleMean: actual, theory, iterated })
  }
  const all = trials.map(t => t.roundsToAll ?? NaN)
  const th = theoryRoundsToAll(mode, n)
  return {
    ...result,
    rounds: rows,
    maxRoundDeviation: maxDeviation,
    roundsToAll: mean(all),
    roundsToAllMin: Math.min(...all),
    roundsToAllMax: Math.max(...all),
    theoryRoundsToAll: th.value,
    theoryRoundsToAllFormula: th.formula,
    ...(mode === 'pushpull' ? { log3N: Math.log(n) / Math.log(3) } : {})
  }
}
