/**
 * `overlay-node bench cost`: what our overlays cost an idle peer beside the stock stack (issue 8).
 * The same N peers are started once per configuration — the stock stack alone (identify, ping,
 * kad-dht, gossipsub), the stock stack plus each of Chord, Pastry and SIR, then everything — each
 * configuration's peers all in one worker process of their own, run one after another, so that one
 * configuration's RSS and CPU never include another's. Writes `report.json` and `report.md`.
 */
import { spawn } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { benchEnvironment } from './environment.js'
import type { CostSample } from './cost-measure.js'
import type { OverlayName } from '../node/libp2p-options.js'

export const COST_CONFIGS: ReadonlyArray<{ name: string, overlays: OverlayName[] }> = [
  { name: 'stock', overlays: [] },
  { name: 'chord', overlays: ['chord'] },
  { name: 'pastry', overlays: ['pastry'] },
  { name: 'sir', overlays: ['sir'] },
  { name: 'all', overlays: ['chord', 'pastry', 'sir'] }
]

/**
 * A worker gets this long per peer to start its network, on top of settle and window. Measured:
 * 0.4–0.9 s a peer at 30 peers, but 150 peers with every overlay were not all up after 570 s
 * (3.8 s a peer), so the budget is 10 s a peer.
 */
const STARTUP_BUDGET_MS_PER_PEER = 10_000
const STARTUP_BUDGET_BASE_MS = 60_000

export interface CostOptions {
  nodes: number
  outDir: string
  settleMs: number
  windowMs: number
  /** Names from COST_CONFIGS, in the order to run. */
  configs: string[]
  log: (line: string) => void
}

export interface CostReport {
  benchmark: 'cost'
  nodes: number
  settleMs: number
  windowMs: number
  method: string
  environment: Record<string, unknown>
  configs: CostSample[]
}

const WORKER = fileURLToPath(new URL('./cost-worker.js', import.meta.url))
const POLYFILL = fileURLToPath(new URL('../polyfill.js', import.meta.url))

async function runWorker (name: string, overlays: OverlayName[], options: CostOptions): Promise<CostSample> {
  const budgetMs = STARTUP_BUDGET_BASE_MS + STARTUP_BUDGET_MS_PER_PEER * options.nodes + options.settleMs + options.windowMs
  const child = spawn(process.execPath, ['--import', POLYFILL, WORKER, name, overlays.length === 0 ? '-' : overlays.join(','), String(options.nodes), String(options.settleMs), String(options.windowMs)], {
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderrTail = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderrTail = (stderrTail + chunk).slice(-4000)
    for (const line of chunk.split('\n')) if (line.trim() !== '' && !line.startsWith('    at ')) options.log(line)
  })
  const timer = setTimeout(() => { child.kill('SIGKILL') }, budgetMs)
  const code = await new Promise<number | null>(resolve => { child.once('exit', resolve) })
  clearTimeout(timer)
  if (code !== 0) throw new Error(`cost worker '${name}' ${code === null ? `was killed after ${Math.round(budgetMs / 1000)} s` : `exited ${code}`}: ${stderrTail.trim().split('\n').slice(-1)[0] ?? ''}`)
  return JSON.parse(stdout.trim().split('\n').pop() as string) as CostSample
}

const MB = 1024 * 1024
const fixed = (x: number, digits: number): string => x.toFixed(digits)

/** The markdown summary: one row per configuration, with its ratio to the stock stack. */
export function costTable (report: CostReport): string {
  const stock = report.configs.find(c => c.name === 'stock')
  const ratio = (x: number, base: number | undefined): string => base === undefined || base === 0 ? '—' : `${fixed(x / base, 2)}×`
  return [
    `# Idle cost per peer: ${report.nodes} peers in one process, settle ${report.settleMs / 1000} s, window ${report.windowMs / 1000} s`,
    '',
    `${String(report.environment.cpus)} cores (${String(report.environment.cpuModel)}), Node ${String(report.environment.node)}, commit ${String(report.environment.commit).slice(0, 12)}.`,
    '',
    '| config | CPU ms/s per peer | × stock | RSS MB per peer | × stock | event-loop lag p99 ms | max ms | connections per peer | opened /s per peer | start-up s |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...report.configs.map(c => `| ${c.name} | ${fixed(c.cpuMsPerSecPerPeer, 2)} | ${ratio(c.cpuMsPerSecPerPeer, stock?.cpuMsPerSecPerPeer)} | ${fixed(c.rssBytesPerPeer / MB, 1)} | ${ratio(c.rssBytesPerPeer, stock?.rssBytesPerPeer)} | ${fixed(c.eventLoopLagP99Ms, 1)} | ${fixed(c.eventLoopLagMaxMs, 1)} | ${fixed(c.connectionsPerPeer, 1)} | ${fixed(c.connectionsOpenedPerSecPerPeer, 3)} | ${fixed(c.startupMs / 1000, 1)} |`),
    ''
  ].join('\n')
}

export async function runCostSuite (options: CostOptions): Promise<CostReport> {
  await mkdir(options.outDir, { recursive: true })
  const report: CostReport = {
    benchmark: 'cost',
    nodes: options.nodes,
    settleMs: options.settleMs,
    windowMs: options.windowMs,
    method: 'each configuration in a fresh worker process holding all its peers (TCP on 127.0.0.1, --local profile; each peer dials node 0 and 2 random earlier peers); after settleMs, process.cpuUsage() over windowMs divided by seconds and peers; RSS sampled each second and averaged, divided by peers; monitorEventLoopDelay (10 ms resolution) over the window',
    environment: benchEnvironment(),
    configs: []
  }
  for (const name of options.configs) {
    const config = COST_CONFIGS.find(c => c.name === name)
    if (config === undefined) throw new RangeError(`unknown cost configuration '${name}' (known: ${COST_CONFIGS.map(c => c.name).join(', ')})`)
    report.configs.push(await runWorker(config.name, config.overlays, options))
    await writeFile(join(options.outDir, 'report.json'), JSON.stringify(report, null, 2) + '\n')
  }
  await writeFile(join(options.outDir, 'report.md'), costTable(report))
  return report
}
