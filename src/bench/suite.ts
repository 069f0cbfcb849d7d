/**
 * What the real-network suites (dht, churn) share around their measurements: the phase timings
 * they report, and the three files each writes into `--out DIR` (report.json, samples.csv,
 * report.md; STYLE.md #15).
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { benchEnvironment } from './environment.js'

/** The options every real-network suite takes (each adds its own, and says what its settle time is for). */
export interface SuiteOptions {
  nodes: number
  seed: string
  /** Worker processes. @default ceil(N / PEERS_PER_PROCESS) */
  processes?: number
  outDir: string
  settleS: number
  /** Operations in flight at once, network-wide. @default DEFAULT_OPS_IN_FLIGHT (dht.ts) */
  concurrency?: number
  /** Progress, one line at a time. */
  log: (line: string) => void
}

/** The fields every real-network suite's report.json carries besides its own parameters, results and samples. */
export interface SuiteReportHeader {
  nodes: number
  seed: string
  processes: number
  settleS: number
  /** Operations in flight at once, network-wide. */
  concurrency: number
  /** How the figures were made, in words. */
  method: string
  environment: Record<string, unknown>
  timingsMs: Record<string, number>
}

/** A report's header from the run's options, the processes its network got and how its figures are made. */
export function reportHeader (options: SuiteOptions, processes: number, concurrency: number, method: string, timingsMs: Record<string, number>): SuiteReportHeader {
  return { nodes: options.nodes, seed: options.seed, processes, settleS: options.settleS, concurrency, method, environment: benchEnvironment(), timingsMs }
}

/** Times each named phase into `timingsMs` (ms, summed over repeats), whether it succeeds or throws. */
export function stopwatch (timingsMs: Record<string, number>): <T>(name: string, work: () => Promise<T>) => Promise<T> {
  return async (name, work) => {
    const t0 = performance.now()
    try { return await work() } finally { timingsMs[name] = (timingsMs[name] ?? 0) + Math.round(performance.now() - t0) }
  }
}

/** Creates `outDir` before a run, so a path that cannot be written fails at once, not after the run. */
export async function makeOutDir (outDir: string): Promise<void> {
  await mkdir(outDir, { recursive: true })
}

/** Writes a suite's report (JSON), its samples (CSV) and its markdown summary into `outDir`, creating it. */
export async function writeSuiteOutput (outDir: string, report: unknown, csv: string, markdown: string): Promise<void> {
  await mkdir(outDir, { recursive: true })
  await writeFile(join(outDir, 'report.json'), JSON.stringify(report, null, 2) + '\n')
  await writeFile(join(outDir, 'samples.csv'), csv)
  await writeFile(join(outDir, 'report.md'), markdown)
}

/** The simulator's Chord and Pastry experiments, loaded only when a suite runs them. */
export type Simulators = { chord: typeof import('../experiments/chord-experiment.js'), pastry: typeof import('../experiments/pastry-experiment.js') }

export async function simulators (): Promise<Simulators> {
  const [chord, pastry] = await Promise.all([import('../experiments/chord-experiment.js'), import('../experiments/pastry-experiment.js')])
  return { chord, pastry }
}

/** A suite's report.md: a title, the machine it ran on, a note on what the figures count, and one table row per DHT. */
/** What the environment line says of the network: the suite's own peers, or the daemons of `--targets` (wherever they run). */
export const networkWords = (targets: readonly string[] | undefined): string => targets === undefined ? 'TCP on 127.0.0.1; ' : 'Running daemons (--targets) on their own hosts and transports; the bench\'s host: '

export function markdownSummary (title: string, environment: Record<string, unknown>, note: string, columns: readonly string[], rows: ReadonlyArray<readonly string[]>, network = networkWords(undefined)): string {
  const env = environment
  return [
    `# ${title}`,
    '',
    `${network}${String(env.cpus)} cores (${String(env.cpuModel)}), Node ${String(env.node)}, commit ${String(env.commit).slice(0, 12)}.`,
    note,
    '',
    `| ${columns.join(' | ')} |`,
    `|${columns.map(() => '---|').join('')}`,
    ...rows.map(r => `| ${r.join(' | ')} |`),
    ''
  ].join('\n')
}
