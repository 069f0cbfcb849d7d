/**
 * One configuration of the cost benchmark: starts N peers on 127.0.0.1 in this process with the
 * given overlays, lets them settle, then measures over a window the process's CPU time
 * (`process.cpuUsage()`), RSS and event-loop delay (`monitorEventLoopDelay`). Invariant: every peer
 * it started is stopped before it returns, whatever failed.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { LocalNetwork } from '../node/local-network.js'
import type { OverlayName } from '../node/libp2p-options.js'

/** Event-loop delay sampling resolution; 10 ms is Node's default and cheap enough to leave on. */
const LOOP_RESOLUTION_MS = 10
/** RSS is sampled this often over the window and averaged. */
const RSS_SAMPLE_MS = 1000

export interface CostSample {
  name: string
  overlays: OverlayName[]
  nodes: number
  /** Wall time to start and connect every peer. */
  startupMs: number
  settleMs: number
  windowMs: number
  /** Process CPU time (user + system) over the window, per second and per peer. */
  cpuMsPerSecPerPeer: number
  /** Mean process RSS over the window, divided by the peers. */
  rssBytesPerPeer: number
  /** RSS of the same process before any peer started (a Node.js process with the code loaded). */
  baselineRssBytes: number
  /** 99th percentile of the event-loop delay over the window. */
  eventLoopLagP99Ms: number
  eventLoopLagMaxMs: number
  /** Open connections per peer at the end of the window. */
  connectionsPerPeer: number
  /** Connections opened during the window, per second and per peer: near 0 once the network has settled. */
  connectionsOpenedPerSecPerPeer: number
  /** Connections the trimmer closed during the window, per peer (src/libp2p/connection-trimmer.ts). */
  connectionsTrimmedPerPeer: number
}

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

export async function measureCost (name: string, overlays: OverlayName[], nodes: number, settleMs: number, windowMs: number, log: (line: string) => void): Promise<CostSample> {
  const baselineRssBytes = process.memoryUsage().rss
  const network = new LocalNetwork({ overlays })
  try {
    const started = performance.now()
    await network.grow(nodes, (i) => { if ((i + 1) % 10 === 0 || i + 1 === nodes) log(`${name}: started ${i + 1}/${nodes} peers`) })
    const startupMs = performance.now() - started
    log(`${name}: settling for ${settleMs / 1000} s`)
    await sleep(settleMs)
    log(`${name}: measuring for ${windowMs / 1000} s`)
    const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS })
    const rss: number[] = []
    const sampler = setInterval(() => { rss.push(process.memoryUsage().rss) }, RSS_SAMPLE_MS)
    let opened = 0
    const countOpen = (): void => { opened++ }
    const live0 = network.live()
    for (const n of live0) n.libp2p.addEventListener('connection:open', countOpen)
    const closedBy = (): number => live0.reduce((sum, n) => sum + n.connectionCounters().trimmed + n.connectionCounters().duplicatesClosed, 0)
    const trimmed0 = closedBy()
    loop.enable()
    const cpu0 = process.cpuUsage()
    const t0 = performance.now()
    await sleep(windowMs)
    const cpu = process.cpuUsage(cpu0)
    const elapsedMs = performance.now() - t0
    loop.disable()
    clearInterval(sampler)
    for (const n of live0) n.libp2p.removeEventListener('connection:open', countOpen)
    const trimmed = closedBy() - trimmed0
    rss.push(process.memoryUsage().rss)
    const live = network.live()
    const connections = live.reduce((sum, n) => sum + n.libp2p.getConnections().length, 0)
    return {
      name,
      overlays,
      nodes,
      startupMs: Math.round(startupMs),
      settleMs,
      windowMs: Math.round(elapsedMs),
      cpuMsPerSecPerPeer: (cpu.user + cpu.system) / 1000 / (elapsedMs / 1000) / nodes,
      rssBytesPerPeer: rss.reduce((a, b) => a + b, 0) / rss.length / nodes,
      baselineRssBytes,
      eventLoopLagP99Ms: loop.percentile(99) / 1e6,
      eventLoopLagMaxMs: loop.max / 1e6,
      connectionsPerPeer: connections / live.length,
      connectionsOpenedPerSecPerPeer: opened / (elapsedMs / 1000) / nodes,
      connectionsTrimmedPerPeer: trimmed / nodes
    }
  } finally {
    await network.stopAll()
  }
}

