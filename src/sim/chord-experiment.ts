/**
 * `overlay-node sim chord` as a library function: builds a stable Chord ring in the simulator,
 * measures lookup hops against ½·log2 N (Stoica et al. 2001 §6.2), and under churn measures keys
 * moved per membership event against K/N (§4.2, consistent hashing) and keys lost (§6.4).
 * Invariant: the report is a pure function of the options (seed included), except `wallMs` and
 * `peakRssBytes`, which the caller measures and fills in (they stay 0 here).
 */
import { keyId, type NodeId } from '../core/id.js'
import type { ChordInit } from '../chord/config.js'
import { ChordSimulation, type ChordSimNode } from './chord-sim.js'
import { uniformLatency } from './latency.js'
import { round, summarize, type Summary } from './stats.js'

export interface ChordExperimentOptions {
  nodes: number
  /** Lookups of random keys from random nodes on the stable ring (and again after churn). */
  lookups: number
  /** Keys stored before churn (0: no storage phase). */
  keys?: number
  seed: number | string
  joins?: number
  leaves?: number
  crashes?: number
  /** r: copies per key (owner + r-1 successors). */
  replicas?: number
  /**
   * How the stable ring is built: `joins` (every node joins through a member, in doubling waves,
   * until every successor and predecessor is right), `seed` (routing installed from the global view,
   * see ChordSimulation.seedRing), or `auto`: joins up to 4096 nodes, seed above.
   */
  build?: 'joins' | 'seed' | 'auto'
  /** Virtual ms given to repair after each churn event (default 3 stabilize intervals + 1 replicate interval = 8000). */
  repairMs?: number
  /** Chord options for every node (replicas is set from `replicas`). */
  chord?: ChordInit
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

export interface ChordReport {
  protocol: 'chord'
  nodes: number
  lookups: number
  keys: number
  replicas: number
  seed: string
  build: 'joins' | 'seed'
  traceHash: string
  /** Filled by the caller (wall clock is not part of a pure run). */
  wallMs: number
  peakRssBytes: number
  virtualMs: number
  events: number
  hops: Summary
  theory: { meanHops: number }
  lookupsFailed: number
  /** Lookups on the stable ring that returned a wrong owner. */
  wrongOwners: number
  churn?: ChurnReport
}

const EXPERIMENT_CHORD_DEFAULTS: ChordInit = {
  requestTimeoutMs: 500,
  stabilizeIntervalMs: 1000,
  fixFingersIntervalMs: 2000,
  checkPredecessorIntervalMs: 2000,
  replicateIntervalMs: 5000
}

const utf8 = new TextEncoder()

export function runChordExperiment (options: ChordExperimentOptions, log: (line: string) => void = () => {}): ChordReport {
  const n = options.nodes
  if (!Number.isInteger(n) || n < 1) throw new RangeError('nodes must be a positive integer')
  const replicas = options.replicas ?? 3
  const keysCount = options.keys ?? 0
  const build = options.build === 'seed' || (options.build !== 'joins' && n > 4096) ? 'seed' : 'joins'
  const cs = new ChordSimulation({
    seed: options.seed,
    latency: uniformLatency(10, 60),
    log,
    chord: { ...EXPERIMENT_CHORD_DEFAULTS, ...options.chord, replicas }
  })
  const sim = cs.sim
  const cfg = { ...EXPERIMENT_CHORD_DEFAULTS, ...options.chord }
  const repairMs = options.repairMs ?? 3 * (cfg.stabilizeIntervalMs ?? 1000) + (cfg.replicateIntervalMs ?? 5000)

  // 1. The stable ring.
  if (build === 'seed') {
    cs.seedRing(n)
    log(`seeded a ring of ${n} nodes from the global view`)
  } else {
    buildByJoins(cs, n, log)
  }

  // 2. Keys.
  const keys: Uint8Array[] = []
  const keyIds: NodeId[] = []
  for (let i = 0; i < keysCount; i++) {
    const k = utf8.encode(`key-${i}`)
    keys.push(k); keyIds.push(keyId(k))
  }
  if (keysCount > 0) storeKeys(cs, keys, log)
  if (keysCount > 0) sim.runFor(2 * (cfg.replicateIntervalMs ?? 5000))

  // 3. Lookups on the stable ring.
  const first = runLookups(cs, options.lookups, 'lookup')
  log(`lookups: ${options.lookups}, mean hops ${round(first.hops.mean)} (theory ½·log2 N = ${round(0.5 * Math.log2(n))}), failed ${first.failed}, wrong owner ${first.wrong}`)

  // 4. Churn.
  let churn: ChurnReport | undefined
  const events: string[] = []
  for (let i = 0; i < (options.joins ?? 0); i++) events.push('join')
  for (let i = 0; i < (options.leaves ?? 0); i++) events.push('leave')
  for (let i = 0; i < (options.crashes ?? 0); i++) events.push('crash')
  if (events.length > 0) {
    sim.random.shuffle(events)
    churn = runChurn(cs, events, keyIds, repairMs, replicas, log)
    const after = runLookups(cs, options.lookups, 'after-churn')
    churn.wrongOwners = after.wrong
  }

  const traceHash = sim.finish()
  return {
    protocol: 'chord',
    nodes: n,
    lookups: options.lookups,
    keys: keysCount,
    replicas,
    seed: sim.seed,
    build,
    traceHash,
    wallMs: 0,
    peakRssBytes: 0,
    virtualMs: sim.now(),
    events: sim.counters.events,
    hops: first.hops,
    theory: { meanHops: 0.5 * Math.log2(n) },
    lookupsFailed: first.failed,
    wrongOwners: first.wrong,
    churn
  }
}

/** Joins in doubling waves (each node through a random member), each wave run until converged. */
function buildByJoins (cs: ChordSimulation, n: number, log: (line: string) => void): void {
  const sim = cs.sim
  cs.join()
  const stabilizeMs = cs.chordInit.stabilizeIntervalMs ?? 1000
  while (cs.size < n) {
    const add = Math.min(cs.size, n - cs.size)
    for (let i = 0; i < add; i++) sim.after(sim.random.int(stabilizeMs), () => cs.join())
    sim.runFor(stabilizeMs)
    if (!cs.runUntilConverged(stabilizeMs, 600 * stabilizeMs)) throw new Error(`ring of ${cs.size} did not converge`)
  }
  // Let fix-fingers finish a few cycles (about log2 N lookups per cycle).
  const fixMs = cs.chordInit.fixFingersIntervalMs ?? 1000
  sim.runFor(Math.ceil(2 * Math.log2(Math.max(2, n)) + 4) * fixMs)
  log(`built a ring of ${n} nodes by joins; converged at virtual ${sim.now()} ms`)
}

function storeKeys (cs: ChordSimulation, keys: readonly Uint8Array[], log: (line: string) => void): void {
  const sim = cs.sim
  let failed = 0
  let pending = keys.length
  // Spread the puts over time: about 1000 per virtual second.
  const spreadMs = Math.max(1000, keys.length)
  for (let i = 0; i < keys.length; i++) {
    const from = cs.randomMember() as ChordSimNode
    const k = keys[i]
    sim.after(sim.random.int(spreadMs), () => from.chord.put(k, utf8.encode(`v${i}`), o => { pending--; if (!o.ok) failed++ }))
  }
  sim.runUntilTrue(() => pending === 0, 1000, spreadMs + 60_000)
  log(`stored ${keys.length - failed} of ${keys.length} keys`)
}

interface LookupFigures { hops: Summary, failed: number, wrong: number }

function runLookups (cs: ChordSimulation, count: number, label: string): LookupFigures {
  const sim = cs.sim
  const hops: number[] = []
  let failed = 0; let wrong = 0; let pending = count
  for (let i = 0; i < count; i++) {
    const from = cs.randomMember() as ChordSimNode
    const key = keyId(utf8.encode(`${label}-${sim.seed}-${i}`))
    sim.after(sim.random.int(1000), () => {
      const truth = cs.owner(key).sim.ref.address
      from.chord.lookup(key, o => {
        pending--
        if (!o.ok) { failed++; return }
        hops.push(o.value.hops)
        if (o.value.owner.address !== truth) wrong++
      })
    })
  }
  sim.runUntilTrue(() => pending === 0, 500, 120_000)
  return { hops: summarize(hops), failed: failed + pending, wrong }
}

/** Primary holder (address) per key id, over the given nodes. */
function primaries (nodes: Iterable<ChordSimNode>): Map<NodeId, string> {
  const out = new Map<NodeId, string>()
  for (const node of nodes) {
    for (const [id, primary] of node.chord.storedKeys()) if (primary) out.set(id, node.sim.ref.address)
  }
  return out
}

function totalReplicaCopies (all: readonly ChordSimNode[]): number {
  let s = 0
  for (const node of all) s += node.chord.counters().replicaCopiesMade
  return s
}

/** Live nodes within `radius` ring positions of `center` (by id order). */
function window (cs: ChordSimulation, center: NodeId, radius: number): ChordSimNode[] {
  const ring = cs.live()
  if (ring.length === 0) return []
  const i = ring.indexOf(cs.owner(center))
  const out = new Set<ChordSimNode>()
  for (let d = -radius; d <= radius; d++) out.add(ring[((i + d) % ring.length + ring.length) % ring.length])
  return [...out]
}

function runChurn (cs: ChordSimulation, events: readonly string[], keyIds: readonly NodeId[], repairMs: number, r: number, log: (line: string) => void): ChurnReport {
  const sim = cs.sim
  const everyone: ChordSimNode[] = cs.live()
  const sortedKeys = keyIds.slice().sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  const report: ChurnReport = {
    events: events.length, primaryMoved: [], mustMove: [], replicaCopies: [], eventKinds: [],
    meanMovedPerEvent: 0, keysOverNodes: 0, keysLost: 0, wrongOwners: 0, misplacedPrimaries: 0
  }
  let nodesSum = 0
  // Every change of primary holder happens next to the event; nodes farther than this are not looked at per event.
  const radius = r + 3
  for (const kind of events) {
    let center: NodeId
    let victim: ChordSimNode | undefined
    if (kind === 'join') {
      center = sim.nextAddressId()
    } else {
      victim = cs.randomMember() as ChordSimNode
      center = victim.sim.ref.id
    }
    const before = window(cs, center, radius)
    const ownersBefore = new Map<NodeId, string>()
    const primaryBefore = primaries(before)
    for (const id of primaryBefore.keys()) ownersBefore.set(id, cs.owner(id).sim.ref.address)
    const copiesBefore = totalReplicaCopies(everyone)
    nodesSum += cs.size
    // The same nodes are looked at after the event: the window, less the departed, plus the joiner.
    const after = before.filter(x => x !== victim)
    if (kind === 'join') { const joiner = cs.join(); everyone.push(joiner); after.push(joiner) } else if (kind === 'leave') cs.leave(victim as ChordSimNode)
    else cs.crash(victim as ChordSimNode)
    sim.runFor(repairMs)
    const primaryAfter = primaries(after)
    const ids = new Set<NodeId>([...primaryBefore.keys(), ...primaryAfter.keys()])
    let moved = 0; let must = 0
    for (const id of ids) {
      if (primaryBefore.get(id) !== primaryAfter.get(id)) moved++
      const ob = ownersBefore.get(id)
      if (ob !== undefined && ob !== cs.owner(id).sim.ref.address) must++
    }
    report.eventKinds.push(kind)
    report.primaryMoved.push(moved)
    report.mustMove.push(must)
    report.replicaCopies.push(totalReplicaCopies(everyone) - copiesBefore)
    if (report.eventKinds.length % 25 === 0) log(`churn: ${report.eventKinds.length}/${events.length} events at virtual ${sim.now()} ms`)
  }
  // The end: every key's copies and owners, over the whole ring.
  const held = new Set<NodeId>()
  for (const node of cs.live()) for (const [id] of node.chord.storedKeys()) held.add(id)
  const finalPrimaries = primaries(cs.live())
  for (const id of sortedKeys) {
    if (!held.has(id)) report.keysLost++
    else if (finalPrimaries.get(id) !== cs.owner(id).sim.ref.address) report.misplacedPrimaries++
  }
  const moved = report.primaryMoved.reduce((a, b) => a + b, 0)
  report.meanMovedPerEvent = moved / events.length
  report.keysOverNodes = keyIds.length / (nodesSum / events.length)
  log(`churn: ${events.length} events, primary moved ${moved}, must move ${report.mustMove.reduce((a, b) => a + b, 0)}, ` +
    `mean ${round(report.meanMovedPerEvent)} vs K/N ${round(report.keysOverNodes)}, replica copies ${report.replicaCopies.reduce((a, b) => a + b, 0)}, ` +
    `lost ${report.keysLost}, misplaced ${report.misplacedPrimaries}`)
  return report
}
