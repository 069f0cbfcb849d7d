import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { AdaptivePeriod } from '../../src/core/adaptive-period.js'
import { ringDistance } from '../../src/core/id.js'
import type { PeerRef } from '../../src/core/port.js'
import { createRandom } from '../../src/core/random.js'
import { ChordNode } from '../../src/chord/chord-node.js'
import { FingerTable } from '../../src/chord/finger-table.js'
import type { ChordRequest, ChordResponse } from '../../src/chord/messages.js'
import { RecordingIo, peer } from '../helpers/recording-io.js'

const CONFIG = { stabilizeIntervalMs: 1000, stabilizeMaxIntervalMs: 8000, fixFingersIntervalMs: 1000, fixFingersMaxIntervalMs: 60000, checkPredecessorIntervalMs: 2000, checkPredecessorMaxIntervalMs: 16000 }

/** When each periodic timer of a node seeded with (or without) `settled` first fires. */
function firstFirings (name: string, settled: boolean): Map<string, number> {
  const self = peer(name)
  const io = new RecordingIo<ChordRequest, ChordResponse>(self, name)
  const node = new ChordNode(io, CONFIG)
  const ring = Array.from({ length: 12 }, (_, i) => peer(`${name}-m${i}`)).sort((a, b) => (ringDistance(self.id, a.id) < ringDistance(self.id, b.id) ? -1 : 1))
  node.seedRouting({ predecessor: ring[11], successors: ring.slice(0, 4), fingers: [ring[5], ring[8]], settled })
  node.start()
  return new Map(io.timers)
}

describe('Chord seeding: settled and fresh maintenance, batch finger seeding', () => {
  test('an adaptive period settles at its maximum and snaps back to its minimum on a change', () => {
    const p = new AdaptivePeriod({ minMs: 1000, maxMs: 8000 })
    p.settle()
    assert.equal(p.current, 8000)
    assert.equal(p.changed(), true)
    assert.equal(p.current, 1000)
  })

  test('a settled seed spreads first firings over the longest periods, a fresh one over the shortest', () => {
    const fresh = Array.from({ length: 40 }, (_, i) => firstFirings(`f${i}`, false))
    const settled = Array.from({ length: 40 }, (_, i) => firstFirings(`s${i}`, true))
    for (const [timer, min, max] of [['stabilize', 1000, 8000], ['fix-fingers', 1000, 60000], ['check-predecessor', 2000, 16000]] as const) {
      for (const t of fresh) assert.ok((t.get(timer) as number) < min, `fresh ${timer} within its minimum`)
      for (const t of settled) assert.ok((t.get(timer) as number) < max, `settled ${timer} within its maximum`)
      assert.ok(settled.filter(t => (t.get(timer) as number) >= min).length >= 20, `settled ${timer} mostly past its minimum`)
    }
  })

  test('addAll leaves the finger table that adding each node would', () => {
    const random = createRandom('add-all')
    for (let round = 0; round < 20; round++) {
      const self = peer(`self-${round}`)
      const peers: PeerRef[] = Array.from({ length: 60 }, (_, i) => peer(`r${round}-p${i}`))
      const one = new FingerTable(self.id)
      const batch = new FingerTable(self.id)
      const first = random.shuffle(peers.slice()).slice(0, 10)
      for (const p of first) { one.add(p); batch.add(p) }
      const rest = random.shuffle(peers.slice())
      for (const p of rest) one.add(p)
      batch.addAll([...rest, self, rest[0]])
      assert.deepEqual(batch.list().map(p => p.address), one.list().map(p => p.address))
    }
  })
})
