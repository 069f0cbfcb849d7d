/**
 * Seeded property tests of Pastry's iterative route (src/pastry/route-iter.ts; issue 9): against
 * any answers (failures, random next hops, next hops that all failed) a route ends within its hop
 * limit, never asks a node twice or the originator, and its hop count equals the nodes asked in
 * sequence; on a correct routing state (true leaf sets, each hop strictly closer) it delivers at
 * the node numerically closest to the key.
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { NodeId } from '../../src/core/id.js'
import type { PeerRef } from '../../src/core/port.js'
import { createRandom, type Random } from '../../src/core/random.js'
import { byCloseness, isCloser } from '../../src/pastry/closeness.js'
import type { PastryResponse } from '../../src/pastry/messages.js'
import { RouteIter, type RouteStep } from '../../src/pastry/route-iter.js'
import { drive, PROPERTY_SEED, randomId, randomRing } from '../helpers/iter-props.js'

const CASES = 300
/** Leaf-set members on each side, and other nodes each node knows (its routing table, abridged). */
const LEAVES_PER_SIDE = 4
const TABLE = 6
/** Next hops in one answer: the next one and its alternates. */
const NEXT_NODES = 3

interface Known { readonly left: PeerRef[], readonly right: PeerRef[], readonly table: PeerRef[] }

function routingState (random: Random, ring: readonly PeerRef[]): Map<string, Known> {
  const state = new Map<string, Known>()
  const n = ring.length
  for (const [i, p] of ring.entries()) {
    const side = Math.min(LEAVES_PER_SIDE, Math.floor((n - 1) / 2))
    const left = Array.from({ length: side }, (_, d) => ring[(i - 1 - d + n) % n])
    const right = Array.from({ length: side }, (_, d) => ring[(i + 1 + d) % n])
    const table = Array.from({ length: TABLE }, () => random.pick(ring)).filter(q => q !== p)
    state.set(p.address, { left, right, table })
  }
  return state
}

/**
 * A correct node's answer: deliver when it is the closest node to the key (its leaf set covers the
 * key); else the known nodes strictly closer than itself, closest first, or, when the key is in its
 * leaf set's range and none it knows is closer, the closest leaf (§2.2).
 */
function correctAnswer (ring: readonly PeerRef[], state: Map<string, Known>, node: PeerRef, key: NodeId): PastryResponse {
  const k = state.get(node.address) as Known
  const owner = [...ring].sort(byCloseness(key))[0]
  if (owner === node) return { type: 'deliver', leafSet: { left: k.left, right: k.right }, rows: [] }
  const closer = [...k.left, ...k.right, ...k.table].filter(p => isCloser(key, p.id, node.id)).sort(byCloseness(key))
  const nodes = [...new Map(closer.map(p => [p.address, p])).values()].slice(0, NEXT_NODES)
  return { type: 'next', nodes: nodes.length > 0 ? nodes : [owner], rows: [] }
}

describe(`RouteIter (property tests, seed ${PROPERTY_SEED}; set PROPERTY_SEED to replay)`, () => {
  test('on a correct routing state it delivers at the closest node, within the hop limit, asking no node twice', () => {
    const random = createRandom(PROPERTY_SEED).fork('route-correct')
    for (let c = 0; c < CASES; c++) {
      const ring = randomRing(random, 2 + random.int(63))
      const state = routingState(random, ring)
      const self = random.pick(ring)
      const key = randomId(random)
      const first = correctAnswer(ring, state, self, key)
      // The originator is the closest itself: it delivers without a route.
      if (first.type !== 'next') continue
      const maxHops = 64
      const iter = new RouteIter(key, self.address, first.nodes, maxHops)
      const { end } = drive<PastryResponse, RouteStep>(iter, self, maxHops, peer => correctAnswer(ring, state, peer, key))
      assert.equal(end.kind, 'delivered', `case ${c}`)
      if (end.kind !== 'delivered') continue
      assert.equal(end.result.owner.address, [...ring].sort(byCloseness(key))[0].address, `case ${c}: the numerically closest node`)
      assert.equal(end.result.failures, 0)
    }
  })

  test('against arbitrary answers it ends within its hop limit, asks no node twice, and counts hops as asks', () => {
    const random = createRandom(PROPERTY_SEED).fork('route-arbitrary')
    const ends = new Map<string, number>()
    for (let c = 0; c < CASES; c++) {
      const ring = randomRing(random, 2 + random.int(40))
      const state = routingState(random, ring)
      const self = random.pick(ring)
      const key = randomId(random)
      const maxHops = 1 + random.int(20)
      const some = (): PeerRef[] => Array.from({ length: random.int(6) }, () => random.pick(ring))
      const iter = new RouteIter(key, self.address, some(), maxHops, () => random.int(5) === 0)
      const { end } = drive<PastryResponse, RouteStep>(iter, self, maxHops, peer => {
        const roll = random.int(10)
        if (roll < 2) return undefined
        if (roll < 3) return { type: 'deliver', leafSet: { left: some(), right: some() }, rows: [] }
        if (roll < 4) return correctAnswer(ring, state, peer, key)
        return { type: 'next', nodes: some(), rows: [] }
      })
      const label = end.kind === 'failed' ? end.failure : end.kind
      ends.set(label, (ends.get(label) ?? 0) + 1)
    }
    for (const kind of ['delivered', 'no-live-node', 'hop-limit']) assert.ok((ends.get(kind) ?? 0) > 0, `some case ends ${kind}: ${JSON.stringify([...ends])}`)
  })
})
