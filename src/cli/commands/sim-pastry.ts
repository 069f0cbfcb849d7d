/**
 * `overlay-node sim pastry`: the Pastry experiment in the deterministic simulator (same flags and
 * report fields as `sim chord`, plus the hop distribution): route hops beside log16 N (Rowstron &
 * Druschel 2001 §3.1), keys moved per join, leave or crash beside K/N, keys lost.
 */
import { DHT_SIM_OPTIONS, dhtSimFlags, dhtSimHelp, dhtWorkload, fmt, hopLines, simCommand } from './sim.js'

/** Copies of a key live in the owner's leaf set: at most |L|/2 + 1 with the default |L| = 16. */
const MAX_REPLICAS = 9

export const simPastryCommand = simCommand({
  protocol: 'pastry',
  summary: 'Pastry in the simulator: route hops beside log16 N; keys moved on churn beside K/N.',
  options: DHT_SIM_OPTIONS,
  help: dhtSimHelp('network size (default 1024); built by joins up to 4096 nodes, seeded from the global view above',
    `copies of each key: the closest node and the R-1 next closest (default 3, at most ${MAX_REPLICAS})`),
  plan (ctx) {
    const options = dhtSimFlags(ctx, MAX_REPLICAS)
    return {
      workload: dhtWorkload('pastry', options),
      async run (log, phase) {
        const { runPastryExperiment } = await import('../../experiments/pastry-experiment.js')
        return runPastryExperiment(options, log, phase)
      }
    }
  },
  describe (r) {
    const lines = [
      `pastry, ${r.nodes} nodes (|L| = ${r.leafSetSize}, b = 4, built by ${r.build}), seed ${r.seed}: ${r.lookups} lookups`,
      ...hopLines(r, 'log16 N'),
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
