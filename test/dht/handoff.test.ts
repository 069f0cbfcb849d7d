/**
 * Hand-off counts what the receiver accepted and serves back (issue 10, item 3): a Chord node whose
 * new predecessor refuses part of a hand-off keeps the refused records as owner (and offers them
 * again at its next step); the counter counts only the accepted ones, once a read-back found them
 * held; a receiver that acknowledges records and does not serve them loses its place. Through a
 * recording port.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { inOpenClosed, keyId, ringDistance } from '../../src/core/id.js'
import { ChordNode } from '../../src/chord/chord-node.js'
import type { ChordRequest, ChordResponse } from '../../src/chord/messages.js'
import { signRecord } from '../../src/dht/record.js'
import { HANDOFF_READBACK_SAMPLE } from '../../src/dht/limits.js'
import { RecordingIo, peer, type SentRequest } from '../helpers/recording-io.js'

type StoreRequest = Extract<ChordRequest, { type: 'store' }>

/**
 * A Chord node that owns 12 keys and has just adopted a newcomer, as its predecessor, that would
 * own all of them; `step` runs its storage step.
 */
function handingOff (): { node: ChordNode, io: RecordingIo<ChordRequest, ChordResponse>, step: () => void } {
  const self = peer('self')
  const io = new RecordingIo<ChordRequest, ChordResponse>(self)
  const node = new ChordNode(io, { replicas: 3, successorListLength: 4, requestTimeoutMs: 100 })
  const ring = Array.from({ length: 10 }, (_, i) => peer(`p${i}`)).sort((a, b) => (ringDistance(self.id, a.id) < ringDistance(self.id, b.id) ? -1 : 1))
  const pred = ring[9]
  node.seedRouting({ predecessor: pred, successors: ring.slice(0, 4), fingers: [] })
  node.start()
  const mid = (pred.id + ringDistance(pred.id, self.id) / 2n) % (1n << 256n)
  const keys: Uint8Array[] = []
  for (let i = 0; keys.length < 12 && i < 100000; i++) {
    const k = new TextEncoder().encode(`w/k${i}`)
    if (inOpenClosed(keyId(k), pred.id, mid)) keys.push(k)
  }
  node.onRequest(ring[5], { type: 'store', role: 'primary', records: keys.map(k => signRecord(k, k, 1)) })
  const newcomer = { id: mid, address: 'newcomer' }
  node.onRequest(newcomer, { type: 'notify' })
  // Adopted as predecessor only once it answers this node's own probe (first-hand routing state).
  const probe = io.take().filter(s => s.to.address === 'newcomer')
  assert.deepEqual(probe.map(s => s.req.type), ['ping'])
  probe[0].done({ ok: true, value: { type: 'ack' } })
  assert.equal(node.status().predecessor?.address, 'newcomer')
  io.take()
  const step = (): void => {
    io.clock = Math.max(io.clock, io.timers.get('replicate') as number)
    io.timers.delete('replicate')
    node.onTimer('replicate')
  }
  return { node, io, step }
}

/** Answers the read-back fetches sent to the newcomer with `answer(keyId)`; returns how many there were. */
function answerReadBack (io: RecordingIo<ChordRequest, ChordResponse>, answer: (keyId: bigint) => Parameters<SentRequest<ChordRequest, ChordResponse>['done']>[0]): number {
  const fetches = io.take().filter(s => s.req.type === 'fetch' && s.to.address === 'newcomer')
  for (const f of fetches) f.done(answer((f.req as Extract<ChordRequest, { type: 'fetch' }>).keyId))
  return fetches.length
}

test('a hand-off the receiver refuses in part: refused records stay here as owner, only accepted ones count', () => {
  const { node, io, step } = handingOff()
  step()
  const handoff = io.take().filter(s => s.req.type === 'store' && s.to.address === 'newcomer')
  assert.equal(handoff.length, 1)
  const req = handoff[0].req as StoreRequest
  assert.equal(req.records.length, 12)
  // The receiver keeps the first 4, refuses 4 for its quota, and 4 as stale (it has them newer).
  handoff[0].done({ ok: true, value: { type: 'stored', accepted: 4, refused: [...[4, 5, 6, 7].map(index => ({ index, reason: 'quota' as const })), ...[8, 9, 10, 11].map(index => ({ index, reason: 'stale' as const }))] } })
  assert.equal(node.counters().handoffRecordsSent, 0, 'nothing counts as handed over before the receiver serves it back')
  const read = answerReadBack(io, id => ({ ok: true, value: { type: 'value', record: req.records.find(r => keyId(r.key) === id) } }))
  assert.equal(read, 8, 'the 8 records it took are read back (the sample covers them all)')
  assert.equal(node.counters().handoffRecordsSent, 8, 'accepted and superseded records count as handed over; refused ones do not')
  assert.equal(node.status().primaryRecords, 4, 'the 4 refused records stay here as owner')
  const stillOwned = new Set([...node.storedKeys()].filter(([, primary]) => primary).map(([id]) => id))
  assert.deepEqual([...stillOwned].sort(), req.records.slice(4, 8).map(r => keyId(r.key)).sort())
  // The next storage step offers exactly those again.
  io.take()
  step()
  const again = io.take().filter(s => s.req.type === 'store' && s.to.address === 'newcomer')
  assert.deepEqual((again[0].req as StoreRequest).records.map(r => keyId(r.key)).sort(), [...stillOwned].sort())
})

test('a hand-off acknowledged in full but not served back: every record stays here as owner, and the receiver loses its place', () => {
  const { node, io, step } = handingOff()
  step()
  const handoff = io.take().filter(s => s.req.type === 'store' && s.to.address === 'newcomer')
  handoff[0].done({ ok: true, value: { type: 'stored', accepted: 12, refused: [] } })
  // It serves one record back and lacks the rest: a lie, whatever the acknowledgment said.
  const first = (handoff[0].req as StoreRequest).records[0]
  const read = answerReadBack(io, id => ({ ok: true, value: { type: 'value', record: keyId(first.key) === id ? first : undefined } }))
  assert.equal(read, HANDOFF_READBACK_SAMPLE)
  assert.equal(node.counters().handoffsUnproven, 1)
  assert.equal(node.counters().handoffRecordsSent, 0)
  assert.equal(node.status().primaryRecords, 12, 'every record stays here as owner')
  assert.notEqual(node.status().predecessor?.address, 'newcomer', 'the receiver lost its place')
})

test('a read-back that fails (the receiver is gone or slow) hands nothing over and costs the receiver nothing', () => {
  const { node, io, step } = handingOff()
  step()
  const handoff = io.take().filter(s => s.req.type === 'store' && s.to.address === 'newcomer')
  handoff[0].done({ ok: true, value: { type: 'stored', accepted: 12, refused: [] } })
  answerReadBack(io, () => ({ ok: false, failure: 'timeout' }))
  assert.equal(node.counters().handoffsUnproven, 0)
  assert.equal(node.counters().handoffRecordsSent, 0)
  assert.equal(node.status().primaryRecords, 12, 'every record stays here as owner, to be offered again')
})
