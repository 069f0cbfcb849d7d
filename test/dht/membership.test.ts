/**
 * The join and membership policy (src/dht/membership.ts) through a recording port: which peer it
 * joins through and when, its retries while alone, and the backing-off membership check of a
 * joined node. Joins and checks are answered by hand.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Outcome } from '../../src/core/dht-outcome.js'
import type { PeerRef } from '../../src/core/port.js'
import {
  JOIN_DEFER_MS, JOINED_CHECK_EVERY_TICKS, JOINED_CHECK_MAX_TICKS, MEMBERSHIP_CHECK_INTERVAL_MS,
  MEMBERSHIP_CHECK_TIMER, MEMBERSHIP_DEFER_TIMER, Membership, type MemberNode, type MembershipInit
} from '../../src/dht/membership.js'
import { RecordingIo } from '../helpers/recording-io.js'

const self: PeerRef = { id: 100n, address: 'self' }
const smaller: PeerRef = { id: 10n, address: 'small' }
const larger: PeerRef = { id: 200n, address: 'large' }

interface Call { kind: 'join' | 'check', via: PeerRef, done: (o: Outcome<PeerRef>) => void }

/** A node whose joins and membership checks the test answers; `alone` is set by hand. */
class FakeNode implements MemberNode {
  isAlone = true
  calls: Call[] = []
  alone (): boolean { return this.isAlone }
  join (via: PeerRef, done: (o: Outcome<PeerRef>) => void): void { this.calls.push({ kind: 'join', via, done }) }
  rejoinIfApart (via: PeerRef, done: (o: Outcome<PeerRef>) => void): void { this.calls.push({ kind: 'check', via, done }) }
  take (): Call[] { const c = this.calls; this.calls = []; return c }
}

function setup (init: MembershipInit = {}): { io: RecordingIo<unknown, unknown>, node: FakeNode, m: Membership, fire: (name: string) => void } {
  const io = new RecordingIo<unknown, unknown>(self)
  const node = new FakeNode()
  const m = new Membership(io, node, init)
  return { io, node, m, fire: name => { io.fire(name, n => { assert.equal(m.onTimer(n), true) }) } }
}

const ok: Outcome<PeerRef> = { ok: true, value: self }
const failed: Outcome<PeerRef> = { ok: false, failure: 'no-live-node' }

test('a peer with a smaller id: joined through at once', () => {
  const { node, m } = setup()
  m.onPeer(smaller, true)
  assert.deepEqual(node.take().map(c => [c.kind, c.via.address]), [['join', 'small']])
})

test('a peer with a larger id: joined through only JOIN_DEFER_MS later, and only if still alone', () => {
  const { io, node, m, fire } = setup()
  m.onPeer(larger, true)
  assert.equal(node.take().length, 0)
  assert.equal(io.timers.get(MEMBERSHIP_DEFER_TIMER), JOIN_DEFER_MS)
  fire(MEMBERSHIP_DEFER_TIMER)
  assert.deepEqual(node.take().map(c => [c.kind, c.via.address]), [['join', 'large']])

  const second = setup()
  second.m.onPeer(larger, true)
  second.node.isAlone = false // the larger peer joined through us meanwhile
  second.fire(MEMBERSHIP_DEFER_TIMER)
  assert.equal(second.node.take().length, 0)
})

test('a lone node retries through a candidate every MEMBERSHIP_CHECK_INTERVAL_MS; one join at a time', () => {
  const { io, node, m, fire } = setup()
  m.onPeer(smaller, true)
  const first = node.take()
  assert.equal(first.length, 1)
  // Still in flight at the tick: no second join.
  fire(MEMBERSHIP_CHECK_TIMER)
  assert.equal(node.take().length, 0)
  first[0].done(failed)
  for (let i = 0; i < 3; i++) {
    assert.equal(io.timers.get(MEMBERSHIP_CHECK_TIMER), io.clock + MEMBERSHIP_CHECK_INTERVAL_MS)
    fire(MEMBERSHIP_CHECK_TIMER)
    const retry = node.take()
    assert.deepEqual(retry.map(c => [c.kind, c.via.address]), [['join', 'small']])
    retry[0].done(failed)
  }
})

test('onJoin hears every join outcome', () => {
  const outcomes: boolean[] = []
  const { node, m, fire } = setup({ onJoin: o => outcomes.push(o.ok) })
  m.onPeer(smaller, true)
  node.take()[0].done(failed)
  fire(MEMBERSHIP_CHECK_TIMER)
  node.take()[0].done(ok)
  assert.deepEqual(outcomes, [false, true])
})

/** Ticks until the next membership check, answering it with `outcome`. */
function ticksToCheck (fire: (name: string) => void, node: FakeNode, outcome: Outcome<PeerRef>): number {
  for (let ticks = 1; ticks <= 100; ticks++) {
    fire(MEMBERSHIP_CHECK_TIMER)
    const calls = node.take()
    if (calls.length === 0) continue
    assert.deepEqual(calls.map(c => [c.kind, c.via.address]), [['check', 'small']])
    calls[0].done(outcome)
    return ticks
  }
  throw new Error('no membership check in 100 ticks')
}

test('a joined node with bootstrap peers checks its membership, less often while answered, as at first after a failure', () => {
  const { node, m, fire } = setup({ bootstrapPeers: ['small'] })
  m.onPeer(smaller, true)
  node.take()[0].done(ok)
  node.isAlone = false
  const answered = [1, 2, 3, 4, 5].map(() => ticksToCheck(fire, node, ok))
  // 6, 12, 24, 48, 48 ticks with the constants of today.
  assert.deepEqual(answered, [0, 1, 2, 3, 4].map(i => Math.min(JOINED_CHECK_MAX_TICKS, JOINED_CHECK_EVERY_TICKS * 2 ** i)))
  assert.equal(answered[answered.length - 1], JOINED_CHECK_MAX_TICKS)
  assert.equal(ticksToCheck(fire, node, failed), JOINED_CHECK_MAX_TICKS)
  assert.equal(ticksToCheck(fire, node, ok), JOINED_CHECK_EVERY_TICKS)
  assert.equal(ticksToCheck(fire, node, ok), 2 * JOINED_CHECK_EVERY_TICKS)
})

test('without bootstrap peers a joined node does not check its membership, nor tick until a connection changes', () => {
  const { io, node, m, fire } = setup()
  m.onPeer(smaller, true)
  node.take()[0].done(ok)
  node.isAlone = false
  for (let i = 0; i < 2 * JOINED_CHECK_MAX_TICKS && io.timers.has(MEMBERSHIP_CHECK_TIMER); i++) fire(MEMBERSHIP_CHECK_TIMER)
  assert.equal(node.take().length, 0)
  assert.equal(io.timers.has(MEMBERSHIP_CHECK_TIMER), false, 'no tick while joined: nothing to do')
  // A neighbour's connection closes and the node finds itself alone: the tick comes back and joins.
  m.onPeer(larger, true)
  m.onPeer(larger, false)
  node.isAlone = true
  fire(MEMBERSHIP_CHECK_TIMER)
  assert.deepEqual(node.take().filter(c => c.kind === 'join').map(c => c.via.address), ['small'])
})

test('no candidates, nothing: no timer, no join; a peer outside the bootstrap peers is no candidate', () => {
  const { io, node, m } = setup({ bootstrapPeers: ['elsewhere'] })
  m.onPeer(smaller, true)
  m.onPeer(larger, true)
  assert.equal(io.timers.size, 0)
  assert.equal(node.take().length, 0)

  const gone = setup()
  gone.m.onPeer(smaller, true)
  gone.node.take()[0].done(failed)
  gone.m.onPeer(smaller, false)
  gone.fire(MEMBERSHIP_CHECK_TIMER)
  assert.equal(gone.node.take().length, 0)
  // The last candidate gone, the check stops ticking.
  assert.equal(gone.io.timers.has(MEMBERSHIP_CHECK_TIMER), false)
})

test('after stop: no timer, no join; other timers are not the policy\'s', () => {
  const { io, node, m } = setup()
  m.onPeer(larger, true)
  m.stop()
  assert.equal(io.timers.size, 0)
  m.onPeer(smaller, true)
  assert.equal(node.take().length, 0)
  assert.equal(m.onTimer('stabilize'), false)
})
