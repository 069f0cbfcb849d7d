import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Io, PeerRef, ProtocolHandler, Result } from '../../src/core/port.js'
import { Simulator, simNodeId, type SimNode } from '../../src/sim/simulator.js'
import { uniformLatency } from '../../src/sim/latency.js'
import { EventHeap } from '../../src/sim/event-heap.js'
import { summarize } from '../../src/experiments/stats.js'

type Req = { n: number }
type Res = { n: number }

/** A toy protocol: every node pings a random known peer each tick and counts outcomes. */
class Pinger implements ProtocolHandler<Req, Res, string> {
  peers: PeerRef[] = []
  results: Array<Result<Res>> = []
  got: string[] = []
  constructor (readonly io: Io<Req, Res, string>, readonly ticks: number) {}
  start (): void { this.io.setTimer('tick', this.io.random.int(100)) }
  stop (): void { this.io.cancelTimer('tick') }
  onRequest (_from: PeerRef, req: Req): Res { return { n: req.n + 1 } }
  onMessage (_from: PeerRef, msg: string): void { this.got.push(msg) }
  onTimer (): void {
    if (this.peers.length > 0 && this.results.length < this.ticks) {
      let inside = true
      this.io.request(this.io.random.pick(this.peers), { n: 1 }, { timeoutMs: 500 }, r => {
        assert.equal(inside, false, 'done ran inside request()')
        this.results.push(r)
      })
      inside = false
    }
    this.io.setTimer('tick', 100 + this.io.random.int(50))
  }
}

function run (seed: string, n: number): { hash: string, pingers: Pinger[], log: string[] } {
  const log: string[] = []
  const sim = new Simulator({ seed, latency: uniformLatency(5, 40), lossRate: 0.01, log: l => log.push(l) })
  const pingers: Pinger[] = []
  const nodes: SimNode[] = []
  for (let i = 0; i < n; i++) nodes.push(sim.addNode<Req, Res, string>(io => { const p = new Pinger(io, 20); pingers.push(p); return p }))
  for (const p of pingers) p.peers = nodes.map(x => x.ref)
  for (const x of nodes) sim.start(x)
  sim.after(1000, () => sim.crash(nodes[0]))
  sim.runUntil(5000)
  return { hash: sim.finish(), pingers, log }
}

test('same seed gives the same trace hash; another seed another; seed logged first, hash last', () => {
  const a = run('s1', 50); const b = run('s1', 50); const c = run('s2', 50)
  assert.equal(a.hash, b.hash)
  assert.notEqual(a.hash, c.hash)
  assert.match(a.log[0], /^sim seed s1/)
  assert.match(a.log[a.log.length - 1], new RegExp(`^sim trace ${a.hash}`))
  const outcomes = a.pingers.slice(1).flatMap(p => p.results)
  assert.ok(outcomes.some(r => r.ok))
  assert.ok(outcomes.some(r => !r.ok && r.failure === 'unreachable'), 'requests to the crashed node fail unreachable')
  assert.ok(outcomes.some(r => !r.ok && r.failure === 'timeout'), 'lost messages time out')
})

test('partitions drop traffic between groups; heal restores it; messages are delivered', () => {
  const sim = new Simulator({ seed: 1 })
  const ps: Pinger[] = []
  const [a, b] = [0, 1].map(() => sim.addNode<Req, Res, string>(io => { const p = new Pinger(io, 0); ps.push(p); return p }))
  const results: Array<Result<Res>> = []
  const ioOf = (p: Pinger): Io<Req, Res, string> => p.io
  sim.partition([[a], [b]])
  ioOf(ps[0]).request(b.ref, { n: 1 }, { timeoutMs: 300 }, r => results.push(r))
  sim.runFor(1000)
  sim.heal()
  ioOf(ps[0]).request(b.ref, { n: 41 }, { timeoutMs: 300 }, r => results.push(r))
  ioOf(ps[0]).send(b.ref, 'hello')
  ioOf(ps[0]).request({ id: simNodeId('nowhere'), address: 'nowhere' }, { n: 0 }, { timeoutMs: 300 }, r => results.push(r))
  sim.runFor(1000)
  assert.deepEqual(results, [
    { ok: false, failure: 'timeout' },
    { ok: true, value: { n: 42 } },
    { ok: false, failure: 'unreachable' }
  ])
  assert.deepEqual(ps[1].got, ['hello'])
})

test('timers: re-arming replaces, cancel prevents firing', () => {
  const fired: string[] = []
  const sim = new Simulator({ seed: 1 })
  let io!: Io<never, never, never>
  sim.addNode<never, never, never>(x => {
    io = x
    return { start () {}, stop () {}, onRequest () { throw new Error('no') }, onMessage () {}, onTimer (name) { fired.push(`${name}@${x.now()}`) } }
  })
  io.setTimer('a', 10); io.setTimer('a', 30); io.setTimer('b', 20); io.cancelTimer('b')
  sim.runFor(100)
  assert.deepEqual(fired, ['a@30'])
})

test('event heap pops by (time, sequence)', () => {
  const h = new EventHeap()
  const xs = [5, 1, 5, 3, 1, 9, 0, 5]
  xs.forEach((t, v) => h.push(t, 1, v, -1, 0, `p${v}`))
  const out: number[] = []
  const payloads: unknown[] = []
  while (h.pop()) { out.push(h.node); payloads.push(h.payload) }
  assert.deepEqual(out, [6, 1, 4, 3, 0, 2, 7, 5])
  assert.deepEqual(payloads, out.map(v => `p${v}`))
  assert.equal(h.peekTime(), Infinity)
})

test('event heap keeps (time, sequence) order across growth and reused slots', () => {
  const h = new EventHeap()
  const reference: Array<{ time: number, seq: number, tag: number }> = []
  let seq = 0
  let state = 7
  const next = (n: number): number => { state = (Math.imul(state, 1103515245) + 12345) >>> 0; return state % n }
  const popped: number[] = []
  const expected: number[] = []
  for (let round = 0; round < 5000; round++) {
    const pushes = 1 + next(3)
    for (let i = 0; i < pushes; i++) {
      const time = round + next(50)
      h.push(time, 2, 0, 0, seq, undefined)
      reference.push({ time, seq, tag: seq })
      seq++
    }
    if (next(2) === 0) {
      reference.sort((a, b) => a.time - b.time || a.seq - b.seq)
      expected.push((reference.shift() as { tag: number }).tag)
      assert.ok(h.pop())
      popped.push(h.tag)
    }
  }
  reference.sort((a, b) => a.time - b.time || a.seq - b.seq)
  while (h.pop()) popped.push(h.tag)
  expected.push(...reference.map(r => r.tag))
  assert.deepEqual(popped, expected)
})

test('summaries use nearest rank', () => {
  const s = summarize(Array.from({ length: 100 }, (_, i) => i + 1))
  assert.deepEqual(s, { mean: 50.5, p1: 1, p50: 50, p99: 99, max: 100 })
})
