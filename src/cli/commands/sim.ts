/**
 * `overlay-node sim <protocol>`: runs an experiment in the deterministic simulator and prints its
 * figures beside the theory; `--out FILE` writes the whole report (its folder is checked before
 * the run), `--json` prints it on stdout. Every experiment is a pure function of its options and
 * seed; this command adds only what a pure run cannot know: wall time, peak memory and where it
 * ran (versions, commit, machine). The report shapes share their core fields so one reader serves
 * all. The experiments load only when one runs.
 */
import { spawn } from 'node:child_process'
import { constants } from 'node:fs'
import { access, stat, writeFile } from 'node:fs/promises'
import { totalmem } from 'node:os'
import { dirname } from 'node:path'
import { getHeapStatistics } from 'node:v8'
import { MAX_SUCCESSORS } from '../../chord/limits.js'
import { planHeap, type SimWorkload } from '../../sim/memory-estimate.js'
import type { PhaseMark } from '../../sim/phases.js'
import { intFlag, stringFlag } from '../command.js'
import { progressWriter } from '../progress.js'
import { UsageError } from '../usage-error.js'
import type { Command, CommandContext, Options } from '../command.js'

/**
 * A sanity bound on `--nodes`; whether a size fits this machine is the memory estimate's call
 * (src/sim/memory-estimate.ts), made before anything is built.
 */
export const MAX_SIM_NODES = 1_000_000_000
export const MAX_SIM_LOOKUPS = 10_000_000
export const MAX_SIM_KEYS = 10_000_000

export interface SimReport {
  protocol: string
  seed: string
  traceHash: string
  wallMs: number
  peakRssBytes: number
  /** Wall time of each phase (build, converge, store, lookups, churn, …) in run order, in ms. */
  phasesMs?: Record<string, number>
  /** The memory estimate the run was sized by (src/sim/memory-estimate.ts). */
  estimatedBytes?: number
  /** The V8 heap limit the run had (raised by a re-execution when the estimate needed it). */
  heapLimitBytes?: number
  /** This package's version and the git commit the run came from (also in `environment`). */
  version?: string
  commit?: string
  /** Versions, commit and machine (src/bench/environment.ts), as every benchmark report has. */
  environment?: Record<string, unknown>
}

/** A parsed sim command line: what it will need, and the run itself. */
export interface SimPlan {
  workload: SimWorkload
  /** Runs the experiment; `log` prints progress to stderr, `phase` marks the start of each phase. */
  run(log: (line: string) => void, phase: PhaseMark): SimReport | Promise<SimReport>
}

export interface SimSpec {
  protocol: string
  summary: string
  options: Options
  help: string[]
  /** Reads and checks the flags (a bad one throws UsageError) and returns the plan of the run. */
  plan(ctx: CommandContext): SimPlan
  /** The human summary printed after the run. */
  describe(report: any): string
}

/** The seed flag: any string (numbers are the usual choice); default 1 so runs repeat by default. */
export function seedFlag (ctx: CommandContext): string {
  const seed = stringFlag(ctx, 'seed') ?? '1'
  if (seed.length === 0 || seed.length > 128) throw new UsageError('--seed must be 1 to 128 characters')
  return seed
}

/**
 * `--json FILE` (and `--json=FILE`), the old spelling of `--out FILE`: a sim takes no arguments,
 * so a word after `--json` can only be a file name.
 */
export function rewriteDeprecatedJson (argv: string[], warn: (line: string) => void): string[] {
  const out: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    const next = argv[i + 1]
    if (arg.startsWith('--json=')) {
      out.push('--out', arg.slice('--json='.length))
    } else if (arg === '--json' && next !== undefined && !next.startsWith('-')) {
      out.push('--out', next)
      i++
    } else {
      out.push(arg)
      continue
    }
    warn("overlay-node: '--json FILE' is deprecated; use '--out FILE' (--json now prints the report on stdout)")
  }
  return out
}

/** Refuses a report path that cannot be written, before a run that may take minutes. */
async function checkOutFile (file: string): Promise<void> {
  const info = await stat(file).catch(() => undefined)
  if (info?.isDirectory() === true) throw new UsageError(`--out ${file} is a folder; give a file name`)
  try {
    await access(info === undefined ? dirname(file) : file, constants.W_OK)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new UsageError(`--out ${file}: ${code === 'ENOENT' ? `the folder ${dirname(file)} does not exist` : 'cannot be written'}`)
  }
}

export function simCommand (spec: SimSpec): Command {
  return {
    name: `sim ${spec.protocol}`,
    args: '',
    summary: spec.summary,
    arity: [0, 0],
    json: true,
    options: { ...spec.options, seed: { type: 'string' }, out: { type: 'string' }, quiet: { type: 'boolean' } },
    rewriteArgs: rewriteDeprecatedJson,
    help: [
      ...spec.help,
      '--seed S          seed of every random draw (default 1); the same seed gives the same trace hash',
      '--out FILE        write the full report as JSON to FILE (its folder must exist)',
      '--quiet           no progress lines on stderr (progress overwrites itself on a terminal)'
    ],
    async run (ctx) {
      const outFile = stringFlag(ctx, 'out')
      const plan = spec.plan(ctx)
      const heap = planHeap(plan.workload, totalmem(), getHeapStatistics().heap_size_limit, process.env[REEXEC_ENV] !== undefined)
      if (heap.action === 'refuse') {
        const keys = plan.workload.keys ?? 0
        throw new UsageError(`sim ${spec.protocol}: ${plan.workload.nodes} nodes${keys > 0 ? ` and ${keys} keys` : ''} need about ${gib(heap.estimateBytes)} GiB and this machine ` +
          `lets a run use ${gib(heap.budgetBytes)} GiB; ${heap.largestNodes > 0 ? `at most about ${heap.largestNodes} nodes fit` : 'the keys and lookups alone do not fit'}`)
      }
      if (outFile !== undefined) await checkOutFile(outFile)
      if (heap.action === 'reexec') return await reexecWithHeap(heap.heapLimitMiB)
      const progress = progressWriter()
      const log = ctx.flags.quiet === true ? () => {} : (line: string) => { progress.line(line) }
      const phases = new PhaseClock(log)
      const started = performance.now()
      const report = await plan.run(log, name => { phases.mark(name) })
      phases.mark(undefined)
      progress.end()
      report.wallMs = Math.round(performance.now() - started)
      report.peakRssBytes = process.resourceUsage().maxRSS * 1024
      report.phasesMs = phases.durations
      report.estimatedBytes = heap.estimateBytes
      report.heapLimitBytes = getHeapStatistics().heap_size_limit
      const { benchEnvironment, gitCommit, packageVersion } = await import('../../bench/environment.js')
      report.version = packageVersion()
      report.commit = gitCommit()
      report.environment = benchEnvironment()
      if (ctx.json) {
        ctx.out(JSON.stringify(report))
      } else {
        ctx.out(spec.describe(report))
        const phaseText = Object.entries(report.phasesMs).map(([name, ms]) => `${name} ${(ms / 1000).toFixed(1)} s`).join(', ')
        ctx.out(`wall ${(report.wallMs / 1000).toFixed(1)} s (${phaseText}), peak RSS ${(report.peakRssBytes / 2 ** 20).toFixed(0)} MiB ` +
          `(estimated ${(report.estimatedBytes / 2 ** 20).toFixed(0)} MiB), trace hash ${report.traceHash}`)
      }
      if (outFile !== undefined) await writeFile(outFile, JSON.stringify(report, null, 2) + '\n')
      return 0
    }
  }
}

/** Set in a re-executed sim, so it runs with the heap it was given instead of asking again. */
const REEXEC_ENV = 'OVERLAY_NODE_SIM_HEAP'

/**
 * The young generation's semi-space of a re-executed sim (V8's default is 16 MiB): a large run
 * allocates fast and keeps most of it, and with 64 MiB it spent about a quarter less time in
 * scavenges (measured on a 3·10^4-node Chord run).
 */
const SEMI_SPACE_MIB = 64

const gib = (bytes: number): string => (bytes / 2 ** 30).toFixed(1)

/**
 * Runs this same command line again in a child Node with `--max-old-space-size`, its output going
 * straight to ours, and returns its exit code. The entry point (main.js) loads the polyfill first
 * in the child as in this process.
 */
async function reexecWithHeap (heapLimitMiB: number): Promise<number> {
  const args = [...process.execArgv.filter(a => !a.startsWith('--max-old-space-size') && !a.startsWith('--max-semi-space-size')), `--max-old-space-size=${heapLimitMiB}`, `--max-semi-space-size=${SEMI_SPACE_MIB}`, ...process.argv.slice(1)]
  const child = spawn(process.execPath, args, { stdio: 'inherit', env: { ...process.env, [REEXEC_ENV]: String(heapLimitMiB) } })
  const forward = (signal: NodeJS.Signals): void => { child.kill(signal) }
  process.on('SIGINT', forward).on('SIGTERM', forward)
  try {
    return await new Promise<number>((resolve, reject) => {
      child.once('error', reject)
      child.once('exit', (code, signal) => { resolve(code ?? (signal !== null ? 1 : 0)) })
    })
  } finally {
    process.off('SIGINT', forward).off('SIGTERM', forward)
  }
}

/** Wall time per phase: each mark ends the open phase (printing its time) and starts the next. */
class PhaseClock {
  readonly durations: Record<string, number> = {}
  private open: { name: string, at: number } | undefined

  constructor (private readonly log: (line: string) => void) {}

  mark (name: string | undefined): void {
    const now = performance.now()
    if (this.open !== undefined) {
      const ms = Math.round(now - this.open.at)
      this.durations[this.open.name] = (this.durations[this.open.name] ?? 0) + ms
      this.log(`${this.open.name} took ${(ms / 1000).toFixed(1)} s`)
    }
    this.open = name === undefined ? undefined : { name, at: now }
  }
}

/** A figure as the summaries print it: whole numbers as they are, others to three decimals. */
export const fmt = (x: number): string => Number.isInteger(x) ? String(x) : x.toFixed(3)

const percent = (part: number, whole: number): string => `${(100 * part / whole).toFixed(1)}%`

/** The lines `sim chord` and `sim pastry` print about lookup hops: summary and distribution. */
export function hopLines (r: { hops: { mean: number, p1: number, p50: number, p99: number, max: number, distribution: number[] }, theory: { meanHops: number } }, theory: string): string[] {
  const total = r.hops.distribution.reduce((a, b) => a + b, 0)
  const distribution = r.hops.distribution
    .map((count, hops) => count === 0 ? '' : `${hops}: ${percent(count, total)}`)
    .filter(s => s !== '')
    .join(', ')
  return [
    `hops mean ${fmt(r.hops.mean)} (theory ${theory} = ${fmt(r.theory.meanHops)}), p1 ${r.hops.p1}, p50 ${r.hops.p50}, p99 ${r.hops.p99}, max ${r.hops.max}`,
    `hop distribution ${distribution}`
  ]
}

/** The flags `sim chord` and `sim pastry` share. */
export const DHT_SIM_OPTIONS: Options = {
  nodes: { type: 'string' },
  lookups: { type: 'string' },
  keys: { type: 'string' },
  joins: { type: 'string' },
  leaves: { type: 'string' },
  crashes: { type: 'string' },
  replicas: { type: 'string' }
}

export function dhtSimHelp (nodesHelp: string, replicasHelp: string): string[] {
  return [
    `--nodes N         ${nodesHelp}`,
    '--lookups L       lookups of random keys from random nodes (default 1000)',
    '--keys K          keys stored before churn (default 0)',
    '--joins J         nodes that join, one at a time after the keys are stored (default 0)',
    '--leaves J        nodes that leave gracefully (default 0)',
    '--crashes C       nodes that crash (default 0)',
    `--replicas R      ${replicasHelp}`
  ]
}

/** What a Chord or Pastry run holds at its peak: the nodes (joiners too), every copy of every key, the lookups. */
export function dhtWorkload (protocol: 'chord' | 'pastry', o: ReturnType<typeof dhtSimFlags>): SimWorkload {
  return { protocol, nodes: o.nodes + o.joins, keys: o.keys, replicas: o.replicas, lookups: o.lookups }
}

/** Reads and checks the shared DHT experiment flags. */
export function dhtSimFlags (ctx: CommandContext, maxReplicas: number): { nodes: number, lookups: number, keys: number, joins: number, leaves: number, crashes: number, replicas: number, seed: string } {
  const nodes = intFlag(ctx, 'nodes', 1024, 2, MAX_SIM_NODES)
  const leaves = intFlag(ctx, 'leaves', 0, 0, MAX_SIM_NODES)
  const crashes = intFlag(ctx, 'crashes', 0, 0, MAX_SIM_NODES)
  if (leaves + crashes >= nodes) throw new UsageError('--leaves plus --crashes must leave at least one node')
  return {
    nodes,
    lookups: intFlag(ctx, 'lookups', 1000, 0, MAX_SIM_LOOKUPS),
    keys: intFlag(ctx, 'keys', 0, 0, MAX_SIM_KEYS),
    joins: intFlag(ctx, 'joins', 0, 0, MAX_SIM_NODES),
    leaves,
    crashes,
    replicas: intFlag(ctx, 'replicas', 3, 1, maxReplicas),
    seed: seedFlag(ctx)
  }
}

export const simChordCommand = simCommand({
  protocol: 'chord',
  summary: 'Chord in the simulator: lookup hops beside ½·log2 N; keys moved on churn beside K/N.',
  options: DHT_SIM_OPTIONS,
  help: dhtSimHelp('ring size (default 1024); built by joins up to 4096 nodes, seeded from the global view above',
    'copies of each key: owner and R-1 successors (default 3)'),
  plan (ctx) {
    const options = dhtSimFlags(ctx, MAX_SUCCESSORS)
    return {
      workload: dhtWorkload('chord', options),
      async run (log, phase) {
        const { runChordExperiment } = await import('../../experiments/chord-experiment.js')
        return runChordExperiment(options, log, phase)
      }
    }
  },
  describe (r) {
    const lines = [
      `chord, ${r.nodes} nodes, seed ${r.seed}: ${r.lookups} lookups`,
      ...hopLines(r, '½·log2 N'),
      `failed lookups ${r.lookupsFailed}, wrong owners ${r.wrongOwners}; distinct fingers per node ${fmt(r.meanRoutingEntries)}`
    ]
    if (r.churn !== undefined) {
      const c = r.churn
      const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0)
      lines.push(
        `churn: ${c.events} events; primary copies moved ${sum(c.primaryMoved)}, keys that had to move ${sum(c.mustMove)}`,
        `mean moved per event ${fmt(c.meanMovedPerEvent)} (K/N = ${fmt(c.keysOverNodes)}); replica copies ${sum(c.replicaCopies)}; keys lost ${c.keysLost}; wrong owners after churn ${c.wrongOwners}`
      )
    }
    return lines.join('\n')
  }
})
