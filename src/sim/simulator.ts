/**
 * The deterministic discrete-event simulator (DESIGN.md §5): one heap of events ordered by
 * (virtual time, sequence), a seeded network random source for latency and loss, partitions,
 * joins, graceful leaves and crashes. It implements `Io` for every simulated node and drives each
 * node's `ProtocolHandler`, so the figures come from the same protocol code that runs on libp2p.
 * Invariants: nothing here reads the wall clock; `done` callbacks and timers run only from the
 * event loop, never inside the call that armed them; the trace hash folds every processed event,
 * so the same seed and inputs give the same hash. Per event work is O(log heap) with no O(N) scans.
 */
import { nodeIdFromPeerIdBytes, type NodeId } from '../core/id.js'
import type { Failure, Io, PeerRef, ProtocolHandler, RequestOptions, Result } from '../core/port.js'
import { createRandom, type Random } from '../core/random.js'
import { EventHeap } from './event-heap.js'
import { constantLatency, type LatencyModel } from './latency.js'

export interface SimulatorInit {
  /** Seed of every random draw in the run (network and per-node sources). */
  seed: number | string
  /**
   * One-way message delay.
   * @default constantLatency(50)
   */
  latency?: LatencyModel
  /**
   * Probability in [0, 1) that any one message (request, response or send) is dropped.
   * @default 0
   */
  lossRate?: number
  /**
   * When a request goes to a crashed, departed or unknown node, `unreachable` is reported this many
   * ms after the send; `undefined` reports it at the request's timeout (a dead host that never
   * answers, the conservative case).
   * @default undefined
   */
  unreachableAfterMs?: number
  /**
   * Model the connections a real peer keeps open: each node remembers the peers it exchanged a
   * request with (about `CONNECTIONS_PER_NODE`, least recently used dropped, as libp2p's
   * connection manager prunes), and when a node crashes or leaves, every peer still connected to
   * it hears `onPeer(peer, false)` one latency later, as the kernel's reset of a killed process's
   * TCP connections reaches them. Off, a crash is silent and only timeouts reveal it.
   * @default false
   */
  connections?: boolean
  /** Receives the log lines (seed first, trace hash last). */
  log?: (line: string) => void
}

/** Open connections a modelled node keeps: libp2p's default `maxConnections` (300). */
export const CONNECTIONS_PER_NODE = 300

/** The simulator's handle on one node. */
export interface SimNode {
  /** Index in creation order; never reused. */
  readonly index: number
  readonly ref: PeerRef
  /** True from `addNode` until `crash` or `remove`. */
  readonly alive: boolean
}

/** Counters of what the network carried. */
export interface NetworkCounters {
  events: number
  requests: number
  responses: number
  messages: number
  lost: number
  timeouts: number
  unreachable: number
}

const enum Kind { Request = 1, Response = 2, Message = 3, Timeout = 4, Timer = 5, Action = 6, Disconnect = 9 }

/*
 * One event is five numbers and a payload in the EventHeap, reused by kind to avoid a closure per
 * event: kind; node, the receiving node index (-1 for driver actions); from, the sending node
 * index or -1; tag, the request id (Request/Response/Timeout) or timer generation (Timer); payload,
 * the request, response or message body, the timer name, or an action callback.
 */

interface Pending {
  node: number
  done: (result: Result<unknown>) => void
  /** Set when the request reached a dead node: the timeout then reports this instead. */
  failure: Failure
  /** Virtual time at which the request times out. */
  deadline: number
  /** Whether its Timeout event is in the heap (armed only once the answer is known not to beat it). */
  timeoutArmed: boolean
}

interface NodeState {
  index: number
  ref: PeerRef
  alive: boolean
  handler: ProtocolHandler<unknown, unknown, unknown> | undefined
  /** Partition group; messages cross only within one group. */
  group: number
  /** The nodes this one has a modelled connection to, by index, with the time each was last used (with `connections`). */
  contacts: Map<number, number> | undefined
}

const textEncoder = new TextEncoder()

/** The node id the simulator gives an address: the real derivation, over the address bytes. */
export function simNodeId (address: string): NodeId {
  return nodeIdFromPeerIdBytes(textEncoder.encode(address))
}

export class Simulator {
  readonly seed: string
  private readonly latency: LatencyModel
  private readonly lossRate: number
  private readonly unreachableAfterMs: number | undefined
  private readonly connections: boolean
  private readonly log: (line: string) => void
  private readonly net: Random
  /** The driver's own random source (which node joins, which key is looked up), forked from the seed. */
  readonly random: Random
  private readonly nodeRandomRoot: Random
  private readonly heap = new EventHeap()
  /**
   * Per timer name, the generation of each node's armed instance by node index (0: none armed).
   * A protocol uses a handful of names, so this is a few numbers per node instead of a map each.
   */
  private readonly timerColumns = new Map<string, Float64Array>()
  private readonly nodes: NodeState[] = []
  private readonly byAddress = new Map<string, NodeState>()
  private readonly pending = new Map<number, Pending>()
  private nextRequestId = 1
  private nextTimerGeneration = 1
  private clock = 0
  private hashA = 0x811c9dc5
  private hashB = 0x01000193
  readonly counters: NetworkCounters = { events: 0, requests: 0, responses: 0, messages: 0, lost: 0, timeouts: 0, unreachable: 0 }

  constructor (init: SimulatorInit) {
    this.seed = String(init.seed)
    this.latency = init.latency ?? constantLatency(50)
    this.lossRate = init.lossRate ?? 0
    if (!(this.lossRate >= 0 && this.lossRate < 1)) throw new RangeError('lossRate must be in [0, 1)')
    this.unreachableAfterMs = init.unreachableAfterMs
    if (this.unreachableAfterMs !== undefined && !(this.unreachableAfterMs >= 0)) throw new RangeError('unreachableAfterMs must be >= 0')
    this.connections = init.connections ?? false
    this.log = init.log ?? (() => {})
    const root = createRandom(this.seed)
    this.net = root.fork('net')
    this.random = root.fork('driver')
    this.nodeRandomRoot = root.fork('node')
    this.log(`sim seed ${this.seed} (latency ${this.latency.description}, loss ${this.lossRate})`)
  }

  /** Virtual time in ms. */
  now (): number { return this.clock }

  /** Events waiting in the heap. */
  get queued (): number { return this.heap.size }

  /** The address the next `addNode` will get unless one is given. */
  nextAddress (): string { return `n${this.nodes.length}` }

  /** The id the next `addNode` will get unless an address is given. */
  nextAddressId (): NodeId { return simNodeId(this.nextAddress()) }

  /**
   * Adds a node whose handler `create` builds from its `Io`. The handler is not started: call
   * `start(node)` (a join is the protocol's business, e.g. Chord's `join(bootstrap)`).
   * The node's random source is forked from the run seed by its address.
   */
  addNode<Req, Res, Msg>(create: (io: Io<Req, Res, Msg>) => ProtocolHandler<Req, Res, Msg>, address = this.nextAddress()): SimNode {
    if (this.byAddress.has(address)) throw new Error(`address in use: ${address}`)
    const ref: PeerRef = { id: simNodeId(address), address }
    const state: NodeState = { index: this.nodes.length, ref, alive: true, handler: undefined, group: 0, contacts: undefined }
    this.nodes.push(state)
    this.byAddress.set(address, state)
    const io = new SimIo<Req, Res, Msg>(this, state, this.nodeRandomRoot.fork(address))
    state.handler = create(io) as unknown as ProtocolHandler<unknown, unknown, unknown>
    return state
  }

  start (node: SimNode): void {
    const state = this.nodes[node.index]
    if (!state.alive || state.handler === undefined) throw new Error('start of a dead node')
    state.handler.start()
  }

  /** Crash-stop: the node vanishes without a word; its timers and pending requests die with it. */
  crash (node: SimNode): void {
    const state = this.nodes[node.index]
    if (!state.alive) return
    state.alive = false
    this.clearTimers(state.index)
    this.fold(7, node.index, -1)
    this.disconnectAll(state)
  }

  /** Graceful removal after the protocol's own leave: `stop()` runs, then the node is gone. */
  remove (node: SimNode): void {
    const state = this.nodes[node.index]
    if (!state.alive) return
    state.handler?.stop()
    state.alive = false
    this.clearTimers(state.index)
    this.fold(8, node.index, -1)
    this.disconnectAll(state)
  }

  /** Splits the network: nodes in different groups cannot exchange messages. Unlisted nodes: group 0. */
  partition (groups: ReadonlyArray<readonly SimNode[]>): void {
    for (const s of this.nodes) s.group = 0
    groups.forEach((members, g) => { for (const m of members) this.nodes[m.index].group = g + 1 })
  }

  heal (): void {
    for (const s of this.nodes) s.group = 0
  }

  /** Runs `action` at virtual time now + delayMs, from the event loop (for experiment drivers). */
  after (delayMs: number, action: () => void): void {
    this.push(Kind.Action, this.clock + delayMs, -1, -1, 0, action)
  }

  /** Processes events up to and including virtual time `untilMs`; the clock ends at `untilMs`. */
  runUntil (untilMs: number): void {
    const heap = this.heap
    while (heap.peekTime() <= untilMs) {
      heap.pop()
      this.clock = heap.time
      this.process(heap.kind, heap.node, heap.from, heap.tag, heap.payload)
    }
    if (untilMs > this.clock) this.clock = untilMs
  }

  runFor (durationMs: number): void { this.runUntil(this.clock + durationMs) }

  /** Runs until `condition()` holds (checked every `checkEveryMs`) or `maxMs` pass; returns whether it held. */
  runUntilTrue (condition: () => boolean, checkEveryMs: number, maxMs: number): boolean {
    const end = this.clock + maxMs
    while (this.clock < end) {
      if (condition()) return true
      this.runUntil(Math.min(end, this.clock + checkEveryMs))
    }
    return condition()
  }

  /** Runs until `count()` is 0 (checked every `checkEveryMs`, each value handed to `onCheck`) or `maxMs` pass; returns whether it reached 0. */
  runUntilNone (count: () => number, checkEveryMs: number, maxMs: number, onCheck: (left: number) => void = () => {}): boolean {
    return this.runUntilTrue(() => {
      const left = count()
      onCheck(left)
      return left === 0
    }, checkEveryMs, maxMs)
  }

  /** The running hash of the event trace, as 16 hex digits. */
  traceHash (): string {
    return (this.hashA >>> 0).toString(16).padStart(8, '0') + (this.hashB >>> 0).toString(16).padStart(8, '0')
  }

  /** Logs and returns the trace hash; call once at the end of a run. */
  finish (): string {
    const hash = this.traceHash()
    this.log(`sim trace ${hash} (${this.counters.events} events, virtual ${this.clock} ms)`)
    return hash
  }

  nodeByAddress (address: string): SimNode | undefined { return this.byAddress.get(address) }

  // ---- the Io side (called by SimIo) ----

  request (from: NodeState, to: PeerRef, req: unknown, options: RequestOptions, done: (r: Result<unknown>) => void): void {
    const timeoutMs = options.timeoutMs
    if (!(timeoutMs > 0)) throw new RangeError('timeoutMs must be > 0')
    const id = this.nextRequestId++
    this.counters.requests++
    const pending: Pending = { node: from.index, done, failure: 'timeout', deadline: this.clock + timeoutMs, timeoutArmed: false }
    this.pending.set(id, pending)
    const target = this.byAddress.get(to.address)
    if (target === undefined || !target.alive) {
      pending.failure = 'unreachable'
      const delay = this.unreachableAfterMs === undefined ? timeoutMs : Math.min(timeoutMs, this.unreachableAfterMs)
      pending.timeoutArmed = true
      this.push(Kind.Timeout, this.clock + delay, from.index, -1, id, undefined)
      return
    }
    if (this.dropped(from, target)) { this.armTimeout(id, pending); return }
    // Most requests are answered before their timeout; its event is pushed only when it will fire,
    // which keeps a third of all events out of the heap.
    const arrival = this.clock + this.latency.sample(this.net, from.index, target.index)
    if (arrival >= pending.deadline) this.armTimeout(id, pending)
    this.push(Kind.Request, arrival, target.index, from.index, id, req)
  }

  send (from: NodeState, to: PeerRef, msg: unknown): void {
    this.counters.messages++
    const target = this.byAddress.get(to.address)
    if (target === undefined || !target.alive || this.dropped(from, target)) return
    this.push(Kind.Message, this.clock + this.latency.sample(this.net, from.index, target.index), target.index, from.index, 0, msg)
  }

  setTimer (node: NodeState, name: string, delayMs: number): void {
    if (!node.alive) return
    if (!(delayMs >= 0)) throw new RangeError(`timer delay must be >= 0, got ${delayMs}`)
    const generation = this.nextTimerGeneration++
    this.timerColumn(name, node.index)[node.index] = generation
    this.push(Kind.Timer, this.clock + delayMs, node.index, -1, generation, name)
  }

  cancelTimer (node: NodeState, name: string): void {
    const column = this.timerColumns.get(name)
    if (column !== undefined && node.index < column.length) column[node.index] = 0
  }

  // ---- internals ----

  /** The generations column of timer `name`, long enough to hold node `index`. */
  private timerColumn (name: string, index: number): Float64Array {
    let column = this.timerColumns.get(name)
    if (column === undefined || index >= column.length) {
      const longer = new Float64Array(Math.max(this.nodes.length, index + 1, 2 * (column?.length ?? 0)))
      if (column !== undefined) longer.set(column)
      this.timerColumns.set(name, column = longer)
    }
    return column
  }

  /** Disarms every timer of a node that died. */
  private clearTimers (index: number): void {
    for (const column of this.timerColumns.values()) if (index < column.length) column[index] = 0
  }

  /**
   * Records that `a` and `b` have an open connection (with `connections`), used now. Each side
   * keeps peer -> last use; past 2 x CONNECTIONS_PER_NODE entries it drops all but the
   * CONNECTIONS_PER_NODE most recently used, so pruning costs O(log n) per request amortized.
   */
  private connect (a: NodeState, b: NodeState): void {
    const now = this.clock
    this.touch(a, b.index, now)
    this.touch(b, a.index, now)
  }

  private touch (x: NodeState, peer: number, now: number): void {
    const contacts = x.contacts ?? (x.contacts = new Map())
    contacts.set(peer, now)
    if (contacts.size <= 2 * CONNECTIONS_PER_NODE) return
    const kept = [...contacts].sort((p, q) => q[1] - p[1] || p[0] - q[0]).slice(0, CONNECTIONS_PER_NODE)
    contacts.clear()
    for (const [index, at] of kept) contacts.set(index, at)
  }

  /** A node went away: each live peer still connected to it hears of it one latency later. */
  private disconnectAll (gone: NodeState): void {
    const contacts = gone.contacts
    gone.contacts = undefined
    if (contacts === undefined) return
    for (const index of contacts.keys()) {
      const peer = this.nodes[index]
      if (!peer.alive || peer.contacts?.delete(gone.index) !== true) continue
      this.push(Kind.Disconnect, this.clock + this.latency.sample(this.net, gone.index, index), index, gone.index, 0, undefined)
    }
  }

  private dropped (from: NodeState, to: NodeState): boolean {
    if (from.group !== to.group) { this.counters.lost++; return true }
    if (this.lossRate > 0 && this.net.next() < this.lossRate) { this.counters.lost++; return true }
    return false
  }

  /** Pushes the Timeout event of a request that will not be answered in time (once). */
  private armTimeout (id: number, p: Pending): void {
    if (p.timeoutArmed) return
    p.timeoutArmed = true
    this.push(Kind.Timeout, Math.max(this.clock, p.deadline), p.node, -1, id, undefined)
  }

  private push (kind: Kind, time: number, node: number, from: number, tag: number, payload: unknown): void {
    this.heap.push(time, kind, node, from, tag, payload)
  }

  /** Folds (kind, time, node, from) into two FNV-1a-style 32-bit lanes; cheap enough for 10^7 events. */
  private fold (kind: number, node: number, from: number): void {
    const t = this.clock
    let a = this.hashA; let b = this.hashB
    a = Math.imul(a ^ kind, 0x01000193); b = Math.imul(b ^ (kind + 0x9e37), 0x0100019d)
    a = Math.imul(a ^ (t | 0), 0x01000193); b = Math.imul(b ^ ((t / 0x100000000) | 0), 0x0100019d)
    a = Math.imul(a ^ node, 0x01000193); b = Math.imul(b ^ from, 0x0100019d)
    this.hashA = a; this.hashB = b ^ (a >>> 15)
  }

  private process (kind: Kind, node: number, from: number, tag: number, payload: unknown): void {
    this.counters.events++
    switch (kind) {
      case Kind.Request: {
        this.fold(kind, node, from)
        const target = this.nodes[node]
        const p = this.pending.get(tag)
        if (!target.alive) {
          if (p !== undefined) { p.failure = 'unreachable'; this.armTimeout(tag, p) }
          return
        }
        const requester = this.nodes[from]
        if (this.connections && requester.alive) this.connect(requester, target)
        const res = (target.handler as ProtocolHandler<unknown, unknown, unknown>).onRequest(requester.ref, payload)
        if (!requester.alive) { this.pending.delete(tag); return }
        if (this.dropped(target, requester)) { if (p !== undefined) this.armTimeout(tag, p); return }
        this.counters.responses++
        const arrival = this.clock + this.latency.sample(this.net, target.index, requester.index)
        if (p !== undefined && arrival >= p.deadline) this.armTimeout(tag, p)
        this.push(Kind.Response, arrival, requester.index, target.index, tag, res)
        return
      }
      case Kind.Response: {
        this.fold(kind, node, from)
        const p = this.pending.get(tag)
        if (p === undefined) return
        this.pending.delete(tag)
        if (!this.nodes[p.node].alive) return
        p.done({ ok: true, value: payload })
        return
      }
      case Kind.Timeout: {
        const p = this.pending.get(tag)
        if (p === undefined) return // answered earlier: not part of the trace
        this.fold(kind, node, from)
        this.pending.delete(tag)
        if (!this.nodes[p.node].alive) return
        if (p.failure === 'unreachable') this.counters.unreachable++
        else this.counters.timeouts++
        p.done({ ok: false, failure: p.failure })
        return
      }
      case Kind.Message: {
        this.fold(kind, node, from)
        const target = this.nodes[node]
        if (!target.alive) return
        target.handler?.onMessage(this.nodes[from].ref, payload)
        return
      }
      case Kind.Timer: {
        const state = this.nodes[node]
        const name = payload as string
        const column = this.timerColumns.get(name)
        // Cancelled, re-armed, or its node died (generations start at 1; 0 is none armed).
        if (!state.alive || column === undefined || column[node] !== tag) return
        this.fold(kind, node, tag & 0xff)
        column[node] = 0
        state.handler?.onTimer(name)
        return
      }
      case Kind.Action: {
        this.fold(kind, -1, -1)
        ;(payload as () => void)()
        return
      }
      case Kind.Disconnect: {
        const state = this.nodes[node]
        if (!state.alive) return
        this.fold(kind, node, from)
        state.handler?.onPeer?.(this.nodes[from].ref, false)
      }
    }
  }
}

/** `Io` for one simulated node: a thin, allocation-free forwarder to the simulator. */
class SimIo<Req, Res, Msg> implements Io<Req, Res, Msg> {
  readonly self: PeerRef
  readonly random: Random

  constructor (private readonly sim: Simulator, private readonly state: NodeState, random: Random) {
    this.self = state.ref
    this.random = random
  }

  now (): number { return this.sim.now() }

  request (to: PeerRef, req: Req, options: RequestOptions, done: (result: Result<Res>) => void): void {
    if (!this.state.alive) return
    this.sim.request(this.state, to, req, options, done as (r: Result<unknown>) => void)
  }

  send (to: PeerRef, msg: Msg): void {
    if (!this.state.alive) return
    this.sim.send(this.state, to, msg)
  }

  setTimer (name: string, delayMs: number): void { this.sim.setTimer(this.state, name, delayMs) }
  cancelTimer (name: string): void { this.sim.cancelTimer(this.state, name) }
}
