/**
 * The churn bench's global view of where keys belong (src/bench/churn-placement.ts), against a
 * brute-force scan over random ids: Chord's successor, Pastry's numerically closest (with its tie
 * rule), and kad's k closest by XOR. Seeded; the seed is in the test name.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { absDistance } from '../../src/core/id.js'
import { createRandom } from '../../src/core/random.js'
import { closestByXor, owners, type PlacedPeer } from '../../src/bench/churn-placement.js'
import { isCloser } from '../../src/pastry/closeness.js'

const SEED = 'churn-placement-1'

function randomId (random: ReturnType<typeof createRandom>): bigint {
  let id = 0n
  for (let i = 0; i < 8; i++) id = (id << 32n) | BigInt(random.int(2 ** 32))
  return id
}

describe(`churn placement (seed ${SEED})`, () => {
  const random = createRandom(SEED)
  const peers: PlacedPeer[] = Array.from({ length: 40 }, (_, index) => ({ index, id: randomId(random) }))
  const keys = Array.from({ length: 300 }, () => randomId(random))
  // Keys on a peer's id and just past it, where an off-by-one would show.
  keys.push(peers[3].id, peers[3].id + 1n, peers[7].id - 1n)

  it("Chord: a key's owner is the first peer at or after it, clockwise", () => {
    const got = owners('chord', peers, keys)
    keys.forEach((key, k) => {
      const at = peers.filter(p => p.id >= key)
      const expected = (at.length > 0 ? at : peers).reduce((a, b) => (b.id < a.id ? b : a))
      assert.equal(got[k], expected.index, `key ${k}`)
    })
  })

  it("Pastry: a key's owner is the numerically closest peer on the ring", () => {
    const got = owners('pastry', peers, keys)
    keys.forEach((key, k) => {
      const expected = peers.reduce((a, b) => (isCloser(key, b.id, a.id) ? b : a))
      assert.equal(got[k], expected.index, `key ${k}: distance ${absDistance(key, expected.id)}`)
    })
  })

  it("kad: the k closest by XOR, nearest first", () => {
    for (const key of keys.slice(0, 50)) {
      const expected = peers.slice().sort((a, b) => ((a.id ^ key) < (b.id ^ key) ? -1 : 1)).slice(0, 20).map(p => p.index)
      assert.deepEqual(closestByXor(peers, key, 20), expected)
    }
    assert.equal(closestByXor(peers.slice(0, 5), keys[0], 20).length, 5, 'at most the peers there are')
  })

  it('no peers: no owner', () => {
    assert.deepEqual(owners('chord', [], keys.slice(0, 2)), [-1, -1])
  })
})
