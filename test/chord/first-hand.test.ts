/**
 * Hostile peers against Chord's first-hand routing state (issue 10, item 3), in the simulator: a
 * sybil placed just below a victim that NOTIFYs its way in as predecessor and then refuses the
 * hand-off (or acknowledges it and keeps nothing, or serves it back and forgets it later), and sybils that send LEAVINGs naming peers that do not exist. The honest ring runs the
 * real protocol; the sybils are hand-written handlers that speak Chord with valid messages and lie.
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { inOpen, keyId, ringDistance } from '../../src/core/id.js'
import type { Io, PeerRef, ProtocolHandler } from '../../src/core/port.js'
import { MAX_CANDIDATES_PER_MESSAGE } from '../../src/core/candidate-probes.js'
import { checkHandoffAnswer } from '../../src/chord/first-hand.js'
import type { ChordContext } from '../../src/chord/context.js'
import type { DhtRecord, StorageResponse } from '../../src/dht/messages.js'
import type { ChordMessage, ChordRequest, ChordResponse } from '../../src/chord/messages.js'
import { ChordSimulation, type ChordSimNode } from '../../src/sim/chord-sim.js'
import { uniformLatency } from '../../src/sim/latency.js'
import { simNodeId } from '../../src/sim/simulator.js'
import { unreadable } from '../helpers/dht-reads.js'

const utf8 = new TextEncoder()
const CHORD = { requestTimeoutMs: 500, stabilizeIntervalMs: 1000, fixFingersIntervalMs: 1000, replicateIntervalMs: 3000, replicas: 3 }
/** The default replica lease (ChordInit.replicaLeaseMs): after it, copies no owner refreshed are gone. */
const LEASE_MS = 60_000

type ChordIo = Io<ChordRequest, ChordResponse, ChordMessage>

/** A simulator address whose id lies in the open arc (lo, hi), in its upper half (just below hi). */
function addressIn (prefix: string, lo: bigint, hi: bigint, skip = 0): PeerRef {
  const arc = ringDistance(lo, hi)
  let found = 0
  for (let i = 0; i < 1_000_000; i++) {
    const address = `${prefix}-${i}`
    const id = simNodeId(address)
    if (inOpen(id, lo, hi) && ringDistance(id, hi) < arc / 2n && found++ === skip) return { id, address }
  }
  throw new Error('no address found in the arc')
}

type SybilRefusal = 'uncounted' | 'invalid' | 'quota' | 'keep-nothing' | 'keep-briefly'
/** How long a `keep-briefly` sybil serves what it was handed. */
const KEPT_MS = 20_000

/**
 * A peer that speaks Chord and lies: it NOTIFYs `target` every second (it would be its
 * predecessor), names `target` as everything, and either refuses every record it is handed
 * (`accepted = 0`, with no refusal named, or each named `invalid` or `quota`) or accepts them and
 * keeps nothing (`keep-nothing`), or serves them for KEPT_MS and then forgets them (`keep-briefly`).
 */
class Sybil implements ProtocolHandler<ChordRequest, ChordResponse, ChordMessage> {
  storesReceived = 0
  /** Key id -> the record handed over and when it arrived. */
  private readonly kept = new Map<bigint, { record: DhtRecord, at: number }>()
  constructor (private readonly io: ChordIo, private readonly target: PeerRef, private readonly refuse: SybilRefusal) {}
  start (): void { this.io.setTimer('notify', 200) }
  stop (): void {}
  onMessage (): void {}
  onRequest (_from: PeerRef, req: ChordRequest): ChordResponse {
    switch (req.type) {
      case 'store':
        this.storesReceived++
        if (this.refuse === 'keep-briefly') for (const r of req.records) this.kept.set(keyId(r.key), { record: r, at: this.io.now() })
        if (this.refuse === 'keep-nothing' || this.refuse === 'keep-briefly') return { type: 'stored', accepted: req.records.length, refused: [] }
        if (this.refuse === 'uncounted') return { type: 'stored', accepted: 0, refused: [] }
        return { type: 'stored', accepted: 0, refused: req.records.map((_, index) => ({ index, reason: this.refuse as 'invalid' | 'quota' })) }
      case 'fetch': {
        const k = this.kept.get(req.keyId)
        return { type: 'value', record: k !== undefined && this.io.now() - k.at < KEPT_MS ? k.record : undefined }
      }
      case 'sync': return { type: 'missing', keyIds: req.keys.map(k => k.keyId), newer: [] }
      case 'get-neighbors': return { type: 'neighbors', predecessor: undefined, successors: [this.target] }
      case 'find-successor': return { type: 'found', successors: [this.target] }
      default: return { type: 'ack' }
    }
  }

  onTimer (): void {
    this.io.request(this.target, { type: 'notify' }, { timeoutMs: 500 }, () => {})
    this.io.setTimer('notify', 1000)
  }

  /** Sends a forged LEAVING to `to`. */
  leave (to: PeerRef, predecessor: PeerRef | undefined, successors: readonly PeerRef[]): void {
    this.io.request(to, { type: 'leaving', predecessor, successors }, { timeoutMs: 500 }, () => {})
  }
}

function ring (seed: string, n: number): ChordSimulation {
  const cs = new ChordSimulation({ seed, latency: uniformLatency(10, 60), chord: CHORD })
  console.log(`seed ${seed}`)
  cs.seedRing(n)
  cs.sim.runFor(5_000)
  return cs
}

function addSybil (cs: ChordSimulation, at: PeerRef, target: PeerRef, refuse: SybilRefusal): Sybil {
  let sybil!: Sybil
  const node = cs.sim.addNode<ChordRequest, ChordResponse, ChordMessage>(io => { sybil = new Sybil(io, target, refuse); return sybil }, at.address)
  cs.sim.start(node)
  return sybil
}

function putAll (cs: ChordSimulation, keys: readonly Uint8Array[]): void {
  let pending = keys.length; let failed = 0
  for (const k of keys) (cs.randomMember() as ChordSimNode).chord.put(k, k, o => { pending--; if (!o.ok) failed++ })
  cs.sim.runUntilTrue(() => pending === 0, 500, 60_000)
  assert.equal(failed + pending, 0, 'every put succeeds')
}

function routingOf (node: ChordSimNode): string[] {
  const s = node.chord.status()
  return [...(s.predecessor === undefined ? [] : [s.predecessor]), ...s.successors, ...s.fingers].map(p => p.address)
}

/**
 * A ring of 32 holding 1500 keys, a victim in it, the address just below it where a sybil would
 * take over part of its range, and the keys of that part.
 */
function sybilScene (seed: string): { cs: ChordSimulation, keys: Uint8Array[], victim: ChordSimNode, at: PeerRef, taken: Uint8Array[] } {
  const cs = ring(seed, 32)
  const keys = Array.from({ length: 1500 }, (_, i) => utf8.encode(`key-${i}`))
  putAll(cs, keys)
  cs.sim.runFor(8_000)
  const nodes = cs.live()
  const victim = nodes[5]
  const pred = nodes[4]
  const at = addressIn('sybil', pred.sim.ref.id, victim.sim.ref.id)
  const taken = keys.filter(k => inOpen(keyId(k), pred.sim.ref.id, at.id) || keyId(k) === at.id)
  assert.ok(taken.length > 0, 'the sybil sits where it would take over some of the victim\'s keys')
  return { cs, keys, victim, at, taken }
}

describe('Chord first-hand routing state against hostile peers', () => {
  for (const refusal of ['uncounted', 'invalid', 'quota', 'keep-nothing'] as const) {
    test(`a sybil that NOTIFYs in just below a victim and refuses the hand-off (${refusal}) does not wipe its key range`, () => {
      const { cs, keys, victim, at, taken } = sybilScene('sybil-notify')
      const sybil = addSybil(cs, at, victim.sim.ref, refusal)
      cs.sim.runFor(LEASE_MS + 30_000)
      assert.ok(sybil.storesReceived > 0, 'the victim did hand the sybil its keys (it was adopted once)')
      assert.notEqual(victim.chord.status().predecessor?.address, at.address, 'the sybil lost its place')
      assert.ok(victim.chord.status().primaryRecords >= taken.length, 'the refused records stay with the victim as owner')
      if (refusal === 'keep-nothing') assert.ok(victim.chord.counters().handoffsUnproven > 0, 'the read-back found the hand-off unproven')
      assert.equal(unreadable(cs.sim, taken, () => (cs.randomMember() as ChordSimNode).chord), 0, 'every key of the range is readable after the lease')
      assert.equal(unreadable(cs.sim, keys, () => (cs.randomMember() as ChordSimNode).chord), 0, 'and every other key')
      // It stays out: later notifies are refused while it is without standing.
      const stores = sybil.storesReceived
      cs.sim.runFor(20_000)
      assert.notEqual(victim.chord.status().predecessor?.address, at.address)
      assert.equal(sybil.storesReceived, stores, 'no further hand-off to it')
    })
  }

  test('a sybil that NOTIFYs in, serves its hand-off back and forgets it later does not wipe the victim\'s key range', () => {
    const { cs, keys, victim, at, taken } = sybilScene('sybil-keep-briefly')
    const sybil = addSybil(cs, at, victim.sim.ref, 'keep-briefly')
    // Two replica leases: copies dropped once their lease ended would be gone by now.
    cs.sim.runFor(2 * LEASE_MS + 30_000)
    assert.ok(sybil.storesReceived > 0, 'the victim did hand the sybil its keys')
    const held = new Set([...victim.chord.storedKeys()].map(([id]) => id))
    assert.equal(taken.filter(k => !held.has(keyId(k))).length, 0, 'the victim still holds every key of the range (as owner or replica)')
    assert.equal(unreadable(cs.sim, taken, () => (cs.randomMember() as ChordSimNode).chord), 0, 'every key of the range is readable')
    const heldByHonest = new Set(cs.live().flatMap(n => [...n.chord.storedKeys()].map(([id]) => id)))
    assert.equal(keys.filter(k => !heldByHonest.has(keyId(k))).length, 0, 'no key is lost: an honest node holds each')
    // Read through the victim: this sybil is never caught lying about records, so it stays, and
    // lookups that pass through it get its false owners (routing lies are not this test's subject).
    assert.equal(unreadable(cs.sim, keys, () => victim.chord), 0, 'and every key reads back')
  })

  test('forged LEAVINGs naming peers that do not exist install nothing, and each is dialled at most once', () => {
    const cs = ring('sybil-leaving', 32)
    const nodes = cs.live()
    const victim = nodes[10]
    const before = nodes[9].sim.ref
    const after = nodes[11].sim.ref
    // Sybils just around the victim, adopted first-hand (they answer, and accept records).
    const below = addSybil(cs, addressIn('below', before.id, victim.sim.ref.id), victim.sim.ref, 'keep-nothing')
    const aboveRef = addressIn('above', victim.sim.ref.id, after.id)
    const above = addSybil(cs, aboveRef, after, 'keep-nothing')
    cs.sim.runFor(10_000)
    const status = victim.chord.status()
    assert.ok(status.predecessor?.address.startsWith('below'), 'the sybil below is the victim\'s predecessor')
    assert.equal(status.successors[0].address, aboveRef.address, 'the sybil above is its successor')
    // Ghosts: addresses with no node, placed where they would be the victim's neighbours.
    const ghostPred = addressIn('ghost-pred', before.id, victim.sim.ref.id)
    const ghostSuccessors = Array.from({ length: 32 }, (_, i) => addressIn('ghost-succ', victim.sim.ref.id, after.id, i))
    const ghosts = new Set([ghostPred, ...ghostSuccessors].map(g => g.address))
    const probesBefore = victim.chord.counters().candidateProbesFailed
    for (let round = 0; round < 20; round++) {
      cs.sim.after(round * 1000, () => {
        below.leave(victim.sim.ref, ghostPred, ghostSuccessors)
        above.leave(victim.sim.ref, ghostPred, ghostSuccessors)
      })
    }
    for (let t = 0; t < 30; t++) {
      cs.sim.runFor(1000)
      for (const a of routingOf(victim)) assert.ok(!ghosts.has(a), `no ghost in the victim's routing state (${a})`)
    }
    const failedProbes = victim.chord.counters().candidateProbesFailed - probesBefore
    assert.ok(failedProbes <= ghosts.size, `each ghost dialled at most once (${failedProbes} failed probes)`)
    assert.ok(failedProbes <= 2 * MAX_CANDIDATES_PER_MESSAGE, `and the liars lost standing after their first lies (${failedProbes})`)
    // The victim's ring is whole again: its successor is a live node that answers it.
    assert.ok(!ghosts.has(victim.chord.status().successors[0].address))
    assert.ok(victim.chord.status().successors.length > 0)
  })

  test('hand-off answers: a new predecessor that takes none loses standing whatever it says; one that took a hand-off may refuse for a limit', () => {
    const pred: PeerRef = { id: 5n, address: 'pred' }
    const penalized: string[] = []
    const ctx = { routing: { predecessor: pred }, probes: { penalize: (address: string) => { penalized.push(address) } } } as unknown as ChordContext
    const refusing = (reason: 'quota' | 'full' | 'invalid' | 'stale'): StorageResponse => ({ type: 'stored', accepted: 0, refused: [{ index: 0, reason }, { index: 1, reason }] })
    assert.equal(checkHandoffAnswer(ctx, pred, 2, { type: 'stored', accepted: 0, refused: [] }), undefined, 'counts that do not cover the records: no answer')
    checkHandoffAnswer(ctx, pred, 2, refusing('quota'))
    assert.deepEqual(penalized.splice(0), ['pred', 'pred'], 'a new predecessor: uncounted and quota both cost standing')
    checkHandoffAnswer(ctx, pred, 2, refusing('stale'))
    assert.deepEqual(penalized.splice(0), [], 'it holds them: no cost')
    checkHandoffAnswer(ctx, pred, 2, { type: 'stored', accepted: 2, refused: [] })
    checkHandoffAnswer(ctx, pred, 2, refusing('quota'))
    checkHandoffAnswer(ctx, pred, 2, refusing('full'))
    assert.deepEqual(penalized.splice(0), [], 'one that took a hand-off may refuse for a limit')
    checkHandoffAnswer(ctx, pred, 2, refusing('invalid'))
    assert.deepEqual(penalized.splice(0), ['pred'], 'but not call verified records invalid')
  })
})
