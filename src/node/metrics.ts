/**
 * The overlay series on a node's Prometheus registry: `overlay_<dht>_*` for kad, chord and pastry,
 * `overlay_sir_*` for SIR gossip. Counters the protocols keep are read at scrape time and *set*,
 * never added to, so a scrape counts nothing twice; hops, latency and outcome of the operations the
 * node serves are observed as each one ends. Every series has a HELP text of its own.
 */
import { Counter, Gauge, Histogram } from 'prom-client'
import { InputError, NotFoundError } from './errors.js'
import type { DhtBackend } from './backends.js'
import type { ChordService } from '../libp2p/chord-service.js'
import type { PastryService } from '../libp2p/pastry-service.js'
import type { SirService } from '../libp2p/sir-service.js'
import type { Registry } from 'prom-client'

/** Hop buckets: a lookup in N nodes takes about log N hops; 32 is far past any network we run. */
const HOP_BUCKETS = [0, 1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 24, 32]
/** Latency buckets in seconds, from a loopback answer (~1 ms) to the query timeout (30 s). */
const LATENCY_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

/** The overlays whose state the series read; absent ones export nothing. */
export interface OverlaySources {
  chord?: ChordService
  pastry?: PastryService
  sir?: SirService
}

export interface OverlayMetrics {
  /** The same backend, each finished operation counted by outcome and its hops observed. */
  instrumentDht(name: string, backend: DhtBackend): DhtBackend
}

type Labels = Record<string, string>
/** Where a protocol counter goes: one series and the labels that name it there. */
type Placement = [series: string, labels: Labels]

const DHT_NAMES: Record<string, string> = { kad: 'Kademlia', chord: 'Chord', pastry: 'Pastry' }

/** `leafRepairs` → `leaf_repairs`, `outboundFailed_timeout` → `outbound_failed_timeout`. */
const snake = (name: string): string => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase()

/** The stream runtime's counters of bad frames, which every overlay's status carries. */
const RUNTIME_BAD_FRAMES: Array<[string, Placement]> = [
  ['inboundMalformed', ['bad_frames_total', { kind: 'inbound_malformed' }]],
  ['inboundOversize', ['bad_frames_total', { kind: 'inbound_oversize' }]],
  ['outboundBadFrames', ['bad_frames_total', { kind: 'outbound_bad' }]]
]

/**
 * Where each counter of Chord's and Pastry's status goes (the storage layer's counters, src/dht,
 * are the same for both); a counter not listed here still shows, in `_events_total`.
 */
const DHT_PLACEMENT = new Map<string, Placement>([
  ['replicaCopiesMade', ['repairs_total', { kind: 'replica_copy_made' }]],
  ['promotions', ['repairs_total', { kind: 'replica_promoted' }]],
  ['handoffRecordsSent', ['repairs_total', { kind: 'record_handed_off' }]],
  ['replicasDropped', ['repairs_total', { kind: 'replica_dropped' }]],
  ['leafRepairs', ['repairs_total', { kind: 'leaf_set' }]],
  ['rowRepairs', ['repairs_total', { kind: 'routing_table_slot' }]],
  ['storesRefusedFull', ['stores_refused_total', { reason: 'store_full' }]],
  ['storesRefusedQuota', ['stores_refused_total', { reason: 'peer_quota' }]],
  ['recordsStale', ['records_rejected_total', { reason: 'stale' }]],
  ['recordsInvalid', ['records_rejected_total', { reason: 'bad_signature' }]],
  ['inboundRequests', ['requests_total', { direction: 'inbound' }]],
  ['outboundRequests', ['requests_total', { direction: 'outbound' }]],
  ['staleReads', ['stale_reads_total', {}]],
  ['candidatesQueued', ['candidates_total', { event: 'queued' }]],
  ['candidatesDropped', ['candidates_total', { event: 'dropped' }]],
  ['candidateProbes', ['candidates_total', { event: 'probed' }]],
  ['candidateProbesFailed', ['candidates_total', { event: 'probe_failed' }]],
  ...RUNTIME_BAD_FRAMES
])

function dhtPlacement (key: string): Placement | undefined {
  if (key.startsWith('outboundFailed_')) return ['requests_failed_total', { reason: key.slice('outboundFailed_'.length) }]
  return DHT_PLACEMENT.get(key)
}

/** The same for SIR's counters (src/sir/counters.ts). */
const SIR_PLACEMENT = new Map<string, Placement>([
  ...(['published', 'accepted', 'delivered', 'evicted', 'expired'].map(event => [event, ['rumors_total', { event }]] as [string, Placement])),
  ['acceptedBySync', ['rumors_total', { event: 'accepted_by_sync' }]],
  ['duplicates', ['rumors_total', { event: 'duplicate' }]],
  ['removedByCoin', ['rumors_total', { event: 'removed_by_coin' }]],
  ['overQuota', ['rumors_total', { event: 'refused_over_quota' }]],
  ['forged', ['bad_frames_total', { kind: 'bad_signature' }]],
  ['malformed', ['bad_frames_total', { kind: 'malformed' }]],
  ['oversized', ['bad_frames_total', { kind: 'oversized' }]],
  ['requestsSent', ['requests_total', { direction: 'outbound' }]],
  ['requestsServed', ['requests_total', { direction: 'inbound' }]],
  ['requestsFailed', ['requests_failed_total', { reason: 'any' }]],
  ...RUNTIME_BAD_FRAMES
])

const sirPlacement = (key: string): Placement | undefined => SIR_PLACEMENT.get(key)

/** Each counter series: the label that names its parts (none: one value), and its HELP text. */
type SeriesSpec = Record<string, [label: string | undefined, help: string]>

const DHT_SERIES: SeriesSpec = {
  repairs_total: ['kind', 'Replication and routing repairs, by kind: replica copies made, replicas promoted to primary, records handed to a new owner, replicas dropped at lease end; for Pastry also leaf-set and routing-table repairs'],
  stores_refused_total: ['reason', "Stores this node refused for its limits, by reason: its store full, the sending peer's quota used, or other (too large, leaving)"],
  records_rejected_total: ['reason', 'Records refused, by reason: stale (a newer version is held) or bad_signature (does not verify)'],
  bad_frames_total: ['kind', 'Frames that failed to decode or went over the size limit, by kind (each resets its stream; the sender pays)'],
  requests_total: ['direction', 'Protocol requests, by direction (inbound: answered for peers; outbound: sent by this node)'],
  requests_failed_total: ['reason', 'Outbound protocol requests that failed, by reason'],
  stale_reads_total: [undefined, 'Answers to a get from a holder with an older version than another holder had (each such holder was sent the newer one: read repair)'],
  candidates_total: ['event', 'Peers others named, before they may enter the routing state (first-hand rule): queued for a probe, dropped (over a limit, or named by a peer without standing), probed, probe failed'],
  events_total: ['event', 'Other protocol events, by name (the counters `overlay-node status` shows)']
}

const SIR_SERIES: SeriesSpec = {
  rumors_total: ['event', 'Rumors by event: published here, accepted from peers (by sync: as old news), delivered to subscribers, duplicate copies, turned removed by the coin, evicted, expired, refused over the per-origin quota'],
  bad_frames_total: ['kind', 'Bad input from peers, by kind: bad signature, malformed or oversized rumors, and frames that failed to decode or went over the limit'],
  requests_total: ['direction', 'SIR requests (push, pull, sync), by direction (outbound: sent; inbound: answered)'],
  requests_failed_total: ['reason', 'Outbound SIR requests that failed (timeout, unreachable, ...)'],
  events_total: ['event', 'Other SIR events, by name (the counters `overlay-node status sir` shows)']
}

/**
 * A counter family whose values are read at scrape time: `collect` resets it and sets each label
 * set to the current total (prom-client counters only go up, so a reset and one `inc` is a set).
 */
function readCounter (registry: Registry, name: string, help: string, labelNames: string[], read: () => Array<[Labels, number]>): void {
  // eslint-disable-next-line no-new
  new Counter({
    name,
    help,
    labelNames,
    registers: [registry],
    collect () {
      this.reset()
      for (const [labels, value] of read()) this.inc(labels, value)
    }
  })
}

function readGauge (registry: Registry, name: string, help: string, labelNames: string[], read: () => Array<[Labels, number]>): void {
  // eslint-disable-next-line no-new
  new Gauge({
    name,
    help,
    labelNames,
    registers: [registry],
    collect () {
      this.reset()
      for (const [labels, value] of read()) this.set(labels, value)
    }
  })
}

/**
 * Exports a protocol's counters: `place` names the series and labels of each counter (undefined:
 * `<prefix>_events_total{event}`; null: not exported as such), `extra` adds derived values.
 * Values that land on the same labels are summed.
 */
function exportCounters (registry: Registry, prefix: string, series: SeriesSpec, counters: () => Record<string, number> | undefined, place: (key: string) => Placement | null | undefined, extra: (c: Record<string, number>) => Array<[string, Labels, number]> = () => []): void {
  const rowsOf = (wanted: string): Array<[Labels, number]> => {
    const c = counters()
    if (c === undefined) return []
    const rows = new Map<string, [Labels, number]>()
    const add = (name: string, labels: Labels, value: number): void => {
      if (name !== wanted) return
      const id = JSON.stringify(labels)
      const row = rows.get(id)
      if (row !== undefined) row[1] += value
      else rows.set(id, [labels, value])
    }
    for (const [key, value] of Object.entries(c)) {
      const placed = place(key)
      if (typeof value !== 'number' || placed === null) continue
      const [name, labels] = placed ?? ['events_total', { event: snake(key) }]
      add(name, labels, value)
    }
    for (const [name, labels, value] of extra(c)) add(name, labels, value)
    return [...rows.values()]
  }
  for (const [name, [label, help]] of Object.entries(series)) {
    readCounter(registry, `${prefix}_${name}`, help, label === undefined ? [] : [label], () => rowsOf(name))
  }
}

/**
 * `status()` of a running service (undefined before start and after stop), read once per scrape:
 * the registry runs every collect in one synchronous pass, so the value is kept until the next
 * microtask and the dozen series of an overlay cost one status call.
 */
function perScrape<S> (service: { status(): S }): () => S | undefined {
  let cached: { value: S | undefined } | undefined
  return () => {
    if (cached === undefined) {
      let value: S | undefined
      try { value = service.status() } catch { value = undefined }
      cached = { value }
      queueMicrotask(() => { cached = undefined })
    }
    return cached.value
  }
}

function registerDhtState (registry: Registry, name: 'chord' | 'pastry', service: ChordService | PastryService): void {
  const prefix = `overlay_${name}`
  const title = DHT_NAMES[name]
  const status = perScrape<{ storedRecords: number, primaryRecords: number, counters: Record<string, number> }>(service)
  readGauge(registry, `${prefix}_records`, `Records ${title} holds on this node, by role (primary: this node owns the key; replica: a copy for its owner)`, ['role'], () => {
    const s = status()
    return s === undefined ? [] : [[{ role: 'primary' }, s.primaryRecords], [{ role: 'replica' }, s.storedRecords - s.primaryRecords]]
  })
  readGauge(registry, `${prefix}_joined`, `1 while this node is in a ${title} network with at least one other node, else 0`, [], () => [[{}, service.joined ? 1 : 0]])
  // The total of refusals is exported as its parts: full, quota, and the rest ('other').
  exportCounters(registry, prefix, DHT_SERIES, () => status()?.counters, (key) => key === 'storesRefused' ? null : dhtPlacement(key), (c) => [['stores_refused_total', { reason: 'other' }, Math.max(0, (c.storesRefused ?? 0) - (c.storesRefusedFull ?? 0) - (c.storesRefusedQuota ?? 0))]])
}

function registerSirState (registry: Registry, service: SirService): void {
  const status = perScrape(service)
  readGauge(registry, 'overlay_sir_rumors', 'Rumors this node stores, by SIR state (infective: still spread; removed: kept to answer digests, not spread)', ['state'], () => {
    const s = status()
    return s === undefined ? [] : [[{ state: 'infective' }, s.infectedRumors], [{ state: 'removed' }, s.removedRumors]]
  })
  readGauge(registry, 'overlay_sir_view_peers', 'Peers in the SIR partial view (the peers gossip is sent to)', [], () => {
    const s = status()
    return s === undefined ? [] : [[{}, s.viewSize]]
  })
  exportCounters(registry, 'overlay_sir', SIR_SERIES, () => status()?.counters, sirPlacement)
}

/** Registers the overlay series on `registry` (one per node). */
export function registerOverlaySeries (registry: Registry, sources: OverlaySources): OverlayMetrics {
  if (sources.chord !== undefined) registerDhtState(registry, 'chord', sources.chord)
  if (sources.pastry !== undefined) registerDhtState(registry, 'pastry', sources.pastry)
  if (sources.sir !== undefined) registerSirState(registry, sources.sir)

  const families = new Map<string, { operations: Counter<string>, hops: Histogram<string>, latency: Histogram<string> }>()
  const familyOf = (name: string): { operations: Counter<string>, hops: Histogram<string>, latency: Histogram<string> } => {
    let family = families.get(name)
    if (family === undefined) {
      const title = DHT_NAMES[name] ?? name
      family = {
        operations: new Counter({ name: `overlay_${name}_operations_total`, help: `${title} operations this node served (put, get, lookup), by outcome: ok, not_found, bad_input (refused before any hop), failed`, labelNames: ['op', 'outcome'], registers: [registry] }),
        hops: new Histogram({ name: `overlay_${name}_hops`, help: `Hops of the ${title} operations that succeeded, by operation (0: this node answered itself)`, labelNames: ['op'], buckets: HOP_BUCKETS, registers: [registry] }),
        latency: new Histogram({ name: `overlay_${name}_operation_seconds`, help: `Time the ${title} operations took, whatever their outcome, by operation`, labelNames: ['op'], buckets: LATENCY_BUCKETS_S, registers: [registry] })
      }
      families.set(name, family)
    }
    return family
  }

  return {
    instrumentDht (name, backend) {
      const family = familyOf(name)
      const observe = async <R>(op: string, run: () => Promise<R>): Promise<R> => {
        const started = performance.now()
        try {
          const result = await run()
          family.operations.inc({ op, outcome: 'ok' })
          const hops = (result as { hops?: unknown }).hops
          if (typeof hops === 'number') family.hops.observe({ op }, hops)
          return result
        } catch (err) {
          const outcome = err instanceof NotFoundError ? 'not_found' : err instanceof InputError ? 'bad_input' : 'failed'
          family.operations.inc({ op, outcome })
          throw err
        } finally {
          family.latency.observe({ op }, (performance.now() - started) / 1000)
        }
      }
      return {
        put: async (key, value) => await observe('put', async () => await backend.put(key, value)),
        get: async (key) => await observe('get', async () => await backend.get(key)),
        lookup: async (key) => await observe('lookup', async () => await backend.lookup(key))
      }
    }
  }
}
