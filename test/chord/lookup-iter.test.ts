/**
 * Seeded property tests of Chord's iterative lookup (src/chord/lookup.ts; issue 9): against any
 * answers (failures, random nodes, stale or empty successor lists) a lookup ends within its step
 * limit, never asks a node twice or the originator, and its hop count equals the nodes asked in
 * sequence; on a correct ring (true successor lists and fingers) it finds successor(key).
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { addPow2, inOpen, inOpenClosed, ringDistance, type NodeId } from '../../src/core/id.js'
import type { PeerRef } from '../../src/core/port.js'
import { createRandom } from '../../src/core/random.js'
import { LookupIter, type LookupStep } from '../../src/chord/lookup.js'
import type { ChordResponse } from '../../src/chord/messages.js'
import { drive, PROPERTY_SEED, randomId, randomRing } from '../helpers/iter-props.js'

const CASES = 300
const SUCCESSORS = 4
/** As the real node answers (MAX_CLOSER_NODES is 32; a handful keeps the cases varied). */
const CLOSER_NODES = 6

/** successor(x) on the sorted ring. */
const successorOf = (ring: readonly PeerRef[], x: NodeId): PeerRef => ring.find(p => p.id >= x) ?? ring[0]
const after = (ring: readonly PeerRef[], p: PeerRef, k: number): PeerRef[] => {
  const at = ring.indexOf(p)
  return Array.from({ length: Math.min(k, ring.length - 1) }, (_, i) => ring[(at + 1 + i) % ring.length])
}

/** A node's true fingers that precede `key`, closest to it first. */
function closestPreceding (ring: readonly PeerRef[], node: PeerRef, key: NodeId): PeerRef[] {
  const fingers = new Map<string, PeerRef>()
  for (let i = 0; i < 256; i++) {
    const f = successorOf(ring, addPow2(node.id, i))
    if (f !== node && inOpen(f.id, node.id, key)) fingers.set(f.address, f)
  }
  for (const s of after(ring, node, SUCCESSORS)) if (inOpen(s.id, node.id, key)) fingers.set(s.address, s)
  return [...fingers.values()].sort((a, b) => (ringDistance(a.id, key) < ringDistance(b.id, key) ? -1 : 1)).slice(0, CLOSER_NODES)
}

/** What a node with a correct routing state answers to a lookup of `key`. */
function correctAnswer (ring: readonly PeerRef[], node: PeerRef, key: NodeId): ChordResponse {
  const succ = after(ring, node, SUCCESSORS)
  if (inOpenClosed(key, node.id, succ[0].id)) return { type: 'found', successors: succ }
  return { type: 'closer', nodes: closestPreceding(ring, node, key) }
}

describe(`LookupIter (property tests, seed ${PROPERTY_SEED}; set PROPERTY_SEED to replay)`, () => {
  test('on a correct ring it finds successor(key), within the step limit, asking no node twice', () => {
    const random = createRandom(PROPERTY_SEED).fork('lookup-correct')
    let hops = 0
    for (let c = 0; c < CASES; c++) {
      const ring = randomRing(random, 2 + random.int(63))
      const self = random.pick(ring)
      const key = randomId(random)
      // successor(key) among self's successors: the tables answer without a lookup.
      if (inOpenClosed(key, self.id, after(ring, self, 1)[0].id)) continue
      const maxSteps = 64
      const iter = new LookupIter(key, self.address, closestPreceding(ring, self, key), maxSteps, after(ring, self, SUCCESSORS))
      const { end } = drive<ChordResponse, LookupStep>(iter, self, maxSteps, peer => correctAnswer(ring, peer, key))
      assert.equal(end.kind, 'found', `case ${c}: ${JSON.stringify(end.kind === 'failed' ? end.failure : '')}`)
      if (end.kind !== 'found') continue
      assert.equal(end.result.owner.address, successorOf(ring, key).address, `case ${c}: the true owner`)
      assert.equal(end.result.failures, 0)
      hops += end.result.hops
    }
    assert.ok(hops > 0)
  })

  test('against arbitrary answers it ends within its step limit, asks no node twice, and counts hops as asks', () => {
    const random = createRandom(PROPERTY_SEED).fork('lookup-arbitrary')
    const ends = new Map<string, number>()
    for (let c = 0; c < CASES; c++) {
      const ring = randomRing(random, 2 + random.int(40))
      const self = random.pick(ring)
      const key = randomId(random)
      const maxSteps = 1 + random.int(20)
      const some = (): PeerRef[] => Array.from({ length: random.int(8) }, () => random.pick(ring))
      const iter = new LookupIter(key, self.address, some(), maxSteps, some(), p => random.int(10) > 0 || p === self)
      const { end } = drive<ChordResponse, LookupStep>(iter, self, maxSteps, peer => {
        const roll = random.int(10)
        if (roll < 2) return undefined
        if (roll < 3) return { type: 'found', successors: random.int(2) === 0 ? [] : some() }
        if (roll < 4) return correctAnswer(ring, peer, key)
        return { type: 'closer', nodes: some() }
      })
      const label = end.kind === 'failed' ? end.failure : end.kind
      ends.set(label, (ends.get(label) ?? 0) + 1)
      if (end.kind === 'found') assert.ok(end.result.hops <= maxSteps)
    }
    // The cases reach every way a lookup ends but a stop.
    for (const kind of ['found', 'no-live-node', 'hop-limit']) assert.ok((ends.get(kind) ?? 0) > 0, `some case ends ${kind}: ${JSON.stringify([...ends])}`)
  })
})
