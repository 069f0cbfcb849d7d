/**
 * A local network across processes (issue 11): N peers on 127.0.0.1 shared round-robin among P
 * worker processes (network-worker.ts), so no process nears its file-descriptor limit and the
 * peers use every core. Peer 0 seeds the network; every other peer bootstraps to it and dials
 * EXTRA_LINKS random earlier peers, as in LocalNetwork. Invariant: every worker is killed when
 * `stop()` ends, when start-up fails, and when this process exits; a worker also exits by itself
 * when this process dies (its IPC channel closes). A worker that dies (SIGKILL of its share, by
 * `killShare` or from outside) takes its peers with it: they count as crashed, and the calls that
 * ask every worker ask the live ones only, so the network goes on without them.
 */
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { EXTRA_LINKS, JOIN_BATCH } from './local-network.js'
import { OVERLAY_NAMES } from './libp2p-options.js'
import { PEERS_PER_PROCESS } from './worker-network-limits.js'
import type { ChildProcess } from 'node:child_process'
import type { OverlayName } from './libp2p-options.js'
import type { DhtLookupResult, DhtPutResult } from './backends.js'
import type { GossipVia, PeerHoldings, WorkerGossipStats, WorkerReply } from './network-worker.js'
import type { SirServiceInit } from '../libp2p/sir-service.js'
import type { SirMode } from '../sir/config.js'

export { PEERS_PER_PROCESS }
/** A worker that does not say it is ready in this long is treated as failed. */
const WORKER_READY_TIMEOUT_MS = 30_000

const WORKER = fileURLToPath(new URL('./network-worker.js', import.meta.url))
const POLYFILL = fileURLToPath(new URL('../polyfill.js', import.meta.url))

/** Every worker of every WorkerNetwork in this process, killed on exit whatever happened. */
const liveWorkers = new Set<ChildProcess>()
let exitHookInstalled = false
function killOnExit (): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.once('exit', () => { for (const child of liveWorkers) child.kill('SIGKILL') })
}

export const defaultProcesses = (nodes: number): number => Math.max(1, Math.ceil(nodes / PEERS_PER_PROCESS))

export interface WorkerNetworkInit {
  /** Worker processes. @default ceil(N / PEERS_PER_PROCESS) */
  processes?: number
  /** Our overlays on every peer (kad and gossipsub are always on). @default all */
  overlays?: readonly OverlayName[]
  /** @default 30_000 */
  queryTimeoutMs?: number
  /** Progress and worker output, one line at a time. */
  log?: (line: string) => void
  /** SIR's options on every peer (bench gossip turns anti-entropy off). @default the service's defaults */
  sir?: SirServiceInit
}

export interface WorkerPeer {
  /** Index in the whole network. */
  index: number
  worker: number
  /** Index inside its worker. */
  local: number
  peerId: string
  address: string
  /** The addresses it bootstrapped to (our DHTs join only through these). */
  bootstrap: string[]
}

export interface WorkerGetResult {
  hops: number
  latencyMs: number
  value: string
}

/** One worker process and its pending requests. */
class Worker {
  private nextId = 1
  private readonly pending = new Map<number, { resolve: (v: unknown) => void, reject: (e: Error) => void }>()
  readonly exited: Promise<number | null>
  private exitCode: number | null | undefined
  /** The signal that ended the worker, if one did. */
  exitSignal: NodeJS.Signals | null = null

  constructor (readonly child: ChildProcess, readonly index: number) {
    // A send to a worker that just died fails here, not as an unhandled 'error' (the exit rejects the call).
    child.on('error', () => {})
    this.exited = new Promise(resolve => {
      child.once('exit', (code, signal) => {
        this.exitCode = code
        this.exitSignal = signal
        liveWorkers.delete(child)
        for (const p of this.pending.values()) p.reject(new Error(`worker ${index} exited (${String(code)})`))
        this.pending.clear()
        resolve(code)
      })
    })
    child.on('message', (reply: WorkerReply) => {
      const p = this.pending.get(reply.id)
      if (p === undefined) return
      this.pending.delete(reply.id)
      if ('error' in reply) p.reject(Object.assign(new Error(reply.error.message), { name: reply.error.name }))
      else p.resolve(reply.result)
    })
  }

  get pid (): number | undefined { return this.child.pid }

  get alive (): boolean { return this.exitCode === undefined }

  async call<T> (op: string, args: Record<string, unknown> = {}): Promise<T> {
    if (this.exitCode !== undefined) throw new Error(`worker ${this.index} has exited`)
    const id = this.nextId++
    return await new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
      this.child.send({ id, op, ...args }, (err) => {
        if (err === null || !this.pending.has(id)) return
        this.pending.delete(id)
        reject(new Error(`worker ${this.index}: ${err.message}`))
      })
    })
  }

  kill (): void {
    if (this.exitCode === undefined) this.child.kill('SIGKILL')
  }
}

async function startWorker (index: number, init: WorkerNetworkInit): Promise<Worker> {
  const child = fork(WORKER, [], {
    execArgv: ['--import', POLYFILL],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    env: {
      ...process.env,
      OVERLAY_NODE_WORKER_OVERLAYS: (init.overlays ?? OVERLAY_NAMES).join(','),
      OVERLAY_NODE_WORKER_QUERY_TIMEOUT_MS: String(init.queryTimeoutMs ?? 30_000),
      OVERLAY_NODE_WORKER_SIR: JSON.stringify(init.sir ?? {})
    }
  })
  liveWorkers.add(child)
  killOnExit()
  const worker = new Worker(child, index)
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    for (const line of chunk.split('\n')) if (line.trim() !== '' && !line.startsWith('    at ')) init.log?.(`worker ${index}: ${line}`)
  })
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`worker ${index} not ready within ${WORKER_READY_TIMEOUT_MS} ms`)) }, WORKER_READY_TIMEOUT_MS)
    child.once('message', () => { clearTimeout(timer); resolve() })
    void worker.exited.then((code) => { clearTimeout(timer); reject(new Error(`worker ${index} exited (${String(code)}) before it was ready`)) })
  })
  init.log?.(`worker ${index} started (pid ${String(child.pid)})`)
  return worker
}

/** Peers lost when their worker died, and how it ended. */
export interface LostShare {
  worker: number
  /** Network indices of the peers that were live in it. */
  peers: number[]
  /** 'SIGKILL', or the exit code. */
  how: string
}

export class WorkerNetwork {
  readonly peers: WorkerPeer[] = []
  private readonly stoppedPeers = new Set<number>()
  /** Shares lost to a worker's death, not yet taken by `takeLostShares`. */
  private lostShares: LostShare[] = []
  /** Each worker's storage counters at its last answer: a dead worker's stay counted as they were. */
  private readonly lastStorageCounters = new Map<number, Record<string, number>>()
  private stopping = false

  private constructor (private readonly workers: Worker[], private readonly log?: (line: string) => void) {
    for (const w of workers) void w.exited.then(() => { this.shareLost(w) })
  }

  /** A worker died: its live peers are crashed from now on. */
  private shareLost (w: Worker): void {
    if (this.stopping) return
    const peers = this.peers.filter(p => p !== undefined && p.worker === w.index && !this.stoppedPeers.has(p.index)).map(p => p.index)
    for (const i of peers) this.stoppedPeers.add(i)
    const how = w.exitSignal ?? `exit code ${String(w.child.exitCode)}`
    this.lostShares.push({ worker: w.index, peers, how })
    this.log?.(`worker ${w.index} died (${how}): its ${peers.length} live peers count as crashed`)
  }

  /** The shares lost since the last call (the churn bench reports their peers as crashed). */
  takeLostShares (): LostShare[] {
    const out = this.lostShares
    this.lostShares = []
    return out
  }

  /** The workers still running. */
  private running (): Worker[] {
    return this.workers.filter(w => w.alive)
  }

  /** Asks every running worker `op`; a worker that dies before it answers is left out (its peers are crashed), any other failure throws. */
  private async askAll<T> (op: string, args: Record<string, unknown> = {}): Promise<Array<{ worker: number, answer: T }>> {
    const answers = await Promise.all(this.running().map(async w => {
      try {
        return [{ worker: w.index, answer: await w.call<T>(op, args) }]
      } catch (err) {
        if (!w.alive) return []
        throw err
      }
    }))
    return answers.flat()
  }

  /** SIGKILLs worker `index` (a crash of its whole share, no goodbye from any peer); resolves once it is gone, to its peers that were live. */
  async killShare (index: number): Promise<number[]> {
    const w = this.workers[index]
    if (w === undefined) throw new RangeError(`no worker ${index}`)
    if (!w.alive) throw new Error(`worker ${index} has exited already`)
    const peers = this.peers.filter(p => p.worker === index && !this.stoppedPeers.has(p.index)).map(p => p.index)
    w.kill()
    await w.exited
    // Taken here: the caller reports this share itself.
    this.lostShares = this.lostShares.filter(s => s.worker !== index)
    return peers
  }

  /** The workers' process ids (for tests that check they are gone). */
  pids (): number[] {
    return this.workers.map(w => w.pid).filter((p): p is number => p !== undefined)
  }

  get processes (): number { return this.workers.length }

  /** Starts the workers and `nodes` peers; on any failure, kills every worker and throws. */
  static async start (nodes: number, init: WorkerNetworkInit = {}): Promise<WorkerNetwork> {
    const processes = init.processes ?? defaultProcesses(nodes)
    if (!Number.isInteger(nodes) || nodes < 1) throw new RangeError(`nodes must be a positive integer, got ${nodes}`)
    if (!Number.isInteger(processes) || processes < 1 || processes > nodes) throw new RangeError(`processes must be from 1 to ${nodes}, got ${processes}`)
    const started = await Promise.allSettled(Array.from({ length: processes }, async (_, i) => await startWorker(i, init)))
    const workers = started.flatMap(s => s.status === 'fulfilled' ? [s.value] : [])
    const network = new WorkerNetwork(workers, init.log)
    try {
      const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected')
      if (failed !== undefined) throw failed.reason
      await network.grow(nodes, init.log)
      return network
    } catch (err) {
      await network.stop()
      throw err
    }
  }

  private async startPeer (index: number): Promise<void> {
    const bootstrap = this.peers.length === 0 ? [] : [this.peers[0].address]
    await this.startPeerVia(index, bootstrap, this.peers.slice(1).map(p => p.address))
  }

  /** Starts peer `index` in its worker, bootstrapping to `bootstrap` and dialling EXTRA_LINKS of `candidates`. */
  private async startPeerVia (index: number, bootstrap: string[], candidates: string[]): Promise<WorkerPeer> {
    const running = this.running()
    if (running.length === 0) throw new Error('every worker has exited')
    const worker = running[index % running.length].index
    const links: string[] = []
    for (let i = 0; i < EXTRA_LINKS && candidates.length > 0; i++) links.push(candidates.splice(Math.floor(Math.random() * candidates.length), 1)[0])
    const r = await this.workers[worker].call<{ peer: number, peerId: string, address: string }>('start', { bootstrap, links })
    this.peers[index] = { index, worker, local: r.peer, peerId: r.peerId, address: r.address, bootstrap }
    return this.peers[index]
  }

  /** Peer 0 first, then JOIN_BATCH peers per worker at a time. */
  private async grow (nodes: number, log?: (line: string) => void): Promise<void> {
    await this.startPeer(0)
    const batch = JOIN_BATCH * this.workers.length
    for (let next = 1; next < nodes; next += batch) {
      const size = Math.min(batch, nodes - next)
      const results = await Promise.allSettled(Array.from({ length: size }, async (_, i) => { await this.startPeer(next + i) }))
      const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
      if (failure !== undefined) throw failure.reason
      log?.(`started ${next + size}/${nodes} peers`)
    }
  }

  private at (index: number): { worker: Worker, local: number } {
    const p = this.peers[index]
    if (p === undefined) throw new RangeError(`no peer ${index}`)
    return { worker: this.workers[p.worker], local: p.local }
  }

  isLive (index: number): boolean {
    return this.peers[index] !== undefined && !this.stoppedPeers.has(index)
  }

  live (): WorkerPeer[] {
    return this.peers.filter(p => !this.stoppedPeers.has(p.index))
  }

  async put (index: number, dht: string, name: string, value: string): Promise<DhtPutResult> {
    const { worker, local } = this.at(index)
    return await worker.call('put', { peer: local, dht, name, value })
  }

  async get (index: number, dht: string, key: string): Promise<WorkerGetResult> {
    const { worker, local } = this.at(index)
    return await worker.call('get', { peer: local, dht, key })
  }

  async lookup (index: number, dht: string, key: string): Promise<DhtLookupResult> {
    const { worker, local } = this.at(index)
    return await worker.call('lookup', { peer: local, dht, key })
  }

  /** Stops a peer without a goodbye from our DHTs. */
  async crash (index: number): Promise<void> {
    const { worker, local } = this.at(index)
    this.stoppedPeers.add(index)
    await worker.call('crash', { peer: local })
  }

  /** Stops a peer gracefully (Chord and Pastry hand their records on). */
  async leave (index: number): Promise<void> {
    const { worker, local } = this.at(index)
    this.stoppedPeers.add(index)
    await worker.call('leave', { peer: local })
  }

  /** A new peer joins (churn): it bootstraps to a random live peer and dials EXTRA_LINKS others, as at start. */
  async join (): Promise<WorkerPeer> {
    const live = this.live().map(p => p.address)
    if (live.length === 0) throw new Error('no live peer to join through')
    const via = live.splice(Math.floor(Math.random() * live.length), 1)
    return await this.startPeerVia(this.peers.length, via, live)
  }

  /** Names the full keys `holdings` reports on, in every worker (an index into `keys` names each). */
  async track (keys: string[]): Promise<void> {
    await this.askAll('track', { keys })
  }

  /** What every live peer holds of the tracked keys, per DHT (kad from its datastore; Chord and Pastry with the keys held as owner), by network index. */
  async holdings (): Promise<Array<PeerHoldings & { index: number }>> {
    return (await this.askAll<PeerHoldings[]>('holdings')).flatMap(({ worker, answer }) => answer.map(h => ({ ...h, index: this.indexOf(worker, h.peer) })))
  }

  /** Network-wide sums of Chord's and Pastry's storage counters (`chord.handoffRecordsSent`, …), stopped peers included (a dead worker's as it last answered). */
  async storageCounters (): Promise<Record<string, number>> {
    return await this.sumOverWorkers('storageCounters', this.lastStorageCounters)
  }

  /** Network-wide sums of what every running worker answers to `op` (named counters); with `last`, a dead worker's last answer stands in. */
  private async sumOverWorkers (op: 'counters' | 'storageCounters' | 'chordCounters', last?: Map<number, Record<string, number>>): Promise<Record<string, number>> {
    const answers = (await this.askAll<Record<string, number>>(op)).map(({ worker, answer }) => {
      last?.set(worker, answer)
      return answer
    })
    const dead = last === undefined ? [] : this.workers.filter(w => !w.alive).flatMap(w => { const part = last.get(w.index); return part === undefined ? [] : [part] })
    const out: Record<string, number> = {}
    for (const part of [...answers, ...dead]) {
      for (const [name, value] of Object.entries(part)) out[name] = (out[name] ?? 0) + value
    }
    return out
  }

  private indexOf (worker: number, local: number): number {
    const p = this.peers.find(q => q.worker === worker && q.local === local)
    if (p === undefined) throw new Error(`worker ${worker} reported an unknown peer ${local}`)
    return p.index
  }

  /** Network-wide sums of Chord's own counters over the live peers (candidate probes, failed requests by reason, ...). */
  async chordCounters (): Promise<Record<string, number>> {
    return await this.sumOverWorkers('chordCounters')
  }

  /** Every live peer's Chord id and first successor, from every worker. */
  async chordRing (): Promise<Array<{ peerId: string, id: string, successor: string | null }>> {
    return (await this.askAll<Array<{ peerId: string, id: string, successor: string | null }>>('chordRing')).flatMap(a => a.answer)
  }

  /** Network-wide sums of the workers' counters (`requests.<dht>`, `bytesSent.<dht>`). */
  async counters (): Promise<Record<string, number>> {
    return await this.sumOverWorkers('counters')
  }

  /** Peer `index` dials the peers `targets`, one after another; returns how many it reached, and why (some of) the others failed. */
  async connect (index: number, targets: number[]): Promise<{ connected: number, errors: string[] }> {
    const { worker, local } = this.at(index)
    const addresses = targets.map(t => {
      if (this.peers[t] === undefined) throw new RangeError(`no peer ${t}`)
      return this.peers[t].address
    })
    return await worker.call('connect', { peer: local, addresses })
  }

  /** Every live peer subscribes to `topic` on gossipsub and (when it runs) SIR, and its worker records each message's first arrival there. */
  async subscribeAll (topic: string): Promise<void> {
    await this.askAll('subscribe', { topic })
  }

  /** Publishes a message of `bytes` bytes whose first bytes carry `tag`; returns the wall-clock time of the publish (ms). */
  async publish (index: number, via: GossipVia, topic: string, tag: string, bytes: number): Promise<number> {
    const { worker, local } = this.at(index)
    return (await worker.call<{ at: number }>('publish', { peer: local, via, topic, tag, bytes })).at
  }

  /** Per tag, the peers (network indices) that received it and when (wall-clock ms); the workers forget these tags. */
  async receipts (tags: string[]): Promise<Array<Array<{ peer: number, at: number }>>> {
    const byWorker = await this.askAll<Array<Array<[number, number]>>>('receipts', { tags })
    const index = new Map(this.peers.map(p => [`${p.worker}/${p.local}`, p.index]))
    return tags.map((_, t) => byWorker.flatMap(({ worker, answer }) => answer[t].flatMap(([local, at]) => {
      const peer = index.get(`${worker}/${local}`)
      return peer === undefined ? [] : [{ peer, at }]
    })))
  }

  /** Sets SIR's k and mode on every live peer. */
  async reconfigureSir (k: number, mode: SirMode): Promise<void> {
    await this.askAll('sirReconfigure', { k: k === Infinity ? 'inf' : k, mode })
  }

  /** Network-wide sums of the workers' gossip figures. */
  async gossipStats (): Promise<WorkerGossipStats> {
    const parts = (await this.askAll<WorkerGossipStats>('gossipStats')).map(a => a.answer)
    const sum = (f: (s: WorkerGossipStats) => number): number => parts.reduce((a, s) => a + f(s), 0)
    return {
      peers: sum(s => s.peers),
      sirInfected: sum(s => s.sirInfected),
      sirAccepted: sum(s => s.sirAccepted),
      sirViewPeers: sum(s => s.sirViewPeers),
      copies: { gossipsub: sum(s => s.copies.gossipsub), sir: sum(s => s.copies.sir) },
      bytesReceived: { gossipsub: sum(s => s.bytesReceived.gossipsub), sir: sum(s => s.bytesReceived.sir) },
      untracked: sum(s => s.untracked)
    }
  }

  /** Stops every peer (briefly waiting for the workers), then kills every worker. */
  async stop (): Promise<void> {
    this.stopping = true
    const STOP_GRACE_MS = 10_000
    await Promise.all(this.workers.map(async w => {
      const timer = setTimeout(() => { w.kill() }, STOP_GRACE_MS)
      await w.call('stopAll').catch(() => {})
      clearTimeout(timer)
      w.kill()
      await w.exited
    }))
  }
}
