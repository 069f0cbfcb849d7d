/**
 * Measures the live heap per simulated node: builds a seeded network of N nodes of one protocol,
 * runs it for 3 virtual seconds (timers armed, a first round of maintenance done), and divides the
 * heap growth after a full collection by N. The figures behind src/sim/memory-estimate.ts.
 * Usage: node --expose-gc dist/src/sim/node-bytes.js chord|pastry|sir N
 */
import { ChordSimulation } from './chord-sim.js'
import { PastrySimulation } from './pastry-sim.js'
import { SirSimulation } from './sir-sim.js'

/** Virtual time run after the build, so each node's timers and first maintenance exist. */
const SETTLE_MS = 3000

function liveBytes (): number {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) throw new Error('run node with --expose-gc')
  gc(); gc()
  const m = process.memoryUsage()
  return m.heapUsed + m.external
}

export function measureNodeBytes (protocol: string, n: number): { bytesPerNode: number, buildMs: number } {
  const before = liveBytes()
  const started = performance.now()
  let keep: { sim: { runFor: (ms: number) => void } }
  if (protocol === 'chord') {
    const cs = new ChordSimulation({ seed: 1 })
    cs.seedRing(n)
    keep = cs
  } else if (protocol === 'pastry') {
    const ps = new PastrySimulation({ seed: 1 })
    ps.seedNetwork(n)
    keep = ps
  } else if (protocol === 'sir') {
    keep = new SirSimulation({ seed: 1, nodes: n })
  } else {
    throw new RangeError(`unknown protocol ${protocol}`)
  }
  keep.sim.runFor(SETTLE_MS)
  const buildMs = Math.round(performance.now() - started)
  const bytesPerNode = Math.round((liveBytes() - before) / n)
  return { bytesPerNode, buildMs }
}

if (process.argv[1]?.endsWith('node-bytes.js') === true) {
  const [protocol, count] = process.argv.slice(2)
  const n = Number(count)
  console.log(JSON.stringify({ protocol, nodes: n, ...measureNodeBytes(protocol, n), peakRssBytes: process.resourceUsage().maxRSS * 1024 }))
}
