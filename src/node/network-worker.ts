#!/usr/bin/env node
/**
 * One worker process of a WorkerNetwork (worker-network.ts): hosts a share of a local network's
 * peers and runs what the driver asks over the IPC channel, one JSON request `{ id, op, ... }` in,
 * one reply `{ id, result }` or `{ id, error }` out. Peers are named by their index in this worker.
 * Invariant: the worker never outlives its driver: when the IPC channel closes (the driver exited
 * or was killed) it exits at once, and its peers die with it.
 */
import '../polyfill.js'
import { MemoryDatastore } from 'datastore-core'
import { toString as uint8ArrayToString } from 'uint8arrays/to-string'
import { idToHex, keyId } from '../core/id.js'
import { createOverlayNode } from './overlay-node.js'
import { kadKey } from './kad-records.js'
import { addDhtCounter } from './dht-counters.js'
import { OVERLAY_NAMES } from './libp2p-options.js'
import { GOSSIP_RECEIVED_PROTOCOLS, GOSSIP_TAG_BYTES } from './worker-network-limits.js'
import type { OverlayName } from './libp2p-options.js'
import type { OverlayNode } from './overlay-node.js'
import type { SirService, SirServiceInit } from '../libp2p/sir-service.js'
import type { SirMode } from '../sir/config.js'

/** A request from the driver (trusted: only a WorkerNetwork starts a worker); an unknown peer or op fails loudly. */
export type WorkerRequest =
  | { id: number, op: 'start', bootstrap: string[], links: string[] }
  | { id: number, op: 'put', peer: number, dht: string, name: string, value: string }
  | { id: number, op: 'get', peer: number, dht: string, key: string }
  | { id: number, op: 'lookup', peer: number, dht: string, key: string }
  | { id: number, op: 'crash' | 'leave', peer: number }
  | { id: number, op: 'chordRing' }
  | { id: number, op: 'chordCounters' }
  | { id: number, op: 'counters' }
  | { id: number, op: 'stopAll' }
  | { id: number, op: 'connect', peer: number, addresses: string[] }
  | { id: number, op: 'subscribe', topic: string }
  | { id: number, op: 'publish', peer: number, via: GossipVia, topic: string, tag: string, bytes: number }
  | { id: number, op: 'receipts', tags: string[] }
  | { id: number, op: 'sirReconfigure', k: number | 'inf', mode: SirMode }
  | { id: number, op: 'gossipStats' }
  | { id: number, op: 'track', keys: string[] }
  | { id: number, op: 'holdings' }
  | { id: number, op: 'storageCounters' }

export type GossipVia = 'gossipsub' | 'sir'

/** Per worker, summed over its live peers (`gossipStats`). */
export interface WorkerGossipStats {
  peers: number
  /** Rumors some peer here is still spreading (SIR state I). */
  sirInfected: number
  /** New rumors SIR peers here accepted from others. */
  sirAccepted: number
  sirViewPeers: number
  /** Copies of messages received, new and duplicate: SIR accepted + duplicates; gossipsub every message before validation. */
  copies: Record<GossipVia, number>
  /** Bytes received on each protocol (libp2p's per-protocol counters). */
  bytesReceived: Record<GossipVia, number>
  /** Receipts not recorded because MAX_TRACKED_TAGS tags were tracked. */
  untracked: number
}

export type WorkerReply = { id: number, result: unknown } | { id: number, error: { name: string, message: string } }

/** Messages whose receipts a worker tracks at once (`receipts` hands them over and forgets them). */
const MAX_TRACKED_TAGS = 10_000

const overlays = (process.env.OVERLAY_NODE_WORKER_OVERLAYS ?? OVERLAY_NAMES.join(',')).split(',').filter(s => s !== '') as OverlayName[]
for (const o of overlays) if (!(OVERLAY_NAMES as readonly string[]).includes(o)) throw new Error(`unknown overlay '${o}'`)
const queryTimeoutMs = Number(process.env.OVERLAY_NODE_WORKER_QUERY_TIMEOUT_MS ?? 30_000)
const sirInit = JSON.parse(process.env.OVERLAY_NODE_WORKER_SIR ?? '{}') as SirServiceInit

const peers: OverlayNode[] = []
/** Each peer's datastore, where kad-dht keeps the records it holds (listed by `holdings`). */
const datastores: MemoryDatastore[] = []
const stopped = new Set<number>()
const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** First arrival, per message tag, per peer of this worker: wall-clock ms (comparable across processes on one host). */
const arrivals = new Map<string, Map<number, number>>()
let untracked = 0
const wallNow = (): number => performance.timeOrigin + performance.now()

function noteArrival (local: number, data: Uint8Array): void {
  const tag = decoder.decode(data.subarray(0, GOSSIP_TAG_BYTES))
  let perPeer = arrivals.get(tag)
  if (perPeer === undefined) {
    if (arrivals.size >= MAX_TRACKED_TAGS) { untracked++; return }
    perPeer = new Map()
    arrivals.set(tag, perPeer)
  }
  if (!perPeer.has(local)) perPeer.set(local, wallNow())
}

function sirOf (node: OverlayNode): SirService {
  const sir = node.libp2p.services.sir
  if (sir === undefined) throw new Error('SIR does not run in this network')
  return sir
}

async function gossipStats (): Promise<WorkerGossipStats> {
  const out: WorkerGossipStats = { peers: 0, sirInfected: 0, sirAccepted: 0, sirViewPeers: 0, copies: { gossipsub: 0, sir: 0 }, bytesReceived: { gossipsub: 0, sir: 0 }, untracked }
  for (const [i, node] of peers.entries()) {
    if (stopped.has(i)) continue
    out.peers++
    if (node.libp2p.services.sir !== undefined) {
      const s = node.libp2p.services.sir.status()
      out.sirInfected += s.infectedRumors
      out.sirViewPeers += s.viewSize
      out.sirAccepted += s.counters.accepted ?? 0
      out.copies.sir += (s.counters.accepted ?? 0) + (s.counters.duplicates ?? 0)
    }
    for (const v of (await node.metricsRegistry.getSingleMetric('gossipsub_msg_received_prevalidation_total')?.get())?.values ?? []) out.copies.gossipsub += v.value
    for (const v of (await node.metricsRegistry.getSingleMetric('libp2p_data_transfer_bytes_total')?.get())?.values ?? []) {
      const label = String(v.labels.protocol ?? '')
      if (!label.endsWith(' received')) continue
      for (const via of ['gossipsub', 'sir'] as const) if (GOSSIP_RECEIVED_PROTOCOLS[via].test(label)) out.bytesReceived[via] += v.value
    }
  }
  return out
}

function peer (index: unknown): OverlayNode {
  if (typeof index !== 'number' || peers[index] === undefined) throw new RangeError(`no peer ${String(index)} in this worker`)
  if (stopped.has(index)) throw new Error(`peer ${index} is stopped`)
  return peers[index]
}

/** Sums, over this worker's live peers, the request counters and bytes sent per DHT. */
async function counters (): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  for (const [i, node] of peers.entries()) {
    if (stopped.has(i)) continue
    for (const metric of await node.metricsRegistry.getMetricsAsJSON()) {
      for (const v of metric.values as Array<{ value: number, labels: Record<string, string | number> }>) addDhtCounter(out, metric.name, v.labels, v.value)
    }
  }
  return out
}

/** The keys `holdings` reports, by their Chord/Pastry key id (hex) and by kad-dht's datastore key; the value is the key's index. */
const tracked = { byId: new Map<string, number>(), byKadRecord: new Map<string, number>() }
/** Where kad-dht (default datastorePrefix '/dht') keeps a record: `/dht/record/<base32 of the DHT key>`. */
const KAD_RECORD_PREFIX = '/dht/record'

function track (keys: string[]): void {
  tracked.byId.clear()
  tracked.byKadRecord.clear()
  keys.forEach((key, i) => {
    tracked.byId.set(idToHex(keyId(encoder.encode(key))), i)
    tracked.byKadRecord.set(`${KAD_RECORD_PREFIX}/${uint8ArrayToString(kadKey(key), 'base32')}`, i)
  })
}

/** Per DHT, the indices of the tracked keys a peer holds; for Chord and Pastry also those it holds as owner. */
export interface PeerHoldings {
  peer: number
  peerId: string
  /** Chord's and Pastry's ids of the peer (hex). */
  ids: Partial<Record<'chord' | 'pastry', string>>
  held: Record<string, number[]>
  primary: Record<string, number[]>
}

/** What every live peer of this worker holds of the tracked keys (churn bench, issue 11). */
async function holdings (): Promise<PeerHoldings[]> {
  const out: PeerHoldings[] = []
  for (const [i, node] of peers.entries()) {
    if (stopped.has(i)) continue
    const h: PeerHoldings = { peer: i, peerId: node.peerId.toString(), ids: {}, held: { kad: [] }, primary: {} }
    for (const dht of ['chord', 'pastry'] as const) {
      const service = node.libp2p.services[dht]
      if (service === undefined) continue
      h.ids[dht] = (node.status(dht) as { self: { id: string } }).self.id
      h.held[dht] = []
      h.primary[dht] = []
      for (const r of service.records()) {
        const k = tracked.byId.get(r.keyId)
        if (k === undefined) continue
        h.held[dht].push(k)
        if (r.primary) h.primary[dht].push(k)
      }
    }
    for await (const key of datastores[i].queryKeys({ prefix: KAD_RECORD_PREFIX })) {
      const k = tracked.byKadRecord.get(key.toString())
      if (k !== undefined) h.held.kad.push(k)
    }
    out.push(h)
  }
  return out
}

/** The storage counters that count records moved, summed per DHT over every peer this worker started (a stopped peer's stay as they were). */
const MOVE_COUNTERS = ['handoffRecordsSent', 'promotions', 'replicaCopiesMade', 'primaryCopiesReceived', 'replicasDropped'] as const

function storageCounters (): Record<string, number> {
  const out: Record<string, number> = {}
  for (const node of peers) {
    for (const dht of ['chord', 'pastry'] as const) {
      if (node.libp2p.services[dht] === undefined) continue
      const c = (node.status(dht) as { counters: Record<string, number> }).counters
      for (const name of MOVE_COUNTERS) out[`${dht}.${name}`] = (out[`${dht}.${name}`] ?? 0) + (c[name] ?? 0)
    }
  }
  return out
}

async function handle (req: WorkerRequest): Promise<unknown> {
  switch (req.op) {
    case 'start': {
      const datastore = new MemoryDatastore()
      const node = await createOverlayNode({ local: true, overlays, queryTimeoutMs, bootstrap: req.bootstrap, sir: sirInit, datastore })
      const index = peers.push(node) - 1
      datastores[index] = datastore
      for (const address of req.links) await node.connect(address).catch(() => {})
      return { peer: index, peerId: node.peerId.toString(), address: node.addresses()[0] }
    }
    case 'put': {
      const r = await peer(req.peer).dht(req.dht).put(req.name, encoder.encode(req.value))
      return r
    }
    case 'get': {
      const r = await peer(req.peer).dht(req.dht).get(req.key)
      return { hops: r.hops, latencyMs: r.latencyMs, value: decoder.decode(r.value) }
    }
    case 'lookup':
      return await peer(req.peer).dht(req.dht).lookup(req.key)
    case 'crash':
    case 'leave': {
      const node = peer(req.peer)
      stopped.add(req.peer)
      await (req.op === 'crash' ? node.crash() : node.stop())
      return null
    }
    case 'chordRing':
      return peers.flatMap((node, i) => {
        if (stopped.has(i)) return []
        const s = node.status('chord') as { self: { id: string }, successors: Array<{ peerId: string }> }
        return [{ peerId: node.peerId.toString(), id: s.self.id, successor: s.successors[0]?.peerId ?? null }]
      })
    case 'chordCounters': {
      // Sums of Chord's own counters over the live peers (why a ring is slow to close: probes, failures, timeouts).
      const out: Record<string, number> = {}
      for (const [i, node] of peers.entries()) {
        if (stopped.has(i) || node.libp2p.services.chord === undefined) continue
        for (const [name, value] of Object.entries((node.status('chord') as { counters: Record<string, unknown> }).counters)) if (typeof value === 'number') out[name] = (out[name] ?? 0) + value
      }
      return out
    }
    case 'counters':
      return await counters()
    case 'track':
      track(req.keys)
      return null
    case 'holdings':
      return await holdings()
    case 'storageCounters':
      return storageCounters()
    case 'stopAll':
      await Promise.all(peers.map(async (node, i) => {
        if (stopped.has(i)) return
        stopped.add(i)
        await node.crash().catch(() => {})
      }))
      return null
    case 'connect': {
      const node = peer(req.peer)
      let connected = 0
      const errors: string[] = []
      for (const address of req.addresses) await node.connect(address).then(() => { connected++ }, (err: Error) => { if (errors.length < 3) errors.push(err.message) })
      return { connected, errors }
    }
    case 'subscribe':
      for (const [i, node] of peers.entries()) {
        if (stopped.has(i)) continue
        for (const via of ['gossipsub', 'sir'] as const) {
          if (via === 'sir' && node.libp2p.services.sir === undefined) continue
          node.pubsub(via).subscribe(req.topic, (m) => { noteArrival(i, m.data) })
        }
      }
      return null
    case 'publish': {
      const data = new Uint8Array(Math.max(GOSSIP_TAG_BYTES, req.bytes))
      data.set(encoder.encode(req.tag.padEnd(GOSSIP_TAG_BYTES, '.')).subarray(0, GOSSIP_TAG_BYTES))
      const at = wallNow()
      await peer(req.peer).pubsub(req.via).publish(req.topic, data)
      return { at }
    }
    case 'receipts':
      return req.tags.map(tag => {
        const key = tag.padEnd(GOSSIP_TAG_BYTES, '.').slice(0, GOSSIP_TAG_BYTES)
        const got = [...(arrivals.get(key) ?? new Map<number, number>())]
        arrivals.delete(key)
        return got
      })
    case 'sirReconfigure':
      for (const [i, node] of peers.entries()) if (!stopped.has(i)) sirOf(node).reconfigure({ k: req.k === 'inf' ? Infinity : req.k, mode: req.mode })
      return null
    case 'gossipStats':
      return await gossipStats()
    default:
      throw new Error(`unknown op '${(req as { op: unknown }).op as string}'`)
  }
}

if (process.send === undefined) {
  process.stderr.write('network-worker runs only as a child of a WorkerNetwork (it needs an IPC channel)\n')
  process.exit(2)
}
process.on('disconnect', () => { process.exit(0) })
process.on('message', (req: WorkerRequest) => {
  handle(req).then(
    (result) => { process.send?.({ id: req.id, result } satisfies WorkerReply) },
    (err: unknown) => { process.send?.({ id: req.id, error: { name: (err as Error).name ?? 'Error', message: (err as Error).message ?? String(err) } } satisfies WorkerReply) }
  )
})
process.send({ id: 0, result: 'ready' } satisfies WorkerReply)
