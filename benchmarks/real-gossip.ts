/**
 * Real-network gossip benchmark: N peers in one process on 127.0.0.1, GossipSub and our SIR gossip
 * on the same peers, the same messages published from the same nodes. Reports delivery (share of
 * the N-1 other peers reached), latency from publish to receipt, and cost as bytes received per
 * peer per message on the overlay's protocol (libp2p's own per-protocol counters, so GossipSub's
 * heartbeat and IHAVE traffic and SIR's digests count too).
 *
 *   node dist/benchmarks/real-gossip.js --nodes 100 --messages 20
 */
import '../src/polyfill.js'
import { writeFile } from 'node:fs/promises'
import { createRandom } from '../src/core/random.js'
import { LocalNetwork } from '../src/node/local-network.js'
import { round, summarize } from '../src/experiments/stats.js'
import { benchEnvironment, benchFlags } from '../src/bench/environment.js'
import type { OverlayNode } from '../src/node/overlay-node.js'

const flags = benchFlags(process.argv.slice(2), { nodes: '50', messages: '20', 'interval-ms': '250', 'payload-bytes': '256', seed: '1', out: 'benchmarks/results' })
const n = Number(flags.nodes)
const messageCount = Number(flags.messages)
const random = createRandom(flags.seed)
const log = (line: string): void => { process.stderr.write(line + '\n') }
const PROTOCOLS: Record<string, RegExp> = { gossipsub: /^\/meshsub\//, sir: /^\/overlay\/sir\// }
const TOPIC = 'bench'

async function bytesReceived (node: OverlayNode, protocol: RegExp): Promise<number> {
  const metric = await node.metricsRegistry.getSingleMetric('libp2p_data_transfer_bytes_total')?.get()
  let total = 0
  for (const v of metric?.values ?? []) {
    const label = String(v.labels.protocol ?? '')
    if (label.endsWith(' received') && protocol.test(label)) total += v.value
  }
  return total
}

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

const network = new LocalNetwork()
try {
  await network.grow(n, (i) => { if ((i + 1) % 10 === 0 || i + 1 === n) log(`started ${i + 1}/${n} peers`) })
  const nodes = network.live()
  const arrivals = new Map<string, Map<string, number>>()
  for (const via of Object.keys(PROTOCOLS)) {
    for (const node of nodes) {
      node.pubsub(via).subscribe(TOPIC, (m) => {
        const text = new TextDecoder().decode(m.data.subarray(0, 40))
        const perNode = arrivals.get(text)
        if (perNode !== undefined && !perNode.has(node.peerId.toString())) perNode.set(node.peerId.toString(), performance.now())
      })
    }
  }
  // Meshes form on gossipsub's heartbeat; SIR views fill as identify reports the protocol.
  await sleep(10_000)

  const results: Record<string, unknown> = {}
  for (const via of Object.keys(PROTOCOLS)) {
    const before = await Promise.all(nodes.map(async node => await bytesReceived(node, PROTOCOLS[via])))
    const sent: Array<{ tag: string, at: number, from: string }> = []
    const started = performance.now()
    for (let i = 0; i < messageCount; i++) {
      const from = nodes[random.int(nodes.length)]
      const tag = `${via}-${flags.seed}-${i}`.padEnd(40, '.')
      const payload = new Uint8Array(Number(flags['payload-bytes']))
      payload.set(new TextEncoder().encode(tag))
      arrivals.set(tag, new Map())
      sent.push({ tag, at: performance.now(), from: from.peerId.toString() })
      await from.pubsub(via).publish(TOPIC, payload)
      await sleep(Number(flags['interval-ms']))
    }
    const complete = (): boolean => sent.every(s => (arrivals.get(s.tag)?.size ?? 0) >= n - 1)
    const deadline = performance.now() + 60_000
    while (!complete() && performance.now() < deadline) await sleep(250)
    const elapsedMs = performance.now() - started
    const after = await Promise.all(nodes.map(async node => await bytesReceived(node, PROTOCOLS[via])))
    const latencies: number[] = []
    const delivered: number[] = []
    for (const s of sent) {
      const perNode = arrivals.get(s.tag)!
      perNode.delete(s.from)
      delivered.push(perNode.size / (n - 1))
      for (const at of perNode.values()) latencies.push(at - s.at)
    }
    const bytesPerPeerPerMessage = after.reduce((sum, b, i) => sum + b - before[i], 0) / n / messageCount
    const lat = summarize(latencies)
    results[via] = { deliveredMean: summarize(delivered).mean, deliveredMin: Math.min(...delivered), latencyMs: lat, bytesPerPeerPerMessage, elapsedMs }
    log(`${via}: delivered ${round(summarize(delivered).mean * 100, 2)}% (min ${round(Math.min(...delivered) * 100, 2)}%), latency p50 ${round(lat.p50)} ms p99 ${round(lat.p99)} ms max ${round(lat.max)} ms, ${round(bytesPerPeerPerMessage)} bytes/peer/message`)
  }

  const report = { benchmark: 'real-gossip', nodes: n, messages: messageCount, payloadBytes: Number(flags['payload-bytes']), seed: flags.seed, transport: 'tcp 127.0.0.1, one process', environment: benchEnvironment(), results }
  const rows = Object.entries(results).map(([via, r]: [string, any]) =>
    `| ${via} | ${round(r.deliveredMean * 100, 2)}% | ${round(r.deliveredMin * 100, 2)}% | ${round(r.latencyMs.p50)} | ${round(r.latencyMs.p99)} | ${round(r.latencyMs.max)} | ${Math.round(r.bytesPerPeerPerMessage)} |`)
  const md = [
    `# Real-network gossip: ${n} peers, ${messageCount} messages of ${flags['payload-bytes']} bytes (seed ${flags.seed})`,
    '',
    `TCP on 127.0.0.1, all peers in one Node.js process; ${String(report.environment.cpus)} cores, Node ${process.version}. SIR: push-pull, k = 4, rounds of 1 s, anti-entropy every 5 s. GossipSub: stock defaults (D = 6, heartbeat 1 s).`,
    '',
    '| overlay | delivered (mean) | delivered (worst message) | p50 latency ms | p99 latency ms | max latency ms | bytes received per peer per message |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    ''
  ].join('\n')
  await writeFile(`${flags.out}/real-gossip-${n}.json`, JSON.stringify(report, null, 2) + '\n')
  await writeFile(`${flags.out}/real-gossip-${n}.md`, md)
  process.stdout.write(md)
} finally {
  await network.stopAll()
}
