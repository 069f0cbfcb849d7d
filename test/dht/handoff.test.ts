/**
 * Hand-off counts what the receiver accepted (issue 10, item 3): a Chord node whose new
 * predecessor refuses part of a hand-off keeps the refused records as owner (and offers them again
 * at its next step); the counter counts only the accepted ones. Through a recording port.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { inOpenClosed, keyId, ringDistance } from '../../src/core/id.js'
import { ChordNode } from '../../src/chord/chord-node.js'
import type { ChordRequest, ChordResponse } from '../../src/chord/messages.js'
import { signRecord } from '../../src/dht/record.js'
import { RecordingIo, peer } from '../helpers/recording-io.js'

test('a hand-off the receiver refuses in part: refused records stay here as owner, only accepted ones count', () => {
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
  // Routing state is first-hand: the node probes the newcomer before adopting it as predecessor.
  for (let sent = io.take(); sent.length > 0; sent = io.take()) {
    for (const s of sent) if (s.req.type === 'ping') s.done({ ok: true, value: { type: 'ack' } })
  }
  const step = (): void => {
    io.clock = Math.max(io.clock, io.timers.get('replicate') as number)
    io.timers.delete('replicate')
    node.onTimer('replicate')
  }
  step()
  const handoff = io.take().filter(s => s.req.type === 'store' && s.to.address === 'newcomer')
  assert.equal(handoff.length, 1)
  const req = handoff[0].req as Extract<ChordRequest, { type: 'store' }>
  assert.equal(req.records.length, keys.length)
  // The receiver keeps the first 4, refuses 4 for its quota, and 4 as stale (it has them newer).
  handoff[0].done({ ok: true, value: { type: 'stored', accepted: 4, refused: [...[4, 5, 6, 7].map(index => ({ index, reason: 'quota' as const })), ...[8, 9, 10, 11].map(index => ({ index, reason: 'stale' as const }))] } })
  assert.equal(node.counters().handoffRecordsSent, 8, 'accepted and superseded records count as handed over; refused ones do not')
  assert.equal(node.status().primaryRecords, 4, 'the 4 refused records stay here as owner')
  const stillOwned = new Set([...node.storedKeys()].filter(([, primary]) => primary).map(([id]) => id))
  assert.deepEqual([...stillOwned].sort(), req.records.slice(4, 8).map(r => keyId(r.key)).sort())
  // The next storage step offers exactly those again.
  io.take()
  step()
  const again = io.take().filter(s => s.req.type === 'store' && s.to.address === 'newcomer')
  assert.deepEqual((again[0].req as Extract<ChordRequest, { type: 'store' }>).records.map(r => keyId(r.key)).sort(), [...stillOwned].sort())
})
