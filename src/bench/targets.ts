/**
 * `bench dht --targets FILE` and `bench churn --targets FILE` (issue 11): the suite drives daemons
 * that are already running, on this host or others, through their control APIs (one URL or API
 * multiaddr per line of FILE) instead of starting a worker network. Peer i is the i-th line. Every
 * reply is a claim: each field the suite uses is checked for type and size, and a daemon that
 * answers out of shape fails the call with one line naming it. Invariant: the bench shuts a target
 * down only as a churn leave (`leave`, POST /api/v0/shutdown) and never reconfigures one; `stop()`
 * only forgets them. Joins and crashes cannot be made through an API, so `join` and `crash` throw.
 */
import { readFile, stat } from 'node:fs/promises'
import { toString as uint8ArrayToString } from 'uint8arrays/to-string'
import { callApi } from '../cli/api-client.js'
import { idToHex, keyId } from '../core/id.js'
import { kadKey } from '../node/kad-records.js'
import { UsageError } from '../cli/usage-error.js'
import { parseApiAddress } from '../node/repo.js'
import { addDhtCounter } from '../node/dht-counters.js'
import { MAX_WORKER_NETWORK_NODES } from '../node/worker-network-limits.js'
import type { DhtPutResult } from '../node/backends.js'
import type { PeerHoldings } from '../node/network-worker.js'
import type { LostShare, WorkerGetResult } from '../node/worker-network.js'

/** A targets file larger than this is refused before it is read (2000 URLs of 100 bytes fit in a fifth of it). */
export const MAX_TARGETS_FILE_BYTES = 1024 * 1024
export const MAX_TARGETS = MAX_WORKER_NETWORK_NODES
/** A /metrics page larger than this is refused (a daemon's is about 60 kB). */
export const MAX_METRICS_BYTES = 8 * 1024 * 1024
const METRICS_TIMEOUT_MS = 30_000
/** Longest peer id, key or value text accepted from a daemon's reply. */
export const MAX_REPLY_TEXT = 64 * 1024
/** Hops above this in a get reply are a bad claim (no DHT of 2000 peers takes so many). */
const MAX_REPLY_HOPS = 1000
const MAX_TARGET_SUCCESSORS = 64
/** Records asked for per `holdings` page (the API's largest page). */
const HOLDINGS_PAGE = 5000
/** Pages of one daemon's holdings read at most: 400 pages of 5000 are 2,000,000 records. */
const MAX_HOLDINGS_PAGES = 400
/** How long a daemon told to shut down may keep answering its API. */
const LEAVE_TIMEOUT_MS = 60_000
const LEAVE_POLL_MS = 250
/** The Chord and Pastry storage counters the churn suite reads (as a worker sums them). */
const MOVE_COUNTERS = ['handoffRecordsSent', 'promotions', 'replicaCopiesMade', 'primaryCopiesReceived', 'replicasDropped'] as const
const COUNTED_DHTS = ['chord', 'pastry'] as const

/**
 * The API URLs in a targets file: one per line, `#` to the end of a line is a comment, blank lines
 * are skipped. Throws a UsageError (exit 2) naming the line for anything else.
 */
export function parseTargets (text: string): string[] {
  const urls: string[] = []
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.replace(/#.*$/, '').trim()
    if (line === '') continue
    if (urls.length === MAX_TARGETS) throw new UsageError(`--targets: more than ${MAX_TARGETS} targets`)
    let url: string
    try {
      url = parseApiAddress(line).url
    } catch (err) {
      throw new UsageError(`--targets line ${i + 1}: ${(err as Error).message}`)
    }
    if (urls.includes(url)) throw new UsageError(`--targets line ${i + 1}: ${url} is listed twice`)
    urls.push(url)
  }
  if (urls.length < 3) throw new UsageError(`--targets must list at least 3 daemons, got ${urls.length}`)
  return urls
}

export async function readTargets (path: string): Promise<string[]> {
  let size: number
  try {
    size = (await stat(path)).size
  } catch (err) {
    throw new UsageError(`--targets: cannot read '${path}': ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
  if (size > MAX_TARGETS_FILE_BYTES) throw new UsageError(`--targets: '${path}' is over ${MAX_TARGETS_FILE_BYTES} bytes`)
  return parseTargets(await readFile(path, 'utf8'))
}

export function text (v: unknown, what: string, url: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_REPLY_TEXT) throw new Error(`the daemon at ${url} sent no valid ${what}`)
  return v
}

export function count (v: unknown, what: string, url: string, max: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > max) throw new Error(`the daemon at ${url} sent no valid ${what}`)
  return v
}

/** The samples of a Prometheus text page (`name{label="v",...} value`), as `addDhtCounter` takes them. */
export function prometheusSamples (page: string): Array<{ name: string, labels: Record<string, string>, value: number }> {
  const out: Array<{ name: string, labels: Record<string, string>, value: number }> = []
  for (const line of page.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/.exec(line)
    if (m === null) continue
    const value = Number(m[3])
    if (!Number.isFinite(value)) continue
    const labels: Record<string, string> = {}
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2].replace(/\\(.)/g, (_, c: string) => c === 'n' ? '\n' : c)
    out.push({ name: m[1], labels, value })
  }
  return out
}

export async function metricsPage (url: string): Promise<string> {
  const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(METRICS_TIMEOUT_MS) })
  if (!res.ok || res.body === null) throw new Error(`the daemon at ${url} answered /metrics with status ${res.status}`)
  const chunks: Uint8Array[] = []
  let size = 0
  for await (const chunk of res.body) {
    size += chunk.byteLength
    if (size > MAX_METRICS_BYTES) throw new Error(`the daemon at ${url} sent a /metrics page over ${MAX_METRICS_BYTES} bytes`)
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

export interface TargetPeer {
  index: number
  peerId: string
  url: string
}

/** Daemons driven through their control APIs, with the calls `bench dht` makes of a network. */
export class TargetNetwork {
  /** No worker processes: the daemons run wherever they run. */
  readonly processes = 0

  private readonly stopped = new Set<number>()
  /** What `holdings` maps back to key indices: key ids (Chord, Pastry) and kad record keys. */
  private readonly tracked = { byId: new Map<string, number>(), byKadRecord: new Map<string, number>() }
  /** Each daemon's storage counters at its last answer: a daemon that left stays counted as it was. */
  private readonly lastCounters = new Map<number, Record<string, number>>()

  private constructor (readonly peers: TargetPeer[]) {}

  /** Asks every target for its peer id; fails with the first that does not answer. */
  static async connect (urls: readonly string[], log?: (line: string) => void): Promise<TargetNetwork> {
    const peers = await Promise.all(urls.map(async (url, index) => {
      const id = await callApi(url, 'GET', '/api/v0/id')
      return { index, url, peerId: text(id?.peerId, 'peer id', url) }
    }))
    if (new Set(peers.map(p => p.peerId)).size !== peers.length) throw new Error('two --targets answer with the same peer id (one daemon listed under two addresses?)')
    log?.(`${peers.length} daemons answer at the --targets addresses`)
    return new TargetNetwork(peers)
  }

  private at (index: number): TargetPeer {
    const p = this.peers[index]
    if (p === undefined) throw new RangeError(`no target ${index}`)
    return p
  }

  async put (index: number, dht: string, name: string, value: string): Promise<DhtPutResult> {
    const { url } = this.at(index)
    const r = await callApi(url, 'POST', '/api/v0/put', { dht, key: name, value })
    return { key: text(r?.key, 'key', url), latencyMs: count(r?.latencyMs, 'latency', url, Infinity), replicas: count(r?.replicas, 'replica count', url, Infinity) }
  }

  async get (index: number, dht: string, key: string): Promise<WorkerGetResult> {
    const { url } = this.at(index)
    const r = await callApi(url, 'POST', '/api/v0/get', { dht, key })
    const hops = count(r?.hops, 'hop count', url, MAX_REPLY_HOPS)
    return { hops, latencyMs: count(r?.latencyMs, 'latency', url, Infinity), value: typeof r?.value === 'string' && r.value.length <= MAX_REPLY_TEXT ? r.value : '' }
  }

  /** The targets that have not left. */
  live (): TargetPeer[] {
    return this.peers.filter(p => !this.stopped.has(p.index))
  }

  /** Every live target's Chord id and first successor. */
  async chordRing (): Promise<Array<{ peerId: string, id: string, successor: string | null }>> {
    return await Promise.all(this.live().map(async ({ url }) => {
      const s = await callApi(url, 'POST', '/api/v0/status', { overlay: 'chord' })
      const id = text(s?.self?.id, 'Chord id', url)
      if (!/^[0-9a-f]{64}$/i.test(id)) throw new Error(`the daemon at ${url} sent no valid Chord id`)
      const successors: unknown = s?.successors
      if (!Array.isArray(successors) || successors.length > MAX_TARGET_SUCCESSORS) throw new Error(`the daemon at ${url} sent no valid successor list`)
      const first = successors[0] as { peerId?: unknown } | undefined
      return { peerId: text(s?.self?.peerId, 'peer id', url), id, successor: first === undefined ? null : text(first.peerId, 'successor', url) }
    }))
  }

  /** Sums over the targets' /metrics of the DHT counters (`requests.<dht>`, `bytesSent.<dht>`). */
  async counters (): Promise<Record<string, number>> {
    const out: Record<string, number> = {}
    for (const page of await Promise.all(this.peers.map(async p => await metricsPage(p.url)))) {
      for (const s of prometheusSamples(page)) addDhtCounter(out, s.name, s.labels, s.value)
    }
    return out
  }

  /** Names the full keys `holdings` reports on (an index into `keys` names each). */
  async track (keys: string[]): Promise<void> {
    this.tracked.byId.clear()
    this.tracked.byKadRecord.clear()
    const encoder = new TextEncoder()
    keys.forEach((key, i) => {
      this.tracked.byId.set(idToHex(keyId(encoder.encode(key))), i)
      this.tracked.byKadRecord.set(`/dht/record/${uint8ArrayToString(kadKey(key), 'base32')}`, i)
    })
  }

  /** One DHT's records a daemon holds, page by page through POST /api/v0/holdings. */
  private async records (url: string, dht: string): Promise<Array<{ key: string, primary: boolean }>> {
    const out: Array<{ key: string, primary: boolean }> = []
    let after = ''
    for (let page = 0; page < MAX_HOLDINGS_PAGES; page++) {
      const r = await callApi(url, 'POST', '/api/v0/holdings', { dht, limit: HOLDINGS_PAGE, ...(after === '' ? {} : { after }) })
      const records: unknown = r?.records
      if (!Array.isArray(records) || records.length > HOLDINGS_PAGE) throw new Error(`the daemon at ${url} sent no valid ${dht} holdings page`)
      for (const rec of records as Array<{ key?: unknown, primary?: unknown }>) out.push({ key: text(rec?.key, `${dht} record key`, url), primary: rec?.primary === true })
      if (r.next === null) return out
      const next = text(r.next, 'holdings cursor', url)
      if (next <= after) throw new Error(`the daemon at ${url} sent a holdings cursor that does not advance`)
      after = next
    }
    throw new Error(`the daemon at ${url} holds over ${MAX_HOLDINGS_PAGES * HOLDINGS_PAGE} ${dht} records`)
  }

  /** What every live daemon holds of the tracked keys, per DHT (kad from its datastore; Chord and Pastry with the keys held as owner). */
  async holdings (): Promise<Array<PeerHoldings & { index: number }>> {
    return await Promise.all(this.live().map(async ({ url, index, peerId }) => {
      const h: PeerHoldings & { index: number } = { index, peer: index, peerId, ids: {}, held: { kad: [] }, primary: {} }
      for (const dht of COUNTED_DHTS) {
        const id = text((await callApi(url, 'POST', '/api/v0/status', { overlay: dht }))?.self?.id, `${dht} id`, url)
        if (!/^[0-9a-f]{64}$/i.test(id)) throw new Error(`the daemon at ${url} sent no valid ${dht} id`)
        h.ids[dht] = id
        h.held[dht] = []
        h.primary[dht] = []
        for (const r of await this.records(url, dht)) {
          const k = this.tracked.byId.get(r.key)
          if (k === undefined) continue
          h.held[dht].push(k)
          if (r.primary) h.primary[dht].push(k)
        }
      }
      for (const r of await this.records(url, 'kad')) {
        const k = this.tracked.byKadRecord.get(r.key)
        if (k !== undefined) h.held.kad.push(k)
      }
      return h
    }))
  }

  /** Reads one target's Chord and Pastry storage counters into lastCounters. */
  private async readCounters ({ url, index }: TargetPeer): Promise<void> {
    const mine: Record<string, number> = {}
    for (const dht of COUNTED_DHTS) {
      const c = (await callApi(url, 'POST', '/api/v0/status', { overlay: dht }))?.counters
      for (const name of MOVE_COUNTERS) mine[`${dht}.${name}`] = c?.[name] === undefined ? 0 : count(c[name], `${dht} ${name}`, url, Number.MAX_SAFE_INTEGER)
    }
    this.lastCounters.set(index, mine)
  }

  /** Chord's and Pastry's storage counters summed over every target (one that left as it last answered). */
  async storageCounters (): Promise<Record<string, number>> {
    await Promise.all(this.live().map(async p => { await this.readCounters(p) }))
    const out: Record<string, number> = {}
    for (const c of this.lastCounters.values()) for (const [name, v] of Object.entries(c)) out[name] = (out[name] ?? 0) + v
    return out
  }

  /**
   * A graceful leave: POST /api/v0/shutdown (the daemon's Chord and Pastry hand their records on
   * and say goodbye), then waits until its API stops answering. What its counters record during
   * the goodbye cannot be read any more: they stay as they were just before.
   */
  async leave (index: number): Promise<void> {
    const target = this.at(index)
    const { url } = target
    // Only the leaver's counters can go stale: the others are read after the event as usual.
    await this.readCounters(target)
    this.stopped.add(index)
    await callApi(url, 'POST', '/api/v0/shutdown')
    const deadline = Date.now() + LEAVE_TIMEOUT_MS
    while (Date.now() < deadline) {
      if (await callApi(url, 'GET', '/api/v0/id').then(() => false, () => true)) return
      await new Promise(resolve => setTimeout(resolve, LEAVE_POLL_MS))
    }
    throw new Error(`the daemon at ${url} still answers ${LEAVE_TIMEOUT_MS / 1000} s after its shutdown`)
  }

  /** A daemon cannot be started through another's API (the CLI refuses --joins with --targets). */
  async join (): Promise<TargetPeer> {
    throw new Error('a join cannot be made through a control API')
  }

  /** A daemon cannot be killed without a goodbye through its API (the CLI refuses --crashes with --targets). */
  async crash (_index: number): Promise<void> {
    throw new Error('a crash cannot be made through a control API')
  }

  /** No worker shares: a daemon's death shows as failed calls. */
  takeLostShares (): LostShare[] {
    return []
  }

  /** The targets are not ours: the ones still running keep running. */
  async stop (): Promise<void> {}
}
