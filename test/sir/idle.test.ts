/**
 * What an idle SIR node spends (issue 8): no round without an infected rumor in push mode, idle
 * pulls and anti-entropy that back off while nothing is new and snap back on news, driven through
 * a recording port over long stretches of virtual time.
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { SirInit } from '../../src/sir/config.js'
import type { SirRequest, SirResponse } from '../../src/sir/messages.js'
import { rumorId, type Rumor } from '../../src/sir/rumor.js'
import type { SirNode } from '../../src/sir/sir-node.js'
import { peer } from '../helpers/recording-io.js'
import { fire, rumorFrom, setup, utf8, type SirRecordingIo } from './sir-fixture.js'

const MINUTE_MS = 60_000

interface Sent { at: number, type: SirRequest['type'], to: string }

/** What a peer that knows nothing new answers. */
function emptyReply (req: SirRequest): SirResponse {
  switch (req.type) {
    case 'push': return { type: 'push-ack', known: req.rumors.map(() => false) }
    case 'pushpull': return { type: 'pushpull-ack', known: req.rumors.map(() => false), rumors: [] }
    default: return { type: 'rumors', rumors: [] }
  }
}

/**
 * Fires the node's timers in due order until virtual time `untilMs`, answering every request at
 * once with `reply` (default: nothing new); returns what was sent.
 */
function runUntil (io: SirRecordingIo, node: SirNode, untilMs: number, reply: (req: SirRequest) => SirResponse = emptyReply): Sent[] {
  const sent: Sent[] = []
  for (;;) {
    let next: [string, number] | undefined
    for (const entry of io.timers) if (next === undefined || entry[1] < next[1]) next = entry
    if (next === undefined || next[1] > untilMs) break
    fire(io, node, next[0])
    for (const s of io.take()) {
      sent.push({ at: io.clock, type: s.req.type, to: s.to.address })
      s.done({ ok: true, value: reply(s.req) })
    }
  }
  io.clock = Math.max(io.clock, untilMs)
  return sent
}

function gaps (times: number[]): number[] {
  return times.slice(1).map((t, i) => t - times[i])
}

const idleInit: SirInit = { mode: 'pushpull', antiEntropy: true, roundIntervalMs: 1000, idlePullMaxIntervalMs: 60_000, antiEntropyIntervalMs: 5000, antiEntropyMaxIntervalMs: 60_000 }

describe('SIR node at rest', () => {
  test('idle push node: no round timer at all; only anti-entropy, backing off to its longest period', () => {
    const { io, node } = setup({ ...idleInit, mode: 'push' }, { peers: ['a', 'b'] })
    assert.equal(io.timers.has('round'), false)
    const sent = runUntil(io, node, 10 * MINUTE_MS)
    assert.equal(io.timers.has('round'), false)
    assert.ok(sent.every(s => s.type === 'sync'), 'nothing but syncs')
    const syncGaps = gaps(sent.map(s => s.at))
    assert.deepEqual(syncGaps.slice(0, 4), [10_000, 20_000, 40_000, 60_000], 'doubling from 5 s (no jitter)')
    assert.ok(syncGaps.every(g => g <= 60_000))
    assert.ok(sent.length <= 14, `${sent.length} syncs in 10 minutes`)
  })

  test('idle push-pull node: pulls back off from one interval to idlePullMaxIntervalMs; a node with nothing spreads nothing', () => {
    const { io, node } = setup(idleInit, { peers: ['a', 'b'] })
    const sent = runUntil(io, node, 10 * MINUTE_MS)
    const pulls = sent.filter(s => s.type === 'pushpull')
    assert.deepEqual(gaps(pulls.map(s => s.at)).slice(0, 7), [2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000])
    const lastFive = sent.filter(s => s.at >= 5 * MINUTE_MS)
    // Backed off: one pull and one sync a minute; the fixed periods of old sent 60 + 12.
    assert.ok(lastFive.filter(s => s.type === 'pushpull').length <= 5, 'at most one pull a minute')
    assert.ok(lastFive.filter(s => s.type === 'sync').length <= 5, 'at most one sync a minute')
    const before = setup({ ...idleInit, idlePullMaxIntervalMs: 1000, antiEntropyMaxIntervalMs: 5000 }, { peers: ['a', 'b'] })
    const fixed = runUntil(before.io, before.node, 10 * MINUTE_MS).filter(s => s.at >= 5 * MINUTE_MS)
    assert.equal(fixed.length, 5 * (60 + 12), 'without backoff: a pull a second and a sync every 5 s')
  })

  test('publishing on a backed-off node arms rounds every interval until the rumor is removed; idle pulls then back off again', () => {
    const { io, node } = setup({ ...idleInit, k: 1, idlePullsAfterNews: 2 }, { peers: ['a', 'b'] })
    runUntil(io, node, 10 * MINUTE_MS)
    const idleDue = io.timers.get('round') as number
    assert.ok(idleDue - io.clock > 1000, 'backed off')
    const id = node.publish('t', utf8.encode('news'))
    assert.ok((io.timers.get('round') as number) - io.clock <= 1000, 'the next slot')
    // Peers that did not know it: the node spreads every interval.
    const live = runUntil(io, node, io.clock + 10_000).filter(s => s.type === 'pushpull')
    assert.equal(live.length, 10)
    assert.ok(gaps(live.map(s => s.at)).every(g => g === 1000))
    assert.equal(node.rumorState(id), 'I')
    // Now every peer knew it: k = 1 removes it at the first such answer; idle pulls back off again.
    const knew = (req: SirRequest): SirResponse => req.type === 'pushpull' ? { type: 'pushpull-ack', known: req.rumors.map(() => true), rumors: [] } : emptyReply(req)
    const after = runUntil(io, node, io.clock + 20_000, knew).filter(s => s.type === 'pushpull')
    assert.equal(node.rumorState(id), 'R')
    assert.deepEqual(gaps(after.map(s => s.at)).slice(0, 5), [1000, 1000, 1000, 2000, 4000], 'idlePullsAfterNews (2) at one interval, then doubling')
  })

  test('receiving a rumor on a backed-off node arms its rounds and a sync soon', () => {
    const { io, node } = setup(idleInit, { peers: ['a', 'b'] })
    runUntil(io, node, 10 * MINUTE_MS)
    assert.ok((io.timers.get('round') as number) - io.clock > 1000)
    assert.ok((io.timers.get('anti-entropy') as number) - io.clock > 5000)
    const r = rumorFrom('origin', 'news', 1n, 't', io.clock)
    node.onRequest(peer('a'), { type: 'push', rumors: [r] })
    assert.equal(node.rumorState(rumorId(r)), 'I')
    assert.ok((io.timers.get('round') as number) - io.clock <= 1000, 'rounds at the next slot')
    assert.ok((io.timers.get('anti-entropy') as number) - io.clock <= 1000, 'anti-entropy snapped back (the last sync was long ago)')
    const pull = setup({ ...idleInit, mode: 'pull' }, { peers: ['a'] })
    runUntil(pull.io, pull.node, 10 * MINUTE_MS)
    // A pull that returns a rumor: the node learned something, its pulls come every interval.
    fire(pull.io, pull.node)
    const [req] = pull.io.take()
    req.done({ ok: true, value: { type: 'rumors', rumors: [rumorFrom('origin', 'pulled', 1n, 't', pull.io.clock)] } })
    assert.ok((pull.io.timers.get('round') as number) - pull.io.clock <= 1000)
  })

  test('push mode: rounds stop when every rumor is removed', () => {
    const { io, node } = setup({ ...idleInit, mode: 'push', k: 1 }, { peers: ['a'] })
    const a = node.publish('t', utf8.encode('a'))
    const b = node.publish('t', utf8.encode('b'))
    assert.ok(io.timers.has('round'))
    const knew = (req: SirRequest): SirResponse => req.type === 'push' ? { type: 'push-ack', known: req.rumors.map(() => true) } : emptyReply(req)
    const sent = runUntil(io, node, 10 * MINUTE_MS, knew)
    assert.equal(node.rumorState(a), 'R')
    assert.equal(node.rumorState(b), 'R')
    assert.equal(io.timers.has('round'), false)
    assert.equal(sent.filter(s => s.type === 'push').length, 1, 'one push of both; both known, both removed')
  })

  test('anti-entropy backs off while digests match and snaps back when a sync brings a rumor', () => {
    const { io, node } = setup({ ...idleInit, mode: 'push' }, { peers: ['a'] })
    runUntil(io, node, 10 * MINUTE_MS)
    const missed = rumorFrom('a', 'missed', 1n, 't', io.clock)
    let fresh: Rumor | undefined = missed
    // The next sync brings a rumor this node missed: the one after comes at the shortest period.
    const reply = (req: SirRequest): SirResponse => {
      const rumors = fresh === undefined ? [] : [fresh]
      fresh = undefined
      return req.type === 'sync' ? { type: 'rumors', rumors } : emptyReply(req)
    }
    const syncs = runUntil(io, node, io.clock + 5 * MINUTE_MS, reply).map(s => s.at)
    assert.equal(node.rumorState(rumorId(missed)), 'R', 'learned by sync: removed, not spread')
    assert.deepEqual(gaps(syncs).slice(0, 5), [5000, 10_000, 20_000, 40_000, 60_000])
  })

  test('a digest naming a rumor this node lacks: the next sync goes to that peer, soon, and never within the shortest period of the last', () => {
    const { io, node } = setup({ ...idleInit, mode: 'push' }, { peers: ['a', 'b', 'c'] })
    runUntil(io, node, 10 * MINUTE_MS)
    const unknown = rumorFrom('z', 'elsewhere', 1n, 't', io.clock)
    node.onRequest(peer('c'), { type: 'sync', digest: [rumorId(unknown)] })
    const due = io.timers.get('anti-entropy') as number
    assert.ok(due - io.clock <= 1000, 'one round away')
    fire(io, node, 'anti-entropy')
    const [sync] = io.take()
    assert.equal(sync.to.address, 'c')
    assert.equal(sync.req.type, 'sync')
    sync.done({ ok: true, value: { type: 'rumors', rumors: [unknown] } })
    // A second hint right after: the sync waits for the shortest period since the last.
    node.onRequest(peer('b'), { type: 'pull', digest: [rumorId(rumorFrom('y', 'more'))] })
    assert.ok((io.timers.get('anti-entropy') as number) >= io.clock + 5000)
    // A digest of nothing new is no hint.
    const calm = setup({ ...idleInit, mode: 'push' }, { peers: ['a'] })
    runUntil(calm.io, calm.node, 10 * MINUTE_MS)
    const dueBefore = calm.io.timers.get('anti-entropy')
    calm.node.onRequest(peer('a'), { type: 'sync', digest: [] })
    assert.equal(calm.io.timers.get('anti-entropy'), dueBefore)
  })

  test('a peer new to the view snaps anti-entropy back', () => {
    const { io, node } = setup({ ...idleInit, mode: 'push' }, { peers: ['a'] })
    runUntil(io, node, 10 * MINUTE_MS)
    assert.ok((io.timers.get('anti-entropy') as number) - io.clock > 5000)
    node.onPeer(peer('a'), true)
    assert.ok((io.timers.get('anti-entropy') as number) - io.clock > 5000, 'a peer already in view is no news')
    node.onPeer(peer('newcomer'), true)
    assert.ok((io.timers.get('anti-entropy') as number) - io.clock <= 1000)
  })
})
