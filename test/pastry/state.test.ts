/**
 * Properties of the pure parts of Pastry (Rowstron & Druschel 2001 §2.1, §2.2): the leaf set holds
 * the l nearest nodes on each side whatever the order they arrive in, its range and closest node
 * agree with a brute-force answer, the routing table obeys its slot rule, and the routing rule,
 * applied node after node over a converged global view, reaches the numerically closest node in
 * about log16 N hops, each hop making progress. Seeds are printed.
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { absDistance, digit, ringDistance, sharedPrefixLength, type NodeId } from '../../src/core/id.js'
import type { PeerRef } from '../../src/core/port.js'
import { createRandom, type Random } from '../../src/core/random.js'
import { isCloser } from '../../src/pastry/closeness.js'
import { LeafSet } from '../../src/pastry/leaf-set.js'
import { nextHop } from '../../src/pastry/next-hop.js'
import { RoutingTable } from '../../src/pastry/routing-table.js'
import { peer } from '../helpers/recording-io.js'

function peers (prefix: string, count: number): PeerRef[] {
  return Array.from({ length: count }, (_, i) => peer(`${prefix}${i}`))
}

function randomKey (random: Random): NodeId {
  let k = 0n
  for (let i = 0; i < 8; i++) k = (k << 32n) | BigInt(random.int(0x100000000))
  return k
}

/** Brute force: the `count` nearest on one side of self, nearest first. */
function trueSide (self: PeerRef, all: readonly PeerRef[], side: 'left' | 'right', count: number): string[] {
  const d = (p: PeerRef): bigint => side === 'right' ? ringDistance(self.id, p.id) : ringDistance(p.id, self.id)
  return all.slice().sort((a, b) => (d(a) < d(b) ? -1 : 1)).slice(0, count).map(p => p.address)
}

function bruteClosest (key: NodeId, nodes: readonly PeerRef[]): PeerRef {
  return nodes.reduce((best, p) => (isCloser(key, p.id, best.id) ? p : best))
}

describe('leaf set', () => {
  for (const count of [1, 5, 16, 17, 40, 300]) {
    test(`${count} nodes offered in random order: each side holds the l nearest (seeded)`, () => {
      const seed = `leaf-${count}`
      console.log(`seed ${seed}`)
      const random = createRandom(seed)
      const self = peer('self')
      const all = peers('n', count)
      const leaves = new LeafSet(self, 8)
      for (const p of random.shuffle(all.slice())) leaves.add(p)
      assert.deepEqual(leaves.right.map(p => p.address), trueSide(self, all, 'right', 8))
      assert.deepEqual(leaves.left.map(p => p.address), trueSide(self, all, 'left', 8))
      assert.equal(leaves.wholeRing, count < 16, 'a node on both sides only when fewer than |L| others exist')
      // Removing members and offering the rest again gives the truth of what is left.
      const gone = new Set(random.shuffle(all.slice()).slice(0, Math.floor(count / 3)).map(p => p.address))
      for (const a of gone) leaves.remove(a)
      assert.ok(leaves.members().every(p => !gone.has(p.address)))
      const rest = all.filter(p => !gone.has(p.address))
      for (const p of random.shuffle(rest.slice())) leaves.add(p)
      assert.deepEqual(leaves.right.map(p => p.address), trueSide(self, rest, 'right', 8))
      assert.deepEqual(leaves.left.map(p => p.address), trueSide(self, rest, 'left', 8))
    })
  }

  for (const count of [1, 2, 9, 16, 17, 60, 500]) {
    test(`${count} nodes: range, closest, owns and the owned keys' holders agree with brute force (seeded)`, () => {
      const seed = `closest-${count}`
      console.log(`seed ${seed}`)
      const random = createRandom(seed)
      const self = peer('self')
      const all = peers('m', count)
      const leaves = new LeafSet(self, 8)
      for (const p of all) leaves.add(p)
      const everyone = [self, ...all]
      const near = [self, ...leaves.members()]
      // Keys near self (the ones a node routes at the end and stores), and anywhere.
      const keys: NodeId[] = []
      for (let i = 0; i < 300; i++) keys.push(randomKey(random))
      for (const p of near) { keys.push(p.id); keys.push((p.id + 1n) & ((1n << 256n) - 1n)) }
      for (let i = 0; i < 200; i++) {
        const a = random.pick(near).id; const b = random.pick(near).id
        keys.push((a + ringDistance(a, b) / 2n) & ((1n << 256n) - 1n)) // midpoints: the ties
      }
      for (const key of keys) {
        const truth = bruteClosest(key, everyone)
        if (leaves.covers(key)) assert.equal(leaves.closest(key).address, truth.address, 'within the range, the closest leaf is the closest node')
        assert.equal(leaves.owns(key), leaves.closest(key).address === self.address, 'owns() is closest() === self')
        if (leaves.owns(key)) {
          const holders = leaves.ownedKeyHolders(key, 4).map(p => p.address)
          const brute = near.slice().sort((a, b) => (isCloser(key, a.id, b.id) ? -1 : 1)).slice(0, 4).map(p => p.address)
          assert.deepEqual(holders, brute)
          assert.deepEqual(leaves.closestSet(key, 4).map(p => p.address), brute)
        }
      }
      if (count < 16) assert.ok(leaves.wholeRing && keys.every(k => leaves.covers(k)))
    })
  }

  test('a tie between two nodes goes to the lower id, for every node alike', () => {
    const a = { id: 10n, address: 'a' }
    const b = { id: 30n, address: 'b' }
    assert.equal(isCloser(20n, a.id, b.id), true)
    assert.equal(isCloser(20n, b.id, a.id), false)
    assert.equal(absDistance(a.id, 20n), absDistance(b.id, 20n))
  })
})

describe('routing table', () => {
  test('every entry at row i, column d shares exactly i digits with self and has digit i = d (seeded)', () => {
    console.log('seed table')
    const random = createRandom('table')
    const self = peer('self')
    const table = new RoutingTable(self)
    const all = random.shuffle(peers('t', 3000))
    const slots = new Set<string>()
    for (const p of all) {
      const row = sharedPrefixLength(self.id, p.id)
      const key = `${row}:${digit(p.id, row)}`
      assert.equal(table.add(p), !slots.has(key), 'a node fills its slot only when empty')
      slots.add(key)
    }
    assert.equal(table.size, slots.size)
    for (const i of table.filledRows()) {
      for (const p of table.row(i)) {
        assert.equal(sharedPrefixLength(self.id, p.id), i)
        assert.equal(table.get(i, digit(p.id, i))?.address, p.address)
      }
      assert.equal(table.get(i, digit(self.id, i)), undefined, 'the column of our own digit stays empty')
    }
    assert.deepEqual(table.filledRows().slice(0, 3), [0, 1, 2], '3000 nodes fill about log16 3000 = 2.9 rows')
    assert.equal(table.row(0).length, 15)
    const victim = table.row(1)[0]
    const slot = table.remove(victim)
    assert.deepEqual(slot, { row: 1, column: digit(victim.id, 1) })
    assert.equal(table.has(victim), false)
    assert.equal(table.remove(victim), undefined)
    assert.equal(table.add(self), false, 'self has no slot')
  })
})

describe('routing rule over a converged network', () => {
  for (const n of [50, 1000]) {
    test(`${n} nodes: routing node after node ends at the numerically closest, each hop making progress (seeded)`, () => {
      const seed = `route-${n}`
      console.log(`seed ${seed}`)
      const random = createRandom(seed)
      const nodes = peers('r', n)
      const state = new Map<string, { leaves: LeafSet, table: RoutingTable }>()
      for (const self of nodes) {
        const leaves = new LeafSet(self, 8)
        const table = new RoutingTable(self)
        for (const p of random.shuffle(nodes.slice())) { leaves.add(p); table.add(p) }
        state.set(self.address, { leaves, table })
      }
      const hops: number[] = []
      for (let i = 0; i < 500; i++) {
        const key = randomKey(random)
        let at = random.pick(nodes)
        let count = 0
        for (;;) {
          const s = state.get(at.address)!
          const hop = nextHop(s.leaves, s.table, key, 8)
          if (hop.kind === 'deliver') break
          const next = hop.nodes[0]
          const progress = sharedPrefixLength(next.id, key) > sharedPrefixLength(at.id, key) || isCloser(key, next.id, at.id)
          assert.ok(progress, 'a hop shares a longer prefix with the key or is numerically closer')
          at = next
          assert.ok(++count <= 10, 'the route ends')
        }
        assert.equal(at.address, bruteClosest(key, nodes).address)
        hops.push(count)
      }
      const mean = hops.reduce((a, b) => a + b, 0) / hops.length
      console.log(`n ${n}: mean hops ${mean.toFixed(3)} (log16 N = ${(Math.log(n) / Math.log(16)).toFixed(3)})`)
      assert.ok(mean <= Math.log(n) / Math.log(16) + 0.5)
    })
  }
})
