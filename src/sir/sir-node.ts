/**
 * One SIR gossip node (Demers et al., PODC 1987 §1.3–1.5): the `ProtocolHandler` a runtime drives
 * and the small API it calls (publish, subscribe, counters, status). Each round (round-clock.ts) it
 * contacts `fanout` random peers of its view: push sends the rumors it is infected with and turns
 * R with probability 1/k per rumor the peer already knew; pull sends a digest and takes in the hot
 * rumors it lacks; push-pull does both. Anti-entropy (optional) pulls every stored rumor it lacks.
 * Invariants: all I/O goes through the `Io` port; a node with an infected rumor runs one round per
 * interval; a node with none arms no round timer in push mode and, in pull and push-pull, pulls
 * at a period that backs off to idlePullMaxIntervalMs while it learns nothing (anti-entropy backs
 * off likewise, sync-schedule.ts), so an idle network costs next to nothing; after `stop` nothing
 * is sent and late replies are ignored.
 */
import { AdaptivePeriod } from '../core/adaptive-period.js'
import type { PeerRef, ProtocolHandler } from '../core/port.js'
import type { Random } from '../core/random.js'
import { pushBatch } from './batch.js'
import { sirConfig, type SirConfig, type SirInit, type SirMode } from './config.js'
import type { SirContext, SirIo } from './context.js'
import { newSirCounters, type SirCounters } from './counters.js'
import { takeIn } from './intake.js'
import { MAX_DIGEST_IDS, MAX_IN_FLIGHT_REQUESTS, MAX_RUMORS_PER_MESSAGE, MAX_SUBSCRIBED_TOPICS, MAX_TOPIC_BYTES } from './limits.js'
import type { SirMessage, SirRequest, SirResponse } from './messages.js'
import { answer } from './responder.js'
import { nextSlotMs, roundDelayMs, slotAfterWaitMs } from './round-clock.js'
import { createRumor, rumorId, signedBytes, topicBytes, type Rumor, type RumorId, type RumorSigner, type RumorVerifier } from './rumor.js'
import { RumorStore, type RumorState, type StoredRumor } from './rumor-store.js'
import { SyncSchedule } from './sync-schedule.js'
import { BoundedView, type SirView } from './view.js'

/** The capabilities a runtime injects (STYLE.md #12): signing, verifying and, optionally, the view. */
export interface SirComponents {
  /** Signs rumors this node publishes (libp2p: the node's Ed25519 key; simulator: a stand-in). */
  signer: RumorSigner
  /** Verifies rumors received; a rumor that fails is dropped and counted as forged. */
  verifier: RumorVerifier
  /**
   * The peers to gossip with. Default: a BoundedView of `maxViewPeers`, fed by onPeer. The
   * simulator passes a view of the full membership (the uniform-random-peer model).
   */
  view?: SirView
}

/** A rumor handed to a subscriber. */
export interface DeliveredRumor {
  readonly id: RumorId
  readonly topic: string
  /** The origin's peer id multihash bytes (its signature verified). */
  readonly origin: Uint8Array
  readonly seq: bigint
  readonly payload: Uint8Array
  /** The peer it came from (not necessarily the origin). */
  readonly from: PeerRef
}

export type RumorListener = (rumor: DeliveredRumor) => void

export interface SirStatus {
  readonly self: PeerRef
  readonly viewSize: number
  readonly storedRumors: number
  readonly infectedRumors: number
  readonly removedRumors: number
  readonly inFlightRequests: number
  readonly counters: Readonly<SirCounters>
}

type State = 'new' | 'running' | 'stopped'
type TimerName = 'round' | 'anti-entropy'

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** The options `reconfigure` may change on a running node: how rumors spread, not what is stored. */
export type SirSpreading = Partial<Pick<SirInit, 'k' | 'mode'>>

export class SirNode implements ProtocolHandler<SirRequest, SirResponse, SirMessage> {
  private settings: SirConfig
  private readonly io: SirIo
  private readonly store: RumorStore
  private readonly view: SirView
  private readonly signer: RumorSigner
  private readonly counterValues = newSirCounters()
  private readonly timing: Random
  private readonly peerRandom: Random
  private readonly coinRandom: Random
  private readonly ctx: SirContext
  private readonly listeners = new Map<string, Set<RumorListener>>()
  private readonly phaseMs: number
  private nextSeq: bigint
  private state: State = 'new'
  private roundArmed = false
  /** The slot of the armed round (meaningful while roundArmed). */
  private roundSlotMs = 0
  /** The wait between idle pulls (no rumor infected): one interval after news, longer while quiet. */
  private readonly idlePulls: AdaptivePeriod
  /** Idle pulls still due at one interval before the period starts doubling (idlePullsAfterNews after news). */
  private idlePullsAtMin = 0
  private readonly syncs: SyncSchedule
  private inFlight = 0
  /** Where the next push batch starts among the infected rumors (round robin when they do not all fit). */
  private pushCursor = 0

  constructor (io: SirIo, components: SirComponents, init: SirInit = {}) {
    this.settings = sirConfig(init)
    this.io = io
    this.signer = components.signer
    this.timing = io.random.fork('sir-timing')
    this.peerRandom = io.random.fork('sir-peers')
    this.coinRandom = io.random.fork('sir-coin')
    this.view = components.view ?? new BoundedView(io.self, this.config.maxViewPeers, this.peerRandom.fork('view'))
    this.phaseMs = this.config.alignRounds ? 0 : this.timing.int(this.config.roundIntervalMs)
    this.idlePulls = new AdaptivePeriod({ minMs: this.config.roundIntervalMs, maxMs: this.config.idlePullMaxIntervalMs })
    this.syncs = new SyncSchedule(this.config, this.timing)
    // High 32 bits random per run, low 32 bits a counter: a restarted node does not reuse ids.
    this.nextSeq = BigInt(this.timing.int(0x100000000)) << 32n
    const c = this.config
    this.store = new RumorStore({ maxRumors: c.maxStoredRumors, maxPerOrigin: c.maxRumorsPerOrigin, maxPerPeer: c.maxRumorsPerPeer, ttlMs: c.rumorTtlMs, maxRememberedIds: c.maxRememberedIds })
    const coinRandom = this.coinRandom
    const node = this
    this.ctx = {
      io,
      get config () { return node.settings },
      store: this.store,
      counters: this.counterValues,
      verifier: components.verifier,
      // k = Infinity never removes and draws nothing (simulator traces stay as they were).
      coin: () => node.settings.k !== Infinity && coinRandom.next() < 1 / node.settings.k,
      nextSlot: now => nextSlotMs(now, this.phaseMs, c.roundIntervalMs),
      onAccepted: (entry, from) => this.onAccepted(entry, from)
    }
  }

  /** The options in force (`reconfigure` replaces k and mode). */
  get config (): SirConfig { return this.settings }

  // ---- ProtocolHandler ----

  /** Arms the round timer (when there is work) and anti-entropy. */
  start (): void {
    if (this.state !== 'new') throw new Error('sir: start() called twice')
    this.state = 'running'
    this.armRound()
    if (this.config.antiEntropy) this.io.setTimer('anti-entropy', this.syncs.first(this.io.now()))
  }

  stop (): void {
    if (this.state === 'stopped') return
    this.state = 'stopped'
    this.roundArmed = false
    this.io.cancelTimer('round')
    this.io.cancelTimer('anti-entropy')
  }

  onRequest (from: PeerRef, req: SirRequest): SirResponse {
    this.store.expire(this.io.now())
    const res = answer(this.ctx, from, req)
    // A digest naming a rumor this node lacks (after taking in what was pushed): `from` holds news.
    if (this.config.antiEntropy && req.type !== 'push' && this.namesUnknown(req.digest)) this.snapBackSyncs(from)
    return res
  }

  onMessage (_from: PeerRef, _msg: SirMessage): void {}

  onTimer (name: string): void {
    if (this.state !== 'running') return
    this.store.expire(this.io.now())
    switch (name as TimerName) {
      case 'round': {
        const idle = this.store.infectedCount === 0
        this.roundArmed = false
        this.round()
        if (idle && this.idlePullsAtMin > 0) this.idlePullsAtMin--
        else if (idle) this.idlePulls.quiet()
        this.armRound()
        return
      }
      case 'anti-entropy': {
        const { partner, nextDelayMs } = this.syncs.run(this.io.now())
        this.antiEntropy(partner)
        this.io.setTimer('anti-entropy', nextDelayMs)
      }
    }
  }

  onPeer (peer: PeerRef, up: boolean): void {
    const before = this.view.size
    this.view.onPeer(peer, up)
    // A newcomer may hold rumors this node never heard of (or lack ours): sync soon.
    if (this.view.size > before) this.snapBackSyncs()
  }

  // ---- public API ----

  /**
   * Changes k and/or mode from now on (a benchmark measures several on the same peers); every
   * other option stays. Checked as at construction (RangeError). Stored rumors keep their state;
   * replies to requests already sent are taken as the mode they were sent in.
   */
  reconfigure (change: SirSpreading): void {
    const { k, mode } = change
    this.settings = sirConfig({ ...this.settings, ...(k === undefined ? {} : { k }), ...(mode === undefined ? {} : { mode }) })
    if (this.roundArmed && !this.hasRoundWork()) { this.io.cancelTimer('round'); this.roundArmed = false }
    this.armRound()
  }

  /**
   * Signs and starts spreading a rumor; returns its id. Throws RangeError on a bad topic or
   * payload, and Error when the node is not running or its origin's quota is full.
   */
  publish (topic: string, payload: Uint8Array): RumorId {
    if (this.state !== 'running') throw new Error('sir: publish on a node that is not running')
    checkTopic(topic)
    if (payload.length > this.config.maxPayloadBytes) throw new RangeError(`sir: payload of ${payload.length} bytes exceeds maxPayloadBytes ${this.config.maxPayloadBytes}`)
    const rumor = createRumor(this.signer, this.nextSeq, topic, payload, Math.floor(this.io.now()))
    this.nextSeq = (this.nextSeq + 1n) & 0xffffffffffffffffn
    const id = rumorId(rumor)
    // A signer the verifier rejects would make every rumor of this node a forgery: a bug, fail loudly.
    if (!this.ctx.verifier.verify(rumor.origin, signedBytes(rumor), rumor.signature)) throw new Error('sir: the verifier rejects this node\'s own signature')
    const outcome = this.store.add(id, rumor, 'I', this.io.now())
    if (outcome !== 'added') throw new Error(outcome === 'over-quota' ? 'sir: this node already stores maxRumorsPerOrigin rumors of its own' : 'sir: rumor id collision')
    this.counterValues.published++
    this.noteNews()
    return id
  }

  /** Calls `listener` for each new rumor on `topic` accepted from a peer; returns the unsubscribe. */
  subscribe (topic: string, listener: RumorListener): () => void {
    checkTopic(topic)
    let set = this.listeners.get(topic)
    if (set === undefined) {
      if (this.listeners.size >= MAX_SUBSCRIBED_TOPICS) throw new RangeError(`sir: at most ${MAX_SUBSCRIBED_TOPICS} topics may be subscribed`)
      set = new Set()
      this.listeners.set(topic, set)
    }
    set.add(listener)
    return () => {
      const s = this.listeners.get(topic)
      if (s === undefined) return
      s.delete(listener)
      if (s.size === 0) this.listeners.delete(topic)
    }
  }

  /** Topics with at least one listener. */
  topics (): string[] { return [...this.listeners.keys()] }

  /** S, I or R for this node; R also for a rumor that left the store but whose id is remembered. */
  rumorState (id: RumorId): RumorState {
    const s = this.store.state(id)
    return s === 'S' && this.store.knows(id) ? 'R' : s
  }

  /** Local time at which the rumor was accepted (or published), while it is stored. */
  acceptedAt (id: RumorId): number | undefined { return this.store.get(id)?.acceptedAt }

  /** A stored rumor by id (for the runtime's API, e.g. to re-serve it). */
  rumor (id: RumorId): Rumor | undefined { return this.store.get(id)?.rumor }

  /** A frame from `from` failed to decode (WireError): counted with the other bad inputs. */
  noteRejectedFrame (_from: PeerRef, code: 'malformed' | 'oversize'): void {
    if (code === 'oversize') this.counterValues.oversized++
    else this.counterValues.malformed++
  }

  /** The monotonic counters (a copy). */
  counters (): Readonly<SirCounters> {
    return { ...this.counterValues, evicted: this.store.evicted, expired: this.store.expired }
  }

  status (): SirStatus {
    return {
      self: this.io.self,
      viewSize: this.view.size,
      storedRumors: this.store.size,
      infectedRumors: this.store.infectedCount,
      removedRumors: this.store.removedCount,
      inFlightRequests: this.inFlight,
      counters: this.counters()
    }
  }

  // ---- rounds ----

  /** Whether a round would do anything: pull always asks (idle or not); push needs an infected rumor. */
  private hasRoundWork (): boolean {
    return this.config.mode !== 'push' || this.store.infectedCount > 0
  }

  /**
   * Arms the round timer for the next slot (a node with an infected rumor) or for the slot one idle
   * period away (an idle puller); keeps an armed round that comes no later. Draws no jitter when it
   * keeps the armed one, so with idlePullMaxIntervalMs = roundIntervalMs rounds fire exactly as
   * in Demers' model (every node, every slot).
   */
  private armRound (): void {
    if (this.state !== 'running' || !this.hasRoundWork()) return
    const c = this.config
    const now = this.io.now()
    const waitMs = this.store.infectedCount > 0 ? c.roundIntervalMs : this.idlePulls.current
    const slot = slotAfterWaitMs(now, waitMs, this.phaseMs, c.roundIntervalMs)
    if (this.roundArmed && this.roundSlotMs <= slot) return
    this.roundArmed = true
    this.roundSlotMs = slot
    this.io.setTimer('round', roundDelayMs(now, slot, c.roundIntervalMs, c.roundJitter, this.timing))
  }

  /** This node learned a rumor (or published one): idle pulls and syncs snap back, an infected node rounds. */
  private noteNews (): void {
    this.idlePulls.changed()
    this.idlePullsAtMin = this.config.idlePullsAfterNews
    this.snapBackSyncs()
    this.armRound()
  }

  private snapBackSyncs (partner?: PeerRef): void {
    if (!this.config.antiEntropy || this.state !== 'running') return
    const delayMs = this.syncs.snapBack(this.io.now(), partner)
    if (delayMs !== undefined) this.io.setTimer('anti-entropy', delayMs)
  }

  /** Whether a peer's digest lists an id this node neither stores nor remembers. */
  private namesUnknown (digest: readonly RumorId[]): boolean {
    for (const id of digest) if (!this.store.knows(id)) return true
    return false
  }

  private round (): void {
    const mode = this.config.mode
    const batch = mode === 'pull' ? undefined : pushBatch(this.store, this.pushCursor)
    if (mode === 'push' && (batch === undefined || batch.rumors.length === 0)) return
    const peers = this.view.sample(this.peerRandom, this.config.fanout)
    if (peers.length === 0) return
    const digest = mode === 'push' ? [] : this.store.digest(MAX_DIGEST_IDS)
    const rumors = batch?.rumors ?? []
    const ids = batch?.ids ?? []
    this.pushCursor += ids.length
    const req: SirRequest = mode === 'push'
      ? { type: 'push', rumors }
      : mode === 'pull' ? { type: 'pull', digest } : { type: 'pushpull', rumors, digest }
    for (const peer of peers) {
      this.request(peer, req, rumors.length, res => this.onRoundReply(peer, mode, ids, res))
    }
  }

  private onRoundReply (peer: PeerRef, mode: SirMode, pushed: readonly RumorId[], res: SirResponse): void {
    const expected = mode === 'push' ? 'push-ack' : mode === 'pull' ? 'rumors' : 'pushpull-ack'
    if (res.type !== expected) { this.counterValues.malformed++; return }
    if (res.type === 'push-ack' || res.type === 'pushpull-ack') {
      if (res.known.length !== pushed.length) { this.counterValues.malformed++; return }
      for (let i = 0; i < pushed.length; i++) {
        if (res.known[i] && this.store.state(pushed[i]) === 'I' && this.ctx.coin() && this.store.remove(pushed[i])) this.counterValues.removedByCoin++
      }
      if (this.roundArmed && !this.hasRoundWork()) { this.io.cancelTimer('round'); this.roundArmed = false }
    }
    if (res.type === 'rumors' || res.type === 'pushpull-ack') this.takeInAll(peer, res.rumors, 'I')
  }

  /** One sync with `partner` (a peer whose digest named news) or else a random peer of the view. */
  private antiEntropy (partner: PeerRef | undefined): void {
    const peer = partner ?? this.view.sample(this.peerRandom, 1)[0]
    if (peer === undefined) return
    this.request(peer, { type: 'sync', digest: this.store.digest(MAX_DIGEST_IDS) }, 0, res => {
      if (res.type !== 'rumors') { this.counterValues.malformed++; return }
      this.takeInAll(peer, res.rumors, 'R')
    })
  }

  private takeInAll (from: PeerRef, rumors: readonly Rumor[], state: 'I' | 'R'): void {
    if (rumors.length > MAX_RUMORS_PER_MESSAGE) { this.counterValues.malformed++; return }
    for (const r of rumors) takeIn(this.ctx, from, r, state)
  }

  /** Sends one request within the in-flight bound; `onReply` runs only on success while running. */
  private request (peer: PeerRef, req: SirRequest, rumorCount: number, onReply: (res: SirResponse) => void): void {
    if (this.inFlight >= MAX_IN_FLIGHT_REQUESTS) { this.counterValues.requestsSkipped++; return }
    this.inFlight++
    this.counterValues.requestsSent++
    this.counterValues.rumorsSent += rumorCount
    this.io.request(peer, req, { timeoutMs: this.config.requestTimeoutMs }, result => {
      this.inFlight--
      if (this.state !== 'running') return
      if (!result.ok) { this.counterValues.requestsFailed++; return }
      this.store.expire(this.io.now())
      onReply(result.value)
    })
  }

  // ---- delivery ----

  private onAccepted (entry: StoredRumor, from: PeerRef): void {
    this.noteNews()
    const set = this.listeners.get(entry.rumor.topic)
    if (set === undefined) return
    const r = entry.rumor
    const delivered: DeliveredRumor = { id: entry.id, topic: r.topic, origin: r.origin, seq: r.seq, payload: r.payload, from }
    this.counterValues.delivered++
    // A listener may unsubscribe while called: iterate a copy when there is more than one.
    for (const listener of set.size === 1 ? set : [...set]) {
      try {
        listener(delivered)
      } catch {
        this.counterValues.listenerErrors++
      }
    }
  }
}

function checkTopic (topic: string): void {
  if (typeof topic !== 'string' || topic.length === 0) throw new RangeError('sir: a topic is a non-empty string')
  if (LONE_SURROGATE.test(topic)) throw new RangeError('sir: a topic must be well-formed Unicode')
  if (topicBytes(topic) > MAX_TOPIC_BYTES) throw new RangeError(`sir: a topic is at most ${MAX_TOPIC_BYTES} UTF-8 bytes`)
}
