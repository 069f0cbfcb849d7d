/**
 * The round-trip estimate (RFC 6298): the protocol's timeout is a floor the estimate only
 * stretches, never past the ceiling; slow answers stretch it and fast ones bring it back.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { RttEstimator } from '../../src/core/rtt-estimator.js'

test('before any sample the timeout is the floor', () => {
  assert.equal(new RttEstimator().timeoutMs(2000, 8000), 2000)
})

test('fast answers keep the floor; slow ones stretch the timeout up to the ceiling', () => {
  const rtt = new RttEstimator()
  for (let i = 0; i < 50; i++) rtt.sample(5)
  assert.equal(rtt.timeoutMs(2000, 8000), 2000)
  for (let i = 0; i < 3; i++) rtt.sample(2500)
  const stretched = rtt.timeoutMs(2000, 8000)
  assert.ok(stretched > 2000 && stretched <= 8000, `stretched to ${stretched}`)
  for (let i = 0; i < 50; i++) rtt.sample(60_000)
  assert.equal(rtt.timeoutMs(2000, 8000), 8000)
})

test('the estimate comes back down when answers are fast again', () => {
  const rtt = new RttEstimator()
  for (let i = 0; i < 20; i++) rtt.sample(3000)
  assert.ok(rtt.timeoutMs(2000, 8000) > 2000)
  for (let i = 0; i < 100; i++) rtt.sample(5)
  assert.equal(rtt.timeoutMs(2000, 8000), 2000)
  assert.ok((rtt.smoothedMs as number) < 10)
})

test('samples that are not round trips are ignored', () => {
  const rtt = new RttEstimator()
  rtt.sample(-1)
  rtt.sample(Number.NaN)
  rtt.sample(Number.POSITIVE_INFINITY)
  assert.equal(rtt.smoothedMs, undefined)
  assert.equal(rtt.timeoutMs(100, 400), 100)
})
