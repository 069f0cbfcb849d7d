/**
 * `overlay-node sim pastry`: the Pastry experiment in the deterministic simulator (same flags and
 * report fields as `sim chord`, plus the hop distribution): route hops beside log16 N (Rowstron &
 * Druschel 2001 §3.1), keys moved per join, leave or crash beside K/N, keys lost.
 */
import { runPastryExperiment } from '../../sim/pastry-experiment.js'
import { intFlag } from '../command.js'
import { UsageError } from '../usage-error.js'
import { MAX_SIM_KEYS, MAX_SIM_LOOKUPS, MAX_SIM_NODES, seedFlag, simCommand } from './sim.js'

/** Copies of a key live in the owner's leaf set: at most |L|/2 + 1 with the default |L| = 16. */
const MAX_REPLICAS = 9

const fmt = (x: number): string => Number.isInteger(x) ? String(x) : x.toFixed(3)
const percent = (part: number, whole: number): string => `${(100 * part / whole).toFixed(1)}%`

export const simPastryCommand = simCommand({
  protocol: 'pastry',
  summary: 'Pastry in the simulator: route hops beside log16 N; keys moved on churn beside K/N.',
  options: {
    nodes: { type: 'string' },
    lookups: { type: 'string' },
    keys: { type: 'string' },
    joins: { type: 'string' },
    leaves: { type: 'string' },
    crashes: { type: 'string' },
    replicas: { type: 'string' }
  },
  help: [
    '--nodes N         network size (default 1024); built by joins up to 4096 nodes, seeded from the global view above',
    '--lookups L       lookups of random keys from random nodes (default 1000)',
    '--keys K          keys stored before churn (default 0)',
    '--joins J         nodes that join, one at a time after the keys are stored (default 0)',
    '--leaves J        nodes that leave gracefully (default 0)',
    '--crashes C       nodes that crash (default 0)',
    `--replicas R      copies of each key: the closest node and the R-1 next closest (default 3, at most ${MAX_REPLICAS})`
  ],
  run (ctx, log) {
    const nodes = intFlag(ctx, 'nodes', 1024, 2, MAX_SIM_NODES)
    if (intFlag(ctx, 'leaves', 0, 0, MAX_SIM_NODES) + intFlag(ctx, 'crashes', 0, 0, MAX_SIM_NODES) >= nodes) {
      throw new UsageError('--leaves plus --crashes must leave at least one node')
    }
    return runPastryExperiment({
      nodes,
      lookups: intFlag(ctx, 'lookups', 1000, 0, MAX_SIM_LOOKUPS),
      keys: intFlag(ctx, 'keys', 0, 0, MAX_SIM_KEYS),
      joins: intFlag(ctx, 'joins', 0, 0, MAX_SIM_NODES),
      leaves: intFlag(ctx, 'leaves', 0, 0, MAX_SIM_NODES),
      crashes: intFlag(ctx, 'crashes', 0, 0, MAX_SIM_NODES),
      replicas: intFlag(ctx, 'replicas', 3, 1, MAX_REPLICAS),
      seed: seedFlag(ctx)
    }, log)
  },
  describe (r) {
    const distribution = (r.hops.distribution as number[])
      .map((count, hops) => count === 0 ? '' : `${hops}: ${percent(count, r.lookups)}`)
      .filter(s => s !== '')
      .join(', ')
    const lines = [
      `pastry, ${r.nodes} nodes (|L| = ${r.leafSetSize}, b = 4, built by ${r.build}), seed ${r.seed}: ${r.lookups} lookups`,
      `hops mean ${fmt(r.hops.mean)} (theory log16 N = ${fmt(r.theory.meanHops)}), p1 ${r.hops.p1}, p50 ${r.hops.p50}, p99 ${r.hops.p99}, max ${r.hops.max}`,
      `hop distribution ${distribution}`,
      `failed lookups ${r.lookupsFailed}, wrong owners ${r.wrongOwners}; routing-table entries per node ${fmt(r.meanRoutingEntries)}`
    ]
    if (r.churn !== undefined) {
      const c = r.churn
      const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0)
      lines.push(
        `churn: ${c.events} events; primary copies moved ${sum(c.primaryMoved)}, keys that had to move ${sum(c.mustMove)}`,
        `mean moved per event ${fmt(c.meanMovedPerEvent)} (K/N = ${fmt(c.keysOverNodes)}); replica copies ${sum(c.replicaCopies)}; keys lost ${c.keysLost}; ` +
          `misplaced primaries ${c.misplacedPrimaries}; wrong owners after churn ${c.wrongOwners}`
      )
    }
    return lines.join('\n')
  }
})
