/**
 * `overlay-node sim chord` as a library function: builds a stable Chord ring in the simulator,
 * measures lookup hops against ½·log2 N (Stoica et al. 2001 §6.2), and under churn measures keys
 * moved per membership event against K/N (§4.2, consistent hashing) and keys lost (§6.4).
 * Invariant: the report is a pure function of the options (seed included), except `wallMs` and
 * `peakRssBytes`, which the caller measures and fills in (they stay 0 here).
 */
import type { ChordInit } from '../chord/config.js'
import { ChordSimulation, type ChordSimNode } from '../sim/chord-sim.js'
import { churnEvents, runChurn, runLookups, storeKeys, summarizeHops, type ChurnReport, type DhtExperimentOptions, type DhtReport, type ExperimentNetwork, buildMode, keyWorkload } from './dht-experiment.js'
import { uniformLatency } from '../sim/latency.js'
import { NO_PHASES, type PhaseMark } from '../sim/phases.js'
import { round } from './stats.js'

/**
 * Chord's `build: 'joins'` grows the ring in doubling waves until every successor and predecessor
 * is right; `build: 'seed'` installs routing from the global view (ChordSimulation.seedRing), as
 * a ring long stable: maintenance starts at its longest periods, so a 10^6-node run measures its
 * lookups, not the first maintenance round every node of a freshly started ring would make.
 * Under churn the simulator models open connections (SimulatorInit.connections), so a crash
 * reaches the dead node's neighbours as a disconnect, as on libp2p. The default `repairMs`
 * (REPAIR_MS) covers what follows: one latency (≤ 60 ms), the neighbour's ping failing at its
 * timeout (0.5 s), the change hints walking back the successor lists (≤ 8 hops of 50 ms plus a
 * latency each, under 1 s) and the storage step they trigger.
 */
export interface ChordExperimentOptions extends DhtExperimentOptions {
  /** Chord options for every node (replicas is set from `replicas`). */
  chord?: ChordInit
}

export type { ChurnReport }

export interface ChordReport extends DhtReport {
  protocol: 'chord'
}

/** Virtual time given to repair after each churn event (see above). */
const REPAIR_MS = 5000

/**
 * The experiment's periods: stabilize, fix-fingers and check-predecessor back off to the
 * library's maxima (disconnects, not periods, reveal a crash). Replica leases last 3 min (not 1 min), so quiet owners refresh them every
 * minute: the refresh (a scan of each store and a digest of every owned key) was most of the
 * simulator's time under churn. The experiment never overwrites a key, so a replica that lingers
 * after its holder left the key's r successors is an extra copy, never an old value.
 */
const EXPERIMENT_CHORD_DEFAULTS: ChordInit = {
  requestTimeoutMs: 500,
  stabilizeIntervalMs: 1000,
  fixFingersIntervalMs: 2000,
  checkPredecessorIntervalMs: 2000,
  replicateIntervalMs: 5000,
  replicaLeaseMs: 180_000
}


export function runChordExperiment (options: ChordExperimentOptions, log: (line: string) => void = () => {}, phase: PhaseMark = NO_PHASES): ChordReport {
  const n = options.nodes
  const build = buildMode(options)
  const replicas = options.replicas ?? 3
  const keysCount = options.keys ?? 0
  const churning = (options.joins ?? 0) + (options.leaves ?? 0) + (options.crashes ?? 0) > 0
  const cs = new ChordSimulation({
    seed: options.seed,
    connections: churning,
    latency: uniformLatency(10, 60),
    log,
    chord: { ...EXPERIMENT_CHORD_DEFAULTS, ...options.chord, replicas }
  })
  const sim = cs.sim
  const cfg = { ...EXPERIMENT_CHORD_DEFAULTS, ...options.chord }
  const repairMs = options.repairMs ?? REPAIR_MS

  // 1. The stable ring.
  phase('build')
  if (build === 'seed') {
    cs.seedRing(n, log, true)
    log(`seeded a ring of ${n} nodes from the global view`)
  } else {
    buildByJoins(cs, n, log, phase)
  }
  let entries = 0
  for (const node of cs.live()) entries += node.chord.status().fingers.length
  const meanRoutingEntries = entries / cs.size

  // 2. Keys.
  const { keys, keyIds } = keyWorkload(keysCount)
  const net: ExperimentNetwork<ChordSimNode> = cs
  if (keysCount > 0) {
    phase('store')
    storeKeys(net, keys, log)
    sim.runFor(2 * (cfg.replicateIntervalMs ?? 5000))
  }

  // 3. Lookups on the stable ring.
  phase('lookups')
  const first = runLookups(net, options.lookups, 'lookup', log)
  const firstHops = summarizeHops(first.hops)
  log(`lookups: ${options.lookups}, mean hops ${round(firstHops.mean)} (theory ½·log2 N = ${round(0.5 * Math.log2(n))}), failed ${first.failed}, wrong owner ${first.wrong}`)

  // 4. Churn.
  let churn: ChurnReport | undefined
  const events = churnEvents(options, sim.random)
  if (events.length > 0) {
    phase('churn')
    churn = runChurn(net, events, keyIds, repairMs, replicas, log)
    phase('lookups after churn')
    const after = runLookups(net, options.lookups, 'after-churn', log)
    churn.wrongOwners = after.wrong
  }

  const traceHash = sim.finish()
  return {
    protocol: 'chord',
    nodes: n,
    lookups: options.lookups,
    keys: keysCount,
    replicas,
    seed: sim.seed,
    build,
    traceHash,
    wallMs: 0,
    peakRssBytes: 0,
    virtualMs: sim.now(),
    events: sim.counters.events,
    hops: firstHops,
    theory: { meanHops: 0.5 * Math.log2(n) },
    meanRoutingEntries: round(meanRoutingEntries, 2),
    neighboursPerSide: cs.live()[0]?.chord.config.successorListLength ?? 0,
    lookupsFailed: first.failed,
    wrongOwners: first.wrong,
    churn
  }
}

/** Joins in doubling waves (each node through a random member), each wave run until converged. */
function buildByJoins (cs: ChordSimulation, n: number, log: (line: string) => void, phase: PhaseMark): void {
  const sim = cs.sim
  cs.join()
  const stabilizeMs = cs.chordInit.stabilizeIntervalMs ?? 1000
  while (cs.size < n) {
    const add = Math.min(cs.size, n - cs.size)
    for (let i = 0; i < add; i++) sim.after(sim.random.int(stabilizeMs), () => cs.join())
    sim.runFor(stabilizeMs)
    // Progress inside a wave: the nodes whose neighbours are already right.
    if (!cs.runUntilConverged(stabilizeMs, 600 * stabilizeMs, wrong => { log(`build: ${cs.size - wrong}/${n} nodes in place`) })) throw new Error(`ring of ${cs.size} did not converge`)
    log(`build: ${cs.size}/${n} nodes`)
  }
  // Let fix-fingers finish a few cycles (about log2 N lookups per cycle), one period at a time.
  phase('converge')
  const fixMs = cs.chordInit.fixFingersIntervalMs ?? 1000
  const periods = Math.ceil(2 * Math.log2(Math.max(2, n)) + 4)
  for (let i = 1; i <= periods; i++) {
    sim.runFor(fixMs)
    log(`converge: ${i}/${periods} fix-finger periods`)
  }
  log(`built a ring of ${n} nodes by joins; converged at virtual ${sim.now()} ms`)
}
