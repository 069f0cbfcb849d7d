/**
 * One Chord node (Stoica et al. 2001): the `ProtocolHandler` a runtime drives and the small typed
 * API it calls (join, lookup, put, get, leave, status). Invariants: all I/O goes through the `Io`
 * port; every public callback fires later than the call that set it (local answers are deferred
 * through a zero-delay timer); after `stop` nothing is sent and pending operations end `stopped`.
 */
import { BoundedLru } from '../core/bounded.js'
import { candidateProbes, MAX_PENDING_CANDIDATES, type CandidateProbes } from '../core/candidate-probes.js'
import { FailedPeers } from '../core/failed-peers.js'
import { peerStanding } from '../core/peer-standing.js'
import { DEFERRED_TIMER, PendingCallbacks } from '../core/pending-callbacks.js'
import { inOpen, type NodeId } from '../core/id.js'
import type { PeerRef, ProtocolHandler, Result } from '../core/port.js'
import type { Random } from '../core/random.js'
import { chordConfig, type ChordConfig, type ChordInit } from './config.js'
import { newCounters, type ChordContext, type ChordCounters, type ChordIo, type LookupOutcome, type TimerName } from './context.js'
import { MAX_CLOSER_NODES, MAX_FAILED_PEERS, MAX_SUCCESSORS_IN_CLOSER } from './limits.js'
import { checkPredecessor, fingerToFix, notify, onNotify, refreshFinger, stabilize } from './maintenance.js'
import { MaintenanceTimers } from './maintenance-timers.js'
import type { ChordMessage, ChordRequest, ChordResponse } from './messages.js'
import { get, join, leave, onLeaving, put, runLookup } from './operations.js'
import { dropUntrusted } from './first-hand.js'
import { chordStorage } from './replication.js'
import { RoutingState } from './routing.js'
import type { Outcome } from '../core/dht-outcome.js'
import type { DhtComponents, StorageContext } from '../dht/context.js'
import { newStorageState, onFetch, onStore, onSync, replicateStep } from '../dht/replication.js'
import { RecordStore } from '../dht/store.js'
import { storeLimits } from '../dht/config.js'
import { recordApi, type RecordApi } from '../dht/record-api.js'
import { StorageSteps } from '../dht/storage-steps.js'

/**
 * With no change since the last storage step, the full scan and SYNC (which refreshes replica
 * leases) runs once per this fraction of the lease: a replica then survives two lost refreshes
 * (with the defaults, every 4th step: 4 x 5 s = 20 s of a 60 s lease).
 */
const REFRESHES_PER_LEASE = 3
/**
 * Delay before the hints of a change go out, so that a burst of changes (a stabilize that adopts a
 * closer successor and re-runs at once) sends one hint per neighbour, not one per step (ms).
 */
const HINT_DELAY_MS = 50
/**
 * Neighbours one hint round tells: the predecessor (our successor list changed) and the old
 * predecessor (our predecessor changed), with room for both changing twice within HINT_DELAY_MS.
 */
const MAX_HINT_TARGETS = 4
/** Peers verified at once after a disconnect: the successor list (<= 32), predecessor and fingers. */
const MAX_VERIFYING_PEERS = 64

export interface ChordStatus {
  readonly self: PeerRef
  readonly predecessor: PeerRef | undefined
  readonly successors: readonly PeerRef[]
  /** Distinct fingers, nearest first. */
  readonly fingers: readonly PeerRef[]
  readonly storedRecords: number
  /** Records held as owner. */
  readonly primaryRecords: number
  readonly counters: Readonly<ChordCounters>
}

/** What a global observer (simulator, experiment, test) may install: routing known to be correct. */
export interface SeedRouting {
  readonly predecessor: PeerRef | undefined
  readonly successors: readonly PeerRef[]
  readonly fingers: readonly PeerRef[]
  /**
   * The routing is that of a ring that has long been stable: maintenance starts at its longest
   * periods (as after quiet steps) instead of its shortest (a fresh node's). Any change snaps
   * them back as usual.
   */
  readonly settled?: boolean
}

type State = 'new' | 'running' | 'leaving' | 'stopped'

const STOPPED = { ok: false, failure: 'stopped' } as const

/** Its storage operations (put, putRecord, get, restoreRecords, storedKeys, holds) are the same for Chord and Pastry: src/dht/record-api.ts. */
export interface ChordNode extends RecordApi {}

export class ChordNode implements ProtocolHandler<ChordRequest, ChordResponse, ChordMessage> {
  readonly config: ChordConfig
  private readonly io: ChordIo
  private readonly routing: RoutingState
  private readonly store: RecordStore
  private readonly counterValues = newCounters()
  private readonly jitterRandom: Random
  private readonly ctx: ChordContext
  private readonly storage: StorageContext
  private readonly storageState = newStorageState()
  private readonly failed: FailedPeers
  private readonly timers: MaintenanceTimers
  /** Peers named to us, waiting for our own probe before they may enter the routing state. */
  private readonly probes: CandidateProbes<PeerRef>
  /** Candidates offered as predecessor (a notifier, a leaver's predecessor): onNotify once verified. */
  private readonly predecessorOffers = new BoundedLru<string, true>(MAX_PENDING_CANDIDATES)
  private state: State = 'new'
  private predecessorHeardAt = 0
  /** A live node that notified us while our predecessor preceded it: the heir if the predecessor is dead. */
  private predecessorCandidate: PeerRef | undefined = undefined
  private fingerCursor = 0
  /** Neighbours to hint at the next 'hint' firing (a ping: "re-stabilize soon"). */
  private readonly hintTargets = new Map<string, PeerRef>()
  /** Neighbours being pinged after a disconnect. */
  private readonly verifying = new Set<string>()
  /** When the storage step runs: after a quiet one (no change asked for it), at the next lease refresh. */
  private readonly steps = new StorageSteps(delayMs => { this.io.setTimer('replicate', delayMs) }, () => this.state === 'running', done => { replicateStep(this.storage, this.storageState, done) }, forChange => { this.schedule('replicate', this.config.replicateIntervalMs * (forChange ? 1 : this.quietStepsPerRefresh)) })
  /** Periodic storage steps per lease refresh while nothing changes (see REFRESHES_PER_LEASE). */
  private readonly quietStepsPerRefresh: number
  private readonly pending = new PendingCallbacks((name, delayMs) => { this.io.setTimer(name, delayMs) })

  /** `components`: the record verifier and signer (src/dht/context.ts; digest-only by default). */
  constructor (io: ChordIo, init: ChordInit = {}, components: DhtComponents = {}) {
    this.config = chordConfig(init)
    this.quietStepsPerRefresh = Math.max(1, Math.floor(this.config.replicaLeaseMs / (REFRESHES_PER_LEASE * this.config.replicateIntervalMs)))
    this.io = io
    this.routing = new RoutingState(io.self, this.config.successorListLength)
    this.store = new RecordStore(storeLimits(this.config), components.persistence)
    this.jitterRandom = io.random.fork('chord-jitter')
    this.failed = new FailedPeers({ baseMs: this.config.failedPeerBackoffMs, maxMs: this.config.failedPeerMaxBackoffMs, maxEntries: MAX_FAILED_PEERS })
    this.timers = new MaintenanceTimers(io, this.config, this.jitterRandom, () => this.state === 'running')
    this.probes = candidateProbes({
      now: () => io.now(),
      probe: (peer, done) => { this.request(peer, { type: 'ping' }, r => { done(r.ok && r.value.type === 'ack') }) },
      verified: peer => { this.adoptVerified(peer) },
      lostStanding: address => { dropUntrusted(this.ctx, address) }
    }, peerStanding(), this.counterValues)
    const self = this
    this.ctx = {
      io,
      config: this.config,
      routing: this.routing,
      store: this.store,
      get storage () { return self.storage },
      counters: this.counterValues,
      failed: this.failed,
      timers: this.timers,
      isRunning: () => self.state === 'running' || self.state === 'leaving',
      request: (to, req, done) => { self.request(to, req, done) },
      suppressed: peer => self.failed.suppressed(peer.address, io.now()),
      probes: this.probes,
      firstHand: peer => self.firstHand(peer),
      offerPredecessor: (peer, namedBy) => { self.offerPredecessor(peer, namedBy) },
      replicateSoon: () => { self.steps.soon() },
      lookup: (key, done, initial) => { runLookup(self.ctx, key, done, initial) }
    }
    this.storage = chordStorage(this.ctx, this.store, components)
    Object.assign(this, recordApi({ storage: () => this.storage, store: this.store, guard: done => this.ensureRunning(done) ? this.pending.track(done, STOPPED) : undefined, ctx: this.ctx, putAt: put, getAt: get }))
  }

  // ---- ProtocolHandler ----

  /** Starts maintenance as a ring of one; call `join` to enter an existing ring. */
  start (): void {
    if (this.state !== 'new') throw new Error('chord: start() called twice')
    this.state = 'running'
    this.timers.start()
    this.io.setTimer('replicate', this.io.random.int(this.config.replicateIntervalMs))
  }

  stop (): void {
    if (this.state === 'stopped') return
    this.state = 'stopped'
    this.timers.cancelAll()
    this.probes.clear()
    for (const t of ['replicate', 'hint', DEFERRED_TIMER] as const) this.io.cancelTimer(t)
    // In-flight requests' callbacks see the state and end quietly; their operations end here.
    this.pending.stopAll()
  }

  onRequest (from: PeerRef, req: ChordRequest): ChordResponse {
    const res = this.answer(from, req)
    this.afterEvent()
    return res
  }

  private answer (from: PeerRef, req: ChordRequest): ChordResponse {
    if (this.routing.predecessor?.address === from.address) this.predecessorHeardAt = this.io.now()
    switch (req.type) {
      case 'find-successor': {
        const local = this.routing.localOwner(req.key)
        if (local !== undefined) return { type: 'found', successors: local.slice(0, this.config.successorListLength) }
        const nodes = this.routing.closestPreceding(req.key, MAX_CLOSER_NODES)
        if (nodes.length === 0) return { type: 'found', successors: [this.io.self] }
        // Then our successor list: if the closest preceding node is dead, the asker can go to the
        // node after it (Stoica et al. §5.3), which a stale tables here cannot name yet.
        const seen = new Set(nodes.map(n => n.address))
        const after = this.routing.successors.filter(s => !seen.has(s.address))
        return { type: 'closer', nodes: [...nodes, ...after].slice(0, MAX_CLOSER_NODES + MAX_SUCCESSORS_IN_CLOSER) }
      }
      case 'get-neighbors':
        return { type: 'neighbors', predecessor: this.routing.predecessor, successors: this.routing.successors.slice() }
      case 'notify':
        // The notifier's word about itself: adopted at once only if first-hand already.
        this.offerPredecessor(from, undefined)
        return { type: 'ack' }
      case 'ping':
        // From a node of our successor list, a ping is its hint that its list or its predecessor
        // changed: stabilize soon and learn what changed first-hand.
        if (this.routing.successors.some(s => s.address === from.address)) this.timers.snap('stabilize')
        return { type: 'ack' }
      case 'store':
        return onStore(this.storage, req.role, req.records, from)
      case 'fetch':
        return onFetch(this.storage, req.keyId)
      case 'sync':
        return onSync(this.storage, req.keys)
      case 'leaving':
        onLeaving(this.ctx, from, req.predecessor, req.successors)
        return { type: 'ack' }
    }
  }

  onMessage (_from: PeerRef, _msg: ChordMessage): void {}

  onTimer (name: string): void {
    if (name === DEFERRED_TIMER) { this.pending.run(); this.afterEvent(); return }
    if (this.state !== 'running') return
    switch (name as TimerName) {
      case 'stabilize': stabilize(this.ctx); break
      case 'check-predecessor': checkPredecessor(this.ctx, this.predecessorHeardAt, () => this.predecessorCandidate); break
      case 'fix-fingers': this.fixFingersStep(); break
      case 'replicate': this.steps.fire(); break
      case 'hint': this.sendHints()
    }
    this.afterEvent()
  }

  /**
   * The runtime's connection news. When the predecessor, a successor or a finger disconnects, one
   * ping verifies it at once (first-hand evidence; a disconnect alone may be a connection pruned
   * while the peer lives) and it is forgotten everywhere if the ping fails. Connects are ignored:
   * a peer enters the tables through the protocol, never through a connection.
   */
  onPeer (peer: PeerRef, up: boolean): void {
    if (up || this.state !== 'running' || !this.routing.isNeighbour(peer.address)) return
    if (this.ctx.suppressed(peer)) { this.forgetFailed(peer); this.afterEvent(); return }
    if (this.verifying.has(peer.address) || this.verifying.size >= MAX_VERIFYING_PEERS) return
    this.verifying.add(peer.address)
    this.request(peer, { type: 'ping' }, result => {
      this.verifying.delete(peer.address)
      if (!result.ok && this.state === 'running') this.forgetFailed(peer)
    })
  }

  // ---- public API ----

  /** Enters the ring that `bootstrap` belongs to. */
  join (bootstrap: PeerRef, done: (o: Outcome<PeerRef>) => void): void {
    this.enter(bootstrap, done, false)
  }

  /**
   * Asks `via` which node owns this node's own id; if it is not this node, this node is apart
   * from `via`'s ring (cut off after failures into a ring of its own) and joins it.
   */
  rejoinIfApart (via: PeerRef, done: (o: Outcome<PeerRef>) => void): void {
    this.enter(via, done, true)
  }

  private enter (bootstrap: PeerRef, done: (o: Outcome<PeerRef>) => void, onlyIfApart: boolean): void {
    if (!this.ensureRunning(done)) return
    const finish = this.pending.track(done, STOPPED)
    join(this.ctx, bootstrap, o => {
      if (o.ok) {
        this.timers.soon('stabilize')
        this.timers.soon('fix-fingers')
        this.timers.snap('check-predecessor')
      }
      finish(o)
    }, onlyIfApart)
  }

  /** successor(key) by an iterative lookup. */
  lookup (key: NodeId, done: (o: LookupOutcome) => void): void {
    if (!this.ensureRunning(done)) return
    runLookup(this.ctx, key, this.pending.track(done, STOPPED))
  }

  /** Graceful leave: hands owned records to the successor and splices self out; then stops. */
  leave (done: (o: Outcome<void>) => void): void {
    if (!this.ensureRunning(done)) return
    this.state = 'leaving'
    this.timers.cancelAll()
    for (const t of ['replicate', 'hint'] as const) this.io.cancelTimer(t)
    const finish = this.pending.track(done, STOPPED)
    leave(this.ctx, o => { finish(o); this.stop() })
  }

  status (): ChordStatus {
    let primary = 0
    for (const [, s] of this.store.entries()) if (s.primary) primary++
    return {
      self: this.io.self,
      predecessor: this.routing.predecessor,
      successors: this.routing.successors.slice(),
      fingers: this.routing.fingers.list(),
      storedRecords: this.store.size,
      primaryRecords: primary,
      counters: { ...this.counterValues }
    }
  }

  /** The peers routing state holds: predecessor, successors and fingers (a runtime keeps their connections). */
  neighbours (): PeerRef[] {
    const out = [...this.routing.successors, ...this.routing.fingers.list()]
    if (this.routing.predecessor !== undefined) out.push(this.routing.predecessor)
    return out
  }

  /** True while this node knows no other member (a ring of one): what the membership policy joins from. */
  alone (): boolean { return this.routing.successors.length === 0 }

  /** The monotonic counters alone (cheaper than status(): no scan of the store). */
  counters (): Readonly<ChordCounters> { return { ...this.counterValues } }

  /** Replica copies this node has made (counters().replicaCopiesMade without copying every counter). */
  replicaCopiesMade (): number { return this.counterValues.replicaCopiesMade }

  /**
   * Installs routing computed by a global observer (the simulator's fast bootstrap of 10^5-node
   * rings). The protocol then maintains it as if it had converged by itself. Never used by a
   * runtime on a real network.
   */
  seedRouting (seed: SeedRouting): void {
    this.routing.predecessor = seed.predecessor
    this.routing.setSuccessors(seed.successors)
    this.routing.fingers.addAll(seed.fingers)
    this.predecessorHeardAt = this.io.now()
    if (seed.settled === true) this.timers.settle()
    // Installed, not learnt: nothing to hint or snap back for.
    this.routing.takeChanges()
  }

  // ---- internals ----

  private ensureRunning (done: (o: { ok: false, failure: 'stopped' }) => void): boolean {
    if (this.state === 'running') return true
    this.pending.defer(() => done({ ok: false, failure: 'stopped' }))
    return false
  }

  private schedule (timer: TimerName, intervalMs: number): void {
    if (this.state !== 'running') return
    const j = this.config.jitter
    const delay = intervalMs === 0 ? 0 : Math.max(1, Math.round(intervalMs * (1 + j * (2 * this.jitterRandom.next() - 1))))
    this.io.setTimer(timer, delay)
  }

  /** The one request path (see ChordContext.request). */
  private request (to: PeerRef, req: ChordRequest, done: (result: Result<ChordResponse>) => void): void {
    if (this.failed.suppressed(to.address, this.io.now())) {
      this.pending.defer(() => done({ ok: false, failure: 'unreachable' }))
      return
    }
    this.io.request(to, req, { timeoutMs: this.config.requestTimeoutMs }, result => {
      if (result.ok) {
        this.failed.succeeded(to.address)
        this.probes.answered(to.address)
        if (this.routing.predecessor?.address === to.address) this.predecessorHeardAt = this.io.now()
      } else if (result.failure !== 'stopped') {
        this.failed.failed(to.address, this.io.now())
        this.probes.failed(to.address)
      }
      done(result)
      this.afterEvent()
    })
  }

  /** Whether `peer` may enter the routing state now (see ChordContext.firstHand). */
  private firstHand (peer: PeerRef): boolean {
    return this.probes.trusted(peer.address) && (this.routing.isNeighbour(peer.address) || this.probes.verified(peer.address))
  }

  /**
   * `peer` notified us, or a leaver named it as its predecessor: applied as a notify (onNotify) if
   * first-hand, else once it answers our probe.
   */
  private offerPredecessor (peer: PeerRef, namedBy: string | undefined): void {
    if (peer.id === this.io.self.id || !this.probes.trusted(peer.address)) return
    if (this.routing.predecessor?.address === peer.address || this.firstHand(peer)) { this.notified(peer); return }
    // A peer that speaks for itself may be dialled back even if it failed us lately (it is back).
    if (namedBy === undefined) { this.failed.succeeded(peer.address); this.probes.spoke(peer.address) }
    this.predecessorOffers.set(peer.address, true)
    this.probes.offer([peer], namedBy)
  }

  /** A first-hand notify (Fig. 7 n.notify; see onNotify). */
  private notified (from: PeerRef): void {
    const outcome = onNotify(this.ctx, from)
    if (outcome === 'adopted') { this.predecessorHeardAt = this.io.now(); this.predecessorCandidate = undefined }
    if (outcome === 'candidate') this.predecessorCandidate = from
  }

  /**
   * A candidate answered our probe: as predecessor if it was offered as one (onNotify); as our
   * successor if it is closer than the current one (and notified, as stabilize would); else the
   * next stabilize, snapped back, installs it where its successor's list names it.
   */
  private adoptVerified (peer: PeerRef): void {
    if (this.state !== 'running' || peer.id === this.io.self.id || this.ctx.suppressed(peer)) return
    if (this.predecessorOffers.delete(peer.address)) this.notified(peer)
    if (this.routing.offerHead(peer)) {
      notify(this.ctx, peer)
      this.steps.soon()
    } else if (!this.routing.isNeighbour(peer.address)) this.timers.snap('stabilize')
  }

  /** Forgets a neighbour found dead outside a maintenance step (a disconnect confirmed by a failed ping). */
  private forgetFailed (peer: PeerRef): void {
    const wasSuccessor = this.routing.successors[0]?.address === peer.address
    const wasPredecessor = this.routing.predecessor?.address === peer.address
    const wasFinger = this.routing.fingers.has(peer.address)
    this.routing.forget(peer.address)
    if (wasSuccessor) this.timers.soon('stabilize')
    if (wasPredecessor) this.timers.soon('check-predecessor')
    if (wasFinger) this.timers.snap('fix-fingers')
    this.steps.soon()
  }

  /**
   * After every input (request, answer, timer, disconnect): if the predecessor or the successor
   * list changed, snap the matching maintenance back to its shortest period and hint the
   * neighbours that must learn it: the predecessor when our successor list changed (its own list
   * ends with ours), the old predecessor when a new one took its place (its successor changed).
   * One hint per neighbour per change, coalesced over HINT_DELAY_MS.
   */
  private afterEvent (): void {
    const c = this.routing.takeChanges()
    if (c === undefined || this.state !== 'running') return
    if (c.successors) {
      this.timers.snap('stabilize')
      this.hint(this.routing.predecessor)
    }
    if (c.predecessor) {
      this.timers.snap('check-predecessor')
      const old = c.previousPredecessor
      const now = this.routing.predecessor
      // The old predecessor is hinted only if it is alive and the new one sits between it and us.
      if (old !== undefined && now !== undefined && !this.ctx.suppressed(old) && inOpen(now.id, old.id, this.io.self.id)) this.hint(old)
    }
  }

  private hint (to: PeerRef | undefined): void {
    if (to === undefined || to.id === this.io.self.id || this.ctx.suppressed(to)) return
    if (this.hintTargets.has(to.address) || this.hintTargets.size >= MAX_HINT_TARGETS) return
    this.hintTargets.set(to.address, to)
    if (this.hintTargets.size === 1) this.io.setTimer('hint', HINT_DELAY_MS)
  }

  private sendHints (): void {
    const targets = [...this.hintTargets.values()]
    this.hintTargets.clear()
    for (const to of targets) this.request(to, { type: 'ping' }, () => {})
  }

  private fixFingersStep (): void {
    if (!this.timers.begin('fix-fingers')) return
    const i = fingerToFix(this.ctx, this.fingerCursor)
    if (i === undefined) { this.timers.end('fix-fingers', false); return }
    refreshFinger(this.ctx, i, (next, changed) => { this.fingerCursor = next; this.timers.end('fix-fingers', changed) })
  }


}
