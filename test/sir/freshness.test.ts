/**
 * SIR rumors carry a signed creation time (issue 10, item 7): a receiver refuses one outside its
 * freshness window, refuses a replay after the rumor's id was forgotten, and cannot be fooled by a
 * re-dated copy (the time is part of the signed id).
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { sirConfig } from '../../src/sir/config.js'
import { rumorId } from '../../src/sir/rumor.js'
import type { DeliveredRumor } from '../../src/sir/sir-node.js'
import { peer } from '../helpers/recording-io.js'
import { pushAck, rumorFrom, setup } from './sir-fixture.js'

const MINUTE_MS = 60_000

describe('SIR freshness', () => {
  test('defaults and validation of the window and the peer quota', () => {
    const c = sirConfig({ rumorTtlMs: 5 * MINUTE_MS, maxStoredRumors: 300 })
    assert.equal(c.maxRumorAgeMs, 5 * MINUTE_MS, 'the window follows the TTL')
    assert.equal(c.maxClockSkewMs, 30_000)
    assert.equal(c.maxRumorsPerPeer, 150, 'half the store')
    assert.throws(() => sirConfig({ maxStoredRumors: 100, maxRumorsPerPeer: 101 }), /maxRumorsPerPeer/)
    assert.throws(() => sirConfig({ maxClockSkewMs: -1 }), /maxClockSkewMs/)
    assert.throws(() => sirConfig({ maxRumorAgeMs: 0 }), /maxRumorAgeMs/)
  })

  test('refuses a rumor made before the window or beyond the clock skew, takes one inside', () => {
    const { io, node } = setup({ mode: 'push', maxRumorAgeMs: 10 * MINUTE_MS, maxClockSkewMs: 1000 })
    io.clock = 60 * MINUTE_MS
    const old = rumorFrom('o', 'old', 1n, 't', io.clock - 10 * MINUTE_MS - 1)
    const future = rumorFrom('o', 'future', 2n, 't', io.clock + 1001)
    const edge = rumorFrom('o', 'edge', 3n, 't', io.clock - 10 * MINUTE_MS)
    const skewed = rumorFrom('o', 'skewed', 4n, 't', io.clock + 1000)
    assert.deepEqual(node.onRequest(peer('a'), { type: 'push', rumors: [old, future, edge, skewed] }), pushAck([false, false, false, false]))
    assert.equal(node.counters().stale, 1)
    assert.equal(node.counters().fromFuture, 1)
    assert.equal(node.counters().accepted, 2)
  })

  test('a replay is refused after its id left the store and the memory of ids', () => {
    const { io, node } = setup({ mode: 'push', maxStoredRumors: 2, maxRememberedIds: 2, maxRumorsPerPeer: 2, rumorTtlMs: 60 * MINUTE_MS })
    const got: DeliveredRumor[] = []
    node.subscribe('t', d => got.push(d))
    const captured = rumorFrom('o', 'pay 10', 1n, 't', io.clock)
    node.onRequest(peer('a'), { type: 'push', rumors: [captured] })
    // Newer rumors push it out of the store, then out of the remembered ids.
    for (let i = 0; i < 6; i++) {
      io.clock += 1000
      node.onRequest(peer(`p${i}`), { type: 'push', rumors: [rumorFrom(`o${i}`, `news ${i}`, 1n, 't', io.clock)] })
    }
    assert.equal(node.rumorState(rumorId(captured)), 'S', 'its id is forgotten')
    io.clock += 1000
    node.onRequest(peer('b'), { type: 'push', rumors: [captured] })
    assert.equal(got.filter(d => d.payload.length === 6 && new TextDecoder().decode(d.payload) === 'pay 10').length, 1, 'delivered once, never again')
    assert.equal(node.counters().stale, 1)
  })

  test('a re-dated copy is a forgery: the creation time is signed', () => {
    const { io, node } = setup({ mode: 'push' })
    io.clock = 30 * MINUTE_MS
    const captured = rumorFrom('o', 'pay 10', 1n, 't', 0)
    node.onRequest(peer('a'), { type: 'push', rumors: [{ ...captured, createdAtMs: io.clock }] })
    assert.equal(node.counters().forged, 1)
    assert.equal(node.counters().accepted, 0)
  })
})
