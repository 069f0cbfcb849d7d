/**
 * `overlay-node sim pastry` as a library function: builds a stable Pastry network in the simulator,
 * measures route hops against log16 N (Rowstron & Druschel 2001 §2.3, §3.1), and under churn
 * measures keys moved per membership event against K/N and keys lost. Same options and report
 * fields as the Chord experiment, plus `hops.distribution`. Invariant: the report is a pure function
 * of the options (seed included), except `wallMs` and `peakRssBytes`, which the caller measures and
 * fills in (they stay 0 here).
 */
import { pastryConfig, type PastryInit } from '../pastry/config.js'
import { PastrySimulation, type PastrySimNode } from '../sim/pastry-sim.js'
import { churnEvents, runChurn, runLookups, storeKeys, summarizeHops, type ChurnReport, type DhtExperimentOptions, type DhtReport, type ExperimentNetwork, buildMode, keyWorkload } from './dht-experiment.js'
import { uniformLatency } from '../sim/latency.js'
import { NO_PHASES, type PhaseMark } from '../sim/phases.js'
import { round } from './stats.js'

/**
 * Under churn the simulator models open connections (SimulatorInit.connections), so a crash reaches
 * the dead node's leaf-set neighbours as a disconnect, as on libp2p. Pastry's default `repairMs`
 * (REPAIR_MS) covers what follows: one latency, the neighbour's probe failing at its timeout
 * (0.5 s), the push of its leaf set to the neighbourhood (100 ms), each member's own probe (one
 * more timeout), the repair exchange and the promotion of replicas. A join or leave moves its keys
 * at once. `build: 'seed'` installs the true leaf sets and routing tables
 * (PastrySimulation.seedNetwork), as a network long stable: maintenance starts at its longest
 * periods.
 */
export interface PastryExperimentOptions extends DhtExperimentOptions {
  /** Pastry options for every node (replicas is set from `replicas`). */
  pastry?: PastryInit
}

export type { ChurnReport }

export interface PastryReport extends DhtReport {
  protocol: 'pastry'
  leafSetSize: number
}

/** Virtual time given to repair after each churn event (see above). */
const REPAIR_MS = 5000

/**
 * The simulated network has no loss and 10-60 ms links: timeouts are short; the leaf-set and
 * routing-table steps back off to the library's maxima (disconnects, not periods, reveal a
 * crash). A storage step makes a full pass over its records on every change of
 * its leaf set; between changes a full pass only refreshes replica leases (anti-entropy), so the
 * lease is 10 min here, which keeps 2000 nodes x 150 records from being rescanned every 20 s.
 */
const EXPERIMENT_PASTRY_DEFAULTS: PastryInit = {
  requestTimeoutMs: 500,
  leafSetIntervalMs: 1000,
  routingTableIntervalMs: 5000,
  replicateIntervalMs: 5000,
  replicaLeaseMs: 600_000
}


export function runPastryExperiment (options: PastryExperimentOptions, log: (line: string) => void = () => {}, phase: PhaseMark = NO_PHASES): PastryReport {
  const n = options.nodes
  const build = buildMode(options)
  const replicas = options.replicas ?? 3
  const keysCount = options.keys ?? 0
  const cfg: PastryInit = { ...EXPERIMENT_PASTRY_DEFAULTS, ...options.pastry, replicas }
  const churning = (options.joins ?? 0) + (options.leaves ?? 0) + (options.crashes ?? 0) > 0
  const ps = new PastrySimulation({ seed: options.seed, connections: churning, latency: uniformLatency(10, 60), log, pastry: cfg })
  const sim = ps.sim
  const config = pastryConfig(cfg)
  const replicateMs = config.replicateIntervalMs
  const repairMs = options.repairMs ?? REPAIR_MS

  // 1. The stable network.
  phase('build')
  if (build === 'seed') {
    ps.seedNetwork(n, log, true)
    log(`seeded a network of ${n} nodes from the global view`)
  } else {
    buildByJoins(ps, n, log)
  }
  let entries = 0
  for (const node of ps.live()) entries += node.pastry.routingEntries()
  const meanRoutingEntries = entries / ps.size

  // 2. Keys.
  const { keys, keyIds } = keyWorkload(keysCount)
  const net: ExperimentNetwork<PastrySimNode> = ps
  if (keysCount > 0) {
    phase('store')
    storeKeys(net, keys, log)
    sim.runFor(2 * replicateMs)
  }

  // 3. Lookups on the stable network.
  phase('lookups')
  const first = runLookups(net, options.lookups, 'lookup', log)
  const firstHops = summarizeHops(first.hops)
  log(`lookups: ${options.lookups}, mean hops ${round(firstHops.mean)} (theory log16 N = ${round(Math.log(n) / Math.log(16))}), ` +
    `failed ${first.failed}, wrong owner ${first.wrong}; routing entries per node ${round(meanRoutingEntries, 1)}`)

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
    protocol: 'pastry',
    nodes: n,
    lookups: options.lookups,
    keys: keysCount,
    replicas,
    leafSetSize: ps.live()[0]?.pastry.config.leafSetSize ?? 0,
    seed: sim.seed,
    build,
    traceHash,
    wallMs: 0,
    peakRssBytes: 0,
    virtualMs: sim.now(),
    events: sim.counters.events,
    hops: firstHops,
    theory: { meanHops: Math.log(n) / Math.log(16) },
    lookupsFailed: first.failed,
    wrongOwners: first.wrong,
    meanRoutingEntries: round(meanRoutingEntries, 2),
    neighboursPerSide: config.leafSetSize / 2,
    churn
  }
}

/** Joins in doubling waves (each node through a random member), each wave run until converged. */
function buildByJoins (ps: PastrySimulation, n: number, log: (line: string) => void): void {
  const sim = ps.sim
  ps.join()
  const leafMs = ps.pastryInit.leafSetIntervalMs ?? 1000
  while (ps.size < n) {
    const add = Math.min(ps.size, n - ps.size)
    for (let i = 0; i < add; i++) sim.after(sim.random.int(leafMs), () => ps.join())
    sim.runFor(leafMs)
    // Progress inside a wave: the nodes whose leaf sets are already right.
    if (!ps.runUntilConverged(leafMs, 600 * leafMs, wrong => { log(`build: ${ps.size - wrong}/${n} nodes in place`) })) throw new Error(`network of ${ps.size} did not converge`)
    log(`build: ${ps.size}/${n} nodes`)
  }
  log(`built a network of ${n} nodes by joins; converged at virtual ${sim.now()} ms`)
}
