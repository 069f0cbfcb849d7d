import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { ringDistance } from '../../src/core/id.js'
import type { PeerRef } from '../../src/core/port.js'
import { ChordNode } from '../../src/chord/chord-node.js'
import type { ChordRequest, ChordResponse } from '../../src/chord/messages.js'
import { RecordingIo, peer, type SentRequest } from '../helpers/recording-io.js'

type Io = RecordingIo<ChordRequest, ChordResponse>

/** Peers sorted clockwise from `self`. */
function ringAround (self: PeerRef, count: number): PeerRef[] {
  const ps = Array.from({ length: count }, (_, i) => peer(`m${i}`))
  return ps.sort((a, b) => (ringDistance(self.id, a.id) < ringDistance(self.id, b.id) ? -1 : 1))
}

const CONFIG = { replicas: 2, successorListLength: 3, requestTimeoutMs: 100, stabilizeIntervalMs: 1000, stabilizeMaxIntervalMs: 8000, checkPredecessorIntervalMs: 2000, checkPredecessorMaxIntervalMs: 16000, jitter: 0.1 }

function setup (): { io: Io, node: ChordNode, ring: PeerRef[], self: PeerRef } {
  const self = peer('self')
  const io = new RecordingIo<ChordRequest, ChordResponse>(self, 'maintenance')
  const node = new ChordNode(io, CONFIG)
  const ring = ringAround(self, 20)
  node.seedRouting({ predecessor: ring[19], successors: ring.slice(0, 3), fingers: [ring[0], ring[5], ring[10]] })
  node.start()
  return { io, node, ring, self }
}

function fire (io: Io, node: ChordNode, name: string): void {
  io.fire(name, n => { node.onTimer(n) })
}

/** Fires `name` and returns what the node sent. */
function step (io: Io, node: ChordNode, name: string): Array<SentRequest<ChordRequest, ChordResponse>> {
  io.take()
  fire(io, node, name)
  return io.take()
}

/** Delay until `name` fires, as armed now. */
function delayOf (io: Io, name: string): number {
  const due = io.timers.get(name)
  assert.ok(due !== undefined, `timer ${name} armed`)
  return due - io.clock
}

function within (actual: number, nominal: number, jitter = 0.1): void {
  assert.ok(actual >= Math.floor(nominal * (1 - jitter)) && actual <= Math.ceil(nominal * (1 + jitter)), `${actual} is ${nominal} ± ${jitter * 100}%`)
}

/** Answers a stabilize with the successor's unchanged view (its predecessor is self). */
function answerUnchanged (sent: Array<SentRequest<ChordRequest, ChordResponse>>, self: PeerRef, ring: PeerRef[]): void {
  assert.equal(sent.length, 1)
  assert.deepEqual(sent[0].req, { type: 'get-neighbors' })
  sent[0].done({ ok: true, value: { type: 'neighbors', predecessor: self, successors: ring.slice(1, 4) } })
}

describe('Chord adaptive maintenance', () => {
  test('stabilize backs off while quiet, up to its maximum, and snaps back when the successor list changes', () => {
    const { io, node, ring, self } = setup()
    const delays: number[] = []
    for (let i = 0; i < 5; i++) {
      answerUnchanged(step(io, node, 'stabilize'), self, ring)
      delays.push(delayOf(io, 'stabilize'))
    }
    for (const [i, nominal] of [2000, 4000, 8000, 8000, 8000].entries()) within(delays[i], nominal)
    assert.equal(io.sent.filter(s => s.req.type === 'notify').length, 0, 'a successor that names us is not notified again')
    // The successor's list changed: one quiet step more would have waited 8 s; now it is 1 s.
    const sent = step(io, node, 'stabilize')
    sent[0].done({ ok: true, value: { type: 'neighbors', predecessor: self, successors: [ring[2], ring[4]] } })
    within(delayOf(io, 'stabilize'), 1000)
  })

  test('a LEAVING from the predecessor snaps stabilize and check-predecessor back', () => {
    const { io, node, ring, self } = setup()
    for (let i = 0; i < 4; i++) answerUnchanged(step(io, node, 'stabilize'), self, ring)
    assert.ok(delayOf(io, 'stabilize') > 5000)
    io.take()
    node.onRequest(ring[19], { type: 'leaving', predecessor: ring[18], successors: [] })
    // The named replacement is a candidate: adopted once it answers our own probe.
    assert.equal(node.status().predecessor, undefined)
    const probe = io.take()
    assert.deepEqual(probe.map(s => [s.to.address, s.req.type]), [[ring[18].address, 'ping']])
    probe[0].done({ ok: true, value: { type: 'ack' } })
    assert.equal(node.status().predecessor?.address, ring[18].address)
    assert.ok(delayOf(io, 'stabilize') <= 1100)
    assert.ok(delayOf(io, 'check-predecessor') <= 2200)
  })

  test('check-predecessor pings only a silent predecessor; its requests count as hearing from it', () => {
    const { io, node, ring } = setup()
    // The predecessor stabilizes us (a get-neighbors) before each check: no ping, and the period backs off.
    let previous = 0
    for (let i = 0; i < 4; i++) {
      io.clock = (io.timers.get('check-predecessor') as number) - 1
      node.onRequest(ring[19], { type: 'get-neighbors' })
      const sent = step(io, node, 'check-predecessor')
      assert.deepEqual(sent, [], 'no ping to a predecessor heard from')
      const d = delayOf(io, 'check-predecessor')
      assert.ok(d >= previous)
      previous = d
    }
    within(previous, 16000)
    // Silent for longer than the period: one ping; it fails, so the predecessor is forgotten.
    io.clock += 40_000
    const sent = step(io, node, 'check-predecessor')
    assert.equal(sent.length, 1)
    assert.equal(sent[0].to.address, ring[19].address)
    assert.deepEqual(sent[0].req, { type: 'ping' })
    sent[0].done({ ok: false, failure: 'timeout' })
    assert.equal(node.status().predecessor, undefined)
    within(delayOf(io, 'check-predecessor'), 2000)
  })

  test('fix-fingers backs off while the fingers it finds are the ones it has', () => {
    const { io, node, ring } = setup()
    const delays: number[] = []
    for (let i = 0; i < 10; i++) {
      const sent = step(io, node, 'fix-fingers')
      assert.equal(sent.length, 1)
      assert.equal(sent[0].req.type, 'find-successor')
      const key = (sent[0].req as Extract<ChordRequest, { type: 'find-successor' }>).key
      // Answer with the finger the seeded table already has for that key.
      const owner = ring.find(p => ringDistance(ring[19].id, p.id) >= ringDistance(ring[19].id, key)) ?? ring[0]
      sent[0].done({ ok: true, value: { type: 'found', successors: [owner] } })
      // A finger not yet first-hand is probed before it is installed.
      for (const probe of io.take()) {
        assert.deepEqual([probe.to.address, probe.req.type], [owner.address, 'ping'])
        probe.done({ ok: true, value: { type: 'ack' } })
      }
      delays.push(delayOf(io, 'fix-fingers'))
    }
    assert.ok(delays[delays.length - 1] > 4 * delays[0], `fix-fingers backed off: ${delays.join(', ')}`)
  })
})

describe('Chord failed peers (no retry storms)', () => {
  test('a successor that failed is not re-adopted from a stale neighbour, nor asked again, until it notifies', () => {
    const { io, node, ring } = setup()
    let sent = step(io, node, 'stabilize')
    sent[0].done({ ok: false, failure: 'unreachable' })
    assert.equal(node.status().successors[0].address, ring[1].address)
    // ring[1] still names the dead ring[0] as its predecessor, and a stale list names it too.
    fire(io, node, 'stabilize')
    sent = io.take()
    assert.equal(sent.length, 1)
    assert.equal(sent[0].to.address, ring[1].address)
    sent[0].done({ ok: true, value: { type: 'neighbors', predecessor: ring[0], successors: [ring[0], ring[2], ring[3]] } })
    assert.ok(!node.status().successors.some(s => s.address === ring[0].address), 'not re-adopted')
    const notifies = io.take().filter(s => s.req.type === 'notify')
    assert.deepEqual(notifies.map(s => s.to.address), [ring[1].address], 'the live successor is notified, not the dead one')
    // A lookup whose answerer names ring[0] does not dial it.
    const results: unknown[] = []
    node.lookup((ring[0].id + 1n) % (1n << 256n), o => results.push(o))
    for (let i = 0; i < 10 && io.sent.length > 0; i++) {
      for (const s of io.take()) {
        assert.notEqual(s.to.address, ring[0].address, 'the failed peer is not asked')
        s.done({ ok: true, value: { type: 'closer', nodes: [ring[0]] } })
      }
    }
    // ring[0] comes back and notifies: it is probed at once (it speaks for itself), and once it
    // answers it is first-hand, so the next stabilize may adopt it again.
    node.onRequest(ring[0], { type: 'notify' })
    const probe = io.take()
    assert.deepEqual(probe.map(s => [s.to.address, s.req.type]), [[ring[0].address, 'ping']])
    probe[0].done({ ok: true, value: { type: 'ack' } })
    fire(io, node, 'stabilize')
    sent = io.take().filter(s => s.req.type === 'get-neighbors')
    sent[0].done({ ok: true, value: { type: 'neighbors', predecessor: ring[0], successors: [ring[2], ring[3]] } })
    assert.equal(node.status().successors[0].address, ring[0].address)
  })

  test('a disconnect of the successor is verified by one ping; it is forgotten when the ping fails', () => {
    const { io, node, ring } = setup()
    io.take()
    node.onPeer(ring[0], false)
    node.onPeer(ring[0], false)
    node.onPeer(peer('stranger'), false)
    node.onPeer(ring[1], true)
    const sent = io.take()
    assert.equal(sent.length, 1, 'one ping, only to the neighbour')
    assert.equal(sent[0].to.address, ring[0].address)
    assert.deepEqual(sent[0].req, { type: 'ping' })
    sent[0].done({ ok: false, failure: 'unreachable' })
    assert.ok(!node.status().successors.some(s => s.address === ring[0].address))
    assert.ok(!node.status().fingers.some(s => s.address === ring[0].address))
    assert.equal(delayOf(io, 'stabilize'), 0, 'stabilize runs at once with the next successor')
  })

  test('a disconnect of a live neighbour costs one ping and changes nothing', () => {
    const { io, node, ring } = setup()
    io.take()
    node.onPeer(ring[19], false)
    const sent = io.take()
    assert.equal(sent.length, 1)
    sent[0].done({ ok: true, value: { type: 'ack' } })
    assert.equal(node.status().predecessor?.address, ring[19].address)
  })
})

describe('Chord change hints', () => {
  test('a change of the successor list hints the predecessor once, coalesced; a hint snaps stabilize back', () => {
    const { io, node, ring, self } = setup()
    for (let i = 0; i < 4; i++) answerUnchanged(step(io, node, 'stabilize'), self, ring)
    const sent = step(io, node, 'stabilize')
    sent[0].done({ ok: true, value: { type: 'neighbors', predecessor: self, successors: [ring[2], ring[5]] } })
    node.onPeer(ring[2], false)
    io.take()[0].done({ ok: false, failure: 'timeout' })
    const hints = step(io, node, 'hint')
    assert.equal(hints.length, 1, 'two changes, one hint')
    assert.equal(hints[0].to.address, ring[19].address)
    assert.deepEqual(hints[0].req, { type: 'ping' })
    // The receiving side: a ping from our successor means "re-stabilize soon".
    // (ring[2] is back once its backoff ends: one more change on the way.)
    for (let i = 0; i < 8; i++) answerUnchanged(step(io, node, 'stabilize'), self, ring)
    assert.ok(delayOf(io, 'stabilize') > 5000)
    node.onRequest(node.status().successors[0], { type: 'ping' })
    assert.ok(delayOf(io, 'stabilize') <= 1100)
  })
})
