/**
 * One Chord node (Stoica et al. 2001): the `ProtocolHandler` a runtime drives and the small typed
 * API it calls (join, lookup, put, get, leave, status). Invariants: all I/O goes through the `Io`
 * port; every public callback fires later than the call that set it (local answers are deferred
 * through a zero-delay timer); after `stop` nothing is sent and pending operations end `stopped`.
 */
import { DEFERRED_TIMER, PendingCallbacks } from '../core/pending-callbacks.js'
import { keyId, type NodeId } from '../core/id.js'
import type { PeerRef, ProtocolHandler } from '../core/port.js'
import type { Random } from '../core/random.js'
import { chordConfig, type ChordConfig, type ChordInit } from './config.js'
import { newCounters, type ChordContext, type ChordCounters, type ChordIo, type LookupOutcome, type TimerName } from './context.js'
import { MAX_CLOSER_NODES, MAX_SUCCESSORS_IN_CLOSER } from './limits.js'
import { checkPredecessor, fingerToFix, onNotify, refreshFinger, stabilize } from './maintenance.js'
import type { ChordMessage, ChordRequest, ChordResponse } from './messages.js'
import { get, join, leave, onLeaving, put, runLookup, type GetResult, type Outcome, type PutResult } from './operations.js'
import { onFetch, onStore, onSync, replicateStep } from './replication.js'
import { RoutingState } from './routing.js'
import { RecordStore } from './store.js'

/** Delay before a storage step triggered by a change runs, to coalesce bursts of changes (ms). */
const REPLICATE_SOON_DELAY_MS = 50
/**
 * With no change since the last storage step, only every this-many-th periodic step does the full
 * scan and SYNC (which refreshes replica leases); 4 x 5 s = 20 s stays well inside the 60 s lease.
 */
const QUIET_STEPS_PER_REFRESH = 4

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
}

type State = 'new' | 'running' | 'leaving' | 'stopped'

const STOPPED = { ok: false, failure: 'stopped' } as const

export class ChordNode implements ProtocolHandler<ChordRequest, ChordResponse, ChordMessage> {
  readonly config: ChordConfig
  private readonly io: ChordIo
  private readonly routing: RoutingState
  private readonly store: RecordStore
  private readonly counterValues = newCounters()
  private readonly jitterRandom: Random
  private readonly ctx: ChordContext
  private state: State = 'new'
  private predecessorHeardAt = 0
  private fingerCursor = 0
  private fixingFinger = false
  private replicating = false
  private replicatePending = false
  /** A change (predecessor, successors, new owned record) since the last storage step. */
  private storageDirty = true
  private quietSteps = 0
  private readonly pending = new PendingCallbacks((name, delayMs) => { this.io.setTimer(name, delayMs) })

  constructor (io: ChordIo, init: ChordInit = {}) {
    this.config = chordConfig(init)
    this.io = io
    this.routing = new RoutingState(io.self, this.config.successorListLength)
    this.store = new RecordStore(this.config.maxStoredRecords)
    this.jitterRandom = io.random.fork('chord-jitter')
    const self = this
    this.ctx = {
      io,
      config: this.config,
      routing: this.routing,
      store: this.store,
      counters: this.counterValues,
      isRunning: () => self.state === 'running' || self.state === 'leaving',
      schedule: (timer, intervalMs) => self.schedule(timer, intervalMs),
      replicateSoon: () => self.replicateSoon(),
      lookup: (key, done, initial) => { runLookup(self.ctx, key, done, initial) }
    }
  }

  // ---- ProtocolHandler ----

  /** Starts maintenance as a ring of one; call `join` to enter an existing ring. */
  start (): void {
    if (this.state !== 'new') throw new Error('chord: start() called twice')
    this.state = 'running'
    const c = this.config
    // First firings spread over one interval so that nodes started together do not march in step.
    this.io.setTimer('stabilize', this.io.random.int(c.stabilizeIntervalMs))
    this.io.setTimer('fix-fingers', this.io.random.int(c.fixFingersIntervalMs))
    this.io.setTimer('check-predecessor', this.io.random.int(c.checkPredecessorIntervalMs))
    this.io.setTimer('replicate', this.io.random.int(c.replicateIntervalMs))
  }

  stop (): void {
    if (this.state === 'stopped') return
    this.state = 'stopped'
    for (const t of ['stabilize', 'fix-fingers', 'check-predecessor', 'replicate', DEFERRED_TIMER] as const) this.io.cancelTimer(t)
    // In-flight requests' callbacks see the state and end quietly; their operations end here.
    this.pending.stopAll()
  }

  onRequest (from: PeerRef, req: ChordRequest): ChordResponse {
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
        if (onNotify(this.ctx, from)) this.predecessorHeardAt = this.io.now()
        return { type: 'ack' }
      case 'ping':
        return { type: 'ack' }
      case 'store':
        return onStore(this.ctx, req.role, req.records)
      case 'fetch':
        return onFetch(this.ctx, req.keyId)
      case 'sync':
        return onSync(this.ctx, req.keyIds)
      case 'leaving':
        onLeaving(this.ctx, from, req.predecessor, req.successors)
        return { type: 'ack' }
    }
  }

  onMessage (_from: PeerRef, _msg: ChordMessage): void {}

  onTimer (name: string): void {
    if (name === DEFERRED_TIMER) { this.pending.run(); return }
    if (this.state !== 'running') return
    switch (name as TimerName) {
      case 'stabilize': stabilize(this.ctx); return
      case 'check-predecessor': checkPredecessor(this.ctx, this.predecessorHeardAt); return
      case 'fix-fingers': this.fixFingersStep(); return
      case 'replicate': this.replicateTimer()
    }
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
      if (o.ok) { this.io.setTimer('stabilize', 0); this.io.setTimer('fix-fingers', 0) }
      finish(o)
    }, onlyIfApart)
  }

  /** successor(key) by an iterative lookup. */
  lookup (key: NodeId, done: (o: LookupOutcome) => void): void {
    if (!this.ensureRunning(done)) return
    runLookup(this.ctx, key, this.pending.track(done, STOPPED))
  }

  /** Stores `value` under `key` at successor(keyId(key)); replicas follow within a storage step. */
  put (key: Uint8Array, value: Uint8Array, done: (o: Outcome<PutResult>) => void): void {
    if (!this.ensureRunning(done)) return
    put(this.ctx, { key, value }, this.pending.track(done, STOPPED))
  }

  get (key: Uint8Array, done: (o: Outcome<GetResult>) => void): void {
    if (!this.ensureRunning(done)) return
    get(this.ctx, key, this.pending.track(done, STOPPED))
  }

  /** Graceful leave: hands owned records to the successor and splices self out; then stops. */
  leave (done: (o: Outcome<void>) => void): void {
    if (!this.ensureRunning(done)) return
    this.state = 'leaving'
    for (const t of ['stabilize', 'fix-fingers', 'check-predecessor', 'replicate'] as const) this.io.cancelTimer(t)
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

  /** The monotonic counters alone (cheaper than status(): no scan of the store). */
  counters (): Readonly<ChordCounters> { return { ...this.counterValues } }

  /** Key ids held, with whether held as owner (for experiments and tests; no copy of values). */
  * storedKeys (): IterableIterator<[NodeId, boolean]> {
    for (const [id, s] of this.store.entries()) yield [id, s.primary]
  }

  /** Whether this node holds `key` (for experiments and tests). */
  holds (key: Uint8Array): boolean { return this.store.has(keyId(key)) }

  /**
   * Installs routing computed by a global observer (the simulator's fast bootstrap of 10^5-node
   * rings). The protocol then maintains it as if it had converged by itself. Never used by a
   * runtime on a real network.
   */
  seedRouting (seed: SeedRouting): void {
    this.routing.predecessor = seed.predecessor
    this.routing.setSuccessors(seed.successors)
    for (const f of seed.fingers) this.routing.fingers.add(f)
    this.predecessorHeardAt = this.io.now()
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

  private fixFingersStep (): void {
    this.schedule('fix-fingers', this.config.fixFingersIntervalMs)
    if (this.fixingFinger) return
    const i = fingerToFix(this.ctx, this.fingerCursor)
    if (i === undefined) return
    this.fixingFinger = true
    refreshFinger(this.ctx, i, next => { this.fixingFinger = false; this.fingerCursor = next })
  }

  private replicateSoon (): void {
    this.storageDirty = true
    if (this.state !== 'running') return
    if (this.replicating) { this.replicatePending = true; return }
    this.io.setTimer('replicate', REPLICATE_SOON_DELAY_MS)
  }

  private replicateTimer (): void {
    if (this.replicating) { this.replicatePending = true; return }
    if (!this.storageDirty && ++this.quietSteps < QUIET_STEPS_PER_REFRESH && this.config.replicaLeaseMs > QUIET_STEPS_PER_REFRESH * this.config.replicateIntervalMs) {
      this.schedule('replicate', this.config.replicateIntervalMs)
      return
    }
    this.quietSteps = 0
    this.storageDirty = false
    this.replicating = true
    this.replicatePending = false
    replicateStep(this.ctx, () => {
      this.replicating = false
      if (this.state !== 'running') return
      if (this.replicatePending) this.replicateSoon()
      else this.schedule('replicate', this.config.replicateIntervalMs)
    })
  }

}
