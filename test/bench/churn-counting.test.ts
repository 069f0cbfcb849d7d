/**
 * bench churn's primary moves per event (src/bench/churn.ts `newOwnerCopies`): each key that got a
 * new owner copy counts once, whether the record was handed over, a replica was promoted, or both.
 * A Pastry leave once counted twice in an 8-peer run: LEAVING let the heir promote its replica and
 * the leaver's handoff of the same record landed after; the counters (handoffs + promotions) say 2,
 * the stores say one key moved.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { newOwnerCopies } from '../../src/bench/churn.js'

const sets = (...holders: number[][]): Array<Set<number>> => holders.map(h => new Set(h))

test('a leave whose heir promoted its replica and then took the handoff moves each key once', () => {
  // Peer 5 leaves owning keys 0 and 1; heir 6 ends up owner of both; key 2 stays with 7.
  const before = sets([5], [5], [7])
  const after = sets([6], [6], [7])
  assert.equal(newOwnerCopies(before, after, [true, true, true]), 2)
})

test('a join moves the keys the newcomer now owns; the old owner keeping a replica is no move', () => {
  const before = sets([1], [1], [2])
  const after = sets([9], [1], [2])
  assert.equal(newOwnerCopies(before, after, [true, true, true]), 1)
})

test('a crash moves what a neighbour promoted; a key held as owner by two peers, then one, is no move', () => {
  const before = sets([3], [3, 4], [4])
  const after = sets([4], [4], [4])
  assert.equal(newOwnerCopies(before, after, [true, true, true]), 1)
})

test('a key with two new owner copies counts once, and keys whose put failed are not counted', () => {
  const before = sets([1], [1])
  const after = sets([2, 3], [2])
  assert.equal(newOwnerCopies(before, after, [true, false]), 1)
})

test('a key whose every owner copy is gone is no move', () => {
  assert.equal(newOwnerCopies(sets([1]), sets([]), [true]), 0)
})
