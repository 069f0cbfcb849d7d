/**
 * The experiment steps Chord and Pastry share (DESIGN.md §7): store K keys, run L lookups against
 * the true owner, and churn one membership event at a time while counting, per event, the primary
 * copies that moved beside the keys that had to move (consistent hashing moves only O(K/N): Stoica
 * et al. 2001 §4.2). Invariant: every draw comes from the simulator's driver random source, so the
 * figures and the trace hash are a pure function of the seed.
 */
import { keyId, type NodeId } from '../core/id.js'
import type { PeerRef } from '../core/port.js'
import { round, summarize, type Summary } from './stats.js'
import type { SimNode, Simulator } from '../sim/simulator.js'

const utf8 = new TextEncoder()

/** The options `sim chord` and `sim pastry` share; each adds its build and repair specifics. */
export interface DhtExperimentOptions {
  nodes: number
  /** Lookups of random keys from random nodes on the stable network (and again after churn). */
  lookups: number
  /** Keys stored before churn (0: no storage phase). */
  keys?: number
  seed: number | string
  joins?: number
  leaves?: number
  crashes?: number
  /** Copies per key: the owner and the r-1 nodes that take over from it. */
  replicas?: number
  /** How the stable network is built: by joins, by seeding from the global view, or `auto` (joins up to 4096 nodes). */
  build?: 'joins' | 'seed' | 'auto'
  /** Virtual ms given to repair after each churn event. */
  repairMs?: number
}

/** Hop counts with their distribution: `distribution[h]` lookups took h hops. */
export interface HopSummary extends Summary {
  distribution: number[]
}

/** Hop figures with the distribution the papers report (`distribution[h]` lookups took h hops). */
export function summarizeHops (hops: readonly number[]): HopSummary {
  const distribution: number[] = []
  for (const h of hops) distribution[h] = (distribution[h] ?? 0) + 1
  for (let h = 0; h < distribution.length; h++) distribution[h] ??= 0
  return { ...summarize(hops), distribution }
}

/** The report fields `sim chord` and `sim pastry` share, so one benchmark reader serves both. */
export interface DhtReport {
  protocol: 'chord' | 'pastry'
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
  theory: { meanHops: number }
  /** Hops of the lookups on the stable network, with their distribution. */
  hops: HopSummary
  /** Routing entries per node on the stable network: Chord's distinct fingers, Pastry's routing-table entries. */
  meanRoutingEntries: number
  /** Nodes each node keeps on each side of it: Chord's successor list length, Pastry's |L|/2. */
  neighboursPerSide: number
  lookupsFailed: number
  /** Lookups on the stable network that returned a wrong owner. */
  wrongOwners: number
  churn?: ChurnReport
}

/** Networks above this size are seeded from the global view under `build: 'auto'`. */
export const MAX_JOINED_BUILD_NODES = 4096

/** Checks the size and resolves `build: 'auto'`. */
export function buildMode (options: DhtExperimentOptions): 'joins' | 'seed' {
  if (!Number.isInteger(options.nodes) || options.nodes < 1) throw new RangeError('nodes must be a positive integer')
  return options.build === 'seed' || (options.build !== 'joins' && options.nodes > MAX_JOINED_BUILD_NODES) ? 'seed' : 'joins'
}

/** The experiment's keys, `key-0` … `key-(count-1)`, with their ids. */
export function keyWorkload (count: number): { keys: Uint8Array[], keyIds: NodeId[] } {
  const keys: Uint8Array[] = []
  const keyIds: NodeId[] = []
  for (let i = 0; i < count; i++) {
    const k = utf8.encode(`key-${i}`)
    keys.push(k)
    keyIds.push(keyId(k))
  }
  return { keys, keyIds }
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

type Outcome<T> = { readonly ok: true, readonly value: T } | { readonly ok: false }

/** What the shared steps use of a DHT node (ChordNode and PastryNode both fit). */
export interface ExperimentDht {
  put(key: Uint8Array, value: Uint8Array, done: (o: Outcome<unknown>) => void): void
  lookup(key: NodeId, done: (o: Outcome<{ readonly owner: PeerRef, readonly hops: number }>) => void): void
  storedKeys(): IterableIterator<[NodeId, boolean]>
  /** Replica copies made so far (read on every node twice per churn event: no copy of all counters). */
  replicaCopiesMade(): number
}

/** What the shared steps use of a simulated network (ChordSimulation and PastrySimulation both fit). */
export interface ExperimentNetwork<S extends { readonly sim: SimNode }> {
  readonly sim: Simulator
  readonly size: number
  /** Live members in id order. */
  live(): S[]
  randomMember(): S | undefined
  join(): S
  leave(node: S): void
  crash(node: S): void
  /** The true owner of a key among the live members. */
  owner(key: NodeId): S
  /** The protocol node of a member. */
  dht(node: S): ExperimentDht
}


/**
 * Puts per virtual second while storing: 1000, or one per 10 nodes in a larger network, so each
 * node sees the same light load whatever the size. At 10^5 nodes, a million keys at 1000 per
 * second took 1000 virtual seconds of every node's maintenance: most of the run.
 */
export function putsPerSecond (nodes: number): number {
  return Math.max(1000, Math.floor(nodes / 10))
}

/** Puts every key from a random member, spread over time (putsPerSecond). */
export function storeKeys<S extends { readonly sim: SimNode }> (net: ExperimentNetwork<S>, keys: readonly Uint8Array[], log: (line: string) => void): void {
  const sim = net.sim
  let failed = 0
  let pending = keys.length
  const spreadMs = Math.max(1000, Math.ceil(keys.length * 1000 / putsPerSecond(net.size)))
  for (let i = 0; i < keys.length; i++) {
    const from = net.randomMember() as S
    const k = keys[i]
    sim.after(sim.random.int(spreadMs), () => { net.dht(from).put(k, utf8.encode(`v${i}`), o => { pending--; if (!o.ok) failed++ }) })
  }
  sim.runUntilTrue(() => { log(`store: ${keys.length - pending}/${keys.length} keys`); return pending === 0 }, 1000, spreadMs + 60_000)
  log(`stored ${keys.length - failed} of ${keys.length} keys`)
}

export interface LookupFigures {
  /** Hops of each lookup that succeeded. */
  hops: number[]
  failed: number
  /** Lookups that named another node than the true owner. */
  wrong: number
}

/** `count` lookups of random keys from random members, spread over one virtual second. */
export function runLookups<S extends { readonly sim: SimNode }> (net: ExperimentNetwork<S>, count: number, label: string, log: (line: string) => void = () => {}): LookupFigures {
  const sim = net.sim
  const hops: number[] = []
  let failed = 0; let wrong = 0; let pending = count
  for (let i = 0; i < count; i++) {
    const from = net.randomMember() as S
    const key = keyId(utf8.encode(`${label}-${sim.seed}-${i}`))
    sim.after(sim.random.int(1000), () => {
      const truth = net.owner(key).sim.ref.address
      net.dht(from).lookup(key, o => {
        pending--
        if (!o.ok) { failed++; return }
        hops.push(o.value.hops)
        if (o.value.owner.address !== truth) wrong++
      })
    })
  }
  sim.runUntilTrue(() => { log(`${label}: ${count - pending}/${count} lookups`); return pending === 0 }, 500, 120_000)
  return { hops, failed: failed + pending, wrong }
}

/** Primary holder (address) per key id, over the given members. */
function primaries<S extends { readonly sim: SimNode }> (net: ExperimentNetwork<S>, nodes: Iterable<S>): Map<NodeId, string> {
  const out = new Map<NodeId, string>()
  for (const node of nodes) {
    for (const [id, primary] of net.dht(node).storedKeys()) if (primary) out.set(id, node.sim.ref.address)
  }
  return out
}

function totalReplicaCopies<S extends { readonly sim: SimNode }> (net: ExperimentNetwork<S>, all: readonly S[]): number {
  let s = 0
  for (const node of all) s += net.dht(node).replicaCopiesMade()
  return s
}

/** Live members within `radius` ring positions of the owner of `center` (by id order). */
function window<S extends { readonly sim: SimNode }> (net: ExperimentNetwork<S>, center: NodeId, radius: number): S[] {
  const ring = net.live()
  if (ring.length === 0) return []
  const i = ring.indexOf(net.owner(center))
  const out = new Set<S>()
  for (let d = -radius; d <= radius; d++) out.add(ring[((i + d) % ring.length + ring.length) % ring.length])
  return [...out]
}

/**
 * Runs the membership events ('join' | 'leave' | 'crash') one at a time, each followed by
 * `repairMs` of virtual time, and counts what moved. Every change of primary holder happens next
 * to the event, so each event looks only at the members within r + 3 positions of it.
 */
export function runChurn<S extends { readonly sim: SimNode }> (net: ExperimentNetwork<S>, events: readonly string[], keyIds: readonly NodeId[], repairMs: number, r: number, log: (line: string) => void): ChurnReport {
  const sim = net.sim
  const everyone: S[] = net.live()
  const report: ChurnReport = {
    events: events.length, primaryMoved: [], mustMove: [], replicaCopies: [], eventKinds: [],
    meanMovedPerEvent: 0, keysOverNodes: 0, keysLost: 0, wrongOwners: 0, misplacedPrimaries: 0
  }
  let nodesSum = 0
  const radius = r + 3
  for (const kind of events) {
    let center: NodeId
    let victim: S | undefined
    if (kind === 'join') {
      center = sim.nextAddressId()
    } else {
      victim = net.randomMember() as S
      center = victim.sim.ref.id
    }
    const before = window(net, center, radius)
    const ownersBefore = new Map<NodeId, string>()
    const primaryBefore = primaries(net, before)
    for (const id of primaryBefore.keys()) ownersBefore.set(id, net.owner(id).sim.ref.address)
    const copiesBefore = totalReplicaCopies(net, everyone)
    nodesSum += net.size
    // The same members are looked at after the event: the window, less the departed, plus the joiner.
    const after = before.filter(x => x !== victim)
    if (kind === 'join') {
      const joiner = net.join()
      everyone.push(joiner)
      after.push(joiner)
    } else if (kind === 'leave') {
      net.leave(victim as S)
    } else {
      net.crash(victim as S)
    }
    sim.runFor(repairMs)
    const primaryAfter = primaries(net, after)
    const ids = new Set<NodeId>([...primaryBefore.keys(), ...primaryAfter.keys()])
    let moved = 0; let must = 0
    for (const id of ids) {
      if (primaryBefore.get(id) !== primaryAfter.get(id)) moved++
      const ob = ownersBefore.get(id)
      if (ob !== undefined && ob !== net.owner(id).sim.ref.address) must++
    }
    report.eventKinds.push(kind)
    report.primaryMoved.push(moved)
    report.mustMove.push(must)
    report.replicaCopies.push(totalReplicaCopies(net, everyone) - copiesBefore)
    if (report.eventKinds.length % 25 === 0) log(`churn: ${report.eventKinds.length}/${events.length} events at virtual ${sim.now()} ms`)
  }
  // The end: every key's copies and owners, over the whole network.
  const held = new Set<NodeId>()
  for (const node of net.live()) for (const [id] of net.dht(node).storedKeys()) held.add(id)
  const finalPrimaries = primaries(net, net.live())
  for (const id of keyIds) {
    if (!held.has(id)) report.keysLost++
    else if (finalPrimaries.get(id) !== net.owner(id).sim.ref.address) report.misplacedPrimaries++
  }
  const moved = report.primaryMoved.reduce((a, b) => a + b, 0)
  report.meanMovedPerEvent = moved / events.length
  report.keysOverNodes = keyIds.length / (nodesSum / events.length)
  log(`churn: ${events.length} events, primary moved ${moved}, must move ${report.mustMove.reduce((a, b) => a + b, 0)}, ` +
    `mean ${round(report.meanMovedPerEvent)} vs K/N ${round(report.keysOverNodes)}, replica copies ${report.replicaCopies.reduce((a, b) => a + b, 0)}, ` +
    `lost ${report.keysLost}, misplaced ${report.misplacedPrimaries}`)
  return report
}

/** The membership events of a churn run, in an order drawn from `random`. */
export function churnEvents (counts: { joins?: number, leaves?: number, crashes?: number }, random: { shuffle<T>(xs: T[]): T[] }): string[] {
  const events: string[] = []
  for (let i = 0; i < (counts.joins ?? 0); i++) events.push('join')
  for (let i = 0; i < (counts.leaves ?? 0); i++) events.push('leave')
  for (let i = 0; i < (counts.crashes ?? 0); i++) events.push('crash')
  if (events.length > 0) random.shuffle(events)
  return events
}
