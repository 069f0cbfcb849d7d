/**
 * The token buckets of the inbound rate limit (src/libp2p/rate-limit.ts), on an injected clock:
 * bursts pass, the rate refills, a peer's bucket does not lend to another, the total bounds all,
 * a refusal takes no token, and bad limits are refused once at construction.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { InboundRateLimiter, rateLimitConfig, TokenBucket } from '../../src/libp2p/rate-limit.js'

describe('inbound rate limit', () => {
  it('passes a burst, then the rate, and never saves more than the burst', () => {
    const bucket = new TokenBucket(10, 5, 0)
    let passed = 0
    for (let i = 0; i < 20; i++) if (bucket.has(0)) { bucket.take(); passed++ }
    assert.equal(passed, 5)
    assert.equal(bucket.has(50), false, 'half a token after 50 ms at 10/s')
    assert.equal(bucket.has(100), true, 'one token after 100 ms')
    bucket.take()
    passed = 0
    for (let i = 0; i < 20; i++) if (bucket.has(60_000)) { bucket.take(); passed++ }
    assert.equal(passed, 5, 'a minute idle saves only the burst')
  })

  it('keeps one bucket per peer and one in total; a refusal takes no token', () => {
    const limiter = new InboundRateLimiter({ perPeerPerSecond: 1, perPeerBurst: 3, totalPerSecond: 1, totalBurst: 5 })
    const outcomes = (peer: string, n: number): string[] => Array.from({ length: n }, () => limiter.admit(peer, 0))
    assert.deepEqual(outcomes('a', 5), ['ok', 'ok', 'ok', 'peer', 'peer'])
    assert.deepEqual(outcomes('b', 4), ['ok', 'ok', 'total', 'total'], 'b has its own bucket but the total is spent')
    assert.deepEqual([limiter.admit('c', 1000), limiter.admit('c', 1000)], ['ok', 'total'], 'one second refills one total token')
  })

  it('fills defaults and refuses limits that are not positive', () => {
    assert.deepEqual(rateLimitConfig(), { perPeerPerSecond: 100, perPeerBurst: 500, totalPerSecond: 2000, totalBurst: 5000 })
    for (const bad of [{ perPeerPerSecond: 0 }, { totalPerSecond: -1 }, { perPeerBurst: 0.5 }, { totalBurst: Number.NaN }]) {
      assert.throws(() => rateLimitConfig(bad), RangeError, JSON.stringify(bad))
    }
  })
})
