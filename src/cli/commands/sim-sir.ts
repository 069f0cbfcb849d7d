/**
 * `overlay-node sim sir`: SIR rumor mongering in the simulator (src/experiments/sir-experiment.ts): per k,
 * the residue beside s = exp(-(k+1)(1-s)), traffic, t_avg and t_last; for k = inf the share still
 * susceptible per round beside the push / pull recursions, and rounds to inform everyone.
 */
import type { SirReport, SirTiming } from '../../experiments/sir-experiment.js'
import { SIR_MODES, type SirMode } from '../../sir/config.js'
import { choiceFlag, intFlag, stringFlag } from '../command.js'
import { UsageError } from '../usage-error.js'
import { MAX_SIM_NODES, seedFlag, simCommand } from './sim.js'

/** Trials per k; each is a full epidemic over --nodes nodes. */
const MAX_SIR_TRIALS = 10_000
/** Values of k in one run. */
const MAX_SIR_KS = 64

/** Parses `1,2,3` or `inf` (or a mix): each k >= 1, or inf / infinity for the SI model. */
export function parseKList (raw: string): number[] {
  const parts = raw.split(',').map(p => p.trim().toLowerCase())
  if (parts.length > MAX_SIR_KS) throw new UsageError(`--k takes at most ${MAX_SIR_KS} values`)
  return parts.map(p => {
    if (p === 'inf' || p === 'infinity') return Infinity
    const k = Number(p)
    if (p === '' || !Number.isFinite(k) || k < 1) throw new UsageError(`--k takes numbers >= 1 or 'inf', separated by commas; got '${raw}'`)
    return k
  })
}

const fmt = (x: number, digits = 4): string => Number.isInteger(x) ? String(x) : x.toFixed(digits)

export const simSirCommand = simCommand({
  protocol: 'sir',
  summary: 'SIR rumor mongering in the simulator: residue beside s = exp(-(k+1)(1-s)); SI rounds beside the push/pull recursions.',
  options: {
    nodes: { type: 'string' },
    mode: { type: 'string' },
    k: { type: 'string' },
    trials: { type: 'string' },
    timing: { type: 'string' }
  },
  help: [
    '--nodes N         nodes, each contacting a uniformly random other node per round (default 1000)',
    '--mode M          push, pull or pushpull (default push)',
    '--k LIST          removal 1/k on feedback: e.g. 1,2,3,4,5, or inf for the SI model (default 1,2,3,4,5)',
    '--trials T        epidemics per k, each from a random node (default 10)',
    '--timing T        aligned: synchronous rounds as in the analysis (default); jittered: the peer\'s own timers'
  ],
  plan (ctx) {
    const options = {
      nodes: intFlag(ctx, 'nodes', 1000, 2, MAX_SIM_NODES),
      mode: choiceFlag<SirMode>(ctx, 'mode', SIR_MODES, 'push'),
      ks: parseKList(stringFlag(ctx, 'k') ?? '1,2,3,4,5'),
      trials: intFlag(ctx, 'trials', 10, 1, MAX_SIR_TRIALS),
      timing: choiceFlag<SirTiming>(ctx, 'timing', ['aligned', 'jittered'], 'aligned'),
      seed: seedFlag(ctx)
    }
    return {
      workload: { protocol: 'sir', nodes: options.nodes },
      async run (log, phase) {
        const { runSirExperiment } = await import('../../experiments/sir-experiment.js')
        return runSirExperiment(options, log, phase)
      }
    }
  },
  describe (r: SirReport) {
    const lines = [
      `sir, ${r.nodes} nodes, mode ${r.mode}, ${r.trials} trials per k, ${r.timing} rounds, seed ${r.seed}`,
      'k     residue mean ± std    s*        traffic/node  t_avg   t_last'
    ]
    for (const x of r.results) {
      lines.push(`${String(x.k).padEnd(5)} ${fmt(x.residueMean).padStart(7)} ± ${fmt(x.residueStd).padEnd(9)}  ${fmt(x.theoryResidue).padEnd(8)}  ` +
        `${fmt(x.trafficPerNode, 2).padEnd(12)}  ${fmt(x.tAvg, 2).padEnd(6)}  ${fmt(x.tLast, 2)}` +
        (x.theoryTrafficPerNode !== null ? `   (traffic theory (k+1)(1-s*) = ${fmt(x.theoryTrafficPerNode, 2)})` : ''))
    }
    for (const x of r.results) {
      if (x.rounds === undefined) continue
      lines.push(`k = inf: share still susceptible per round (theory: the recursion from the actual previous share)`)
      lines.push('round  susceptible  theory')
      for (const row of x.rounds) lines.push(`${String(row.round).padStart(5)}  ${row.susceptibleMean.toFixed(6)}     ${row.theory.toFixed(6)}`)
      lines.push(`all informed after ${fmt(x.roundsToAll ?? NaN, 2)} rounds (min ${x.roundsToAllMin}, max ${x.roundsToAllMax}); ` +
        `${x.theoryRoundsToAllFormula} = ${fmt(x.theoryRoundsToAll ?? NaN, 2)}` + (x.log3N !== undefined ? `, log3 N = ${fmt(x.log3N, 2)}` : ''))
    }
    return lines.join('\n')
  }
})
