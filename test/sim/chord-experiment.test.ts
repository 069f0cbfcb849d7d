import { test } from 'node:test'
import assert from 'node:assert/strict'
import { runChordExperiment } from '../../src/experiments/chord-experiment.js'

test('sim chord: same seed, same trace hash; hops within ½·log2 N; churn moves exactly the keys that must move', () => {
  const options = { nodes: 256, lookups: 500, keys: 5000, seed: 7, joins: 10, leaves: 10, crashes: 5, replicas: 3 }
  const lines: string[] = []
  const a = runChordExperiment(options, l => lines.push(l))
  console.log(lines.join('\n'))
  assert.match(lines[0], /^sim seed 7/)
  assert.match(lines[lines.length - 1], new RegExp(`^sim trace ${a.traceHash}`))
  assert.equal(a.protocol, 'chord')
  assert.ok(a.hops.mean <= a.theory.meanHops, `mean hops ${a.hops.mean} <= ${a.theory.meanHops}`)
  assert.equal(a.lookupsFailed, 0)
  assert.equal(a.wrongOwners, 0)
  const c = a.churn
  assert.ok(c !== undefined)
  assert.equal(c.events, 25)
  assert.deepEqual(c.primaryMoved, c.mustMove, 'primary copies moved = keys whose owner changed, per event')
  assert.equal(c.keysLost, 0)
  assert.equal(c.wrongOwners, 0)
  assert.equal(c.misplacedPrimaries, 0)
  assert.ok(c.replicaCopies.reduce((s, x) => s + x, 0) > 0)
  const b = runChordExperiment({ ...options, joins: 0, leaves: 0, crashes: 0, keys: 0 })
  const b2 = runChordExperiment({ ...options, joins: 0, leaves: 0, crashes: 0, keys: 0 })
  const other = runChordExperiment({ ...options, joins: 0, leaves: 0, crashes: 0, keys: 0, seed: 8 })
  assert.equal(b.traceHash, b2.traceHash)
  assert.notEqual(b.traceHash, other.traceHash)
})
