import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { inOpenClosed, keyId, ringDistance, type NodeId } from '../../src/core/id.js'
import type { PeerRef } from '../../src/core/port.js'
import { ChordNode } from '../../src/chord/chord-node.js'
import type { ChordRequest, ChordResponse } from '../../src/chord/messages.js'
import { chordConfig } from '../../src/chord/config.js'
import { RecordingIo, peer, serveFetches } from '../helpers/recording-io.js'
import { signRecord } from '../../src/dht/record.js'

/** 40 peers sorted clockwise from `self`, so tests can name "the k-th node after self". */
function ringAround (self: PeerRef, count: number): PeerRef[] {
  const ps = Array.from({ length: count }, (_, i) => peer(`p${i}`))
  return ps.sort((a, b) => (ringDistance(self.id, a.id) < ringDistance(self.id, b.id) ? -1 : 1))
}

function setup (): { io: RecordingIo<ChordRequest, ChordResponse>, node: ChordNode, ring: PeerRef[], self: PeerRef } {
  const self = peer('self')
  const io = new RecordingIo<ChordRequest, ChordResponse>(self)
  const node = new ChordNode(io, { replicas: 3, successorListLength: 4, requestTimeoutMs: 100 })
  const ring = ringAround(self, 40)
  // successors: the 4 nearest; fingers: the 8th, 16th, 30th; predecessor: the last.
  node.seedRouting({ predecessor: ring[39], successors: ring.slice(0, 4), fingers: [ring[0], ring[8], ring[16], ring[30]] })
  node.start()
  return { io, node, ring, self }
}

/** A key id just after `p` (so successor(key) is the node after p). */
function keyAfter (p: PeerRef): NodeId { return (p.id + 1n) % (1n << 256n) }

function fire (io: RecordingIo<ChordRequest, ChordResponse>, node: ChordNode, name: string): void {
  assert.ok(io.timers.has(name), `timer ${name} armed`)
  io.clock = Math.max(io.clock, io.timers.get(name) as number)
  io.timers.delete(name)
  node.onTimer(name)
}

describe('Chord node through a recording port', () => {
  test('options are validated once', () => {
    assert.throws(() => chordConfig({ replicas: 0 }))
    assert.throws(() => chordConfig({ replicas: 5, successorListLength: 4 }))
    assert.throws(() => chordConfig({ jitter: 1 }))
    assert.equal(chordConfig({ replicas: 10 }).successorListLength, 10)
  })

  test('find-successor: found when the key is ours or our successor\'s, else the closest preceding nodes', () => {
    const { node, ring, self } = setup()
    const next = node.onRequest(ring[5], { type: 'find-successor', key: keyAfter(self) })
    assert.deepEqual(next.type === 'found' && next.successors.map(p => p.address), [ring[0].address, ring[1].address, ring[2].address, ring[3].address])
    // Further along the successor list the answer is a referral: the list lags behind joins.
    const inList = node.onRequest(ring[5], { type: 'find-successor', key: keyAfter(ring[1]) })
    assert.equal(inList.type === 'closer' && inList.nodes[0].address, ring[1].address)
    const own = node.onRequest(ring[5], { type: 'find-successor', key: keyAfter(ring[39]) })
    assert.equal(own.type === 'found' && own.successors[0].address, self.address)
    const far = node.onRequest(ring[5], { type: 'find-successor', key: keyAfter(ring[20]) })
    assert.equal(far.type, 'closer')
    assert.deepEqual(far.type === 'closer' && far.nodes.map(p => p.address), [ring[16].address, ring[8].address, ring[3].address, ring[2].address, ring[1].address, ring[0].address])
  })

  test('iterative lookup: asks the closest preceding finger, falls back on failure, counts hops, answers later', () => {
    const { io, node, ring } = setup()
    io.take()
    const key = keyAfter(ring[25])
    const results: unknown[] = []
    node.lookup(key, o => results.push(o))
    let sent = io.take()
    assert.equal(sent.length, 1)
    assert.equal(sent[0].to.address, ring[16].address)
    assert.deepEqual(sent[0].req, { type: 'find-successor', key })
    assert.equal(sent[0].options.timeoutMs, 100)
    // ring[16] points closer: ring[24] then ring[20].
    sent[0].done({ ok: true, value: { type: 'closer', nodes: [ring[24], ring[20]] } })
    sent = io.take()
    assert.equal(sent[0].to.address, ring[24].address)
    // ring[24] is dead: the lookup falls back to ring[20], never re-asking anyone.
    sent[0].done({ ok: false, failure: 'timeout' })
    sent = io.take()
    assert.equal(sent[0].to.address, ring[20].address)
    sent[0].done({ ok: true, value: { type: 'found', successors: [ring[26], ring[27]] } })
    assert.deepEqual(results, [], 'the answer is deferred, not delivered inside the reply')
    fire(io, node, 'deferred')
    assert.equal(results.length, 1)
    const r = results[0] as { ok: true, value: { owner: PeerRef, hops: number, failures: number } }
    assert.equal(r.ok, true)
    assert.equal(r.value.owner.address, ring[26].address)
    assert.equal(r.value.hops, 3)
    assert.equal(r.value.failures, 1)
    assert.ok(!node.status().fingers.some(f => f.address === ring[24].address))
  })

  test('a lookup for which no live node answers fails with a named failure', () => {
    const { io, node, ring } = setup()
    io.take()
    const results: unknown[] = []
    node.lookup(keyAfter(ring[25]), o => results.push(o))
    for (let i = 0; i < 20 && io.sent.length > 0; i++) {
      for (const s of io.take()) s.done({ ok: false, failure: 'unreachable' })
    }
    fire(io, node, 'deferred')
    assert.deepEqual(results, [{ ok: false, failure: 'no-live-node' }])
  })

  test('stabilize adopts the successor\'s newer predecessor and notifies it', () => {
    const { io, node, ring, self } = setup()
    io.take()
    fire(io, node, 'stabilize')
    let sent = io.take()
    assert.equal(sent.length, 1)
    assert.equal(sent[0].to.address, ring[0].address)
    assert.deepEqual(sent[0].req, { type: 'get-neighbors' })
    const newcomer = { id: (self.id + ringDistance(self.id, ring[0].id) / 2n) % (1n << 256n), address: 'newcomer' }
    sent[0].done({ ok: true, value: { type: 'neighbors', predecessor: newcomer, successors: [ring[1], ring[2]] } })
    // The newcomer is hearsay: probed first, adopted only once it answers us itself.
    sent = io.take()
    assert.deepEqual(sent.map(s => [s.to.address, s.req.type]), [['newcomer', 'ping'], [ring[0].address, 'notify']])
    assert.equal(node.status().successors[0].address, ring[0].address)
    sent[0].done({ ok: true, value: { type: 'ack' } })
    sent = io.take()
    assert.equal(sent[0].to.address, 'newcomer')
    assert.deepEqual(sent[0].req, { type: 'notify' })
    assert.deepEqual(node.status().successors.map(p => p.address), ['newcomer', ring[0].address, ring[1].address, ring[2].address])
  })

  test('a failed successor is dropped for the next one', () => {
    const { io, node, ring } = setup()
    io.take()
    fire(io, node, 'stabilize')
    io.take()[0].done({ ok: false, failure: 'timeout' })
    assert.equal(node.status().successors[0].address, ring[1].address)
  })

  test('notify adopts a closer predecessor; a join takes over exactly the keys in (old predecessor, newcomer]', () => {
    const { io, node, ring, self } = setup()
    // Store keys as owner: all fall in (ring[39], self].
    const keys: Uint8Array[] = []
    for (let i = 0; keys.length < 30 && i < 100000; i++) {
      const k = new TextEncoder().encode(`k${i}`)
      if (inOpenClosed(keyId(k), ring[39].id, self.id)) keys.push(k)
    }
    const stored = node.onRequest(ring[5], { type: 'store', role: 'primary', records: keys.map(key => signRecord(key, key, 1)) })
    assert.deepEqual(stored, { type: 'stored', accepted: keys.length, refused: [] })
    // A newcomer in the middle of (ring[39], self) notifies.
    const mid = (ring[39].id + ringDistance(ring[39].id, self.id) / 2n) % (1n << 256n)
    const newcomer = { id: mid, address: 'newcomer' }
    assert.deepEqual(node.onRequest(newcomer, { type: 'notify' }), { type: 'ack' })
    // Adopted once it answers our own probe.
    assert.equal(node.status().predecessor?.address, ring[39].address)
    const probe = io.take().filter(s => s.to.address === 'newcomer')
    assert.deepEqual(probe.map(s => s.req.type), ['ping'])
    probe[0].done({ ok: true, value: { type: 'ack' } })
    assert.equal(node.status().predecessor?.address, 'newcomer')
    io.take()
    fire(io, node, 'replicate')
    const handoff = io.take().filter(s => s.req.type === 'store')
    assert.equal(handoff.length, 1)
    assert.equal(handoff[0].to.address, 'newcomer')
    const req = handoff[0].req as Extract<ChordRequest, { type: 'store' }>
    assert.equal(req.role, 'primary')
    const expected = keys.filter(k => inOpenClosed(keyId(k), ring[39].id, mid)).map(k => keyId(k)).sort()
    assert.deepEqual(req.records.map(r => keyId(r.key)).sort(), expected)
    assert.ok(expected.length > 0 && expected.length < keys.length)
    handoff[0].done({ ok: true, value: { type: 'stored', accepted: expected.length, refused: [] } })
    assert.equal(node.status().primaryRecords, keys.length, 'nothing is handed over before the newcomer serves it back')
    assert.deepEqual(serveFetches(io.take(), req.records), [])
    assert.equal(node.status().primaryRecords, keys.length - expected.length)
    assert.equal(node.status().storedRecords, keys.length, 'the handed-off keys stay here as replicas')
  })

  test('stop ends pending operations with stopped', () => {
    const { io, node, ring } = setup()
    io.take()
    const results: unknown[] = []
    node.lookup(keyAfter(ring[25]), o => results.push(o))
    node.stop()
    assert.deepEqual(results, [{ ok: false, failure: 'stopped' }])
  })
})
