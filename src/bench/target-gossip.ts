/**
 * `bench gossip --targets FILE` (issue 11): the gossip suite's network calls made on running
 * daemons through their control APIs. Publishes go through `POST /api/v0/publish`, receipts come
 * from one `POST /api/v0/subscribe` stream per daemon and overlay (each line stamped with the
 * daemon's `receivedAt`), SIR's k and mode are set with `POST /api/v0/sir/spreading`, and the
 * figures come from `POST /api/v0/status {overlay: 'sir'}` and `/metrics`.
 *
 * Clocks: the daemons may run on other hosts, so their clocks are never compared directly. Before
 * the subscriptions open and after every change of k and mode the bench reads each daemon's clock
 * (`GET /api/v0/clock`) CLOCK_SAMPLES times and keeps the reading with the shortest round trip
 * (Cristian's method): offset = daemon clock - the bench's clock at the middle of that round trip,
 * known within half of it. Every `publishedAt` and `receivedAt` is mapped onto the bench's clock by
 * its daemon's offset, so a latency is off by at most the two daemons' half round trips
 * (`clock.maxUncertaintyMs` in the report). On one host the offsets are about 0.
 *
 * Every reply and stream line is a claim, checked for type and size. Invariant: the bench leaves
 * each daemon as it found it except for the links it was asked to dial: `stop()` closes the
 * subscriptions (the daemons drop them) and sets k and mode back to what each daemon had.
 */
import { callApi } from '../cli/api-client.js'
import { GOSSIP_RECEIVED_PROTOCOLS, GOSSIP_TAG_BYTES } from '../node/worker-network-limits.js'
import { pool } from './dht.js'
import { count, MAX_REPLY_TEXT, metricsPage, prometheusSamples, text, TargetNetwork, type TargetPeer } from './targets.js'
import type { GossipVia, WorkerGossipStats } from '../node/network-worker.js'
import { SIR_MODES, type SirMode } from '../sir/config.js'

const VIAS: readonly GossipVia[] = ['gossipsub', 'sir']
/** Clock readings per daemon per synchronisation; the one with the shortest round trip is kept. */
const CLOCK_SAMPLES = 5
/** Daemons asked at once (status, /metrics, clock, subscribe). */
const CALLS_AT_ONCE = 16
/** A subscription must be in place (its first line) within this. */
const SUBSCRIBE_TIMEOUT_MS = 30_000
/** Longest NDJSON line taken from a subscribe stream (a 16 KiB message as JSON, with room). */
const MAX_STREAM_LINE = 128 * 1024
/** Messages whose receipts the bench tracks at once, as a worker does. */
const MAX_TRACKED_TAGS = 10_000
/** Addresses of one daemon the bench will try when it links another to it. */
const MAX_PEER_ADDRESSES = 32
/** Every SIR counter the suite reads must be a non-negative number below this. */
const MAX_COUNTER = Number.MAX_SAFE_INTEGER

const benchNow = (): number => performance.timeOrigin + performance.now()
const kJson = (k: number): number | 'inf' => k === Infinity ? 'inf' : k

/** The k and mode a daemon reports under `sir/spreading`. */
interface Spreading { k: number | 'inf', mode: SirMode }

function spreadingOf (r: any, url: string): Spreading {
  const k: unknown = r?.k
  if (k !== 'inf' && (typeof k !== 'number' || !Number.isFinite(k) || k < 1)) throw new Error(`the daemon at ${url} sent no valid SIR k`)
  const mode: unknown = r?.mode
  if (!(SIR_MODES as readonly unknown[]).includes(mode)) throw new Error(`the daemon at ${url} sent no valid SIR mode`)
  return { k, mode: mode as SirMode }
}

/**
 * Reads an NDJSON stream, each line bounded and parsed on its own; a line that is not JSON or is
 * too long ends the stream with an error naming the daemon. Resolves when the stream ends.
 */
async function readStream (url: string, path: string, body: unknown, onLine: (line: any) => void, signal: AbortSignal): Promise<void> {
  const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal })
  if (!res.ok || res.body === null) throw new Error(`the daemon at ${url} answered ${path} with status ${res.status}`)
  const decoder = new TextDecoder()
  let buffered = ''
  for await (const chunk of res.body) {
    buffered += decoder.decode(chunk, { stream: true })
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const line = buffered.slice(0, nl)
      buffered = buffered.slice(nl + 1)
      if (line.trim() === '') continue
      let parsed: unknown
      try {
        parsed = JSON.parse(line)
      } catch {
        throw new Error(`the daemon at ${url} sent a ${path} line that is not JSON`)
      }
      onLine(parsed)
    }
    if (buffered.length > MAX_STREAM_LINE) throw new Error(`the daemon at ${url} sent a ${path} line over ${MAX_STREAM_LINE} characters`)
  }
}

/** What the bench learnt of the daemons' clocks (see the module comment). */
export interface ClockReport {
  method: string
  /** Largest |daemon clock - bench clock| seen, ms. */
  maxAbsOffsetMs: number
  /** Largest error of one latency: the two largest half round trips of a clock reading, ms. */
  maxUncertaintyMs: number
}

/** Running daemons as the gossip suite's network (the calls `WorkerNetwork` makes for it). */
export class TargetGossipNetwork {
  readonly processes = 0
  private readonly subscriptions = new AbortController()
  private readonly streams: Array<Promise<void>> = []
  /** First arrival per message tag per daemon, on the bench's clock. */
  private readonly arrivals = new Map<string, Map<number, number>>()
  private untracked = 0
  /** Per daemon: its clock minus the bench's, and half the round trip of that reading. */
  private readonly offsets: Array<{ offsetMs: number, halfRttMs: number }>
  /** Per daemon: k and mode before the bench first changed them. */
  private readonly original: Array<Spreading | undefined>
  private maxAbsOffsetMs = 0
  private maxHalfRttMs = 0
  /** Why a subscription stream ended early (the first one), reported by `receipts`. */
  private streamError: string | undefined

  private constructor (readonly peers: TargetPeer[], private readonly addresses: string[][], private readonly log: (line: string) => void) {
    this.offsets = peers.map(() => ({ offsetMs: 0, halfRttMs: 0 }))
    this.original = peers.map(() => undefined)
  }

  static async connect (urls: readonly string[], log: (line: string) => void): Promise<TargetGossipNetwork> {
    const { peers } = await TargetNetwork.connect(urls, log)
    const addresses = await Promise.all(peers.map(async ({ url }) => {
      const list: unknown = (await callApi(url, 'GET', '/api/v0/id'))?.addresses
      if (!Array.isArray(list)) throw new Error(`the daemon at ${url} sent no address list`)
      return list.slice(0, MAX_PEER_ADDRESSES).map(a => text(a, 'address', url))
    }))
    return new TargetGossipNetwork(peers, addresses, log)
  }

  private at (index: number): TargetPeer {
    const p = this.peers[index]
    if (p === undefined) throw new RangeError(`no target ${index}`)
    return p
  }

  /** Daemon `index` dials each of `targets` through its API, trying each target's addresses in turn. */
  async connect (index: number, targets: number[]): Promise<{ connected: number, errors: string[] }> {
    const { url } = this.at(index)
    let connected = 0
    const errors: string[] = []
    for (const t of targets) {
      this.at(t)
      let why = `no address of target ${t}`
      for (const address of this.addresses[t]) {
        const full = address.includes('/p2p/') ? address : `${address}/p2p/${this.peers[t].peerId}`
        why = await callApi(url, 'POST', '/api/v0/connect', { address: full }).then(() => '', (err: Error) => err.message)
        if (why === '') break
      }
      if (why === '') connected++
      else if (errors.length < 3) errors.push(why)
    }
    return { connected, errors }
  }

  /** Reads every daemon's clock CLOCK_SAMPLES times and keeps, per daemon, the reading with the shortest round trip. */
  async syncClocks (): Promise<void> {
    await pool(this.peers, CALLS_AT_ONCE, async ({ url }, i) => {
      let best = { offsetMs: 0, halfRttMs: Infinity }
      for (let s = 0; s < CLOCK_SAMPLES; s++) {
        const t0 = benchNow()
        const wallMs = count((await callApi(url, 'GET', '/api/v0/clock'))?.wallMs, 'clock reading', url, Number.MAX_SAFE_INTEGER)
        const t1 = benchNow()
        if ((t1 - t0) / 2 < best.halfRttMs) best = { offsetMs: wallMs - (t0 + t1) / 2, halfRttMs: (t1 - t0) / 2 }
      }
      this.offsets[i] = best
      this.maxAbsOffsetMs = Math.max(this.maxAbsOffsetMs, Math.abs(best.offsetMs))
      this.maxHalfRttMs = Math.max(this.maxHalfRttMs, best.halfRttMs)
    })
  }

  clock (): ClockReport {
    return {
      method: `per daemon, the GET /api/v0/clock reading with the shortest of ${CLOCK_SAMPLES} round trips, taken before the subscriptions open and after each change of k and mode: offset = daemon clock - bench clock at the middle of that round trip; each publishedAt and receivedAt is mapped onto the bench's clock by its daemon's offset`,
      maxAbsOffsetMs: Math.round(this.maxAbsOffsetMs * 1000) / 1000,
      maxUncertaintyMs: Math.round(2 * this.maxHalfRttMs * 1000) / 1000
    }
  }

  private noteArrival (peer: number, url: string, topic: string, line: any): void {
    if (line?.subscribed !== undefined) return
    if (line?.topic !== topic) return
    const value: unknown = line.value
    if (typeof value !== 'string' || value.length > MAX_REPLY_TEXT) throw new Error(`the daemon at ${url} sent a message with no valid text value`)
    const at = count(line.receivedAt, 'receivedAt', url, Number.MAX_SAFE_INTEGER) - this.offsets[peer].offsetMs
    const tag = value.slice(0, GOSSIP_TAG_BYTES)
    let perPeer = this.arrivals.get(tag)
    if (perPeer === undefined) {
      if (this.arrivals.size >= MAX_TRACKED_TAGS) { this.untracked++; return }
      perPeer = new Map()
      this.arrivals.set(tag, perPeer)
    }
    if (!perPeer.has(peer)) perPeer.set(peer, at)
  }

  /** Reads the clocks, then every daemon subscribes to `topic` on gossipsub and SIR through a stream the bench holds open; resolves once all are in place. */
  async subscribeAll (topic: string): Promise<void> {
    // Each arrival is mapped by its daemon's offset as it comes: the offsets are known before any can.
    await this.syncClocks()
    const signal = this.subscriptions.signal
    await pool(this.peers.flatMap(p => VIAS.map(via => ({ ...p, via }))), CALLS_AT_ONCE, async ({ url, index, via }) => {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => { reject(new Error(`the daemon at ${url} did not subscribe to '${topic}' via ${via} within ${SUBSCRIBE_TIMEOUT_MS / 1000} s`)) }, SUBSCRIBE_TIMEOUT_MS)
        const stream = readStream(url, '/api/v0/subscribe', { via, topic }, (line) => {
          if (line?.subscribed === topic) { clearTimeout(timer); resolve() }
          this.noteArrival(index, url, topic, line)
        }, signal).then(
          () => { if (!signal.aborted) this.streamError ??= `the daemon at ${url} ended its ${via} subscription` },
          (err: Error) => { if (!signal.aborted) this.streamError ??= err.message }
        ).finally(() => { clearTimeout(timer); reject(new Error(this.streamError ?? `the ${via} subscription at ${url} ended`)) })
        this.streams.push(stream)
      })
    })
  }

  /** Publishes through daemon `index` a message of `bytes` characters whose first carry `tag`; returns the publish time on the bench's clock. */
  async publish (index: number, via: GossipVia, topic: string, tag: string, bytes: number): Promise<number> {
    const { url } = this.at(index)
    const head = tag.padEnd(GOSSIP_TAG_BYTES, '.').slice(0, GOSSIP_TAG_BYTES)
    const r = await callApi(url, 'POST', '/api/v0/publish', { via, topic, message: head.padEnd(Math.max(GOSSIP_TAG_BYTES, bytes), '.') })
    return count(r?.publishedAt, 'publishedAt', url, Number.MAX_SAFE_INTEGER) - this.offsets[index].offsetMs
  }

  /** Per tag, the daemons that received it and when (bench clock); forgets these tags. Throws if a subscription broke. */
  async receipts (tags: string[]): Promise<Array<Array<{ peer: number, at: number }>>> {
    if (this.streamError !== undefined) throw new Error(`a subscription broke, so receipts are incomplete: ${this.streamError}`)
    return tags.map(tag => {
      const key = tag.padEnd(GOSSIP_TAG_BYTES, '.').slice(0, GOSSIP_TAG_BYTES)
      const got = [...(this.arrivals.get(key) ?? new Map<number, number>())].map(([peer, at]) => ({ peer, at }))
      this.arrivals.delete(key)
      return got
    })
  }

  /** Sets SIR's k and mode on every daemon (remembering what each had), then reads the clocks again. */
  async reconfigureSir (k: number, mode: SirMode): Promise<void> {
    await pool(this.peers, CALLS_AT_ONCE, async ({ url }, i) => {
      const r = await callApi(url, 'POST', '/api/v0/sir/spreading', { k: kJson(k), mode })
      this.original[i] ??= spreadingOf(r?.previous, url)
    })
    await this.syncClocks()
  }

  /** Network-wide sums from each daemon's SIR status and /metrics. */
  async gossipStats (): Promise<WorkerGossipStats> {
    const out: WorkerGossipStats = { peers: 0, sirInfected: 0, sirAccepted: 0, sirViewPeers: 0, copies: { gossipsub: 0, sir: 0 }, bytesReceived: { gossipsub: 0, sir: 0 }, untracked: this.untracked }
    await pool(this.peers, CALLS_AT_ONCE, async ({ url }) => {
      const [s, page] = await Promise.all([callApi(url, 'POST', '/api/v0/status', { overlay: 'sir' }), metricsPage(url)])
      const counter = (v: unknown, what: string): number => v === undefined ? 0 : count(v, what, url, MAX_COUNTER)
      out.peers++
      out.sirInfected += count(s?.infectedRumors, 'SIR infected count', url, MAX_COUNTER)
      out.sirViewPeers += count(s?.viewSize, 'SIR view size', url, MAX_COUNTER)
      const accepted = counter(s?.counters?.accepted, 'SIR accepted count')
      out.sirAccepted += accepted
      out.copies.sir += accepted + counter(s?.counters?.duplicates, 'SIR duplicate count')
      for (const m of prometheusSamples(page)) {
        if (m.name === 'gossipsub_msg_received_prevalidation_total') out.copies.gossipsub += m.value
        const protocol = m.labels.protocol ?? ''
        if (m.name !== 'libp2p_data_transfer_bytes_total' || !protocol.endsWith(' received')) continue
        for (const via of VIAS) if (GOSSIP_RECEIVED_PROTOCOLS[via].test(protocol)) out.bytesReceived[via] += m.value
      }
    })
    return out
  }

  /** Closes the subscriptions and sets k and mode back on every daemon the bench changed; the daemons keep running. */
  async stop (): Promise<void> {
    this.subscriptions.abort()
    await Promise.allSettled(this.streams)
    await pool(this.peers, CALLS_AT_ONCE, async ({ url }, i) => {
      const was = this.original[i]
      if (was === undefined) return
      await callApi(url, 'POST', '/api/v0/sir/spreading', was).catch((err: Error) => { this.log(`could not set SIR k and mode back on ${url}: ${err.message}`) })
    })
  }
}
