/**
 * Real-network DHT benchmark: N peers in one process on 127.0.0.1, every DHT on the same peers,
 * the same keys put and the same lookups made through each. Reports hops and latency per DHT
 * beside the published figure where there is one (THEORY.md).
 *
 *   node dist/benchmarks/real-dht.js --nodes 100 --keys 200 --lookups 1000 --dhts kad,chord,pastry
 *
 * Writes benchmarks/results/real-dht-<N>.json (raw figures) and .md (the table).
 */
import '../src/polyfill.js'
import { writeFile } from 'node:fs/promises'
import { idFromHex, keyId } from '../src/core/id.js'
import { createRandom } from '../src/core/random.js'
import { LocalNetwork } from '../src/node/local-network.js'
import { round, summarize } from '../src/experiments/stats.js'
import { benchEnvironment, benchFlags } from '../src/bench/environment.js'
import type { OverlayNode } from '../src/node/overlay-node.js'

const flags = benchFlags(process.argv.slice(2), { nodes: '50', keys: '100', lookups: '500', dhts: 'kad,chord,pastry', seed: '1', out: 'benchmarks/results' })
const n = Number(flags.nodes)
const keyCount = Number(flags.keys)
const lookupCount = Number(flags.lookups)
const dhts = flags.dhts.split(',')
const random = createRandom(flags.seed)
const log = (line: string): void => { process.stderr.write(line + '\n') }
const encoder = new TextEncoder()

const THEORY: Record<string, { meanHops: number, source: string } | undefined> = {
  chord: { meanHops: 0.5 * Math.log2(n), source: '½·log2 N (Stoica et al. 2001)' },
  pastry: { meanHops: Math.log(n) / Math.log(16), source: 'log16 N (Rowstron & Druschel 2001)' },
  kad: undefined
}

function chordConverged (nodes: OverlayNode[]): boolean {
  const ids = nodes.map(node => idFromHex(node.libp2p.services.chord!.status().self.id))
  const order = nodes.map((_, i) => i).sort((a, b) => (ids[a] < ids[b] ? -1 : 1))
  return order.every((index, i) => nodes[index].libp2p.services.chord!.status().successors[0]?.peerId === nodes[order[(i + 1) % order.length]].peerId.toString())
}

async function waitUntil (check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 500))
  }
}

const network = new LocalNetwork()
const started = performance.now()
try {
  await network.grow(n, (i) => { if ((i + 1) % 10 === 0 || i + 1 === n) log(`started ${i + 1}/${n} peers`) })
  log(`network up in ${((performance.now() - started) / 1000).toFixed(1)} s`)
  const nodes = network.live()
  if (dhts.includes('chord')) await waitUntil(() => chordConverged(nodes), 180_000, 'the Chord ring')
  // Routing tables (kad) and fingers (chord) fill on their own periodic tasks.
  await new Promise(resolve => setTimeout(resolve, 10_000))

  const keys = Array.from({ length: keyCount }, (_, i) => `bench-key-${flags.seed}-${i}`)
  const lookups = Array.from({ length: lookupCount }, () => ({ key: random.pick(keys), from: random.int(nodes.length) }))
  const results: Record<string, unknown> = {}
  for (const dht of dhts) {
    let putFailures = 0
    for (const [i, key] of keys.entries()) {
      try {
        await nodes[i % nodes.length].dht(dht).put(key, encoder.encode(`value of ${key}`))
      } catch {
        putFailures++
      }
    }
    const hops: number[] = []
    const latency: number[] = []
    /** Latency divided by hops, for gets that left this node (issue 8's per-hop cost). */
    const perHop: number[] = []
    /** Failed gets by error message (key names elided). */
    const failureReasons: Record<string, number> = {}
    let failures = 0
    for (const { key, from } of lookups) {
      try {
        const got = await nodes[from].dht(dht).get(key)
        hops.push(got.hops)
        latency.push(got.latencyMs)
        if (got.hops > 0) perHop.push(got.latencyMs / got.hops)
      } catch (err) {
        failures++
        const why = (err as Error).message.replace(/'[^']*'/g, "'…'")
        failureReasons[why] = (failureReasons[why] ?? 0) + 1
      }
    }
    const h = summarize(hops)
    const l = summarize(latency)
    const ph = summarize(perHop)
    results[dht] = { hops: h, latencyMs: l, perHopMs: ph, getFailures: failures, failureReasons, putFailures, theory: THEORY[dht] ?? null }
    if (failures > 0) log(`${dht}: failed gets by reason: ${JSON.stringify(failureReasons)}`)
    log(`${dht}: hops mean ${round(h.mean)} p50 ${h.p50} p99 ${h.p99}; latency p50 ${round(l.p50)} ms p99 ${round(l.p99)} ms; per hop p50 ${round(ph.p50)} ms; failed gets ${failures}, puts ${putFailures}`)
  }

  const report = { benchmark: 'real-dht', nodes: n, keys: keyCount, lookups: lookupCount, seed: flags.seed, transport: 'tcp 127.0.0.1, one process', environment: benchEnvironment(), results, keyIds: keys.slice(0, 3).map(k => keyId(encoder.encode(k)).toString(16)) }
  const rows = dhts.map(dht => {
    const r = results[dht] as any
    return `| ${dht} | ${round(r.hops.mean)} | ${r.hops.p50} | ${r.hops.p99} | ${r.theory === null ? '—' : `${round(r.theory.meanHops)} (${r.theory.source})`} | ${round(r.latencyMs.p50)} | ${round(r.latencyMs.p99)} | ${round(r.perHopMs.p50)} | ${r.getFailures} |`
  })
  const md = [
    `# Real-network DHT lookups: ${n} peers, ${keyCount} keys, ${lookupCount} gets (seed ${flags.seed})`,
    '',
    `TCP on 127.0.0.1, all peers in one Node.js process; ${report.environment.cpus as number} cores (${String(report.environment.cpuModel)}), Node ${process.version}.`,
    'Hops: Chord and Pastry count the nodes asked in sequence; Kademlia the depth, in its query tree, of the nearest peer that returned the record.',
    '',
    '| DHT | mean hops | p50 | p99 | theory (mean) | p50 latency ms | p99 latency ms | p50 latency per hop ms | failed gets |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows,
    ''
  ].join('\n')
  await writeFile(`${flags.out}/real-dht-${n}.json`, JSON.stringify(report, null, 2) + '\n')
  await writeFile(`${flags.out}/real-dht-${n}.md`, md)
  process.stdout.write(md)
} finally {
  await network.stopAll()
}
