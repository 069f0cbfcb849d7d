/**
 * `overlay-node bench gossip` (issue 11): our SIR gossip in every mode and k against the stock
 * gossipsub, on the same N real peers spread over worker processes (src/node/worker-network.ts)
 * and with the same messages (publisher i and payload size for message i). Per configuration:
 * delivery ratio and residue (share of the other peers never reached), latency from publish to
 * receipt, copies and bytes received per peer per message; each SIR row beside s* (THEORY.md,
 * Epidemics) and beside the simulator at the same N, run in the same command.
 * SIR runs without anti-entropy (the backup that would close the residue s* measures) and with
 * Demers' rounds (every node pulls every round in pull and push-pull); k and mode are changed on
 * the live peers between configurations (SirNode.reconfigure), so every configuration runs on the
 * same connections and views. With `targets` (`--targets FILE`) the same calls go to running
 * daemons through their control APIs instead (target-gossip.ts). Invariant: every worker is killed
 * before this returns, whatever failed; targets keep running, with their k and mode set back.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createRandom } from '../core/random.js'
import { runSirExperiment, type SirResult } from '../experiments/sir-experiment.js'
import { theoryResidue } from '../experiments/sir-theory.js'
import { mean, percentile, round } from '../experiments/stats.js'
import { WorkerNetwork } from '../node/worker-network.js'
import { gossipCharts, parseReceipts, writeSuiteCharts } from './charts.js'
import { DEFAULT_GOSSIP_LINKS } from '../node/worker-network-limits.js'
import { pool } from './dht.js'
import { TargetGossipNetwork, type ClockReport } from './target-gossip.js'
import { benchEnvironment } from './environment.js'
import type { SirServiceInit } from '../libp2p/sir-service.js'
import type { GossipVia, WorkerGossipStats } from '../node/network-worker.js'
import type { SirMode } from '../sir/config.js'

const TOPIC = 'bench-gossip'
/** Bytes of every message (its first bytes carry its tag), as benchmarks/real-gossip.ts sent. */
export const PAYLOAD_BYTES = 256
/** Gap between two publishes of one configuration. */
const PUBLISH_SPACING_MS = 100
const POLL_MS = 1000
/** Longest wait for one configuration's messages to stop spreading. */
const END_TIMEOUT_MS = 120_000
/** Longest wait for k = inf rumors to die once k is set to 1 (they are known everywhere by then). */
const DRAIN_TIMEOUT_MS = 60_000
/*
 * Links each peer dials after start-up, to peers drawn uniformly from the whole network. SIR's view
 * is its connected peers, and the analysis assumes a uniformly random contact; the start-up wiring
 * alone (peer 0 plus 2 earlier peers, then kad's own dials) leaves views of about 14 peers around a
 * hub that everyone knows, and there push's residue at N = 128 was 0.49 at k = 1 (s* 0.20). In a
 * throwaway synchronous-round model of that wiring plus L uniform links per peer (128 nodes, 300
 * epidemics per point, not kept), push's residue at k = 1 fell from 0.68 (L = 0) to 0.24 (8),
 * 0.20 (16) and 0.19 (24), against 0.18 for full membership: DEFAULT_GOSSIP_LINKS = 24.
 * Gossipsub runs on the same connections.
 */
/** Peers dialing their links at once (joining many at once overloads loopback, as in LocalNetwork). */
const LINKING_PEERS_AT_ONCE = 16
/** Epidemics per mode and k in the simulator (each is cheap: one rumor over N simulated nodes). */
export const SIM_TRIALS = 50

/**
 * SIR on every peer: no anti-entropy (its syncs would close the residue s* measures); every node
 * pulls every round in pull and push-pull, as in Demers' model and the simulator; rumors leave the
 * store after 2 minutes so pull digests stay short over a long run (a configuration ends sooner).
 */
export const BENCH_SIR_INIT: SirServiceInit = { antiEntropy: false, idlePullMaxIntervalMs: 1000, rumorTtlMs: 120_000 }

export interface GossipBenchOptions {
  nodes: number
  messages: number
  modes: readonly SirMode[]
  ks: readonly number[]
  seed: string
  processes?: number
  outDir: string
  /** Seconds between the links and the first publish (gossipsub meshes and SIR views form). */
  settleS: number
  /** Peers each peer dials after start-up, drawn uniformly from all (see DEFAULT_GOSSIP_LINKS). @default DEFAULT_GOSSIP_LINKS */
  links?: number
  /** Control-API URLs of running daemons to drive instead of starting a worker network (`nodes` is their count). */
  targets?: string[]
  log: (line: string) => void
}

export interface GossipFigures {
  /** Mean over messages of the share of the N - 1 other peers that received it. */
  deliveryRatio: number
  /** 1 - deliveryRatio: the share never reached. */
  residue: number
  /** The lowest delivery ratio of one message. */
  worstDelivery: number
  /** From publish to first receipt, over every receipt. */
  latencyMs: { p50: number, p99: number, max: number }
  /** Copies received (new and duplicate) per peer per message, network-wide counters over the configuration. */
  copiesPerPeer: number
  /** Bytes received on the protocol per peer per message (its control traffic of that time included). */
  bytesPerPeer: number
  /** From the first publish until the messages stopped spreading (or the wait ran out). */
  elapsedMs: number
  /** True when the wait ran out before the messages stopped spreading. */
  cutOff: boolean
}

export interface SirEntry extends GossipFigures {
  mode: SirMode
  /** k, or 'inf' (JSON has no Infinity). */
  k: number | 'inf'
  /** s* solving s = exp(-(k+1)(1-s)) (push's figure; 0 for inf). */
  theoryResidue: number
  /** The simulator's mean residue at the same N, mode and k (SIM_TRIALS epidemics, synchronous rounds). */
  simResidue: number
  /** The simulator's rumor copies sent per node per epidemic. */
  simCopiesPerPeer: number
}

export interface GossipSample {
  via: GossipVia
  mode: SirMode | null
  k: number | 'inf' | null
  message: number
  publisher: number
  received: number
  deliveryRatio: number
  latencyMs: { p50: number | null, max: number | null }
}

export interface GossipBenchReport {
  benchmark: 'gossip'
  nodes: number
  messages: number
  modes: SirMode[]
  ks: Array<number | 'inf'>
  seed: string
  processes: number
  settleS: number
  links: number
  payloadBytes: number
  simTrials: number
  /** The SIR options the suite's own peers run with; null with targets (the daemons run their own). */
  sir: SirServiceInit | null
  /** The daemons driven (`--targets`), by peer index; absent when the suite started its own network. */
  targets?: string[]
  /** With targets: how the daemons' clocks were mapped onto the bench's, and how far a latency may be off. */
  clock?: ClockReport
  /** Mean SIR view size (connected peers that speak SIR) at the first publish. */
  meanViewPeers: number
  method: string
  environment: Record<string, unknown>
  timingsMs: Record<string, number>
  results: { gossipsub?: GossipFigures, sir: SirEntry[] }
  samples: GossipSample[]
}

const kLabel = (k: number): number | 'inf' => k === Infinity ? 'inf' : k
const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

/** Polls `done` every POLL_MS until it holds on two polls in a row (one more settles what was in flight); false when `timeoutMs` ran out. */
async function waitSettled (done: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  let streak = 0
  while (Date.now() < deadline) {
    await sleep(POLL_MS)
    streak = await done() ? streak + 1 : 0
    if (streak >= 2) return true
  }
  return false
}

interface Configuration { via: GossipVia, mode: SirMode | null, k: number | null, topic: string }

/** What the suite asks of a network: a worker network it starts, or the daemons of `--targets` (target-gossip.ts). */
type GossipNetwork = Pick<WorkerNetwork, 'connect' | 'subscribeAll' | 'publish' | 'receipts' | 'reconfigureSir' | 'gossipStats' | 'stop' | 'processes'> & { readonly peers: readonly unknown[] }

/**
 * Publishes the messages of one configuration (message i from publishers[i]), waits until they
 * stop spreading, and reads the receipts and counters.
 */
async function measure (net: GossipNetwork, config: Configuration, publishers: number[], samples: GossipSample[], receiptLines: string[]): Promise<GossipFigures> {
  const { via, mode, k, topic } = config
  const n = net.peers.length
  const name = via === 'gossipsub' ? 'gossipsub' : `sir-${String(mode)}-${String(kLabel(k ?? Infinity))}`
  const tags = publishers.map((_, i) => `${name}-${i}`)
  const before = await net.gossipStats()
  const started = Date.now()
  const publishedAt: number[] = []
  for (let i = 0; i < publishers.length; i++) {
    publishedAt.push(await net.publish(publishers[i], via, topic, tags[i], PAYLOAD_BYTES))
    await sleep(PUBLISH_SPACING_MS)
  }
  const everyone = publishers.length * (n - 1)
  let last = before
  const ended = via === 'gossipsub'
    // Gossipsub has no end state: done when no copy arrived for two polls.
    ? async () => { const s = await net.gossipStats(); const quiet = s.copies.gossipsub === last.copies.gossipsub; last = s; return quiet }
    : k === Infinity
      // SI never stops spreading: done when every peer has every message.
      ? async () => { last = await net.gossipStats(); return last.sirAccepted - before.sirAccepted >= everyone }
      : async () => { last = await net.gossipStats(); return last.sirInfected === 0 }
  const reached = await waitSettled(ended, END_TIMEOUT_MS)
  const elapsedMs = Date.now() - started
  const after = await net.gossipStats()
  if (via === 'sir' && k === Infinity && mode !== null) {
    await net.reconfigureSir(1, mode)
    await waitSettled(async () => (await net.gossipStats()).sirInfected === 0, DRAIN_TIMEOUT_MS)
  }
  const receipts = await net.receipts(tags)
  const ratios: number[] = []
  const latencies: number[] = []
  receipts.forEach((got, i) => {
    const others = got.filter(r => r.peer !== publishers[i])
    const lat = others.map(r => r.at - publishedAt[i])
    latencies.push(...lat)
    ratios.push(others.length / (n - 1))
    for (const r of others) receiptLines.push(`${via},${mode ?? ''},${k === null ? '' : String(kLabel(k))},${i},${r.peer},${round(r.at - publishedAt[i])}`)
    samples.push({ via, mode, k: k === null ? null : kLabel(k), message: i, publisher: publishers[i], received: others.length, deliveryRatio: round(others.length / (n - 1), 4), latencyMs: { p50: lat.length === 0 ? null : round(percentile(lat, 50)), max: lat.length === 0 ? null : round(Math.max(...lat)) } })
  })
  const perPeerPerMessage = (f: (s: WorkerGossipStats) => number): number => round((f(after) - f(before)) / n / publishers.length, 2)
  const deliveryRatio = mean(ratios)
  return {
    deliveryRatio: round(deliveryRatio, 4),
    residue: round(1 - deliveryRatio, 4),
    worstDelivery: round(Math.min(...ratios), 4),
    latencyMs: { p50: round(percentile(latencies, 50)), p99: round(percentile(latencies, 99)), max: round(latencies.length === 0 ? NaN : Math.max(...latencies)) },
    copiesPerPeer: perPeerPerMessage(s => s.copies[via]),
    bytesPerPeer: perPeerPerMessage(s => s.bytesReceived[via]),
    elapsedMs,
    cutOff: !reached
  }
}

const cell = (x: number | null | undefined, digits = 3): string => x === null || x === undefined || Number.isNaN(x) ? '—' : String(round(x, digits))

/** The markdown summary: gossipsub, then one row per SIR mode and k. */
export function gossipTable (report: GossipBenchReport): string {
  const env = report.environment
  const row = (name: string, k: string, f: GossipFigures, theory: string, sim: string, simCopies: string): string =>
    `| ${name} | ${k} | ${cell(f.deliveryRatio, 4)} | ${cell(f.residue, 4)} | ${theory} | ${sim} | ${cell(f.latencyMs.p50, 0)} | ${cell(f.latencyMs.p99, 0)} | ${cell(f.copiesPerPeer, 2)} | ${simCopies} | ${cell(f.bytesPerPeer, 0)} | ${f.cutOff ? 'yes' : ''} |`
  const g = report.results.gossipsub
  return [
    `# Gossip on ${report.nodes} real peers ${report.targets === undefined ? `in ${report.processes} processes` : 'of running daemons (--targets)'}: ${report.messages} messages of ${report.payloadBytes} bytes per configuration (seed ${report.seed})`,
    '',
    `${report.targets === undefined ? 'TCP on 127.0.0.1; ' : `Running daemons (--targets) on their own hosts, transports and SIR settings; latency on the bench's clock, each within ${cell(report.clock?.maxUncertaintyMs, 2)} ms; the bench's host: `}${String(env.cpus)} cores (${String(env.cpuModel)}), Node ${String(env.node)}, commit ${String(env.commit).slice(0, 12)}. Mean SIR view ${cell(report.meanViewPeers, 1)} peers.`,
    (report.targets === undefined ? 'SIR: rounds of 1 s, fanout 1, no anti-entropy, every node pulls every round in pull and push-pull. ' : 'SIR: k and mode set on each daemon per row; anti-entropy and idle pulls as the daemons run them (on by default, so residue may close below s*). ') + 's*: s = exp(-(k+1)(1-s)) (Demers et al. 1987; push\'s figure). sim: the simulator at the same N, synchronous rounds, ' + `${report.simTrials} epidemics per row.`,
    'Copies and bytes: received per peer per message, from network-wide counters over the configuration (gossipsub\'s heartbeats and IHAVE/IWANT, SIR\'s pull digests included).',
    '',
    '| overlay | k | delivery | residue | s* | sim residue | latency p50 ms | p99 ms | copies per peer | sim copies | bytes per peer | cut off |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...(g === undefined ? [] : [row('gossipsub', '—', g, '—', '—', '—')]),
    ...report.results.sir.map(r => row(`sir ${r.mode}`, String(r.k), r, cell(r.theoryResidue, 4), cell(r.simResidue, 4), cell(r.simCopiesPerPeer, 2))),
    ''
  ].join('\n')
}

export async function runGossipSuite (options: GossipBenchOptions): Promise<GossipBenchReport> {
  await mkdir(options.outDir, { recursive: true })
  const timingsMs: Record<string, number> = {}
  const timed = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const t0 = performance.now()
    try { return await work() } finally { timingsMs[name] = Math.round(performance.now() - t0) }
  }
  const sim = new Map<string, SirResult>()
  await timed('simulator', async () => {
    for (const mode of options.modes) {
      const r = runSirExperiment({ nodes: options.nodes, mode, ks: options.ks, trials: SIM_TRIALS, seed: options.seed })
      for (const x of r.results) sim.set(`${mode}/${String(x.k)}`, x)
      options.log(`simulator at N = ${options.nodes}, ${mode}: residue ${r.results.map(x => `k=${String(x.k)} ${round(x.residueMean, 4)}`).join(', ')}`)
    }
  })

  const random = createRandom(options.seed).fork('bench-gossip')
  const publishers = Array.from({ length: options.messages }, () => random.int(options.nodes))
  const links = Math.min(options.links ?? DEFAULT_GOSSIP_LINKS, options.nodes - 1)
  const targets = Array.from({ length: options.nodes }, (_, i) => {
    const others = Array.from({ length: options.nodes - 1 }, (_, j) => j < i ? j : j + 1)
    return Array.from({ length: links }, () => others.splice(random.int(others.length), 1)[0])
  })
  const targeted = options.targets
  const net: GossipNetwork = await timed('startup', async () => targeted === undefined
    ? await WorkerNetwork.start(options.nodes, { processes: options.processes, overlays: ['sir'], sir: BENCH_SIR_INIT, log: options.log })
    : await TargetGossipNetwork.connect(targeted, options.log))
  // Running daemons may carry other traffic: a topic of this run's own keeps it apart.
  const topic = targeted === undefined ? TOPIC : `${TOPIC}-${Date.now().toString(36)}-${random.int(1e9).toString(36)}`
  const network = targeted === undefined
    ? `N peers (kad, gossipsub and SIR; no Chord or Pastry) over TCP on 127.0.0.1, round-robin over worker processes; each peer bootstraps to peer 0 and dials 2 random earlier peers, then, once all are up, ${links} peers drawn uniformly from the whole network (SIR's view is its connected peers; the analysis assumes uniform contacts); every peer subscribes to one topic on gossipsub and SIR.`
    : `N running daemons named by --targets (peer i is the i-th), driven through their control APIs only: each dials ${links} peers drawn uniformly through POST /api/v0/connect; each subscribes to a topic of this run through a POST /api/v0/subscribe stream per overlay that the bench holds open; publishes through POST /api/v0/publish; k and mode through POST /api/v0/sir/spreading (set back at the end); figures from POST /api/v0/status and /metrics. Anti-entropy and idle pulls as the daemons run them.`
  const latencyNote = targeted === undefined
    ? 'Latency: publish to first receipt, wall clock of one host across processes.'
    : 'Latency: the publishing daemon\'s publishedAt to each receiving daemon\'s receivedAt, both mapped onto the bench\'s clock by each daemon\'s offset (see clock), so no two hosts\' clocks are compared directly.'
  const report: GossipBenchReport = {
    benchmark: 'gossip',
    nodes: options.nodes,
    messages: options.messages,
    modes: [...options.modes],
    ks: options.ks.map(kLabel),
    seed: options.seed,
    processes: net.processes,
    ...(targeted === undefined ? {} : { targets: targeted }),
    settleS: options.settleS,
    links,
    payloadBytes: PAYLOAD_BYTES,
    simTrials: SIM_TRIALS,
    sir: targeted === undefined ? BENCH_SIR_INIT : null,
    meanViewPeers: 0,
    method: `${network} After settleS seconds, gossipsub, then SIR in each mode and k (set on the live peers between configurations): M messages of ${PAYLOAD_BYTES} bytes, message i from the same seeded peer in every configuration, ${PUBLISH_SPACING_MS} ms apart; then a wait until they stop spreading (SIR: no peer infected on two polls ${POLL_MS} ms apart; k = inf: every peer has every message, then k = 1 drains them; gossipsub: no new copy for two polls), at most ${END_TIMEOUT_MS / 1000} s. Delivery: share of the N - 1 other peers that received a message, averaged over messages; residue = 1 - delivery. ${latencyNote} Copies and bytes received: network-wide counters over the configuration, divided by N and M. simResidue: the simulator at the same N, mode and k, ${SIM_TRIALS} epidemics, synchronous rounds.`,
    environment: benchEnvironment(),
    timingsMs,
    results: { sir: [] },
    samples: []
  }
  const receiptLines: string[] = []
  try {
    await timed('links', async () => {
      let reached = 0
      let done = 0
      const errors = new Set<string>()
      await pool(targets, LINKING_PEERS_AT_ONCE, async (to, i) => {
        const r = await net.connect(i, to)
        reached += r.connected
        for (const e of r.errors) if (errors.size < 5) errors.add(e.replace(/\/ip[46]\/\S*/g, '<address>'))
        if (++done % Math.max(1, Math.floor(targets.length / 8)) === 0) options.log(`linked ${done}/${targets.length} peers`)
      })
      options.log(`linked: ${reached} of ${links * options.nodes} dials reached their peer${errors.size === 0 ? '' : `; failures such as ${[...errors].join('; ')}`}`)
    })
    await net.subscribeAll(topic)
    options.log(`subscribed; settling ${options.settleS} s`)
    await sleep(options.settleS * 1000)
    const stats = await net.gossipStats()
    report.meanViewPeers = round(stats.sirViewPeers / Math.max(1, stats.peers), 2)
    options.log(`mean SIR view ${report.meanViewPeers} peers`)
    const g = await timed('gossipsub', async () => await measure(net, { via: 'gossipsub', mode: null, k: null, topic }, publishers, report.samples, receiptLines))
    report.results.gossipsub = g
    options.log(`gossipsub: delivery ${g.deliveryRatio}, latency p50 ${g.latencyMs.p50} ms p99 ${g.latencyMs.p99} ms, ${g.copiesPerPeer} copies and ${g.bytesPerPeer} bytes per peer per message`)
    for (const mode of options.modes) {
      for (const k of options.ks) {
        await net.reconfigureSir(k, mode)
        const f = await timed(`sir-${mode}-${String(kLabel(k))}`, async () => await measure(net, { via: 'sir', mode, k, topic }, publishers, report.samples, receiptLines))
        const s = sim.get(`${mode}/${String(kLabel(k))}`)
        const entry: SirEntry = { mode, k: kLabel(k), ...f, theoryResidue: round(theoryResidue(k), 4), simResidue: round(s?.residueMean ?? NaN, 4), simCopiesPerPeer: round(s?.copiesPerNode ?? NaN, 2) }
        report.results.sir.push(entry)
        options.log(`sir ${mode} k=${String(entry.k)}: residue ${entry.residue} (s* ${entry.theoryResidue}, sim ${entry.simResidue}), latency p50 ${f.latencyMs.p50} ms p99 ${f.latencyMs.p99} ms, ${f.copiesPerPeer} copies and ${f.bytesPerPeer} bytes per peer per message${f.cutOff ? ', cut off' : ''}`)
      }
    }
    const untracked = (await net.gossipStats()).untracked
    if (untracked > 0) options.log(`${untracked} receipts were not tracked (too many messages at once)`)
  } finally {
    await net.stop()
  }
  if (net instanceof TargetGossipNetwork) report.clock = net.clock()
  await writeFile(join(options.outDir, 'report.json'), JSON.stringify(report, null, 2) + '\n')
  await writeFile(join(options.outDir, 'samples.csv'), ['via,mode,k,message,peer,latencyMs', ...receiptLines].join('\n') + '\n')
  await writeFile(join(options.outDir, 'report.md'), gossipTable(report))
  await writeSuiteCharts(options.outDir, gossipCharts(report, parseReceipts(receiptLines)), options.log)
  return report
}
