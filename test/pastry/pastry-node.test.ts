/**
 * A Pastry node driven through a recording port (STYLE.md #9): what it answers to a route step
 * (the next-hop rule of Rowstron & Druschel 2001 §2.2), what it sends in an iterative route, a join
 * (§2.4), a leaf-set step and its repair, a takeover of keys by a newcomer, and a leave; replies and
 * timer firings are fed by hand. Expectations are computed from a LeafSet and RoutingTable built
 * independently from the same peers, never read from the node's private fields.
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { digit, keyId, ringDistance, sharedPrefixLength, type NodeId } from '../../src/core/id.js'
import type { PeerRef } from '../../src/core/port.js'
import { isCloser } from '../../src/pastry/closeness.js'
import { pastryConfig } from '../../src/pastry/config.js'
import { LeafSet } from '../../src/pastry/leaf-set.js'
import type { PastryRequest, PastryResponse } from '../../src/pastry/messages.js'
import { PastryNode } from '../../src/pastry/pastry-node.js'
import { RoutingTable } from '../../src/pastry/routing-table.js'
import { holdersFrom } from '../../src/pastry/operations.js'
import { RecordingIo, peer, serveFetches } from '../helpers/recording-io.js'
import { signRecord } from '../../src/dht/record.js'

type Io = RecordingIo<PastryRequest, PastryResponse>
const MASK = (1n << 256n) - 1n
const utf8 = new TextEncoder()

interface Setup { io: Io, node: PastryNode, self: PeerRef, others: PeerRef[], leaves: LeafSet, table: RoutingTable }

/** A node seeded with the true leaf set and a first-fit routing table over 300 peers. */
function setup (init = {}): Setup {
  const self = peer('self')
  const io: Io = new RecordingIo(self)
  const node = new PastryNode(io, { requestTimeoutMs: 100, ...init })
  const others = Array.from({ length: 300 }, (_, i) => peer(`p${i}`))
  const leaves = new LeafSet(self, 8)
  const table = new RoutingTable(self)
  for (const p of others) leaves.add(p)
  // The node offers its leaf set to its table first (seedState), so the same order here.
  for (const p of [...leaves.members(), ...others]) table.add(p)
  node.seedState({ leafSet: leaves.members(), routingTable: table.entries() })
  node.start()
  return { io, node, self, others, leaves, table }
}

function fire (io: Io, node: PastryNode, name: string): void {
  assert.ok(io.timers.has(name), `timer ${name} armed`)
  io.clock = Math.max(io.clock, io.timers.get(name) as number)
  io.timers.delete(name)
  node.onTimer(name)
}

/**
 * Answers every probe (ping) sent, and those its answers set off, with ack, as live peers do;
 * returns the other requests sent meanwhile.
 */
function answerProbes (io: Io): ReturnType<Io['take']> {
  const rest: ReturnType<Io['take']> = []
  for (let sent = io.take(); sent.length > 0; sent = io.take()) {
    for (const s of sent) {
      if (s.req.type === 'ping') s.done({ ok: true, value: { type: 'ack' } })
      else rest.push(s)
    }
  }
  return rest
}

/** A key sharing exactly `p` digits with `id` whose digit p is `d`, the rest taken from `fill`. */
function keyWithPrefix (id: NodeId, p: number, d: number, fill: NodeId): NodeId {
  const shift = BigInt(4 * (64 - p))
  const prefix = p === 0 ? 0n : (id >> shift) << shift
  const low = fill & ((1n << BigInt(4 * (63 - p))) - 1n)
  return prefix | (BigInt(d) << BigInt(4 * (63 - p))) | low
}

describe('Pastry node through a recording port', () => {
  test('options are validated once', () => {
    assert.throws(() => pastryConfig({ leafSetSize: 15 }), /even/)
    assert.throws(() => pastryConfig({ leafSetSize: 66 }))
    assert.throws(() => pastryConfig({ replicas: 10 }), /replicas/)
    assert.equal(pastryConfig({ leafSetSize: 32, replicas: 17 }).replicas, 17)
    assert.throws(() => pastryConfig({ jitter: 1 }))
    assert.throws(() => pastryConfig({ replicaLeaseMs: 1000 }))
    assert.equal(pastryConfig().leafSetSize, 16)
  })

  test('route step: deliver when self is closest, the closest leaf within the leaf range, else the table entry for the next digit', () => {
    const { node, self, leaves, table, others } = setup()
    const asker = others[0]
    const own = node.onRequest(asker, { type: 'route', key: (self.id + 1n) & MASK })
    assert.equal(own.type, 'deliver')
    assert.deepEqual(own.type === 'deliver' && own.leafSet.right.map(p => p.address), leaves.right.map(p => p.address))
    const r3 = leaves.right[3]
    const near = node.onRequest(asker, { type: 'route', key: (r3.id + 1n) & MASK })
    assert.equal(near.type, 'next')
    if (near.type !== 'next') return
    assert.equal(near.nodes[0].address, r3.address, 'the numerically closest leaf')
    assert.ok(near.nodes.every(p => isCloser((r3.id + 1n) & MASK, p.id, self.id)), 'alternates are closer than self')
    const d = (digit(self.id, 0) + 8) % 16
    const far = keyWithPrefix(self.id, 0, d, 0x1234567n)
    const res = node.onRequest(asker, { type: 'route', key: far })
    assert.equal(res.type, 'next')
    assert.equal(res.type === 'next' && res.nodes[0].address, table.get(0, d)?.address)
    assert.ok(res.type === 'next' && res.nodes.length <= 8)
  })

  test('route step, the rare case: no table entry, so the known node sharing as long a prefix that is numerically closest', () => {
    const self = peer('self')
    const io: Io = new RecordingIo(self)
    const node = new PastryNode(io, { requestTimeoutMs: 100 })
    // No peer has first digit D, so row 0 column D stays empty; D is far from self's digit, so keys
    // there are outside the leaf set's range.
    const D = (digit(self.id, 0) + 8) % 16
    const others = Array.from({ length: 600 }, (_, i) => peer(`q${i}`)).filter(p => digit(p.id, 0) !== D)
    const leaves = new LeafSet(self, 8)
    const table = new RoutingTable(self)
    for (const p of others) leaves.add(p)
    for (const p of [...leaves.members(), ...others]) table.add(p)
    node.seedState({ leafSet: leaves.members(), routingTable: others })
    node.start()
    const key = keyWithPrefix(self.id, 0, D, 0x5555n)
    assert.ok(!leaves.covers(key))
    const known = [...leaves.members(), ...table.entries()]
    const best = known.reduce((b, p) => (isCloser(key, p.id, b.id) ? p : b))
    const res = node.onRequest(others[0], { type: 'route', key })
    assert.equal(res.type, 'next')
    assert.equal(res.type === 'next' && res.nodes[0].address, best.address)
    assert.ok(res.type === 'next' && res.nodes.every(p => isCloser(key, p.id, self.id)))
    assert.equal(node.counters().rareCaseAnswers, 1)
  })

  test('iterative lookup: asks the next hop, falls back to alternates on failure, counts hops, answers later', () => {
    const { io, node, self, table } = setup()
    io.take()
    const d = (digit(self.id, 0) + 5) % 16
    const key = keyWithPrefix(self.id, 0, d, 0xabcdefn)
    const results: unknown[] = []
    node.lookup(key, o => results.push(o))
    let sent = io.take()
    assert.equal(sent.length, 1)
    assert.equal(sent[0].to.address, table.get(0, d)?.address)
    assert.deepEqual(sent[0].req, { type: 'route', key })
    assert.equal(sent[0].options.timeoutMs, 100)
    const a = peer('hop-a'); const b = peer('hop-b'); const z = peer('hop-z')
    sent[0].done({ ok: true, value: { type: 'next', nodes: [a, b], rows: [] } })
    sent = io.take()
    assert.equal(sent[0].to.address, 'hop-a')
    sent[0].done({ ok: false, failure: 'timeout' })
    sent = io.take()
    assert.equal(sent[0].to.address, 'hop-b', 'the alternate after the failed hop')
    sent[0].done({ ok: true, value: { type: 'next', nodes: [z], rows: [] } })
    sent = io.take()
    assert.equal(sent[0].to.address, 'hop-z')
    sent[0].done({ ok: true, value: { type: 'deliver', leafSet: { left: [b], right: [] }, rows: [] } })
    assert.deepEqual(results, [], 'the answer is deferred, not delivered inside the reply')
    fire(io, node, 'deferred')
    const r = results[0] as { ok: true, value: { owner: PeerRef, hops: number, failures: number } }
    assert.equal(r.ok, true)
    assert.equal(r.value.owner.address, 'hop-z')
    assert.equal(r.value.hops, 4)
    assert.equal(r.value.failures, 1)
  })

  test('a node whose every next hop has failed is the destination (it would deliver itself once it noticed)', () => {
    const { io, node, self } = setup()
    io.take()
    const key = keyWithPrefix(self.id, 0, (digit(self.id, 0) + 6) % 16, 99n)
    const results: unknown[] = []
    node.lookup(key, o => results.push(o))
    const dead = peer('dead-owner'); const second = peer('second-closest')
    io.take()[0].done({ ok: true, value: { type: 'next', nodes: [dead, second], rows: [] } })
    io.take()[0].done({ ok: false, failure: 'unreachable' })
    const sent = io.take()
    assert.equal(sent[0].to.address, 'second-closest')
    sent[0].done({ ok: true, value: { type: 'next', nodes: [dead], rows: [] } })
    assert.deepEqual(io.take(), [], 'nobody else is asked')
    fire(io, node, 'deferred')
    const r = results[0] as { ok: true, value: { owner: PeerRef, hops: number, failures: number } }
    assert.deepEqual([r.value.owner.address, r.value.hops, r.value.failures], ['second-closest', 3, 1])
  })

  test('a route that asks maxRouteHops nodes without delivery is dropped and counted', () => {
    const { io, node, self } = setup({ maxRouteHops: 3 })
    io.take()
    const key = keyWithPrefix(self.id, 0, (digit(self.id, 0) + 3) % 16, 77n)
    const results: unknown[] = []
    node.lookup(key, o => results.push(o))
    for (let i = 0; i < 5; i++) {
      for (const s of io.take()) s.done({ ok: true, value: { type: 'next', nodes: [peer(`loop${i}`)], rows: [] } })
    }
    fire(io, node, 'deferred')
    assert.deepEqual(results, [{ ok: false, failure: 'hop-limit' }])
    assert.equal(node.counters().routesOverHopLimit, 1)
    assert.equal(node.counters().routesFailed, 1)
  })

  test('leaf-set step: exchange with the clockwise neighbour; a member its leaf set lacks is probed; a dead one is replaced from the edge', () => {
    const { io, node, self, leaves } = setup()
    io.take()
    fire(io, node, 'leaf-set')
    let sent = io.take()
    assert.equal(sent.length, 1)
    const r1 = leaves.right[0]
    assert.equal(sent[0].to.address, r1.address)
    assert.equal(sent[0].req.type, 'exchange')
    // r1's leaf set as the truth would have it, but without r2 (which r1 found dead).
    const all = setup().others
    const r1Leaves = new LeafSet(r1, 8)
    for (const p of [self, ...all]) if (p.address !== leaves.right[1].address) r1Leaves.add(p)
    sent[0].done({ ok: true, value: { type: 'leaf-set', leafSet: r1Leaves.view() } })
    sent = answerProbes(io)
    assert.deepEqual(sent.map(s => s.to.address), [leaves.right[1].address], 'the missing member is probed')
    sent[0].done({ ok: false, failure: 'timeout' })
    assert.ok(!node.leafSet().right.some(p => p.address === leaves.right[1].address), 'forgotten')
    sent = answerProbes(io)
    assert.equal(sent.length, 1)
    assert.equal(sent[0].to.address, leaves.right[7].address, 'repair asks the farthest member on that side')
    // Its leaf set reaches past our edge: the 9th node clockwise becomes our 8th.
    const edge = new LeafSet(leaves.right[7], 8)
    for (const p of [self, ...all]) if (p.address !== leaves.right[1].address) edge.add(p)
    sent[0].done({ ok: true, value: { type: 'leaf-set', leafSet: edge.view() } })
    // The node it names is hearsay until it answers our own probe.
    assert.equal(node.leafSet().right.length, 7)
    answerProbes(io)
    const truth = new LeafSet(self, 8)
    for (const p of all) if (p.address !== leaves.right[1].address) truth.add(p)
    assert.deepEqual(node.leafSet().right.map(p => p.address), truth.right.map(p => p.address))
    assert.equal(node.counters().leafRepairs, 1)
  })

  test('maintenance backs off while steps learn nothing, and snaps back to the minimum on a change', () => {
    const { io, node, self, leaves, others } = setup({ leafSetIntervalMs: 1000, leafSetMaxIntervalMs: 8000, routingTableIntervalMs: 5000, routingTableMaxIntervalMs: 40000, jitter: 0 })
    io.take()
    // The neighbour's true leaf set: it lists self and names no node self's leaf set lacks.
    const theirs = new LeafSet(leaves.right[0], 8)
    for (const p of [self, ...others]) theirs.add(p)
    const delays: number[] = []
    for (let i = 0; i < 6; i++) {
      fire(io, node, 'leaf-set')
      delays.push((io.timers.get('leaf-set') as number) - io.clock)
      const sent = io.take()
      assert.ok(sent.some(s => s.to.address === leaves.right[0].address && s.req.type === 'exchange'), 'the clockwise neighbour is asked')
      // Every answer teaches nothing new.
      for (const s of sent) s.done({ ok: true, value: s.req.type === 'exchange' ? { type: 'leaf-set', leafSet: theirs.view() } : { type: 'ack' } })
    }
    assert.deepEqual(delays, [1000, 2000, 4000, 8000, 8000, 8000], 'doubles up to leafSetMaxIntervalMs')
    const tableDelays: number[] = []
    for (let i = 0; i < 5; i++) {
      fire(io, node, 'routing-table')
      tableDelays.push((io.timers.get('routing-table') as number) - io.clock)
      for (const s of io.take()) s.done({ ok: true, value: { type: 'ack' } })
    }
    assert.deepEqual(tableDelays, [10000, 20000, 40000, 40000, 40000])
    // Traffic that flows anyway counts: a request from the neighbour spares the next exchange with it.
    node.onRequest(leaves.right[0], { type: 'ping' })
    fire(io, node, 'leaf-set')
    assert.ok(!io.take().some(s => s.to.address === leaves.right[0].address), 'a neighbour heard from since the last step is not asked')
    // A newcomer between self and its clockwise neighbour changes the leaf set: both periods snap back.
    const newcomer = { id: (self.id + ringDistance(self.id, leaves.right[0].id) / 2n) & MASK, address: 'newcomer' }
    node.onRequest(newcomer, { type: 'announce' })
    answerProbes(io) // the newcomer answers our probe: first-hand, so it is learnt
    assert.equal((io.timers.get('leaf-set') as number) - io.clock, 1000)
    assert.equal((io.timers.get('routing-table') as number) - io.clock, 5000)
    fire(io, node, 'leaf-set')
    assert.equal((io.timers.get('leaf-set') as number) - io.clock, 1000, 'a step that saw a change stays at the minimum')
    assert.ok(io.take().some(s => s.to.address === 'newcomer' && s.req.type === 'exchange'), 'the new clockwise neighbour is asked at once')
  })

  test('a backed-off node still exchanges with a neighbour heard from by traffic until that neighbour\'s leaf set lists it', () => {
    const { io, node, self, leaves, others } = setup({ leafSetIntervalMs: 1000, leafSetMaxIntervalMs: 8000, jitter: 0 })
    io.take()
    const next = leaves.right[0]
    // The neighbour has not learnt self (say, the announcement of self's join timed out).
    const unaware = new LeafSet(next, 8)
    for (const p of others) unaware.add(p)
    const aware = new LeafSet(next, 8)
    for (const p of [self, ...others]) aware.add(p)
    const step = (answer: LeafSet): boolean => {
      // Traffic from the neighbour since the last step, as lookups through it bring.
      io.clock += 100
      node.onRequest(next, { type: 'ping' })
      fire(io, node, 'leaf-set')
      const sent = answerProbes(io)
      const asked = sent.some(s => s.to.address === next.address && s.req.type === 'exchange')
      for (const s of sent) s.done({ ok: true, value: s.req.type === 'exchange' ? { type: 'leaf-set', leafSet: answer.view() } : { type: 'ack' } })
      return asked
    }
    for (let i = 0; i < 5; i++) assert.ok(step(unaware), `step ${i}: asked, though heard from by traffic`)
    assert.equal((io.timers.get('leaf-set') as number) - io.clock, 8000, 'backed off all the same')
    assert.ok(step(aware), 'asked once more; this answer lists self')
    assert.ok(!step(aware), 'now traffic spares the exchange')
  })

  test('no retry storm: a failed member named again by a stale neighbour is not re-admitted nor asked by routes; a request from it readmits it', () => {
    const { io, node, self, leaves, others } = setup()
    io.take()
    const r1 = leaves.right[0]; const r2 = leaves.right[1]
    fire(io, node, 'leaf-set')
    let sent = io.take()
    const r1Leaves = new LeafSet(r1, 8)
    for (const p of [self, ...others]) if (p.address !== r2.address) r1Leaves.add(p)
    sent[0].done({ ok: true, value: { type: 'leaf-set', leafSet: r1Leaves.view() } })
    sent = answerProbes(io)
    assert.deepEqual(sent.map(s => s.to.address), [r2.address])
    sent[0].done({ ok: false, failure: 'timeout' })
    assert.ok(!node.leafSet().right.some(p => p.address === r2.address), 'forgotten')
    // The repair asks the farthest member, whose leaf set is stale: it still names r2.
    sent = answerProbes(io)
    assert.equal(sent[0].to.address, leaves.right[7].address)
    const stale = new LeafSet(leaves.right[7], 8)
    for (const p of [self, ...others]) stale.add(p)
    sent[0].done({ ok: true, value: { type: 'leaf-set', leafSet: stale.view() } })
    assert.ok(!node.leafSet().right.some(p => p.address === r2.address), 'hearsay does not bring back a peer that just failed')
    node.onRequest(leaves.right[3], { type: 'exchange', leafSet: stale.view() })
    assert.ok(!node.leafSet().right.some(p => p.address === r2.address), 'nor does a stale exchange')
    answerProbes(io)
    // A route whose answer names r2 first goes on to the alternate without dialling r2.
    const key = keyWithPrefix(self.id, 0, (digit(self.id, 0) + 4) % 16, 4242n)
    node.lookup(key, () => {})
    sent = io.take()
    const alternate = peer('alternate')
    sent[0].done({ ok: true, value: { type: 'next', nodes: [r2, alternate], rows: [] } })
    assert.deepEqual(io.take().map(s => s.to.address), ['alternate'], 'the failed peer is skipped while its backoff lasts')
    // r2 itself sends a request: it is probed, and a member again once it answers us.
    node.onRequest(r2, { type: 'ping' })
    assert.deepEqual(io.sent.map(s => [s.to.address, s.req.type]), [[r2.address, 'ping']])
    answerProbes(io)
    assert.equal(node.leafSet().right[1].address, r2.address)
  })

  test('onPeer(down) of a leaf-set member: one first-hand probe; on failure it is dropped and the side repaired; the nearest one\'s failure is pushed to the members at once', () => {
    const { io, node, leaves, others } = setup()
    io.take()
    const r3 = leaves.right[2]
    node.onPeer(peer('stranger'), false)
    node.onPeer(r3, true)
    assert.deepEqual(io.take(), [], 'a peer coming up, or one we do not know, costs nothing')
    node.onPeer(r3, false)
    node.onPeer(r3, false)
    let sent = io.take()
    assert.equal(sent.length, 1, 'one probe, however often the runtime reports it')
    assert.equal(sent[0].to.address, r3.address)
    sent[0].done({ ok: false, failure: 'unreachable' })
    assert.ok(!node.leafSet().right.some(p => p.address === r3.address), 'dropped')
    sent = io.take()
    assert.deepEqual(sent.map(s => s.to.address), [leaves.right[7].address], 'the side is repaired from its farthest member')
    assert.ok((io.timers.get('leaf-set') as number) - io.clock > 110, 'no push: r3 has nearer neighbours, who tell the members')
    sent[0].done({ ok: true, value: { type: 'leaf-set', leafSet: { left: [], right: [] } } })
    // The nearest member on the right fails: now this node is the dead one's neighbour and pushes.
    const r1 = leaves.right[0]
    node.onPeer(r1, false)
    sent = io.take()
    assert.deepEqual(sent.map(s => s.to.address), [r1.address])
    sent[0].done({ ok: false, failure: 'timeout' })
    assert.ok(!node.leafSet().right.some(p => p.address === r1.address), 'dropped')
    sent = io.take()
    assert.deepEqual(sent.map(s => s.to.address), [leaves.right[7].address], 'the side is repaired from its farthest member')
    assert.ok((io.timers.get('leaf-set') as number) - io.clock <= 110, 'the push follows within LEAF_PUSH_DELAY_MS')
    sent[0].done({ ok: true, value: { type: 'leaf-set', leafSet: { left: [], right: [] } } })
    fire(io, node, 'leaf-set')
    sent = io.take()
    const told = new Set(sent.filter(s => s.req.type === 'exchange').map(s => s.to.address))
    for (const p of node.leafSet().right) assert.ok(told.has(p.address), 'every member hears of the failure')
    for (const p of node.leafSet().left) assert.ok(told.has(p.address))
    // A member that answers the probe stays.
    const l1 = leaves.left[0]
    node.onPeer(l1, false)
    for (const s of io.take()) s.done({ ok: true, value: { type: 'leaf-set', leafSet: { left: [], right: [] } } })
    assert.equal(node.leafSet().left[0].address, l1.address)
    // A routing-table entry that went down is pinged, and forgotten (its slot queued for repair) on failure.
    const entry = node.status().routingRows[0].entries.map(e => e.peer).find(p => !leaves.has(p.address)) as PeerRef
    assert.ok(others.some(p => p.address === entry.address))
    node.onPeer(entry, false)
    sent = io.take()
    assert.deepEqual(sent.map(s => [s.to.address, s.req.type]), [[entry.address, 'ping']])
    sent[0].done({ ok: false, failure: 'timeout' })
    assert.ok(!node.status().routingRows[0].entries.some(e => e.peer.address === entry.address))
  })

  test('a graceful leave snaps a backed-off neighbour\'s maintenance back', () => {
    const { io, node, self, leaves, others } = setup({ jitter: 0 })
    io.take()
    for (let i = 0; i < 5; i++) {
      fire(io, node, 'leaf-set')
      for (const s of io.take()) s.done({ ok: true, value: { type: 'leaf-set', leafSet: { left: [], right: [] } } })
    }
    assert.ok((io.timers.get('leaf-set') as number) - io.clock > 1000, 'backed off')
    const r2 = leaves.right[1]
    const view = new LeafSet(r2, 8)
    for (const p of [self, ...others]) view.add(p)
    node.onRequest(r2, { type: 'leaving', leafSet: view.view() })
    assert.ok(!node.leafSet().right.some(p => p.address === r2.address))
    assert.equal((io.timers.get('leaf-set') as number) - io.clock, 1000)
    answerProbes(io)
    assert.equal(node.leafSet().right.length, 8, 'the leaver\'s leaf set fills the gap once its node answers our probe')
  })

  test('join: route to own id, rows from the path, leaf set from the last node, then announce', () => {
    const self = peer('joiner')
    const io: Io = new RecordingIo(self)
    const node = new PastryNode(io, { requestTimeoutMs: 100 })
    node.start()
    const network = Array.from({ length: 300 }, (_, i) => peer(`p${i}`))
    const bootstrap = network.find(p => sharedPrefixLength(p.id, self.id) === 0) as PeerRef
    const hop = network.find(p => sharedPrefixLength(p.id, self.id) === 1) as PeerRef
    const results: unknown[] = []
    node.join(bootstrap, o => results.push(o))
    let sent = io.take()
    assert.equal(sent.length, 1)
    assert.deepEqual(sent[0].req, { type: 'join-route', key: self.id, fromRow: 0 })
    const row0 = network.filter(p => sharedPrefixLength(p.id, self.id) === 0).slice(0, 15)
    sent[0].done({ ok: true, value: { type: 'next', nodes: [hop], rows: row0 } })
    sent = io.take()
    assert.equal(sent[0].to.address, hop.address)
    assert.deepEqual(sent[0].req, { type: 'join-route', key: self.id, fromRow: 1 }, 'row 0 came from the bootstrap')
    const z = new LeafSet(self, 8)
    for (const p of network) z.add(p)
    const closest = network.reduce((best, p) => (isCloser(self.id, p.id, best.id) ? p : best))
    sent[0].done({ ok: true, value: { type: 'next', nodes: [closest], rows: [] } })
    sent = io.take()
    assert.equal(sent[0].to.address, closest.address)
    const zLeaves = new LeafSet(closest, 8)
    for (const p of network) zLeaves.add(p)
    sent[0].done({ ok: true, value: { type: 'deliver', leafSet: zLeaves.view(), rows: [] } })
    sent = io.take()
    const announced = new Set(sent.filter(s => s.req.type === 'announce').map(s => s.to.address))
    for (const p of z.members()) assert.ok(announced.has(p.address), 'every member of the new leaf set is told')
    for (const p of row0) assert.ok(announced.has(p.address), 'every node the path named is told')
    const before = new Set([...node.leafSet().left, ...node.leafSet().right].map(p => p.address))
    assert.deepEqual([...before].sort(), [bootstrap, hop, closest].map(p => p.address).sort(), 'before the answers, only the path nodes, which answered us')
    for (const s of sent) s.done({ ok: true, value: { type: 'leaf-set', leafSet: { left: [], right: [] } } })
    assert.deepEqual(node.leafSet().right.map(p => p.address), z.right.map(p => p.address), 'the leaf set is the true one')
    assert.deepEqual(node.leafSet().left.map(p => p.address), z.left.map(p => p.address))
    assert.ok(node.status().routingRows[0].entries.length >= 10)
    assert.deepEqual(results, [])
    fire(io, node, 'deferred')
    assert.deepEqual(results, [{ ok: true, value: closest }])
  })

  test('a newcomer that announces itself takes over exactly the keys it is now closest to', () => {
    const { io, node, self, leaves, others } = setup()
    const owned: Uint8Array[] = []
    for (let i = 0; owned.length < 40 && i < 200000; i++) {
      const k = utf8.encode(`k${i}`)
      if (leaves.owns(keyId(k))) owned.push(k)
    }
    const stored = node.onRequest(others[0], { type: 'store', role: 'primary', records: owned.map(key => signRecord(key, key, 1)) })
    assert.deepEqual(stored, { type: 'stored', accepted: owned.length, refused: [] })
    const r1 = leaves.right[0]
    const newcomer = { id: (self.id + ringDistance(self.id, r1.id) / 3n) & MASK, address: 'newcomer' }
    const res = node.onRequest(newcomer, { type: 'announce' })
    assert.equal(res.type, 'leaf-set')
    assert.notEqual(node.leafSet().right[0].address, 'newcomer', 'not before it answers our probe')
    answerProbes(io)
    assert.equal(node.leafSet().right[0].address, 'newcomer')
    io.take()
    fire(io, node, 'replicate')
    const sent = io.take()
    assert.equal(sent[0].to.address, 'newcomer')
    const req = sent[0].req as Extract<PastryRequest, { type: 'store' }>
    assert.equal(req.role, 'primary')
    const expected = owned.filter(k => isCloser(keyId(k), newcomer.id, self.id)).map(k => keyId(k)).sort()
    assert.ok(expected.length > 0 && expected.length < owned.length)
    assert.deepEqual(req.records.map(r => keyId(r.key)).sort(), expected)
    sent[0].done({ ok: true, value: { type: 'stored', accepted: expected.length, refused: [] } })
    assert.equal(node.status().primaryRecords, owned.length, 'nothing is handed over before the newcomer serves it back')
    assert.deepEqual(serveFetches(io.take(), req.records), [])
    assert.equal(node.status().primaryRecords, owned.length - expected.length)
    assert.equal(node.status().storedRecords, owned.length, 'self stays among the keys\' 3 closest: a replica')
  })

  test('leave: tells every leaf-set member, then hands each owned key to its next closest node', () => {
    const { io, node, leaves, others } = setup()
    const owned: Uint8Array[] = []
    for (let i = 0; owned.length < 30 && i < 200000; i++) {
      const k = utf8.encode(`x${i}`)
      if (leaves.owns(keyId(k))) owned.push(k)
    }
    node.onRequest(others[0], { type: 'store', role: 'primary', records: owned.map(key => signRecord(key, key, 1)) })
    io.take()
    const results: unknown[] = []
    node.leave(o => results.push(o))
    let sent = io.take()
    assert.deepEqual(new Set(sent.map(s => s.to.address)), new Set(leaves.members().map(p => p.address)))
    assert.ok(sent.every(s => s.req.type === 'leaving'))
    for (const s of sent) s.done({ ok: true, value: { type: 'ack' } })
    const handed = new Map<string, NodeId[]>()
    const records = owned.map(key => signRecord(key, key, 1))
    for (let i = 0; i < 40; i++) {
      sent = serveFetches(io.take(), records)
      if (sent.length === 0 && io.sent.length === 0) break
      for (const s of sent) {
        assert.equal(s.req.type, 'store')
        const req = s.req as Extract<PastryRequest, { type: 'store' }>
        handed.set(s.to.address, [...(handed.get(s.to.address) ?? []), ...req.records.map(r => keyId(r.key))])
        s.done({ ok: true, value: { type: 'stored', accepted: req.records.length, refused: [] } })
      }
    }
    for (const k of owned) {
      const id = keyId(k)
      const heir = leaves.members().reduce((best, p) => (isCloser(id, p.id, best.id) ? p : best))
      assert.ok(handed.get(heir.address)?.includes(id), 'each key goes to the node closest to it once we are gone')
    }
    // The last handoff ends the leave, which stops the node: stop() delivers the deferred answer.
    assert.deepEqual(results, [{ ok: true, value: undefined }])
  })

  test('a get\'s route: the node that delivers answers the fetch it carries, one that forwards does not', () => {
    const { node, self, others, leaves } = setup()
    const own = node.onRequest(others[0], { type: 'route', key: (self.id + 1n) & MASK, fetch: true })
    assert.deepEqual(own.type === 'deliver' && own.fetched, { record: undefined }, 'delivered here, no record held')
    const holders = holdersFrom(self, leaves.view(), (self.id + 1n) & MASK, 3).filter(p => p.address !== self.address)
    assert.deepEqual(own.type === 'deliver' && [...own.leafSet.left, ...own.leafSet.right].map(p => p.address).sort(), holders.map(p => p.address).sort(), 'of the leaf set, only the other holders')
    const plain = node.onRequest(others[0], { type: 'route', key: (self.id + 1n) & MASK })
    assert.equal(plain.type === 'deliver' && plain.fetched, undefined, 'a plain route fetches nothing')
    const r3 = leaves.right[3]
    const forwarded = node.onRequest(others[0], { type: 'route', key: (r3.id + 1n) & MASK, fetch: true })
    assert.equal(forwarded.type, 'next')
  })

  test('a get reads the owner through its route and then asks only the other holders; the highest version wins', () => {
    const { io, node } = setup()
    io.take()
    const key = utf8.encode('got')
    const id = keyId(key)
    const results: Array<{ ok: boolean, value?: { value?: Uint8Array, seq: number } }> = []
    node.get(key, o => results.push(o as typeof results[number]))
    const [route] = io.take()
    assert.deepEqual(route.req, { type: 'route', key: id, fetch: true })
    const owner = route.to
    const leafSet = { left: [peer('h-l1'), peer('h-l2')], right: [peer('h-r1'), peer('h-r2')] }
    const v1 = signRecord(key, utf8.encode('v1'), 1)
    const v2 = signRecord(key, utf8.encode('v2'), 2)
    route.done({ ok: true, value: { type: 'deliver', leafSet, rows: [], fetched: { record: v1 } } })
    const fetches = io.take()
    const others = holdersFrom(owner, leafSet, id, 3).filter(h => h.address !== owner.address)
    assert.deepEqual(fetches.map(f => f.to.address).sort(), others.map(h => h.address).sort(), 'the other holders only')
    assert.ok(fetches.every(f => f.req.type === 'fetch' && f.req.keyId === id))
    fetches.forEach((f, i) => { f.done({ ok: true, value: { type: 'value', record: i === 0 ? v2 : undefined } }) })
    const repairs = io.take()
    assert.equal(repairs.length, 1, 'the owner, which answered v1, is sent v2')
    assert.equal(repairs[0].to.address, owner.address)
    fire(io, node, 'deferred')
    assert.equal(results.length, 1)
    assert.deepEqual(results[0].ok && results[0].value?.value, utf8.encode('v2'))
  })

  test('stop ends pending operations with stopped', () => {
    const { io, node, self } = setup()
    io.take()
    const results: unknown[] = []
    node.lookup(keyWithPrefix(self.id, 0, (digit(self.id, 0) + 1) % 16, 1n), o => results.push(o))
    node.stop()
    assert.deepEqual(results, [{ ok: false, failure: 'stopped' }])
    const later: unknown[] = []
    node.get(utf8.encode('k'), o => later.push(o))
    assert.deepEqual(later, [], 'a call after stop also answers later, never inside the call')
  })
})
