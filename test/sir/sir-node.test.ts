import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { sirConfig } from '../../src/sir/config.js'
import type { SirRequest } from '../../src/sir/messages.js'
import { rumorId, type Rumor } from '../../src/sir/rumor.js'
import type { DeliveredRumor } from '../../src/sir/sir-node.js'
import { peer } from '../helpers/recording-io.js'
import { fire, pushAck, rumorFrom, setup, utf8 } from './sir-fixture.js'

describe('SIR node through a recording port', () => {
  test('options are validated once', () => {
    assert.throws(() => sirConfig({ k: 0.5 }), /k must be/)
    assert.throws(() => sirConfig({ fanout: 0 }), /fanout/)
    assert.throws(() => sirConfig({ mode: 'gossip' as never }), /mode/)
    assert.throws(() => sirConfig({ roundJitter: 1 }), /roundJitter/)
    assert.throws(() => sirConfig({ maxStoredRumors: 100, maxRememberedIds: 10 }), /maxRememberedIds/)
    assert.throws(() => sirConfig({ maxStoredRumors: 100, maxRumorsPerOrigin: 101 }), /maxRumorsPerOrigin/)
    assert.throws(() => sirConfig({ maxPayloadBytes: 70_000 }), /maxPayloadBytes/)
    assert.throws(() => sirConfig({ roundIntervalMs: 2000, idlePullMaxIntervalMs: 1000 }), /idlePullMaxIntervalMs/)
    assert.throws(() => sirConfig({ antiEntropyIntervalMs: 5000, antiEntropyMaxIntervalMs: 4999 }), /antiEntropyMaxIntervalMs/)
    assert.equal(sirConfig({ roundIntervalMs: 120_000 }).idlePullMaxIntervalMs, 120_000, 'the default longest period grows with the shortest')
    const c = sirConfig({ k: Infinity })
    assert.equal(c.k, Infinity)
    assert.equal(c.mode, 'pushpull')
    assert.equal(sirConfig(c), c, 'a validated config is taken as is')
  })

  test('push: S -> I on publish; feedback "already knew" turns R with k = 1; the idle node arms no round', () => {
    const { io, node } = setup({ mode: 'push', k: 1, roundIntervalMs: 1000, requestTimeoutMs: 300 })
    assert.equal(io.timers.has('round'), false, 'nothing to push, no round')
    const id = node.publish('t', utf8.encode('hello'))
    assert.equal(node.rumorState(id), 'I')
    assert.ok(io.timers.has('round'))
    fire(io, node)
    let sent = io.take()
    assert.equal(sent.length, 1)
    assert.equal(sent[0].to.address, 'a')
    assert.equal(sent[0].options.timeoutMs, 300)
    assert.equal(sent[0].req.type, 'push')
    const pushed = (sent[0].req as Extract<SirRequest, { type: 'push' }>).rumors
    assert.deepEqual(pushed.map(rumorId), [id])
    // The peer did not know it: the node keeps spreading.
    sent[0].done({ ok: true, value: pushAck([false]) })
    assert.equal(node.rumorState(id), 'I')
    fire(io, node)
    sent = io.take()
    // The peer knew it: with k = 1 the coin always says stop.
    sent[0].done({ ok: true, value: pushAck([true]) })
    assert.equal(node.rumorState(id), 'R')
    assert.equal(node.counters().removedByCoin, 1)
    assert.equal(io.timers.has('round'), false, 'a removed rumor leaves nothing to push')
  })

  test('k = Infinity (SI) never removes; the coin with k = 2 removes about half the time', () => {
    const { io, node } = setup({ mode: 'push', k: Infinity })
    const id = node.publish('t', utf8.encode('x'))
    for (let i = 0; i < 50; i++) {
      fire(io, node)
      io.take()[0].done({ ok: true, value: pushAck([true]) })
    }
    assert.equal(node.rumorState(id), 'I')
    let removed = 0
    const trials = 400
    for (let i = 0; i < trials; i++) {
      const s = setup({ mode: 'push', k: 2 }, { seed: `coin-${i}` })
      const rid = s.node.publish('t', utf8.encode('x'))
      fire(s.io, s.node)
      s.io.take()[0].done({ ok: true, value: pushAck([true]) })
      if (s.node.rumorState(rid) === 'R') removed++
    }
    // Binomial(400, 1/2): mean 200, sd 10; the band is 4 sd either way.
    assert.ok(removed > 160 && removed < 240, `removed ${removed} of ${trials}`)
  })

  test('reconfigure: k and mode change on a running node, checked as at construction; a reply is read as the mode it was sent in', () => {
    const { io, node } = setup({ mode: 'push', k: Infinity })
    assert.throws(() => node.reconfigure({ k: 0 }), /k must be/)
    assert.throws(() => node.reconfigure({ mode: 'flood' as never }), /mode/)
    assert.equal(node.config.k, Infinity, 'a refused change changes nothing')
    assert.equal(io.timers.has('round'), false, 'push with nothing infected arms no round')
    node.reconfigure({ mode: 'pull' })
    assert.equal(node.config.mode, 'pull')
    assert.ok(io.timers.has('round'), 'a puller rounds even when idle')
    node.reconfigure({ mode: 'push' })
    assert.equal(io.timers.has('round'), false, 'back to push: the idle round is cancelled')
    const id = node.publish('t', utf8.encode('x'))
    fire(io, node)
    const [push] = io.take()
    assert.equal(push.req.type, 'push')
    node.reconfigure({ k: 1, mode: 'pushpull' })
    push.done({ ok: true, value: pushAck([true]) })
    assert.equal(node.counters().malformed, 0, 'the push-ack of a push sent before the change is no bad reply')
    assert.equal(node.rumorState(id), 'R', 'the coin of the new k = 1 removes it')
  })

  test('receiving a push: new -> I, delivered once, answered "did not know"; a duplicate is answered "knew"', () => {
    const { io, node } = setup({ mode: 'push' })
    const got: DeliveredRumor[] = []
    node.subscribe('t', d => got.push(d))
    const r = rumorFrom('origin', 'news')
    const a = peer('a')
    assert.deepEqual(node.onRequest(a, { type: 'push', rumors: [r] }), pushAck([false]))
    assert.equal(node.rumorState(rumorId(r)), 'I')
    assert.ok(io.timers.has('round'), 'an infected node starts its rounds')
    assert.equal(got.length, 1)
    assert.equal(got[0].id, rumorId(r))
    assert.equal(got[0].from.address, 'a')
    assert.deepEqual(got[0].payload, utf8.encode('news'))
    assert.deepEqual(node.onRequest(peer('b'), { type: 'push', rumors: [r] }), pushAck([true]))
    assert.equal(got.length, 1, 'a duplicate is not delivered again')
    const c = node.counters()
    assert.equal(c.accepted, 1)
    assert.equal(c.duplicates, 1)
    assert.equal(c.delivered, 1)
  })

  test('signatures: a forged or tampered rumor is dropped and counted; bad shapes are counted apart', () => {
    const { node } = setup({ mode: 'push', maxPayloadBytes: 16 })
    const got: DeliveredRumor[] = []
    node.subscribe('t', d => got.push(d))
    const good = rumorFrom('origin', 'news')
    const forged: Rumor = { ...good, signature: good.signature.map(b => b ^ 1) }
    const tampered: Rumor = { ...good, payload: utf8.encode('fake news') }
    const impostor: Rumor = { ...rumorFrom('mallory', 'news'), origin: utf8.encode('origin') }
    const unsigned: Rumor = { ...good, signature: new Uint8Array(0) }
    const big = rumorFrom('origin', 'x'.repeat(17), 2n)
    const res = node.onRequest(peer('a'), { type: 'push', rumors: [forged, tampered, impostor, unsigned, big] })
    assert.deepEqual(res, pushAck([false, false, false, false, false]))
    for (const r of [forged, tampered, impostor, big]) assert.equal(node.rumorState(rumorId(r)), 'S')
    const c = node.counters()
    assert.equal(c.forged, 3)
    assert.equal(c.malformed, 1)
    assert.equal(c.oversized, 1)
    assert.equal(c.accepted, 0)
    assert.equal(got.length, 0)
    // The genuine rumor still gets in afterwards.
    assert.deepEqual(node.onRequest(peer('a'), { type: 'push', rumors: [good] }), pushAck([false]))
    assert.equal(got.length, 1)
  })

  test('pull: the asker sends its digest and takes in what it lacks; the responder flips the coin when the asker knew', () => {
    const asker = setup({ mode: 'pull', k: 1 }, { address: 'asker', peers: ['responder'] })
    const responder = setup({ mode: 'pull', k: 1 }, { address: 'responder', peers: ['asker'] })
    const id = responder.node.publish('t', utf8.encode('x'))
    asker.io.take(); responder.io.take()
    // The asker's round: a pull with an empty digest.
    fire(asker.io, asker.node)
    const [sent] = asker.io.take()
    assert.deepEqual(sent.req, { type: 'pull', digest: [] })
    const reply = responder.node.onRequest(asker.io.self, sent.req)
    assert.equal(reply.type, 'rumors')
    assert.deepEqual(reply.type === 'rumors' && reply.rumors.map(rumorId), [id])
    assert.equal(responder.node.rumorState(id), 'I', 'the asker lacked it: no coin')
    sent.done({ ok: true, value: reply })
    assert.equal(asker.node.rumorState(id), 'I')
    // Next round the asker lists it: the responder learns the asker knew it, and (k = 1) stops.
    fire(asker.io, asker.node)
    const [again] = asker.io.take()
    assert.deepEqual(again.req, { type: 'pull', digest: [id] })
    assert.deepEqual(responder.node.onRequest(asker.io.self, again.req), { type: 'rumors', rumors: [] })
    assert.equal(responder.node.rumorState(id), 'R')
    // A removed rumor is not served to a pull.
    assert.deepEqual(responder.node.onRequest(peer('z'), { type: 'pull', digest: [] }), { type: 'rumors', rumors: [] })
  })

  test('push-pull: both directions in one exchange, the pull side judged before the pushed rumors are taken in', () => {
    const { io, node } = setup({ mode: 'pushpull', k: 1, roundIntervalMs: 1000 }, { address: 'b' })
    const x = node.publish('t', utf8.encode('x'))
    const y = rumorFrom('a', 'y')
    // A pushes y (new to B) and lists y in its digest; B must not count y as "known to A" and turn R.
    const res = node.onRequest(peer('a'), { type: 'pushpull', rumors: [y], digest: [rumorId(y)] })
    assert.equal(res.type, 'pushpull-ack')
    assert.deepEqual(res.type === 'pushpull-ack' && res.known, [false])
    assert.deepEqual(res.type === 'pushpull-ack' && res.rumors.map(rumorId), [x])
    assert.equal(node.rumorState(rumorId(y)), 'I')
    assert.equal(node.rumorState(x), 'I')
    // y was learned between two slots: B offers it to pullers from its next slot on.
    assert.deepEqual(node.onRequest(peer('c'), { type: 'pull', digest: [x] }), { type: 'rumors', rumors: [] })
    assert.equal(node.rumorState(x), 'R', 'c knew x: the coin (k = 1) removed it')
    io.clock = 1000
    const later = node.onRequest(peer('c'), { type: 'pull', digest: [] })
    assert.deepEqual(later.type === 'rumors' && later.rumors.map(rumorId), [rumorId(y)])
    // Now A knows y: B's coin removes it too.
    node.onRequest(peer('a'), { type: 'pushpull', rumors: [], digest: [x, rumorId(y)] })
    assert.equal(node.rumorState(x), 'R')
    assert.equal(node.rumorState(rumorId(y)), 'R')
  })

  test('the store stays within its bound under a flood from one peer; fresh origin keys buy it no more room', () => {
    const { node } = setup({ mode: 'push', maxStoredRumors: 100, maxRumorsPerOrigin: 10, maxRememberedIds: 100 })
    const flooder = peer('a')
    // One origin: its quota caps it.
    for (let m = 0; m < 5; m++) {
      const rumors = Array.from({ length: 64 }, (_, i) => rumorFrom('mallory', `m${m}-${i}`, BigInt(m * 64 + i)))
      node.onRequest(flooder, { type: 'push', rumors })
    }
    assert.equal(node.status().storedRumors, 10)
    assert.equal(node.counters().overQuota, 5 * 64 - 10)
    // Many origins (cheap identities) through the same peer: its share (half the store) caps them.
    for (let m = 0; m < 20; m++) {
      const rumors = Array.from({ length: 64 }, (_, i) => rumorFrom(`sybil-${m}-${i}`, 'spam'))
      node.onRequest(flooder, { type: 'push', rumors })
      assert.ok(node.status().storedRumors <= 50)
    }
    assert.equal(node.status().storedRumors, 50)
    assert.equal(node.counters().overPeerQuota, 20 * 64 - 40)
    // Another peer's rumors still find room, and nothing honest was evicted for the flood.
    const honest = Array.from({ length: 50 }, (_, i) => rumorFrom(`honest-${i}`, 'news'))
    assert.deepEqual(node.onRequest(peer('b'), { type: 'push', rumors: honest }), pushAck(honest.map(() => false)))
    assert.equal(node.status().storedRumors, 100)
    assert.equal(node.counters().evicted, 0)
    // A message over the per-message limit is refused whole.
    const tooMany = Array.from({ length: 65 }, (_, i) => rumorFrom('x', `${i}`))
    assert.deepEqual(node.onRequest(flooder, { type: 'push', rumors: tooMany }), pushAck(tooMany.map(() => false)))
    assert.equal(node.counters().malformed, 1)
  })

  test('expiry: a rumor leaves the store after its TTL and is not accepted again', () => {
    const { io, node } = setup({ mode: 'push', rumorTtlMs: 1000 })
    const got: DeliveredRumor[] = []
    node.subscribe('t', d => got.push(d))
    const r = rumorFrom('origin', 'old')
    node.onRequest(peer('a'), { type: 'push', rumors: [r] })
    io.clock = 999
    node.onRequest(peer('a'), { type: 'pull', digest: [] })
    assert.equal(node.status().storedRumors, 1)
    io.clock = 1000
    node.onRequest(peer('a'), { type: 'pull', digest: [] })
    assert.equal(node.status().storedRumors, 0)
    assert.equal(node.counters().expired, 1)
    assert.deepEqual(node.onRequest(peer('b'), { type: 'push', rumors: [r] }), pushAck([true]), 'its id is remembered')
    assert.equal(got.length, 1)
    assert.equal(node.rumorState(rumorId(r)), 'R')
  })

  test('anti-entropy: a sync returns every stored rumor the asker lacks; what it brings enters R', () => {
    const { io, node } = setup({ mode: 'push', k: 1, antiEntropy: true, antiEntropyIntervalMs: 5000 })
    const got: DeliveredRumor[] = []
    node.subscribe('t', d => got.push(d))
    assert.ok(io.timers.has('anti-entropy'))
    const mine = node.publish('t', utf8.encode('mine'))
    fire(io, node)
    io.take()[0].done({ ok: true, value: pushAck([true]) })
    assert.equal(node.rumorState(mine), 'R')
    // Responder side: removed rumors are served too.
    const res = node.onRequest(peer('a'), { type: 'sync', digest: [] })
    assert.deepEqual(res.type === 'rumors' && res.rumors.map(rumorId), [mine])
    assert.deepEqual(node.onRequest(peer('a'), { type: 'sync', digest: [mine] }), { type: 'rumors', rumors: [] })
    // Asker side.
    fire(io, node, 'anti-entropy')
    const [sent] = io.take()
    assert.deepEqual(sent.req, { type: 'sync', digest: [mine] })
    const theirs = rumorFrom('a', 'theirs')
    sent.done({ ok: true, value: { type: 'rumors', rumors: [theirs] } })
    assert.equal(node.rumorState(rumorId(theirs)), 'R')
    assert.equal(got.length, 1)
    assert.equal(node.counters().acceptedBySync, 1)
    assert.ok(io.timers.has('anti-entropy'), 're-armed')
  })

  test('rounds fall on slots: aligned nodes fire at multiples of the interval', () => {
    const { io, node } = setup({ mode: 'pull', alignRounds: true, roundIntervalMs: 1000, idlePullMaxIntervalMs: 1000 })
    assert.equal(io.timers.get('round'), 1000)
    fire(io, node)
    assert.equal(io.timers.get('round'), 2000)
    const push = setup({ mode: 'push', alignRounds: true, roundIntervalMs: 1000 })
    push.io.clock = 1500
    push.node.publish('t', utf8.encode('x'))
    assert.equal(push.io.timers.get('round'), 2000, 'a node that becomes infected waits for its next slot')
  })

  test('failures and bad replies change nothing; after stop nothing is sent and late replies are ignored', () => {
    const { io, node } = setup({ mode: 'push', k: 1 })
    const id = node.publish('t', utf8.encode('x'))
    fire(io, node)
    io.take()[0].done({ ok: false, failure: 'timeout' })
    assert.equal(node.rumorState(id), 'I')
    assert.equal(node.counters().requestsFailed, 1)
    fire(io, node)
    io.take()[0].done({ ok: true, value: pushAck([true, true]) })
    assert.equal(node.rumorState(id), 'I', 'a feedback list of the wrong length is malformed')
    fire(io, node)
    io.take()[0].done({ ok: true, value: { type: 'rumors', rumors: [] } })
    assert.equal(node.counters().malformed, 2)
    fire(io, node)
    const [late] = io.take()
    node.stop()
    assert.equal(io.timers.size, 0)
    late.done({ ok: true, value: pushAck([true]) })
    assert.equal(node.rumorState(id), 'I')
    assert.throws(() => node.publish('t', utf8.encode('y')), /not running/)
  })

  test('the view: fed by onPeer, bounded, never self', () => {
    const { node } = setup({ mode: 'push', maxViewPeers: 2 }, { peers: [] })
    node.onPeer(peer('self'), true)
    assert.equal(node.status().viewSize, 0)
    node.onPeer(peer('a'), true); node.onPeer(peer('b'), true); node.onPeer(peer('c'), true)
    assert.equal(node.status().viewSize, 2)
    node.onPeer(peer('c'), false); node.onPeer(peer('a'), false); node.onPeer(peer('b'), false)
    assert.equal(node.status().viewSize, 0)
  })

  test('publish and subscribe check their input; a throwing listener is counted, unsubscribe stops delivery', () => {
    const { node } = setup({ mode: 'push', maxPayloadBytes: 4 })
    assert.throws(() => node.publish('', new Uint8Array(0)), RangeError)
    assert.throws(() => node.publish('x'.repeat(257), new Uint8Array(0)), RangeError)
    assert.throws(() => node.publish('\uD800', new Uint8Array(0)), RangeError)
    assert.throws(() => node.publish('t', new Uint8Array(5)), RangeError)
    const got: string[] = []
    node.subscribe('t', () => { throw new Error('listener bug') })
    const off = node.subscribe('t', d => got.push(d.id))
    node.onRequest(peer('a'), { type: 'push', rumors: [rumorFrom('o', 'one')] })
    off()
    node.onRequest(peer('a'), { type: 'push', rumors: [rumorFrom('o', 'two', 2n)] })
    assert.equal(got.length, 1)
    assert.equal(node.counters().listenerErrors, 2)
  })
})
