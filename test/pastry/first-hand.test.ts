/**
 * Hostile peers against Pastry's first-hand routing state (issue 10, items 3 and 4), in the
 * simulator: a non-member sends EXCHANGEs and LEAVINGs carrying 32 + 32 forged leaves placed where
 * they would displace a victim's honest neighbours; and a sybil beside a victim that takes its
 * hand-off and keeps nothing. The honest network runs the real protocol; the attackers are
 * hand-written handlers that send valid messages and lie.
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { ringDistance } from '../../src/core/id.js'
import type { Io, PeerRef, ProtocolHandler } from '../../src/core/port.js'
import { MAX_CANDIDATES_PER_MESSAGE } from '../../src/core/candidate-probes.js'
import type { LeafSetView, PastryMessage, PastryRequest, PastryResponse } from '../../src/pastry/messages.js'
import { PastrySimulation, type PastrySimNode } from '../../src/sim/pastry-sim.js'
import { uniformLatency } from '../../src/sim/latency.js'
import { simNodeId } from '../../src/sim/simulator.js'
import { unreadable } from '../helpers/dht-reads.js'

const utf8 = new TextEncoder()
const PASTRY = { requestTimeoutMs: 500, replicas: 3 }

type PastryIo = Io<PastryRequest, PastryResponse, PastryMessage>

/** `count` simulator addresses whose ids lie within `maxDistance` of `centre` on `side`. */
function addressesNear (prefix: string, centre: bigint, side: 'left' | 'right', maxDistance: bigint, count: number): PeerRef[] {
  const out: PeerRef[] = []
  for (let i = 0; out.length < count && i < 1_000_000; i++) {
    const address = `${prefix}-${i}`
    const id = simNodeId(address)
    const d = side === 'right' ? ringDistance(centre, id) : ringDistance(id, centre)
    if (d > 0n && d < maxDistance) out.push({ id, address })
  }
  assert.equal(out.length, count)
  return out
}

/** A non-member that answers only pings, and sends the victim forged leaf sets when told. */
class Forger implements ProtocolHandler<PastryRequest, PastryResponse, PastryMessage> {
  constructor (private readonly io: PastryIo) {}
  start (): void {}
  stop (): void {}
  onMessage (): void {}
  onTimer (): void {}
  onRequest (): PastryResponse { return { type: 'ack' } }
  send (to: PeerRef, req: PastryRequest): void {
    this.io.request(to, req, { timeoutMs: 500 }, () => {})
  }
}

/**
 * A sybil that speaks Pastry well enough to be adopted (it answers pings and announces itself to
 * `target` every second), acknowledges every record it is handed and keeps none.
 */
class KeepNothing implements ProtocolHandler<PastryRequest, PastryResponse, PastryMessage> {
  recordsAcknowledged = 0
  constructor (private readonly io: PastryIo, private readonly target: PeerRef) {}
  start (): void { this.io.setTimer('announce', 200) }
  stop (): void {}
  onMessage (): void {}
  onTimer (): void {
    this.io.request(this.target, { type: 'announce' }, { timeoutMs: 500 }, () => {})
    this.io.setTimer('announce', 1000)
  }

  onRequest (_from: PeerRef, req: PastryRequest): PastryResponse {
    switch (req.type) {
      case 'store':
        this.recordsAcknowledged += req.records.length
        return { type: 'stored', accepted: req.records.length, refused: [] }
      case 'fetch': return { type: 'value', record: undefined }
      case 'sync': return { type: 'missing', keyIds: [], newer: [] }
      case 'exchange': case 'announce': return { type: 'leaf-set', leafSet: { left: [this.target], right: [this.target] } }
      default: return { type: 'ack' }
    }
  }
}

function members (node: PastrySimNode): string[] {
  const view = node.pastry.leafSet()
  return [...new Set([...view.left, ...view.right].map(p => p.address))].sort()
}

function tableAddresses (node: PastrySimNode): string[] {
  return node.pastry.status().routingRows.flatMap(r => r.entries.map(e => e.peer.address))
}

function network (seed: string, n: number): PastrySimulation {
  console.log(`seed ${seed}`)
  const ps = new PastrySimulation({ seed, latency: uniformLatency(10, 60), pastry: PASTRY })
  ps.seedNetwork(n)
  ps.sim.runFor(5_000)
  return ps
}

describe('Pastry first-hand routing state against hostile peers', () => {
  test('forged EXCHANGEs and LEAVINGs with 32 + 32 fake leaves leave the honest leaf set intact, and no fake is dialled twice', () => {
    const ps = network('forged-leaves', 64)
    const nodes = ps.live()
    const victim = nodes[20]
    const self = victim.sim.ref
    const honest = members(victim)
    const view = victim.pastry.leafSet()
    // Fakes nearer than the victim's nearest honest neighbour on each side: every one would win a slot.
    const nearestLeft = ringDistance(view.left[0].id, self.id)
    const nearestRight = ringDistance(self.id, view.right[0].id)
    const forged: LeafSetView = {
      left: addressesNear('fake-left', self.id, 'left', nearestLeft, 32),
      right: addressesNear('fake-right', self.id, 'right', nearestRight, 32)
    }
    const fakes = new Set([...forged.left, ...forged.right].map(p => p.address))
    // The forger sits far from the victim (it could not be a neighbour by its own id).
    const far = addressesNear('forger', (self.id + (1n << 255n)) % (1n << 256n), 'right', 1n << 250n, 1)[0]
    let forger!: Forger
    const node = ps.sim.addNode<PastryRequest, PastryResponse, PastryMessage>(io => { forger = new Forger(io); return forger }, far.address)
    ps.sim.start(node)
    const keys = Array.from({ length: 200 }, (_, i) => utf8.encode(`key-${i}`))
    let pending = keys.length; let failed = 0
    for (const k of keys) victim.pastry.put(k, k, o => { pending--; if (!o.ok) failed++ })
    ps.sim.runUntilTrue(() => pending === 0, 500, 30_000)
    assert.equal(failed + pending, 0)
    const probesBefore = victim.pastry.counters().candidateProbesFailed
    for (let round = 0; round < 60; round++) {
      ps.sim.after(round * 1000, () => {
        forger.send(self, { type: 'exchange', leafSet: forged })
        forger.send(self, { type: 'leaving', leafSet: forged })
      })
    }
    for (let t = 0; t < 65; t++) {
      ps.sim.runFor(1000)
      for (const a of [...members(victim), ...tableAddresses(victim)]) assert.ok(!fakes.has(a), `no fake in the victim's state (${a})`)
    }
    assert.deepEqual(members(victim), honest, 'the honest leaf set is intact')
    const failedProbes = victim.pastry.counters().candidateProbesFailed - probesBefore
    assert.ok(failedProbes <= MAX_CANDIDATES_PER_MESSAGE, `fakes dialled at most once, and only from the first message (${failedProbes})`)
    assert.ok(victim.pastry.counters().candidatesDropped >= 100 * 64, 'the forger\'s later messages were not heard')
    // Honest service goes on: every key reads back from the victim.
    assert.equal(unreadable(ps.sim, keys, () => victim.pastry), 0)
  })

  test('a sybil beside a victim that acknowledges its hand-off and keeps nothing loses standing, and no key is lost', () => {
    const ps = network('keep-nothing', 32)
    const nodes = ps.live()
    const victim = nodes[7]
    const self = victim.sim.ref
    const keys = Array.from({ length: 1500 }, (_, i) => utf8.encode(`key-${i}`))
    let pending = keys.length; let failed = 0
    for (const k of keys) (ps.randomMember() as PastrySimNode).pastry.put(k, k, o => { pending--; if (!o.ok) failed++ })
    ps.sim.runUntilTrue(() => pending === 0, 500, 60_000)
    assert.equal(failed + pending, 0, 'every put succeeds')
    ps.sim.runFor(8_000)
    // The sybil sits just right of the victim, nearer than its honest neighbour: it would own part of its keys.
    const nearestRight = ringDistance(self.id, victim.pastry.leafSet().right[0].id)
    const at = addressesNear('sybil', self.id, 'right', nearestRight / 2n, 1)[0]
    let sybil!: KeepNothing
    const node = ps.sim.addNode<PastryRequest, PastryResponse, PastryMessage>(io => { sybil = new KeepNothing(io, self); return sybil }, at.address)
    ps.sim.start(node)
    // Past a replica lease (60 s): copies handed over on a bare acknowledgment would be gone by now.
    ps.sim.runFor(90_000)
    assert.ok(sybil.recordsAcknowledged > 0, 'the victim did hand the sybil records (it was adopted first-hand)')
    assert.ok(victim.pastry.counters().handoffsUnproven > 0, 'the read-back found the hand-off unproven')
    assert.ok(!members(victim).includes(at.address), 'the sybil lost its place in the victim\'s leaf set')
    assert.equal(unreadable(ps.sim, keys, () => (ps.randomMember() as PastrySimNode).pastry), 0, 'every key reads back')
    const acknowledged = sybil.recordsAcknowledged
    ps.sim.runFor(20_000)
    assert.ok(!members(victim).includes(at.address), 'it stays out while without standing')
    assert.ok(sybil.recordsAcknowledged - acknowledged <= acknowledged, `no steady stream of hand-offs to it (${acknowledged}, then ${sybil.recordsAcknowledged - acknowledged} more)`)
  })
})
