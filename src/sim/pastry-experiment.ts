/**
 * `overlay-node sim pastry` as a library function: builds a stable Pastry network in the simulator,
 * measures route hops against log16 N (Rowstron & Druschel 2001 §2.3, §3.1), and under churn
 * measures keys moved per membership event against K/N and keys lost. Same options and report
 * fields as the Chord experiment, plus `hops.distribution`. Invariant: the report is a pure function
 * of the options (seed included), except `wallMs` and `peakRssBytes`, which the caller measures and
 * fills in (they stay 0 here).
 */
import { keyId, type NodeId } from '../core/id.js'
import type { PastryInit } from '../pastry/config.js'
import { PastrySimulation, type PastrySimNode } from './pastry-sim.js'
import { uniformLatency } from './latency.js'
import { round, summarize, type Summary } from './stats.js'

export interface PastryExperimentOptions {
  nodes: number
  /** Lookups of random keys from random nodes on the stable network (and again after churn). */
  lookups: number
  /** Keys stored before churn (0: no storage phase). */
  keys?: number
  seed: number | string
  joins?: number
  leaves?: number
  crashes?: number
  /** Copies per key: the closest node and the next closest (all in its leaf set). */
  replicas?: number
  /**
   * How the stable network is built: `joins` (every node joins through a member, in doubling
   * waves, until every leaf set is the true one), `seed` (state installed from the global view, see
   * PastrySimulation.seedNetwork), or `auto`: joins up to 4096 nodes, seed above.
   */
  build?: 'joins' | 'seed' | 'auto'
  /**
   * Virtual ms given to repair after each churn event. Default 4 leaf-set intervals plus a
   * replicate interval (9 s): a crashed node's neighbours notice it within about one interval plus
   * a timeout, and a join or leave moves its keys at once.
   */
  repairMs?: number
  /** Pastry options for every node (replicas is set from `replicas`). */
  pastry?: PastryInit
}

/** Hop counts with their distribution: `distribution[h]` lookups took h hops. */
export interface HopSummary extends Summary {
  distribution: number[]
}

export interface ChurnReport {
  events: number
  /** Per event: keys whose primary copy (the copy held as owner) changed node. */
  primaryMoved: number[]
  /** Per event: keys whose true owner changed. */
  mustMove: number[]
  /** Per event: replica copies made to restore r. */
  replicaCopies: number[]
  eventKinds: string[]
  meanMovedPerEvent: number
  keysOverNodes: number
  /** Keys held by no live node at the end. */
  keysLost: number
  /** Lookups after churn whose owner was not the true owner. */
  wrongOwners: number
  /** Stored keys whose primary copy sits elsewhere than the true owner at the end. */
  misplacedPrimaries: number
}

export interface PastryReport {
  protocol: 'pastry'
  nodes: number
  lookups: number
  keys: number
  replicas: number
  leafSetSize: number
  seed: string
  build: 'joins' | 'seed'
  traceHash: string
  /** Filled by the caller (wall clock is not part of a pure run). */
  wallMs: number
  peakRssBytes: number
  virtualMs: number
  events: number
  hops: HopSummary
  theory: { meanHops: number }
  lookupsFailed: number
  /** Lookups on the stable network that returned a wrong owner. */
  wrongOwners: number
  /** Mean routing-table entries per node on the stable network (theory: 15·⌈log16 N⌉ at most). */
  meanRoutingEntries: number
  churn?: ChurnReport
}

const EXPERIMENT_PASTRY_DEFAULTS: PastryInit = {
  requestTimeoutMs: 500,
  leafSetIntervalMs: 1000,
  routingTableIntervalMs: 5000,
  replicateIntervalMs: 5000
}

const utf8 = new TextEncoder()

export function runPastryExperiment (options: PastryExperimentOptions, log: (line: string) => void = () => {}): PastryReport {
  const n = options.nodes
  if (!Number.isInteger(n) || n < 1) throw new RangeError('nodes must be a positive integer')
  const replicas = options.replicas ?? 3
  const keysCount = options.keys ?? 0
  const build = options.build === 'seed' || (options.build !== 'joins' && n > 4096) ? 'seed' : 'joins'
  const cfg: PastryInit = { ...EXPERIMENT_PASTRY_DEFAULTS, ...options.pastry, replicas }
  const ps = new PastrySimulation({ seed: options.seed, latency: uniformLatency(10, 60), log, pastry: cfg })
  const sim = ps.sim
  const leafMs = cfg.leafSetIntervalMs ?? 1000
  const replicateMs = cfg.replicateIntervalMs ?? 5000
  const repairMs = options.repairMs ?? 4 * leafMs + replicateMs

  // 1. The stable network.
  if (build === 'seed') {
    ps.seedNetwork(n)
    log(`seeded a network of ${n} nodes from the global view`)
  } else {
    buildByJoins(ps, n, log)
  }
  let entries = 0
  for (const node of ps.live()) entries += node.pastry.status().routingEntries
  const meanRoutingEntries = entries / ps.size

  // 2. Keys.
  const keys: Uint8Array[] = []
  const keyIds: NodeId[] = []
  for (let i = 0; i < keysCount; i++) {
    const k = utf8.encode(`key-${i}`)
    keys.push(k); keyIds.push(keyId(k))
  }
  if (keysCount > 0) storeKeys(ps, keys, log)
  if (keysCount > 0) sim.runFor(2 * replicateMs)

  // 3. Lookups on the stable network.
  const first = runLookups(ps, options.lookups, 'lookup')
  log(`lookups: ${options.lookups}, mean hops ${round(first.hops.mean)} (theory log16 N = ${round(Math.log(n) / Math.log(16))}), ` +
    `failed ${first.failed}, wrong owner ${first.wrong}; routing entries per node ${round(meanRoutingEntries, 1)}`)

  // 4. Churn.
  let churn: ChurnReport | undefined
  const events: string[] = []
  for (let i = 0; i < (options.joins ?? 0); i++) events.push('join')
  for (let i = 0; i < (options.leaves ?? 0); i++) events.push('leave')
  for (let i = 0; i < (options.crashes ?? 0); i++) events.push('crash')
  if (events.length > 0) {
    sim.random.shuffle(events)
    churn = runChurn(ps, events, keyIds, repairMs, replicas, log)
    const after = runLookups(ps, options.lookups, 'after-churn')
    churn.wrongOwners = after.wrong
  }

  const traceHash = sim.finish()
  return {
    protocol: 'pastry',
    nodes: n,
    lookups: options.lookups,
    keys: keysCount,
    replicas,
    leafSetSize: ps.live()[0]?.pastry.config.leafSetSize ?? 0,
    seed: sim.seed,
    build,
    traceHash,
    wallMs: 0,
    peakRssBytes: 0,
    virtualMs: sim.now(),
    events: sim.counters.events,
    hops: first.hops,
    theory: { meanHops: Math.log(n) / Math.log(16) },
    lookupsFailed: first.failed,
    wrongOwners: first.wrong,
    meanRoutingEntries: round(meanRoutingEntries, 2),
    churn
  }
}

/** Joins in doubling waves (each node through a random member), each wave run until converged. */
function buildByJoins (ps: PastrySimulation, n: number, log: (line: string) => void): void {
  const sim = ps.sim
  ps.join()
  const leafMs = ps.pastryInit.leafSetIntervalMs ?? 1000
  while (ps.size < n) {
    const add = Math.min(ps.size, n - ps.size)
    for (let i = 0; i < add; i++) sim.after(sim.random.int(leafMs), () => ps.join())
    sim.runFor(leafMs)
    if (!ps.runUntilConverged(leafMs, 600 * leafMs)) throw new Error(`network of ${ps.size} did not converge`)
  }
  log(`built a network of ${n} nodes by joins; converged at virtual ${sim.now()} ms`)
}

function storeKeys (ps: PastrySimulation, keys: readonly Uint8Array[], log: (line: string) => void): void {
  const sim = ps.sim
  let failed = 0
  let pending = keys.length
  // Spread the puts over time: about 1000 per virtual second.
  const spreadMs = Math.max(1000, keys.length)
  for (let i = 0; i < keys.length; i++) {
    const from = ps.randomMember() as PastrySimNode
    const k = keys[i]
    sim.after(sim.random.int(spreadMs), () => from.pastry.put(k, utf8.encode(`v${i}`), o => { pending--; if (!o.ok) failed++ }))
  }
  sim.runUntilTrue(() => pending === 0, 1000, spreadMs + 60_000)
  log(`stored ${keys.length - failed} of ${keys.length} keys`)
}

interface LookupFigures { hops: HopSummary, failed: number, wrong: number }

function runLookups (ps: PastrySimulation, count: number, label: string): LookupFigures {
  const sim = ps.sim
  const hops: number[] = []
  let failed = 0; let wrong = 0; let pending = count
  for (let i = 0; i < count; i++) {
    const from = ps.randomMember() as PastrySimNode
    const key = keyId(utf8.encode(`${label}-${sim.seed}-${i}`))
    sim.after(sim.random.int(1000), () => {
      const truth = ps.owner(key).sim.ref.address
      from.pastry.lookup(key, o => {
        pending--
        if (!o.ok) { failed++; return }
        hops.push(o.value.hops)
        if (o.value.owner.address !== truth) wrong++
      })
    })
  }
  sim.runUntilTrue(() => pending === 0, 500, 120_000)
  const distribution: number[] = []
  for (const h of hops) distribution[h] = (distribution[h] ?? 0) + 1
  for (let h = 0; h < distribution.length; h++) distribution[h] ??= 0
  return { hops: { ...summarize(hops), distribution }, failed: failed + pending, wrong }
}

/** Primary holder (address) per key id, over the given nodes. */
function primaries (nodes: Iterable<PastrySimNode>): Map<NodeId, string> {
  const out = new Map<NodeId, string>()
  for (const node of nodes) {
    for (const [id, primary] of node.pastry.storedKeys()) if (primary) out.set(id, node.sim.ref.address)
  }
  return out
}

function totalReplicaCopies (all: readonly PastrySimNode[]): number {
  let s = 0
  for (const node of all) s += node.pastry.counters().replicaCopiesMade
  return s
}

/** Live nodes within `radius` ring positions of the owner of `center` (by id order). */
function window (ps: PastrySimulation, center: NodeId, radius: number): PastrySimNode[] {
  const ring = ps.live()
  if (ring.length === 0) return []
  const i = ring.indexOf(ps.owner(center))
  const out = new Set<PastrySimNode>()
  for (let d = -radius; d <= radius; d++) out.add(ring[((i + d) % ring.length + ring.length) % ring.length])
  return [...out]
}

function runChurn (ps: PastrySimulation, events: readonly string[], keyIds: readonly NodeId[], repairMs: number, r: number, log: (line: string) => void): ChurnReport {
  const sim = ps.sim
  const everyone: PastrySimNode[] = ps.live()
  const report: ChurnReport = {
    events: events.length, primaryMoved: [], mustMove: [], replicaCopies: [], eventKinds: [],
    meanMovedPerEvent: 0, keysOverNodes: 0, keysLost: 0, wrongOwners: 0, misplacedPrimaries: 0
  }
  let nodesSum = 0
  // Every change of primary holder happens next to the event; nodes farther than this are not looked at per event.
  const radius = r + 3
  for (const kind of events) {
    let center: NodeId
    let victim: PastrySimNode | undefined
    if (kind === 'join') {
      center = sim.nextAddressId()
    } else {
      victim = ps.randomMember() as PastrySimNode
      center = victim.sim.ref.id
    }
    const before = window(ps, center, radius)
    const ownersBefore = new Map<NodeId, string>()
    const primaryBefore = primaries(before)
    for (const id of primaryBefore.keys()) ownersBefore.set(id, ps.owner(id).sim.ref.address)
    const copiesBefore = totalReplicaCopies(everyone)
    nodesSum += ps.size
    // The same nodes are looked at after the event: the window, less the departed, plus the joiner.
    const after = before.filter(x => x !== victim)
    if (kind === 'join') { const joiner = ps.join(); everyone.push(joiner); after.push(joiner) } else if (kind === 'leave') ps.leave(victim as PastrySimNode)
    else ps.crash(victim as PastrySimNode)
    sim.runFor(repairMs)
    const primaryAfter = primaries(after)
    const ids = new Set<NodeId>([...primaryBefore.keys(), ...primaryAfter.keys()])
    let moved = 0; let must = 0
    for (const id of ids) {
      if (primaryBefore.get(id) !== primaryAfter.get(id)) moved++
      const ob = ownersBefore.get(id)
      if (ob !== undefined && ob !== ps.owner(id).sim.ref.address) must++
    }
    report.eventKinds.push(kind)
    report.primaryMoved.push(moved)
    report.mustMove.push(must)
    report.replicaCopies.push(totalReplicaCopies(everyone) - copiesBefore)
    if (report.eventKinds.length % 25 === 0) log(`churn: ${report.eventKinds.length}/${events.length} events at virtual ${sim.now()} ms`)
  }
  // The end: every key's copies and owners, over the whole network.
  const held = new Set<NodeId>()
  for (const node of ps.live()) for (const [id] of node.pastry.storedKeys()) held.add(id)
  const finalPrimaries = primaries(ps.live())
  for (const id of keyIds) {
    if (!held.has(id)) report.keysLost++
    else if (finalPrimaries.get(id) !== ps.owner(id).sim.ref.address) report.misplacedPrimaries++
  }
  const moved = report.primaryMoved.reduce((a, b) => a + b, 0)
  report.meanMovedPerEvent = moved / events.length
  report.keysOverNodes = keyIds.length / (nodesSum / events.length)
  log(`churn: ${events.length} events, primary moved ${moved}, must move ${report.mustMove.reduce((a, b) => a + b, 0)}, ` +
    `mean ${round(report.meanMovedPerEvent)} vs K/N ${round(report.keysOverNodes)}, replica copies ${report.replicaCopies.reduce((a, b) => a + b, 0)}, ` +
    `lost ${report.keysLost}, misplaced ${report.misplacedPrimaries}`)
  return report
}
