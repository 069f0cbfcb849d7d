/**
 * Keeps a peer's connection count bounded, as go-libp2p's connection manager does (low and high
 * water marks, a grace period, protected peers), because libp2p 3 on its own never closes a
 * connection that carries a gossipsub stream, and every open connection costs identify, kad-dht,
 * gossipsub and Yamux work. Without it a network of our overlays drifts towards a full mesh: an
 * iterative lookup or a first-hand probe of a candidate dials peers the tables then do not keep
 * (150 peers on one host: 114 connections per peer, against 37 for the stock stack; issue 8).
 *
 * Each sweep (every `intervalMs`):
 * 1. With `closeDuplicates`, a second connection to one peer (both ends dialled at once) is closed,
 *    the same one at both ends: the one not dialled by the peer with the smaller id (or, dialled
 *    the same way, the newer). Off by default: closing a connection races a stream the remote
 *    opens on it at that moment, the remote's request fails, and a failed probe costs the peer
 *    standing (first-hand routing); with it on, 8 daemons sometimes kept a Chord successor list
 *    that skipped one live node for minutes (test/node/graceful-leave.test.ts, 1 run of 3).
 * 2. Above `highWater` connections, connections are closed down to `lowWater`, lowest value first
 *    (the sum of the peer's peer-store tags, as libp2p's own pruner counts it: gossipsub tags mesh
 *    peers 100, kad-dht its closest peers 50 and its routing table 1), fewest streams next, oldest
 *    last.
 * Invariants: never closed are a connection younger than `gracePeriodMs`, one to a peer a keeper
 * holds in its routing state (Chord's successors, predecessor and fingers; Pastry's leaf set and
 * routing table), one to a peer tagged keep-alive, one carrying a stream of a protocol outside
 * `closableProtocols` (one of our overlays' streams, a kad query, a user's stream), and one to a
 * peer a keeper is busy with (a request of ours waits for its answer or a stream is opening). Closing is graceful; a protocol that needs the peer again
 * dials it again.
 */
import { KEEP_ALIVE } from '@libp2p/interface'
import type { Connection, Logger, PeerId, PeerStore } from '@libp2p/interface'

/** A service whose routing state and in-flight requests say which connections must stay. */
export interface ConnectionKeeper {
  /** Peer ids (strings) held in routing state: their connections are never trimmed. */
  keptPeers(): Iterable<string>
  /** Whether a request of ours to this peer waits for its answer (its connection stays this sweep). */
  busyWith(peerId: string): boolean
}

export interface ConnectionTrimmerInit {
  /** Trimming starts above this many connections. @default 96 */
  highWater?: number
  /** ... and stops at this many. @default 32 */
  lowWater?: number
  /** A connection younger than this is never trimmed. @default 20_000 */
  gracePeriodMs?: number
  /** Time between sweeps. @default 10_000 */
  intervalMs?: number
  /** Streams of these protocols do not keep a connection open (prefixes). @default CLOSABLE_PROTOCOLS */
  closableProtocols?: string[]
  /** Close the second of two connections between the same two peers (see above). @default false */
  closeDuplicates?: boolean
}

export interface ConnectionTrimmerComponents {
  /** This peer's id. */
  self: string
  getConnections(): Connection[]
  peerStore: Pick<PeerStore, 'get'>
  log: Logger
}

/** Kubo's defaults (ConnMgr LowWater 32, HighWater 96, GracePeriod 20 s), swept every 10 s. */
export const TRIMMER_DEFAULTS = { highWater: 96, lowWater: 32, gracePeriodMs: 20_000, intervalMs: 10_000 } as const

/**
 * Protocols whose streams do not keep a connection open: identify and ping end by themselves, and
 * gossipsub holds a stream on every connection whether it is used or not (it forgets the peer when
 * the connection closes). Our overlays' streams are not here: a runtime closes its outbound stream
 * after OUTBOUND_IDLE_TIMEOUT_MS unused, so a connection that carries one is in use, and closing it
 * would race requests already on the wire (a remote's request on its way to us fails, and a failed
 * request is evidence against the peer). Measured: closing connections that carried them, eight
 * peers held to four connections lost Chord successors and keys.
 */
export const CLOSABLE_PROTOCOLS = ['/ipfs/id/', '/ipfs/ping/', '/meshsub/', '/floodsub/']

export interface TrimResult {
  duplicates: number
  trimmed: number
}

export class ConnectionTrimmer {
  readonly config: Required<ConnectionTrimmerInit>
  private readonly components: ConnectionTrimmerComponents
  private readonly keepers: ConnectionKeeper[]
  private timer: ReturnType<typeof setTimeout> | undefined
  private sweeping = false
  private running = false
  /** Connections closed since start, by reason (for status and metrics). */
  readonly counters = { duplicatesClosed: 0, trimmed: 0, sweeps: 0 }

  constructor (components: ConnectionTrimmerComponents, keepers: ConnectionKeeper[], init: ConnectionTrimmerInit = {}) {
    const config = {
      highWater: init.highWater ?? TRIMMER_DEFAULTS.highWater,
      lowWater: init.lowWater ?? TRIMMER_DEFAULTS.lowWater,
      gracePeriodMs: init.gracePeriodMs ?? TRIMMER_DEFAULTS.gracePeriodMs,
      intervalMs: init.intervalMs ?? TRIMMER_DEFAULTS.intervalMs,
      closableProtocols: init.closableProtocols ?? CLOSABLE_PROTOCOLS,
      closeDuplicates: init.closeDuplicates ?? false
    }
    for (const key of ['highWater', 'lowWater', 'gracePeriodMs', 'intervalMs'] as const) {
      if (!Number.isSafeInteger(config[key]) || config[key] < 0) throw new RangeError(`connection trimmer: ${key} must be a whole number ≥ 0, got ${config[key]}`)
    }
    if (config.lowWater > config.highWater) throw new RangeError(`connection trimmer: lowWater (${config.lowWater}) must not exceed highWater (${config.highWater})`)
    if (config.intervalMs < 100) throw new RangeError(`connection trimmer: intervalMs must be at least 100, got ${config.intervalMs}`)
    this.config = config
    this.components = components
    this.keepers = keepers
  }

  start (): void {
    if (this.running) return
    this.running = true
    this.schedule()
  }

  stop (): void {
    this.running = false
    clearTimeout(this.timer)
    this.timer = undefined
  }

  /** One sweep now (tests; the timer calls it). Resolves with what it closed. */
  async sweep (now = Date.now()): Promise<TrimResult> {
    if (this.sweeping) return { duplicates: 0, trimmed: 0 }
    this.sweeping = true
    try {
      this.counters.sweeps++
      const connections = this.components.getConnections().filter(c => c.status === 'open')
      const duplicates = this.config.closeDuplicates ? this.duplicates(connections, now) : []
      const open = connections.filter(c => !duplicates.includes(c))
      const trimmed = open.length > this.config.highWater ? await this.excess(open, now) : []
      const closing = [...duplicates, ...trimmed]
      this.counters.duplicatesClosed += duplicates.length
      this.counters.trimmed += trimmed.length
      if (closing.length > 0) this.components.log('closing %d duplicate and %d surplus connections of %d', duplicates.length, trimmed.length, connections.length)
      await Promise.all(closing.map(async c => { await c.close({ signal: AbortSignal.timeout(1000) }).catch(err => { c.abort(err) }) }))
      return { duplicates: duplicates.length, trimmed: trimmed.length }
    } finally {
      this.sweeping = false
    }
  }

  private schedule (): void {
    if (!this.running) return
    this.timer = setTimeout(() => {
      this.sweep().catch(err => { this.components.log.error('connection sweep failed - %e', err) }).finally(() => { this.schedule() })
    }, this.config.intervalMs)
  }

  /** Whether a connection may be closed now at all (age, streams, work in flight). */
  private closable (c: Connection, now: number): boolean {
    if (now - c.timeline.open < this.config.gracePeriodMs) return false
    const prefixes = this.config.closableProtocols
    if (c.streams.some(s => s.protocol === undefined || s.protocol === '' || !prefixes.some(p => s.protocol.startsWith(p)))) return false
    const peer = c.remotePeer.toString()
    return !this.keepers.some(k => k.busyWith(peer))
  }

  /** Second connections to one peer that both ends agree to close. */
  private duplicates (connections: Connection[], now: number): Connection[] {
    const byPeer = new Map<string, Connection[]>()
    for (const c of connections) {
      const peer = c.remotePeer.toString()
      const list = byPeer.get(peer)
      if (list === undefined) byPeer.set(peer, [c])
      else list.push(c)
    }
    const out: Connection[] = []
    for (const list of byPeer.values()) {
      if (list.length < 2) continue
      // Both ends rank the connections alike: dialled by the smaller peer id first, then oldest.
      const ranked = list.slice().sort((a, b) => this.rank(a) - this.rank(b) || a.timeline.open - b.timeline.open)
      for (const c of ranked.slice(1)) if (this.closable(c, now)) out.push(c)
    }
    return out
  }

  /** 0 for a connection dialled by the end with the smaller peer id, 1 otherwise: the same at both ends. */
  private rank (c: Connection): number {
    const remote = c.remotePeer.toString()
    const [dialler, other] = c.direction === 'inbound' ? [remote, this.components.self] : [this.components.self, remote]
    return dialler < other ? 0 : 1
  }

  /** Connections to close to come down to lowWater, lowest value first. */
  private async excess (connections: Connection[], now: number): Promise<Connection[]> {
    const kept = new Set<string>()
    for (const keeper of this.keepers) for (const peer of keeper.keptPeers()) kept.add(peer)
    const candidates: Array<{ c: Connection, value: number }> = []
    for (const c of connections) {
      if (kept.has(c.remotePeer.toString()) || !this.closable(c, now)) continue
      const tags = await this.tags(c.remotePeer)
      if (tags === undefined) continue
      candidates.push({ c, value: tags })
    }
    candidates.sort((a, b) => a.value - b.value || a.c.streams.length - b.c.streams.length || a.c.timeline.open - b.c.timeline.open)
    return candidates.slice(0, Math.max(0, connections.length - this.config.lowWater)).map(x => x.c)
  }

  /** The sum of the peer's tag values; undefined when it is tagged keep-alive. */
  private async tags (peer: PeerId): Promise<number | undefined> {
    try {
      const { tags } = await this.components.peerStore.get(peer)
      if (tags.has(KEEP_ALIVE)) return undefined
      let sum = 0
      for (const tag of tags.values()) sum += tag.value
      return sum
    } catch {
      return 0
    }
  }
}
