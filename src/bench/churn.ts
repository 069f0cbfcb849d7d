/**
 * `overlay-node bench churn` (issue 11): after the same K keys are put into kad, Chord and Pastry
 * on N real peers across worker processes, J joins, L graceful leaves and C crashes (a peer
 * stopped without a goodbye: its libp2p stops, our DHTs send no LEAVE and hand nothing on) run
 * one at a time, each followed by a settle time. Per event and DHT it records what moved: for
 * Chord and Pastry their own storage counters (handoffs and promotions: primary moves; replica
 * copies made), and for every DHT the copies each live peer holds before and after, so kad (stock,
 * unmodified) is measured by what it does on its own; against K/N and against the owner changes
 * the event forced (the simulator's "must move", Stoica et al. 2001 §4.2). After the events every
 * key is read once per DHT. The simulator's churn at the same N, K, events and seed runs beside.
 * With `targets` (`--targets FILE`) the same runs on running daemons through their control APIs
 * (targets.ts): leaves only, each a POST /api/v0/shutdown; joins and crashes cannot be made there.
 * Invariant: every worker is killed before this returns, whatever failed.
 */
import { createRandom } from '../core/random.js'
import { idFromHex, type NodeId } from '../core/id.js'
import { churnEvents } from '../experiments/dht-experiment.js'
import { mean, round } from '../experiments/stats.js'
import { WorkerNetwork, type LostShare } from '../node/worker-network.js'
import { TargetNetwork } from './targets.js'
import { churnCharts, writeSuiteCharts } from './charts.js'
import { makeOutDir, markdownSummary, networkWords, reportHeader, simulators, stopwatch, writeSuiteOutput, type Simulators, type SuiteOptions, type SuiteReportHeader } from './suite.js'
import { cell, DEFAULT_OPS_IN_FLIGHT, DHTS, pool, ringCloses, ringProblems, valueOf, type DhtName } from './dht.js'
import { closestByXor, kadKeyId, kadPeerId, overlayKeyId, owners, type PlacedPeer } from './churn-placement.js'

/** kad-dht's k (kBucketSize, which this node leaves at its default): a put goes to the k closest peers. */
export const KAD_K = 20
/** After each event's settle time, how long the Chord ring may take to close again before the next event (it goes on, logged, if not). */
const RING_AFTER_EVENT_MS = 60_000
/** How long the Chord ring may take to close before the puts; past it the run goes on and says so (ringClosedBeforePuts). */
const RING_BEFORE_PUTS_MS = 600_000
/** Lookups the simulator makes (its churn figures do not depend on them; it needs some). */
const SIM_LOOKUPS = 100

export type ChurnKind = 'join' | 'leave' | 'crash'

/** The churn a run makes: K keys put, then J joins, L leaves and C crashes. */
export interface ChurnParameters {
  keys: number
  joins: number
  leaves: number
  crashes: number
}

/** What the suite asks of a network: a worker network it starts, or the daemons of `--targets` (leaves only). */
type ChurnNetwork = Pick<WorkerNetwork, 'put' | 'get' | 'holdings' | 'track' | 'storageCounters' | 'leave' | 'crash' | 'chordRing' | 'takeLostShares' | 'stop' | 'processes'> & {
  readonly peers: ReadonlyArray<{ peerId: string }>
  live: () => Array<{ index: number }>
  join: () => Promise<{ index: number }>
}

export interface ChurnBenchOptions extends SuiteOptions, ChurnParameters {
  /** Control-API URLs of running daemons to drive instead of starting a worker network (`nodes` is their count; leaves only). */
  targets?: string[]
  /** Seconds after each event (and after the puts) before the copies are counted. */
  settleS: number
}

/** One DHT's figures for one event. Null: the figure does not apply to that DHT. */
export interface ChurnSample {
  /** 1-based, in the order run. */
  event: number
  kind: ChurnKind
  /** Network index of the peer that joined, left or crashed. */
  peer: number
  /** Live peers before the event. */
  nodes: number
  dht: DhtName
  keysOverNodes: number
  /**
   * Chord, Pastry: keys that got a new owner copy (a live peer holds the record as owner that did
   * not before), from the peers' stores: each key once, however its record got there.
   */
  primaryMoved: number | null
  /** Chord, Pastry: records handed to a new owner and accepted, from their counters. */
  handoffs: number | null
  /** Chord, Pastry: replicas promoted to owner, from their counters. */
  promotions: number | null
  /**
   * handoffs + promotions: what the counters say moved. One key can be in both (a Pastry leave:
   * LEAVING lets the heir promote its replica before the leaver's handoff of that record lands).
   */
  counterMoves: number | null
  /** Chord, Pastry: replica copies made, from their counters. */
  replicaCopies: number | null
  /** Chord, Pastry: keys whose holder as owner changed, from the peers' stores. */
  primaryHolderChanged: number | null
  /** Chord, Pastry: keys whose true owner (global view) changed. */
  mustMove: number | null
  /** (key, peer) copies held after the event that were not before: records transferred, whatever the DHT. */
  copiesGained: number
  /** (key, peer) copies held before that are gone, the departed peer's included. */
  copiesLost: number
  /** Copies per key after the event. */
  meanCopies: number
  keysWithoutCopy: number
  /** kad: of each key's k closest live peers, how many hold it (mean and least over the keys). */
  closestHoldingMean: number | null
  closestHoldingMin: number | null
  /** Whether the Chord ring had closed again when the copies were counted. */
  ringClosed: boolean
}

export interface ChurnResult {
  /** Chord, Pastry: mean primaryMoved per event (keys with a new owner copy); kad: mean copies it made on its own per event (copiesGained). */
  movedPerEvent: number | null
  /** Chord, Pastry: mean counterMoves per event (handoffs + promotions, which can count a key twice). */
  counterMovesPerEvent: number | null
  movedPerEventByKind: Partial<Record<ChurnKind, number | null>>
  /** K over the mean number of live peers before each event. */
  keysOverNodes: number
  movedOverKeysOverNodes: number | null
  mustMovePerEvent: number | null
  primaryHolderChangedPerEvent: number | null
  replicaCopiesPerEvent: number | null
  copiesGainedPerEvent: number | null
  copiesLostPerEvent: number | null
  /** Keys put whose every copy is gone from the live peers after the events. */
  keysLost: number
  gets: number
  getFailures: number
  /** Gets that returned a value other than the one put (every key is written once, so a stale value is a wrong one). */
  wrongValues: number
  /** Share of the gets after the events that returned the value put. */
  availability: number
  putFailures: number
  failureReasons: Record<string, number>
  meanCopies: { afterPuts: number, afterEvents: number }
  /** kad: of each key's k closest live peers, how many hold it, after the puts and after the events. */
  closestHolding?: { k: number, meanAfterPuts: number, meanAfterEvents: number, minAfterEvents: number }
  /** The simulator's churn at the same N, K, events and seed (chord, pastry). */
  sim?: { movedPerEvent: number, mustMovePerEvent: number, keysOverNodes: number, replicaCopiesPerEvent: number, keysLost: number }
}

export interface ChurnBenchReport extends SuiteReportHeader, ChurnParameters {
  benchmark: 'churn'
  /** The daemons driven (`--targets`), by peer index; absent when the suite started its own network. */
  targets?: string[]
  /** Whether the Chord ring had closed (every first successor right) before the puts. */
  ringClosedBeforePuts?: boolean
  /**
   * Worker processes that died during the run (a SIGKILL of a worker's share, from outside): their
   * peers count as crashed from then on, and `afterEvent` is the last event run before it was seen (0: before the first).
   */
  lostShares: Array<LostShare & { afterEvent: number }>
  results: Partial<Record<DhtName, ChurnResult>>
  samples: ChurnSample[]
}

/** Per DHT, per key: the peers (network indices) holding it, and for Chord and Pastry those holding it as owner. */
interface Snapshot {
  peers: Array<{ index: number, peerId: string, ids: Partial<Record<'chord' | 'pastry', string>> }>
  held: Record<DhtName, Array<Set<number>>>
  primary: Partial<Record<DhtName, Array<Set<number>>>>
}

async function snapshot (net: ChurnNetwork, keys: number): Promise<Snapshot> {
  const holdings = await net.holdings()
  const empty = (): Array<Set<number>> => Array.from({ length: keys }, () => new Set<number>())
  const snap: Snapshot = { peers: [], held: { kad: empty(), chord: empty(), pastry: empty() }, primary: { chord: empty(), pastry: empty() } }
  for (const h of holdings) {
    snap.peers.push({ index: h.index, peerId: h.peerId, ids: h.ids })
    for (const dht of DHTS) {
      for (const k of h.held[dht] ?? []) snap.held[dht][k]?.add(h.index)
      for (const k of h.primary[dht] ?? []) snap.primary[dht]?.[k]?.add(h.index)
    }
  }
  return snap
}

/** What the bench knows of each key: its full key and its ids in each space. */
interface KeyTable {
  full: string[]
  overlayIds: NodeId[]
  kadIds: NodeId[]
  /** Per DHT, whether its put succeeded (only those keys are counted). */
  stored: Record<DhtName, boolean[]>
}

const kadIdCache = new Map<string, NodeId>()
const kadIdOf = (peerId: string): NodeId => {
  let id = kadIdCache.get(peerId)
  if (id === undefined) { id = kadPeerId(peerId); kadIdCache.set(peerId, id) }
  return id
}

function placed (snap: Snapshot, dht: DhtName): PlacedPeer[] {
  if (dht === 'kad') return snap.peers.map(p => ({ index: p.index, id: kadIdOf(p.peerId) }))
  return snap.peers.flatMap(p => p.ids[dht] === undefined ? [] : [{ index: p.index, id: idFromHex(p.ids[dht] as string) }])
}

/** kad: per stored key, how many of its k closest live peers hold it. */
function closestHolding (snap: Snapshot, table: KeyTable): { mean: number, min: number } {
  const peers = placed(snap, 'kad')
  const counts: number[] = []
  table.kadIds.forEach((id, k) => {
    if (!table.stored.kad[k]) return
    const held = snap.held.kad[k]
    counts.push(closestByXor(peers, id, KAD_K).filter(i => held.has(i)).length)
  })
  return { mean: round(mean(counts)), min: counts.length === 0 ? 0 : Math.min(...counts) }
}

function copyFigures (dht: DhtName, before: Snapshot, after: Snapshot, table: KeyTable): { gained: number, lost: number, meanCopies: number, withoutCopy: number } {
  let gained = 0; let lost = 0; let copies = 0; let withoutCopy = 0; let counted = 0
  after.held[dht].forEach((now, k) => {
    if (!table.stored[dht][k]) return
    const was = before.held[dht][k]
    for (const i of now) if (!was.has(i)) gained++
    for (const i of was) if (!now.has(i)) lost++
    copies += now.size
    counted++
    if (now.size === 0) withoutCopy++
  })
  return { gained, lost, meanCopies: counted === 0 ? 0 : round(copies / counted), withoutCopy }
}

function ownerFigures (dht: 'chord' | 'pastry', before: Snapshot, after: Snapshot, table: KeyTable): { changed: number, mustMove: number } {
  const ob = owners(dht, placed(before, dht), table.overlayIds)
  const oa = owners(dht, placed(after, dht), table.overlayIds)
  const holderKey = (s: Set<number> | undefined): string => [...(s ?? [])].sort((a, b) => a - b).join(',')
  let changed = 0; let mustMove = 0
  table.overlayIds.forEach((_, k) => {
    if (!table.stored[dht][k]) return
    if (ob[k] !== oa[k]) mustMove++
    if (holderKey(before.primary[dht]?.[k]) !== holderKey(after.primary[dht]?.[k])) changed++
  })
  return { changed, mustMove }
}

/**
 * Keys (among those stored) that some peer holds as owner after an event and did not before: the
 * primary moves of that event, each key counted once whether its new owner got the record by a
 * handoff, by promoting its replica, or both (the counters then count it twice).
 */
export function newOwnerCopies (before: ReadonlyArray<ReadonlySet<number>>, after: ReadonlyArray<ReadonlySet<number>>, stored: readonly boolean[]): number {
  let moved = 0
  after.forEach((now, k) => {
    if (!stored[k]) return
    const was = before[k]
    for (const i of now) if (was === undefined || !was.has(i)) { moved++; return }
  })
  return moved
}

const delta = (before: Record<string, number>, after: Record<string, number>, name: string): number => (after[name] ?? 0) - (before[name] ?? 0)

const meanOrNull = (xs: number[]): number | null => xs.length === 0 ? null : round(mean(xs))

function summarizeDht (dht: DhtName, samples: ChurnSample[], base: Omit<ChurnResult, 'movedPerEvent' | 'counterMovesPerEvent' | 'movedPerEventByKind' | 'keysOverNodes' | 'movedOverKeysOverNodes' | 'mustMovePerEvent' | 'primaryHolderChangedPerEvent' | 'replicaCopiesPerEvent' | 'copiesGainedPerEvent' | 'copiesLostPerEvent'>, keys: number): ChurnResult {
  const mine = samples.filter(s => s.dht === dht)
  const moved = (s: ChurnSample): number => dht === 'kad' ? s.copiesGained : s.primaryMoved ?? 0
  const keysOverNodes = mine.length === 0 ? 0 : round(keys / mean(mine.map(s => s.nodes)))
  const movedPerEvent = meanOrNull(mine.map(moved))
  const byKind: Partial<Record<ChurnKind, number | null>> = {}
  for (const kind of ['join', 'leave', 'crash'] as const) {
    if (mine.some(s => s.kind === kind)) byKind[kind] = meanOrNull(mine.filter(s => s.kind === kind).map(moved))
  }
  const figure = (pick: (s: ChurnSample) => number | null): number | null => meanOrNull(mine.flatMap(s => { const v = pick(s); return v === null ? [] : [v] }))
  return {
    movedPerEvent,
    movedPerEventByKind: byKind,
    keysOverNodes,
    movedOverKeysOverNodes: movedPerEvent === null || keysOverNodes === 0 ? null : round(movedPerEvent / keysOverNodes),
    counterMovesPerEvent: figure(s => s.counterMoves),
    mustMovePerEvent: figure(s => s.mustMove),
    primaryHolderChangedPerEvent: figure(s => s.primaryHolderChanged),
    replicaCopiesPerEvent: figure(s => s.replicaCopies),
    copiesGainedPerEvent: figure(s => s.copiesGained),
    copiesLostPerEvent: figure(s => s.copiesLost),
    ...base
  }
}

function simulate (options: ChurnBenchOptions, run: Simulators): Record<'chord' | 'pastry', NonNullable<ChurnResult['sim']>> {
  const simOptions = { nodes: options.nodes, lookups: SIM_LOOKUPS, keys: options.keys, joins: options.joins, leaves: options.leaves, crashes: options.crashes, seed: options.seed }
  const figures = (churn: import('../experiments/dht-experiment.js').ChurnReport | undefined): NonNullable<ChurnResult['sim']> => {
    if (churn === undefined) return { movedPerEvent: 0, mustMovePerEvent: 0, keysOverNodes: 0, replicaCopiesPerEvent: 0, keysLost: 0 }
    return {
      movedPerEvent: round(churn.meanMovedPerEvent),
      mustMovePerEvent: round(mean(churn.mustMove)),
      keysOverNodes: round(churn.keysOverNodes),
      replicaCopiesPerEvent: round(mean(churn.replicaCopies)),
      keysLost: churn.keysLost
    }
  }
  return { chord: figures(run.chord.runChordExperiment(simOptions).churn), pastry: figures(run.pastry.runPastryExperiment(simOptions).churn) }
}

/** Logs `<dht>: <what> done/total` each time another tenth is done. */
function progress (log: (line: string) => void, label: string, total: number): () => void {
  let done = 0
  const step = Math.max(1, Math.floor(total / 10))
  return () => { if (++done % step === 0 || done === total) log(`${label} ${done}/${total}`) }
}

async function putAll (net: ChurnNetwork, dht: DhtName, names: string[], table: KeyTable, concurrency: number, log: (line: string) => void): Promise<number> {
  let failures = 0
  const tick = progress(log, `${dht}: puts`, names.length)
  await pool(names, concurrency, async (name, i) => {
    try {
      await net.put(i % net.peers.length, dht, name, valueOf(name))
      table.stored[dht][i] = true
    } catch {
      failures++
    }
    tick()
  })
  return failures
}

async function getAll (net: ChurnNetwork, dht: DhtName, names: string[], table: KeyTable, froms: number[], concurrency: number, log: (line: string) => void): Promise<{ gets: number, failures: number, wrong: number, reasons: Record<string, number> }> {
  const figures = { gets: 0, failures: 0, wrong: 0, reasons: {} as Record<string, number> }
  const keys = names.flatMap((_, i) => table.stored[dht][i] ? [i] : [])
  const tick = progress(log, `${dht}: gets`, keys.length)
  await pool(keys, concurrency, async (k) => {
    figures.gets++
    try {
      const got = await net.get(froms[k], dht, table.full[k])
      if (got.value !== valueOf(names[k])) figures.wrong++
    } catch (err) {
      figures.failures++
      const why = (err as Error).message.replace(/'[^']*'/g, "'…'")
      figures.reasons[why] = (figures.reasons[why] ?? 0) + 1
    }
    tick()
  })
  return figures
}

/** The markdown summary: one row per DHT. */
export function churnTable (report: ChurnBenchReport): string {
  return markdownSummary(
    `Churn on ${report.nodes} real peers ${report.targets === undefined ? `in ${report.processes} processes` : 'of running daemons (--targets)'}: ${report.keys} keys, ${report.joins} joins, ${report.leaves} leaves, ${report.crashes} crashes, one at a time, ${report.settleS} s apart (seed ${report.seed})`,
    report.environment,
    'Moved per event: Chord and Pastry, keys that got a new owner copy (from the peers\' stores; each key once); by counters, records handed to a new owner plus replicas promoted to owner (a key can be in both); kad, the copies it made on its own. Must move: keys whose true owner changed. kad\'s k closest: of min(k, live peers).',
    ['DHT', 'moved per event', 'K/N', 'moved / (K/N)', 'by counters per event', 'sim moved per event', 'must move per event', 'replica copies per event', 'copies lost per event', 'keys lost', 'failed gets', 'wrong values', 'availability', 'kad: of k closest holding, after puts → after events'],
    DHTS.flatMap(dht => {
      const r = report.results[dht]
      if (r === undefined) return []
      const closest = r.closestHolding === undefined ? '—' : `${cell(r.closestHolding.meanAfterPuts)} → ${cell(r.closestHolding.meanAfterEvents)} of ${r.closestHolding.k} (least ${r.closestHolding.minAfterEvents})`
      return [[dht, cell(r.movedPerEvent), cell(r.keysOverNodes), cell(r.movedOverKeysOverNodes), cell(r.counterMovesPerEvent), cell(r.sim?.movedPerEvent), cell(r.mustMovePerEvent), cell(r.replicaCopiesPerEvent), cell(r.copiesLostPerEvent), String(r.keysLost), String(r.getFailures), String(r.wrongValues), cell(r.availability), closest]]
    }),
    networkWords(report.targets)
  )
}

const CSV_FIELDS = ['event', 'kind', 'peer', 'nodes', 'dht', 'keysOverNodes', 'primaryMoved', 'handoffs', 'promotions', 'counterMoves', 'replicaCopies', 'primaryHolderChanged', 'mustMove', 'copiesGained', 'copiesLost', 'meanCopies', 'keysWithoutCopy', 'closestHoldingMean', 'closestHoldingMin', 'ringClosed'] as const

function samplesCsv (samples: ChurnSample[]): string {
  return [CSV_FIELDS.join(','), ...samples.map(s => CSV_FIELDS.map(f => String(s[f] ?? '')).join(','))].join('\n') + '\n'
}

export async function runChurnSuite (options: ChurnBenchOptions): Promise<ChurnBenchReport> {
  const timingsMs: Record<string, number> = {}
  await makeOutDir(options.outDir)
  const timed = stopwatch(timingsMs)
  const sleep = async (s: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, s * 1000)) }
  const { chord, pastry } = await simulators()
  const sim = await timed('simulator', async () => simulate(options, { chord, pastry }))
  options.log(`simulator at N = ${options.nodes}, K = ${options.keys}: moved per event chord ${sim.chord.movedPerEvent}, pastry ${sim.pastry.movedPerEvent} (K/N ${sim.chord.keysOverNodes})`)

  const random = createRandom(options.seed).fork('bench-churn')
  const events = churnEvents(options, random) as ChurnKind[]
  const names = Array.from({ length: options.keys }, (_, i) => `churn-${options.seed}-${i}`)
  const concurrency = options.concurrency ?? DEFAULT_OPS_IN_FLIGHT
  if (options.targets !== undefined && options.joins + options.crashes > 0) throw new Error('joins and crashes cannot be made through a control API: with targets, leaves only')
  const net: ChurnNetwork = await timed('startup', async () => options.targets === undefined
    ? await WorkerNetwork.start(options.nodes, { processes: options.processes, overlays: ['chord', 'pastry'], log: options.log })
    : await TargetNetwork.connect(options.targets, options.log))
  const network = options.targets === undefined
    ? 'N peers (kad, Chord, Pastry, gossipsub; no SIR) over TCP on 127.0.0.1, round-robin over worker processes.'
    : 'N running daemons named by --targets (peer i is the i-th), driven through their control APIs only: puts and gets, status (Chord ring, ids, storage counters), POST /api/v0/holdings (the records each holds) and POST /api/v0/shutdown for a leave (leaves only: joins and crashes cannot be made through an API). A leaver\'s counters are read just before its shutdown, so the handoffs it sends while leaving are not in handoffs or counterMoves (primaryMoved, from the stores, has them).'
  const report: ChurnBenchReport = {
    benchmark: 'churn',
    ...(options.targets === undefined ? {} : { targets: options.targets }),
    ...reportHeader(options, net.processes, concurrency, `${network} After the Chord ring closes (at most ${RING_BEFORE_PUTS_MS / 1000} s: ringClosedBeforePuts), K keys are put into each DHT (key i from peer i mod N, ${concurrency} in flight), then settleS seconds. Then the events, in an order drawn from the seed, one at a time: a join (a new peer bootstraps to a random live peer), a graceful leave (libp2p stop after our DHTs hand their records on and send LEAVE), a crash (libp2p stopped with our DHTs' goodbye switched off: no LEAVE, no handoff; the others see the connections close); victims drawn from the live peers. After each, settleS seconds and, if it had closed before the puts, up to ${RING_AFTER_EVENT_MS / 1000} s more for the Chord ring to close, then the copies every live peer holds are listed (Chord and Pastry from their stores, kad from its datastore) and Chord's and Pastry's storage counters read. After the events, every stored key is read once per DHT from a random live peer. kad is the stock @libp2p/kad-dht with its default k = ${KAD_K}.`, timingsMs),
    keys: options.keys,
    joins: options.joins,
    leaves: options.leaves,
    crashes: options.crashes,
    results: {},
    samples: [],
    lostShares: []
  }
  /** Notes the worker shares that died since the last look (their peers are crashed in `net` already). */
  const noteLostShares = (afterEvent: number): LostShare[] => {
    const shares = net.takeLostShares()
    for (const share of shares) {
      report.lostShares.push({ ...share, afterEvent })
      options.log(`worker ${share.worker} died (${share.how}) after event ${afterEvent}: its ${share.peers.length} peers are counted as crashed`)
    }
    return shares
  }
  try {
    const closed = await timed('ring', async () => await ringCloses(net, RING_BEFORE_PUTS_MS, options.log))
    if (!closed) options.log(`the Chord ring had not closed ${RING_BEFORE_PUTS_MS / 1000} s after the last peer started (${ringProblems(await net.chordRing())}); going on`)
    report.ringClosedBeforePuts = closed
    const table: KeyTable = {
      full: names.map((name, i) => `${net.peers[i % net.peers.length].peerId}/${name}`),
      overlayIds: [],
      kadIds: [],
      stored: { kad: names.map(() => false), chord: names.map(() => false), pastry: names.map(() => false) }
    }
    table.overlayIds = table.full.map(overlayKeyId)
    table.kadIds = table.full.map(kadKeyId)
    await net.track(table.full)
    const putFailures: Partial<Record<DhtName, number>> = {}
    for (const dht of DHTS) {
      putFailures[dht] = await timed(`put.${dht}`, async () => await putAll(net, dht, names, table, concurrency, options.log))
      options.log(`${dht}: put ${names.length - (putFailures[dht] ?? 0)}/${names.length} keys`)
    }
    options.log(`settling ${options.settleS} s after the puts`)
    await sleep(options.settleS)
    const afterPuts = await snapshot(net, names.length)
    const kadAfterPuts = closestHolding(afterPuts, table)
    const copiesAfterPuts = Object.fromEntries(DHTS.map(dht => [dht, copyFigures(dht, afterPuts, afterPuts, table).meanCopies])) as Record<DhtName, number>
    options.log(`copies per key after the puts: ${DHTS.map(d => `${d} ${copiesAfterPuts[d]}`).join(', ')}; kad: ${kadAfterPuts.mean} of the ${KAD_K} closest hold a key`)

    let before = afterPuts
    let countersBefore = await net.storageCounters()
    for (const [e, kind] of events.entries()) {
      noteLostShares(e)
      const live = net.live()
      if (live.length === 0) throw new Error(`no live peer left before event ${e + 1} (every worker died)`)
      const nodes = live.length
      const peer = await timed('events', async () => {
        if (kind === 'join') return (await net.join()).index
        const victim = live[random.int(live.length)].index
        try {
          await (kind === 'leave' ? net.leave(victim) : net.crash(victim))
        } catch (err) {
          // Its worker died under it: the victim is crashed with its share (noted below), the event stands.
          if (!noteLostShares(e).some(share => share.peers.includes(victim))) throw err
          options.log(`event ${e + 1}: the ${kind} of peer ${victim} ended with its worker: ${(err as Error).message}`)
        }
        return victim
      })
      await sleep(options.settleS)
      // A ring that never closed before the puts is not waited for again after each event.
      const closed = await ringCloses(net, report.ringClosedBeforePuts === true ? RING_AFTER_EVENT_MS : 0)
      if (!closed) options.log(`event ${e + 1}: the Chord ring had not closed (${ringProblems(await net.chordRing())})`)
      const after = await timed('counting', async () => await snapshot(net, names.length))
      const countersAfter = await net.storageCounters()
      for (const dht of DHTS) {
        const copies = copyFigures(dht, before, after, table)
        const sample: ChurnSample = {
          event: e + 1, kind, peer, nodes, dht, keysOverNodes: round(names.length / nodes),
          primaryMoved: null, handoffs: null, promotions: null, counterMoves: null, replicaCopies: null, primaryHolderChanged: null, mustMove: null,
          copiesGained: copies.gained, copiesLost: copies.lost, meanCopies: copies.meanCopies, keysWithoutCopy: copies.withoutCopy,
          closestHoldingMean: null, closestHoldingMin: null, ringClosed: closed
        }
        if (dht === 'kad') {
          const c = closestHolding(after, table)
          sample.closestHoldingMean = c.mean
          sample.closestHoldingMin = c.min
        } else {
          sample.handoffs = delta(countersBefore, countersAfter, `${dht}.handoffRecordsSent`)
          sample.promotions = delta(countersBefore, countersAfter, `${dht}.promotions`)
          sample.counterMoves = sample.handoffs + sample.promotions
          sample.primaryMoved = newOwnerCopies(before.primary[dht] ?? [], after.primary[dht] ?? [], table.stored[dht])
          sample.replicaCopies = delta(countersBefore, countersAfter, `${dht}.replicaCopiesMade`)
          const o = ownerFigures(dht, before, after, table)
          sample.primaryHolderChanged = o.changed
          sample.mustMove = o.mustMove
        }
        report.samples.push(sample)
      }
      const line = (dht: DhtName): string => {
        const s = report.samples[report.samples.length - DHTS.length + DHTS.indexOf(dht)]
        return dht === 'kad' ? `kad ${s.copiesGained} copies made, ${s.closestHoldingMean} of ${KAD_K} closest hold` : `${dht} moved ${s.primaryMoved} (counters ${s.counterMoves}, must ${s.mustMove}), replicas ${s.replicaCopies}`
      }
      options.log(`churn: ${e + 1}/${events.length} events: ${kind} of peer ${peer} (K/N ${round(names.length / nodes)}): ${DHTS.map(line).join('; ')}`)
      before = after
      countersBefore = countersAfter
    }

    noteLostShares(events.length)
    const froms = names.map(() => net.live()[random.int(net.live().length)].index)
    for (const dht of DHTS) {
      const got = await timed(`get.${dht}`, async () => await getAll(net, dht, names, table, froms, concurrency, options.log))
      const lost = copyFigures(dht, before, before, table).withoutCopy
      const base = {
        keysLost: lost,
        gets: got.gets,
        getFailures: got.failures,
        wrongValues: got.wrong,
        availability: got.gets === 0 ? 0 : round((got.gets - got.failures - got.wrong) / got.gets, 4),
        putFailures: putFailures[dht] ?? 0,
        failureReasons: got.reasons,
        meanCopies: { afterPuts: copiesAfterPuts[dht], afterEvents: copyFigures(dht, before, before, table).meanCopies }
      }
      const result = summarizeDht(dht, report.samples, base, names.length)
      if (dht === 'kad') {
        const c = closestHolding(before, table)
        result.closestHolding = { k: KAD_K, meanAfterPuts: kadAfterPuts.mean, meanAfterEvents: c.mean, minAfterEvents: c.min }
      } else {
        result.sim = sim[dht]
      }
      report.results[dht] = result
      options.log(`${dht}: moved per event ${String(result.movedPerEvent)} vs K/N ${result.keysOverNodes}; keys lost ${result.keysLost}; gets ${got.gets - got.failures}/${got.gets}, wrong ${got.wrong}`)
    }
  } finally {
    await net.stop()
  }
  await writeSuiteOutput(options.outDir, report, samplesCsv(report.samples), churnTable(report))
  await writeSuiteCharts(options.outDir, churnCharts(report), options.log)
  return report
}
