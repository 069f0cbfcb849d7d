import { test } from 'node:test'
import assert from 'node:assert/strict'
import { BoundedFifo, BoundedLru, BoundedMap } from '../../src/core/bounded.js'

test('BoundedLru evicts the least recently used entry', () => {
  const lru = new BoundedLru<string, number>(2)
  assert.equal(lru.set('a', 1), undefined)
  lru.set('b', 2)
  lru.get('a')
  assert.deepEqual(lru.set('c', 3), ['b', 2])
  assert.equal(lru.size, 2)
  assert.equal(lru.peek('a'), 1)
  assert.equal(lru.has('b'), false)
  assert.throws(() => new BoundedLru(0))
})

test('BoundedMap refuses new keys when full but replaces existing ones', () => {
  const m = new BoundedMap<number, string>(2)
  assert.ok(m.set(1, 'a')); assert.ok(m.set(2, 'b'))
  assert.equal(m.set(3, 'c'), false)
  assert.ok(m.set(1, 'z'))
  assert.equal(m.get(1), 'z'); assert.equal(m.size, 2); assert.ok(m.full)
})

test('BoundedFifo keeps order, refuses or evicts at the limit', () => {
  const q = new BoundedFifo<number>(3)
  assert.ok(q.push(1)); assert.ok(q.push(2)); assert.ok(q.push(3))
  assert.equal(q.push(4), false)
  assert.equal(q.pushEvicting(4), 1)
  assert.deepEqual([...q], [2, 3, 4])
  assert.equal(q.shift(), 2)
  assert.ok(q.push(5))
  assert.deepEqual([...q], [3, 4, 5])
  assert.equal(q.peek(), 3)
  q.clear()
  assert.equal(q.size, 0); assert.equal(q.shift(), undefined)
})
