/**
 * One Pastry node (Rowstron & Druschel, Middleware 2001): the `ProtocolHandler` a runtime drives and
 * the small typed API it calls (join, lookup, put, get, leave, status). Invariants: all I/O goes
 * through the `Io` port; every public callback fires later than the call that set it (local answers
 * are deferred through a zero-delay timer); after `stop` nothing is sent and pending operations end
 * `stopped`; maintenance and storage steps run only while `running` (not while joining).
 */
import { candidateProbes, type CandidateProbes } from '../core/candidate-probes.js'
import { DEFERRED_TIMER, PendingCallbacks } from '../core/pending-callbacks.js'
import { peerStanding } from '../core/peer-standing.js'
import { digit, type NodeId } from '../core/id.js'
import type { PeerRef, ProtocolHandler } from '../core/port.js'
import type { Random } from '../core/random.js'
import { pastryConfig, type PastryConfig, type PastryInit } from './config.js'
import { newCounters, type PastryContext, type PastryCounters, type PastryIo, type RouteOutcome, type TimerName } from './context.js'
import { adoptVerified, dropUntrusted, offerLeafSet, offerPeers } from './first-hand.js'
import { join, joinRows } from './join.js'
import { MAX_NEXT_NODES, ROUTING_COLUMNS } from './limits.js'
import { leafSetStep, mergeLeafSet, newMaintenanceState, pushSoon, repairLeafSide, routingTableStep, snapBack, verifyPeer, type MaintenanceState } from './maintenance.js'
import type { LeafSetView, PastryMessage, PastryRequest, PastryResponse } from './messages.js'
import { get, holderLeaves, leave, put, runRoute } from './operations.js'
import { pastryStorage } from './replication.js'
import { RoutingState } from './routing-state.js'
import type { Outcome } from '../core/dht-outcome.js'
import type { DhtComponents, StorageContext } from '../dht/context.js'
import { newStorageState, onFetch, onStore, onSync, replicateStep } from '../dht/replication.js'
import { RecordStore } from '../dht/store.js'
import { storeLimits } from '../dht/config.js'
import { recordApi, type RecordApi } from '../dht/record-api.js'
import { StorageSteps } from '../dht/storage-steps.js'


export interface RoutingRow {
  readonly row: number
  /** The row's filled slots, by column. */
  readonly entries: ReadonlyArray<{ readonly column: number, readonly peer: PeerRef }>
}

export interface PastryStatus {
  readonly self: PeerRef
  readonly leafSet: LeafSetView
  /** The routing table's non-empty rows. */
  readonly routingRows: readonly RoutingRow[]
  readonly routingEntries: number
  readonly storedRecords: number
  /** Records held as owner. */
  readonly primaryRecords: number
  readonly counters: Readonly<PastryCounters>
}

/** What a global observer (simulator, experiment, test) may install: state known to be correct. */
export interface SeedState {
  readonly leafSet: readonly PeerRef[]
  readonly routingTable: readonly PeerRef[]
  /**
   * The slot of each `routingTable` entry, row·ROUTING_COLUMNS + column, when the observer chose each entry for
   * its slot: the entry is then placed without reading its id (RoutingTable.addAt). Each must be
   * the slot its id gives.
   */
  readonly routingSlots?: ArrayLike<number>
  /**
   * The state is that of a network that has long been stable: maintenance starts at its longest
   * periods (as after quiet steps) instead of its shortest (a fresh node's). Any change snaps them
   * back as usual.
   */
  readonly settled?: boolean
}

type NodeState = 'new' | 'running' | 'joining' | 'leaving' | 'stopped'

const STOPPED = { ok: false, failure: 'stopped' } as const
const TIMERS: readonly TimerName[] = ['leaf-set', 'routing-table', 'replicate']

/** Its storage operations (put, putRecord, get, restoreRecords, storedKeys, holds) are the same for Chord and Pastry: src/dht/record-api.ts. */
export interface PastryNode extends RecordApi {}

export class PastryNode implements ProtocolHandler<PastryRequest, PastryResponse, PastryMessage> {
  readonly config: PastryConfig
  private readonly io: PastryIo
  private readonly state: RoutingState
  private readonly store: RecordStore
  private readonly counterValues = newCounters()
  private readonly jitterRandom: Random
  private readonly maintenance: MaintenanceState
  private readonly probes: CandidateProbes<PeerRef>
  private readonly ctx: PastryContext
  private readonly storageCtx: StorageContext
  private nodeState: NodeState = 'new'
  private readonly storage = newStorageState()
  /** When the storage step runs: one interval after each. */
  private readonly steps = new StorageSteps(delayMs => { this.io.setTimer('replicate', delayMs) }, () => this.nodeState === 'running', done => { replicateStep(this.storageCtx, this.storage, done) }, () => { this.schedule('replicate', this.config.replicateIntervalMs) })
  private readonly pending = new PendingCallbacks((name, delayMs) => { this.io.setTimer(name, delayMs) })

  /** `components`: the record verifier and signer (src/dht/context.ts; digest-only by default). */
  constructor (io: PastryIo, init: PastryInit = {}, components: DhtComponents = {}) {
    this.config = pastryConfig(init)
    this.io = io
    this.state = new RoutingState(io.self, this.config.leafSetSize, this.config.deadPeerMemoryMs, this.config.deadPeerMaxMemoryMs)
    this.store = new RecordStore(storeLimits(this.config), components.persistence)
    this.jitterRandom = io.random.fork('pastry-jitter')
    this.maintenance = newMaintenanceState(io.random.fork('pastry-repair'), this.config)
    this.probes = candidateProbes({
      now: () => io.now(),
      probe: (peer, done) => {
        io.request(peer, { type: 'ping' }, { timeoutMs: this.config.requestTimeoutMs }, r => { done(r.ok && r.value.type === 'ack') })
      },
      verified: peer => { adoptVerified(this.ctx, peer) },
      lostStanding: address => { dropUntrusted(this.ctx, address) }
    }, peerStanding(), this.counterValues)
    const self = this
    this.ctx = {
      io,
      config: this.config,
      state: this.state,
      store: this.store,
      get storage () { return self.storageCtx },
      counters: this.counterValues,
      probes: this.probes,
      isRunning: () => self.nodeState === 'running' || self.nodeState === 'joining' || self.nodeState === 'leaving',
      schedule: (timer, intervalMs) => self.schedule(timer, intervalMs),
      replicateSoon: () => { self.steps.soon() },
      leafSetChanged: () => self.leafSetChanged(),
      route: (key, done, fetch) => { runRoute(self.ctx, key, done, fetch) },
      peerFailed: peer => self.peerFailed(peer),
      heardFrom: peer => { self.state.heard(peer, io.now()); self.probes.answered(peer.address) }
    }
    this.storageCtx = pastryStorage(this.ctx, this.store, components)
    Object.assign(this, recordApi({ storage: () => this.storageCtx, store: this.store, guard: done => this.ensureRunning(done) ? this.pending.track(done, STOPPED) : undefined, ctx: this.ctx, putAt: put, getAt: get }))
  }

  // ---- ProtocolHandler ----

  /** Starts maintenance as a network of one; call `join` to enter an existing network. */
  start (): void {
    if (this.nodeState !== 'new') throw new Error('pastry: start() called twice')
    this.nodeState = 'running'
    const c = this.config
    // First firings spread over one current period so that nodes started together do not march in step.
    this.io.setTimer('leaf-set', this.io.random.int(this.maintenance.leafPeriod.current))
    this.io.setTimer('routing-table', this.io.random.int(this.maintenance.tablePeriod.current))
    this.io.setTimer('replicate', this.io.random.int(c.replicateIntervalMs))
  }

  stop (): void {
    if (this.nodeState === 'stopped') return
    this.nodeState = 'stopped'
    this.probes.clear()
    for (const t of [...TIMERS, DEFERRED_TIMER]) this.io.cancelTimer(t)
    this.pending.stopAll()
  }

  onRequest (from: PeerRef, req: PastryRequest): PastryResponse {
    // A request from the peer itself is first-hand: it is alive (and no longer counted as failed).
    this.state.heard(from, this.io.now())
    switch (req.type) {
      case 'route':
      case 'join-route': {
        this.counterValues.routeStepsAnswered++
        const rows = req.type === 'join-route' ? joinRows(this.ctx, req.key, req.fromRow) : []
        const hop = this.state.nextHop(req.key, MAX_NEXT_NODES)
        if (hop.kind === 'deliver') {
          // A get's route: the fetch it would send here next is answered now (one request less), and
          // of the leaf set only the key's other holders go back (all the get reads of it).
          if (req.type === 'route' && req.fetch === true) {
            return { type: 'deliver', leafSet: holderLeaves(this.io.self, this.state.leaves.view(), req.key, this.config.replicas), rows, fetched: { record: this.store.get(req.key)?.record } }
          }
          return { type: 'deliver', leafSet: this.state.leaves.view(), rows }
        }
        if (hop.rule === 'rare') this.counterValues.rareCaseAnswers++
        return { type: 'next', nodes: hop.nodes, rows }
      }
      case 'exchange':
        this.learnDirect(from)
        if (this.nodeState === 'running') mergeLeafSet(this.ctx, this.maintenance, from, req.leafSet)
        return { type: 'leaf-set', leafSet: this.state.leaves.view() }
      case 'announce':
        this.learnDirect(from)
        return { type: 'leaf-set', leafSet: this.state.leaves.view() }
      case 'ping':
        this.learnDirect(from)
        return { type: 'ack' }
      case 'get-row':
        this.learnDirect(from)
        return { type: 'row', nodes: this.state.table.row(req.row) }
      case 'store':
        // A leaving node has already chosen what to hand on: it takes no new records.
        if (this.nodeState === 'leaving') return { type: 'stored', accepted: 0, refused: req.records.map((_, index) => ({ index, reason: 'leaving' })) }
        return onStore(this.storageCtx, req.role, req.records, from)
      case 'fetch':
        return onFetch(this.storageCtx, req.keyId)
      case 'sync':
        return onSync(this.storageCtx, req.keys)
      case 'leaving':
        this.onLeaving(from, req.leafSet)
        return { type: 'ack' }
    }
  }

  onMessage (_from: PeerRef, _msg: PastryMessage): void {}

  /**
   * The runtime saw a connection to `peer` open (up) or close (down). A leaf-set member or
   * routing-table entry that went down is verified at once by one first-hand probe, and forgotten
   * and repaired if it fails; a peer coming up changes nothing (it is learnt when it speaks).
   */
  onPeer (peer: PeerRef, up: boolean): void {
    if (up || this.nodeState !== 'running') return
    verifyPeer(this.ctx, this.maintenance, peer)
  }

  onTimer (name: string): void {
    if (name === DEFERRED_TIMER) { this.pending.run(); return }
    const timer = name as TimerName
    if (this.nodeState === 'joining') {
      // No state to maintain yet: keep the timer alive until the join ends.
      this.schedule(timer, this.intervalOf(timer))
      return
    }
    if (this.nodeState !== 'running') return
    switch (timer) {
      case 'leaf-set': leafSetStep(this.ctx, this.maintenance); return
      case 'routing-table': routingTableStep(this.ctx, this.maintenance); return
      case 'replicate': this.steps.fire()
    }
  }

  // ---- public API ----

  /**
   * Enters the network that `bootstrap` belongs to; resolves with Z, the node closest to self. Until
   * it ends, other calls (lookup, put, get, leave) end `stopped` and maintenance does no work.
   */
  join (bootstrap: PeerRef, done: (o: Outcome<PeerRef>) => void): void {
    if (!this.ensureRunning(done)) return
    this.nodeState = 'joining'
    const finish = this.pending.track(done, STOPPED)
    join(this.ctx, bootstrap, o => {
      if (this.nodeState === 'joining') {
        this.nodeState = 'running'
        if (o.ok) { this.io.setTimer('leaf-set', 0); this.steps.soon() }
      }
      finish(o)
    })
  }

  /** The node numerically closest to `key`, by an iterative route; with hops and the owner's leaf set. */
  lookup (key: NodeId, done: (o: RouteOutcome) => void): void {
    if (!this.ensureRunning(done)) return
    runRoute(this.ctx, key, this.pending.track(done, STOPPED))
  }

  /** Graceful leave: tells the leaf set, hands owned records to their next closest nodes; then stops. */
  leave (done: (o: Outcome<void>) => void): void {
    if (!this.ensureRunning(done)) return
    this.nodeState = 'leaving'
    for (const t of TIMERS) this.io.cancelTimer(t)
    const finish = this.pending.track(done, STOPPED)
    leave(this.ctx, o => { finish(o); this.stop() })
  }

  status (): PastryStatus {
    let primary = 0
    for (const [, s] of this.store.entries()) if (s.primary) primary++
    const table = this.state.table
    return {
      self: this.io.self,
      leafSet: this.state.leaves.view(),
      routingRows: table.filledRows().map(row => ({ row, entries: table.row(row).map(peer => ({ column: digit(peer.id, row), peer })) })),
      routingEntries: table.size,
      storedRecords: this.store.size,
      primaryRecords: primary,
      counters: { ...this.counterValues }
    }
  }

  /** The peers routing state holds: leaf set and routing table (a runtime keeps their connections). */
  neighbours (): PeerRef[] {
    return [...this.state.leaves.members(), ...this.state.table.entries()]
  }

  /** Routing-table entries held (cheaper than status(): no copy of the table). */
  routingEntries (): number { return this.state.table.size }

  /** The leaf set alone (cheaper than status()). */
  leafSet (): LeafSetView { return this.state.leaves.view() }

  /** True while this node knows no other member (an empty leaf set): what the membership policy joins from. */
  alone (): boolean {
    const leaves = this.state.leaves.view()
    return leaves.left.length === 0 && leaves.right.length === 0
  }

  /** The monotonic counters alone (cheaper than status(): no scan of the store). */
  counters (): Readonly<PastryCounters> { return { ...this.counterValues } }

  /** Replica copies this node has made (counters().replicaCopiesMade without copying every counter). */
  replicaCopiesMade (): number { return this.counterValues.replicaCopiesMade }

  /**
   * Installs state computed by a global observer (the simulator's fast bootstrap of 10^5-node
   * networks): the leaf set and routing-table entries a converged network has. The protocol then
   * maintains it as if it had built it itself. Never used by a runtime on a real network.
   */
  seedState (seed: SeedState): void {
    const now = this.io.now()
    for (const p of seed.leafSet) this.state.learn(p, 'direct', now)
    const slots = seed.routingSlots
    if (slots !== undefined && slots.length !== seed.routingTable.length) throw new RangeError('seedState: one routing slot per routing-table entry')
    seed.routingTable.forEach((p, i) => {
      if (slots === undefined) this.state.table.add(p)
      else this.state.table.addAt(Math.floor(slots[i] / ROUTING_COLUMNS), slots[i] % ROUTING_COLUMNS, p)
    })
    if (seed.settled === true) {
      this.maintenance.leafPeriod.settle()
      this.maintenance.tablePeriod.settle()
    }
  }

  // ---- internals ----

  /** The sender of a request speaks for itself: learnt once it answers our own probe (first-hand.ts). */
  private learnDirect (from: PeerRef): void {
    if (this.nodeState !== 'running' && this.nodeState !== 'joining') return
    this.probes.spoke(from.address)
    offerPeers(this.ctx, [from], undefined)
  }

  /**
   * A leaving node told us: it removes itself alone (it is the sender); the leaf set it sends is
   * candidates to probe. Maintenance snaps back.
   */
  private onLeaving (from: PeerRef, view: LeafSetView): void {
    const now = this.io.now()
    const lost = this.state.forget(from, now)
    this.probes.failed(from.address)
    this.counterValues.peersForgotten++
    offerLeafSet(this.ctx, view, from.address)
    if (this.nodeState === 'running') snapBack(this.ctx, this.maintenance)
    if (lost.sides.length === 0) return
    this.leafSetChanged()
    if (this.nodeState !== 'running') return
    for (const side of lost.sides) {
      if ((side === 'left' ? this.state.leaves.left : this.state.leaves.right).length < this.state.leaves.perSide) {
        repairLeafSide(this.ctx, this.maintenance, side)
      }
    }
  }

  /**
   * A request to `peer` failed: forget it (it stays suppressed, with backoff, against hearsay),
   * snap maintenance back, and if it was a leaf-set member repair that side. If it was our nearest
   * member on a side, also push our leaf set to the members so that each verifies the failure
   * first-hand. Only the dead node's two neighbours need to push: each one's leaf set holds every
   * node whose leaf set held the dead one (they all lie within l/2 of it). A finder farther away
   * pushing too sent l exchanges per finder, and on an overloaded process, where requests time out
   * though their peers live, those pushes and their verifications were 0.9 exchanges a second per
   * peer at 150 peers (0.13 at 30).
   */
  private peerFailed (peer: PeerRef): void {
    this.probes.failed(peer.address)
    const known = this.state.knows(peer)
    const leaves = this.state.leaves
    const wasNearest = leaves.nearest('left')?.address === peer.address || leaves.nearest('right')?.address === peer.address
    const lost = this.state.forget(peer, this.io.now())
    this.counterValues.peersForgotten++
    if (this.nodeState !== 'running') { if (lost.sides.length > 0) this.steps.soon(); return }
    if (known) snapBack(this.ctx, this.maintenance)
    if (lost.sides.length === 0) return
    this.leafSetChanged()
    if (wasNearest) pushSoon(this.ctx, this.maintenance)
    for (const side of lost.sides) repairLeafSide(this.ctx, this.maintenance, side)
  }

  /** The leaf set changed: the storage step runs soon and the maintenance periods snap back. */
  private leafSetChanged (): void {
    this.steps.soon()
    if (this.nodeState === 'running') snapBack(this.ctx, this.maintenance)
  }

  private ensureRunning (done: (o: { ok: false, failure: 'stopped' }) => void): boolean {
    if (this.nodeState === 'running') return true
    this.pending.defer(() => done({ ok: false, failure: 'stopped' }))
    return false
  }

  private intervalOf (timer: TimerName): number {
    const m = this.maintenance
    return timer === 'leaf-set' ? m.leafPeriod.current : timer === 'routing-table' ? m.tablePeriod.current : this.config.replicateIntervalMs
  }

  private schedule (timer: TimerName, intervalMs: number): void {
    if (this.nodeState !== 'running' && this.nodeState !== 'joining') return
    const j = this.config.jitter
    const delay = intervalMs === 0 ? 0 : Math.max(1, Math.round(intervalMs * (1 + j * (2 * this.jitterRandom.next() - 1))))
    this.io.setTimer(timer, delay)
  }


}
