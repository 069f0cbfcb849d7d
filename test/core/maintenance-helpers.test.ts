import { test } from 'node:test'
import assert from 'node:assert/strict'
import { AdaptivePeriod } from '../../src/core/adaptive-period.js'
import { FailedPeers } from '../../src/core/failed-peers.js'

test('AdaptivePeriod doubles while quiet, caps at maxMs and snaps back on change', () => {
  const p = new AdaptivePeriod({ minMs: 1000, maxMs: 5000 })
  assert.equal(p.current, 1000)
  assert.equal(p.backedOff, false)
  assert.deepEqual([p.quiet(), p.quiet(), p.quiet(), p.quiet()], [2000, 4000, 5000, 5000])
  assert.equal(p.backedOff, true)
  assert.equal(p.changed(), true)
  assert.equal(p.current, 1000)
  assert.equal(p.changed(), false)
  assert.throws(() => new AdaptivePeriod({ minMs: 10, maxMs: 5 }), /minMs <= maxMs/)
  assert.throws(() => new AdaptivePeriod({ minMs: 10, maxMs: 50, factor: 0.5 }), /factor/)
})

test('FailedPeers suppresses a failed peer with a doubling backoff, clears on success, stays bounded', () => {
  const f = new FailedPeers({ baseMs: 1000, maxMs: 4000, maxEntries: 2 })
  assert.equal(f.suppressed('a', 0), false)
  assert.equal(f.failed('a', 0), 1000)
  assert.equal(f.suppressed('a', 999), true)
  assert.equal(f.suppressed('a', 1000), false)
  assert.equal(f.failed('a', 1000), 3000)
  assert.equal(f.failed('a', 3000), 7000)
  assert.equal(f.failed('a', 7000), 11000, 'capped at maxMs')
  assert.equal(f.failures('a'), 4)
  f.succeeded('a')
  assert.equal(f.suppressed('a', 7000), false)
  assert.equal(f.failures('a'), 0)
  f.failed('a', 0); f.failed('b', 0); f.failed('c', 0)
  assert.equal(f.size, 2)
  assert.equal(f.suppressed('a', 1), false, 'the least recently failed peer was evicted')
  assert.equal(f.suppressed('c', 1), true)
})
