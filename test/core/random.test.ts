import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRandom } from '../../src/core/random.js'

test('same seed gives the same draws; forks do not depend on the parent draws', () => {
  const a = createRandom(7); const b = createRandom('7')
  const xs = Array.from({ length: 10 }, () => a.next())
  assert.deepEqual(Array.from({ length: 10 }, () => b.next()), xs)
  const fresh = createRandom(7).fork('n1')
  const used = createRandom(7); used.next(); used.next()
  const forkOfUsed = used.fork('n1')
  assert.deepEqual([forkOfUsed.next(), forkOfUsed.next()], [fresh.next(), fresh.next()])
  assert.notEqual(createRandom(7).fork('n1').next(), createRandom(7).fork('n2').next())
  assert.notEqual(createRandom(1).next(), createRandom(2).next())
})

test('int is in range and roughly uniform; shuffle is a permutation', () => {
  const r = createRandom('uniform')
  const counts = new Array(10).fill(0)
  for (let i = 0; i < 100_000; i++) {
    const v = r.int(10)
    assert.ok(v >= 0 && v < 10 && Number.isInteger(v))
    counts[v]++
  }
  for (const c of counts) assert.ok(Math.abs(c - 10_000) < 500, `count ${c}`)
  const xs = Array.from({ length: 100 }, (_, i) => i)
  const shuffled = r.shuffle(xs.slice())
  assert.deepEqual(shuffled.slice().sort((p, q) => p - q), xs)
  assert.notDeepEqual(shuffled, xs)
  assert.throws(() => r.int(0))
  assert.throws(() => r.pick([]))
})
