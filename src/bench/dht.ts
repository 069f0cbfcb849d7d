/**
 * `overlay-node bench dht` (issue 11): kad, chord and pastry on the same N real peers spread over
 * worker processes (src/node/worker-network.ts). The same K keys are put into each DHT, then the
 * same L gets are made from the same peers; hops, latency, failures and the network-wide requests
 * and bytes per get are reported beside theory (THEORY.md) and beside the simulator at the same N,
 * run in the same command. Invariant: every worker is killed before this returns, whatever failed.
 */
import { createRandom } from '../core/random.js'
import { idFromHex } from '../core/id.js'
import { summarizeHops, type HopSummary } from '../experiments/dht-experiment.js'
import { percentile, round } from '../experiments/stats.js'
import { WorkerNetwork } from '../node/worker-network.js'
import { dhtCharts, writeSuiteCharts } from './charts.js'
import { TargetNetwork } from './targets.js'
import { makeOutDir, markdownSummary, networkWords, reportHeader, simulators, stopwatch, writeSuiteOutput, type Simulators, type SuiteOptions, type SuiteReportHeader } from './suite.js'

export const DHTS = ['kad', 'chord', 'pastry'] as const
export type DhtName = typeof DHTS[number]

/** Default gets (and puts) in flight at once network-wide: enough to keep kad's slow queries from dominating the run, few enough not to load 2 cores. 1 measures an otherwise idle network (issue 8's per-hop cost). */
export const DEFAULT_OPS_IN_FLIGHT = 4
/** How long the Chord ring may take to close after the last peer is up (real-dht measured < 60 s at 100 peers). */
const RING_TIMEOUT_MS = 300_000
const RING_POLL_MS = 1000
/** How often a wait for the ring says how far it is. */
const RING_LOG_MS = 30_000

export interface DhtBenchOptions extends SuiteOptions {
  keys: number
  lookups: number
  /** Control-API URLs of running daemons to drive instead of starting a worker network (`nodes` is their count). */
  targets?: string[]
  /** Seconds between the ring closing and the puts (kad's routing tables and Chord's fingers fill on their own timers). */
  settleS: number
}

export interface DhtSample {
  dht: DhtName
  from: number
  key: number
  ok: boolean
  hops: number | null
  latencyMs: number | null
  /** Why a failed get failed (key names elided). */
  error?: string
}

export interface DhtResult {
  hops: HopSummary
  latencyMs: { p50: number, p95: number, p99: number, mean: number }
  /** A get's latency divided by its hops, over the gets that left their peer (issue 8). */
  perHopMs: { p50: number, p99: number }
  getFailures: number
  /** Gets that returned a value other than the one put. */
  wrongValues: number
  putFailures: number
  failureReasons: Record<string, number>
  /** Network-wide counters over the get phase, divided by gets (includes the maintenance traffic of that time). */
  perGet: { requests: number | null, bytesSent: number | null }
  theory: { meanHops: number, source: string } | null
  /** The simulator's lookups at the same N and seed (chord, pastry). */
  simHops?: HopSummary
}

export interface DhtBenchReport extends SuiteReportHeader {
  benchmark: 'dht'
  /** The daemons driven (`--targets`), by peer index; absent when the suite started its own network. */
  targets?: string[]
  keys: number
  lookups: number
  results: Partial<Record<DhtName, DhtResult>>
  samples: DhtSample[]
}

export function theoryFor (dht: DhtName, n: number): DhtResult['theory'] {
  if (dht === 'chord') return { meanHops: 0.5 * Math.log2(n), source: '½·log2 N (Stoica et al. 2001)' }
  if (dht === 'pastry') return { meanHops: Math.log(n) / Math.log(16), source: 'log16 N (Rowstron & Druschel 2001)' }
  return null
}

/** Runs `work` over `items` with at most `limit` in flight, in order of start. */
export async function pool<T> (items: readonly T[], limit: number, work: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++
      await work(items[i], i)
    }
  }))
}

/** What the suite asks of a network: a worker network it starts, or the daemons of `--targets` (targets.ts). */
export type DhtNetwork = Pick<WorkerNetwork, 'put' | 'get' | 'counters' | 'chordRing' | 'stop' | 'processes'> & { readonly peers: ReadonlyArray<{ peerId: string }> }

/** How many live peers' first Chord successor is not the next id clockwise. */
export function wrongSuccessors (ring: Array<{ peerId: string, id: string, successor: string | null }>): number {
  const sorted = ring.slice().sort((a, b) => (idFromHex(a.id) < idFromHex(b.id) ? -1 : 1))
  return sorted.filter((p, i) => p.successor !== sorted[(i + 1) % sorted.length].peerId).length
}

/**
 * What is wrong with the Chord ring, in words: first successors that are not the next id clockwise,
 * how many of those are missing, and how many peers no other peer names as its first successor
 * (left outside the ring, rather than a ring still settling).
 */
export function ringProblems (ring: Array<{ peerId: string, id: string, successor: string | null }>): string {
  const named = new Set(ring.map(p => p.successor))
  const outside = ring.filter(p => !named.has(p.peerId)).length
  return `${wrongSuccessors(ring)} of ${ring.length} first successors wrong (${ring.filter(p => p.successor === null).length} missing; ${outside} peers no peer names as its successor)`
}

/** True when every live peer's first Chord successor is the next id clockwise. */
export function ringClosed (ring: Array<{ peerId: string, id: string, successor: string | null }>): boolean {
  return wrongSuccessors(ring) === 0
}

/** What Chord's counters say happened between two readings: the probes of named peers and the requests that failed, by reason. */
export function chordActivity (before: Record<string, number>, after: Record<string, number>): string {
  const d = (name: string): number => (after[name] ?? 0) - (before[name] ?? 0)
  const failed = Object.keys(after).filter(k => k.startsWith('outboundFailed_') && d(k) > 0).map(k => `${k.slice('outboundFailed_'.length)} ${d(k)}`)
  return `probes of named peers ${d('candidateProbes')} (${d('candidateProbesFailed')} failed), candidates dropped ${d('candidatesDropped')}, failed requests: ${failed.length === 0 ? 'none' : failed.join(', ')}`
}

/** A network the ring wait can read: the ring, and Chord's counters when it has them (a worker network). */
type RingSource = Pick<DhtNetwork, 'chordRing'> & { chordCounters?: () => Promise<Record<string, number>> }

/**
 * Polls until the Chord ring is closed; false if it is not within `timeoutMs`. With `log`, every
 * RING_LOG_MS it says what is wrong (and what Chord did meanwhile). A peer still alone redials its
 * bootstrap peers itself (src/node/bootstrap-redial.ts).
 */
export async function ringCloses (net: RingSource, timeoutMs: number, log?: (line: string) => void): Promise<boolean> {
  const start = Date.now()
  let logged = start
  let counters = log === undefined ? undefined : await net.chordCounters?.()
  for (;;) {
    const ring = await net.chordRing()
    if (ringClosed(ring)) {
      log?.(`Chord ring closed after ${Math.round((Date.now() - start) / 1000)} s`)
      return true
    }
    if (Date.now() - start > timeoutMs) return false
    if (log !== undefined && Date.now() - logged >= RING_LOG_MS) {
      const since = Math.round((Date.now() - logged) / 1000)
      logged = Date.now()
      const now = await net.chordCounters?.()
      const activity = counters === undefined || now === undefined ? '' : `; in the last ${since} s: ${chordActivity(counters, now)}`
      counters = now
      log(`Chord ring after ${Math.round((logged - start) / 1000)} s: ${ringProblems(ring)}${activity}`)
    }
    await new Promise(resolve => setTimeout(resolve, RING_POLL_MS))
  }
}

export async function waitForRing (net: RingSource, log?: (line: string) => void): Promise<void> {
  if (!await ringCloses(net, RING_TIMEOUT_MS, log)) throw new Error(`the Chord ring did not close within ${RING_TIMEOUT_MS / 1000} s: ${ringProblems(await net.chordRing())}`)
}

function simulate (dht: 'chord' | 'pastry', options: DhtBenchOptions, run: Simulators): HopSummary {
  const simOptions = { nodes: options.nodes, lookups: options.lookups, seed: options.seed }
  return dht === 'chord' ? run.chord.runChordExperiment(simOptions).hops : run.pastry.runPastryExperiment(simOptions).hops
}

export const valueOf = (name: string): string => `value of ${name}`

async function measureDht (net: DhtNetwork, dht: DhtName, names: string[], lookups: Array<{ key: number, from: number }>, options: DhtBenchOptions & { concurrency: number }, samples: DhtSample[]): Promise<DhtResult> {
  const fullKeys: Array<string | undefined> = []
  let putFailures = 0
  await pool(names, options.concurrency, async (name, i) => {
    try {
      fullKeys[i] = (await net.put(i % net.peers.length, dht, name, valueOf(name))).key
    } catch {
      putFailures++
    }
  })
  options.log(`${dht}: put ${names.length - putFailures}/${names.length} keys`)
  const before = await net.counters()
  const hops: number[] = []
  const latency: number[] = []
  const perHop: number[] = []
  const failureReasons: Record<string, number> = {}
  let wrongValues = 0
  let done = 0
  await pool(lookups, options.concurrency, async ({ key, from }) => {
    const full = fullKeys[key] ?? `${net.peers[key % net.peers.length].peerId}/${names[key]}`
    try {
      const got = await net.get(from, dht, full)
      if (got.value !== valueOf(names[key])) wrongValues++
      hops.push(got.hops)
      latency.push(got.latencyMs)
      if (got.hops > 0) perHop.push(got.latencyMs / got.hops)
      samples.push({ dht, from, key, ok: true, hops: got.hops, latencyMs: round(got.latencyMs) })
    } catch (err) {
      const why = (err as Error).message.replace(/'[^']*'/g, "'…'")
      failureReasons[why] = (failureReasons[why] ?? 0) + 1
      samples.push({ dht, from, key, ok: false, hops: null, latencyMs: null, error: why })
    }
    if (++done % Math.max(1, Math.floor(lookups.length / 10)) === 0) options.log(`${dht}: gets ${done}/${lookups.length}`)
  })
  const after = await net.counters()
  const delta = (name: string): number | null => after[name] === undefined ? null : round((after[name] - (before[name] ?? 0)) / lookups.length)
  const getFailures = lookups.length - hops.length
  if (getFailures > 0) options.log(`${dht}: failed gets by reason: ${JSON.stringify(failureReasons)}`)
  return {
    hops: summarizeHops(hops),
    latencyMs: { p50: round(percentile(latency, 50)), p95: round(percentile(latency, 95)), p99: round(percentile(latency, 99)), mean: round(latency.reduce((a, b) => a + b, 0) / Math.max(1, latency.length)) },
    perHopMs: { p50: round(percentile(perHop, 50)), p99: round(percentile(perHop, 99)) },
    getFailures,
    wrongValues,
    putFailures,
    failureReasons,
    perGet: { requests: delta(`requests.${dht}`), bytesSent: delta(`bytesSent.${dht}`) },
    theory: theoryFor(dht, options.nodes)
  }
}

export const cell = (x: number | null | undefined): string => x === null || x === undefined || Number.isNaN(x) ? '—' : String(round(x, 2))

/** The markdown summary: one row per DHT. */
export function dhtTable (report: DhtBenchReport): string {
  return markdownSummary(
    `DHT lookups on ${report.nodes} real peers ${report.targets === undefined ? `in ${report.processes} processes` : 'of running daemons (--targets)'}: ${report.keys} keys, ${report.lookups} gets (seed ${report.seed})`,
    report.environment,
    'Hops: Chord and Pastry count the nodes asked in sequence; Kademlia the depth, in its query tree, of the nearest peer that returned the record.',
    ['DHT', 'mean hops', 'p50', 'p99', 'sim mean hops', 'theory (mean)', 'latency p50 ms', 'p95', 'p99', 'per hop p50 ms', 'requests per get', 'bytes sent per get', 'failed gets', 'wrong values'],
    DHTS.flatMap(dht => {
      const r = report.results[dht]
      if (r === undefined) return []
      return [[dht, cell(r.hops.mean), cell(r.hops.p50), cell(r.hops.p99), cell(r.simHops?.mean), r.theory === null ? '—' : `${cell(r.theory.meanHops)} (${r.theory.source})`, cell(r.latencyMs.p50), cell(r.latencyMs.p95), cell(r.latencyMs.p99), cell(r.perHopMs.p50), cell(r.perGet.requests), cell(r.perGet.bytesSent), String(r.getFailures), String(r.wrongValues)]]
    }),
    networkWords(report.targets)
  )
}

function samplesCsv (samples: DhtSample[]): string {
  return ['dht,from,key,ok,hops,latencyMs', ...samples.map(s => `${s.dht},${s.from},${s.key},${s.ok},${s.hops ?? ''},${s.latencyMs ?? ''}`)].join('\n') + '\n'
}

export async function runDhtSuite (options: DhtBenchOptions): Promise<DhtBenchReport> {
  const timingsMs: Record<string, number> = {}
  await makeOutDir(options.outDir)
  const timed = stopwatch(timingsMs)
  const { chord, pastry } = await simulators()
  const simHops = await timed('simulator', async () => ({ chord: simulate('chord', options, { chord, pastry }), pastry: simulate('pastry', options, { chord, pastry }) }))
  options.log(`simulator at N = ${options.nodes}: chord mean hops ${round(simHops.chord.mean)}, pastry ${round(simHops.pastry.mean)}`)

  const random = createRandom(options.seed).fork('bench-dht')
  const names = Array.from({ length: options.keys }, (_, i) => `bench-${options.seed}-${i}`)
  const lookups = Array.from({ length: options.lookups }, () => ({ key: random.int(names.length), from: random.int(options.nodes) }))
  const net: DhtNetwork = await timed('startup', async () => options.targets === undefined
    ? await WorkerNetwork.start(options.nodes, { processes: options.processes, overlays: ['chord', 'pastry'], log: options.log })
    : await TargetNetwork.connect(options.targets, options.log))
  const concurrency = options.concurrency ?? DEFAULT_OPS_IN_FLIGHT
  const network = options.targets === undefined
    ? 'N peers (kad, Chord, Pastry, gossipsub; no SIR) over TCP on 127.0.0.1, round-robin over worker processes; each peer bootstraps to peer 0 and dials 2 random earlier peers.'
    : 'N running daemons named by --targets (peer i is the i-th), driven through their control APIs (put, get, status, /metrics); the bench neither started nor stops them.'
  const report: DhtBenchReport = {
    benchmark: 'dht',
    ...(options.targets === undefined ? {} : { targets: options.targets }),
    ...reportHeader(options, net.processes, concurrency, `${network} After the Chord ring closes and settleS seconds, for each DHT in turn: K keys put, key i from peer i mod N; then the same L gets (key, peer) drawn from the seed, ${concurrency} in flight network-wide. perGet: network-wide outbound requests and bytes sent on the DHT's protocol over the get phase, divided by L (maintenance of that time included). simHops: the simulator at the same N, L and seed.`, timingsMs),
    keys: options.keys,
    lookups: options.lookups,
    results: {},
    samples: []
  }
  try {
    await timed('ring', async () => { await waitForRing(net, options.log) })
    options.log(`Chord ring closed; settling ${options.settleS} s`)
    await new Promise(resolve => setTimeout(resolve, options.settleS * 1000))
    for (const dht of DHTS) {
      const result = await timed(dht, async () => await measureDht(net, dht, names, lookups, { ...options, concurrency }, report.samples))
      if (dht !== 'kad') result.simHops = simHops[dht]
      report.results[dht] = result
      options.log(`${dht}: hops mean ${round(result.hops.mean)} p99 ${result.hops.p99}; latency p50 ${result.latencyMs.p50} ms, per hop ${result.perHopMs.p50} ms; failed gets ${result.getFailures}`)
    }
  } finally {
    await net.stop()
  }
  await writeSuiteOutput(options.outDir, report, samplesCsv(report.samples), dhtTable(report))
  await writeSuiteCharts(options.outDir, dhtCharts(report), options.log)
  return report
}
