import { test } from 'node:test'
import assert from 'node:assert/strict'
import { runSirExperiment } from '../../src/experiments/sir-experiment.js'
import { nextSusceptible, theoryResidue, theoryRoundsToAll } from '../../src/experiments/sir-theory.js'

test('theory: the residue solves s = exp(-(k+1)(1-s)) and matches the published values', () => {
  const published: Array<[number, number]> = [[1, 0.2032], [2, 0.0595], [3, 0.0198], [4, 0.0070], [5, 0.0025]]
  for (const [k, s] of published) {
    const x = theoryResidue(k)
    assert.ok(Math.abs(x - Math.exp(-(k + 1) * (1 - x))) < 1e-12)
    assert.ok(Math.abs(x - s) < 0.00006, `k=${k}: ${x} vs ${s}`)
  }
  assert.equal(theoryResidue(Infinity), 0)
  assert.equal(nextSusceptible('pull', 0.5), 0.25)
  assert.ok(Math.abs(nextSusceptible('push', 0.5) - 0.5 * Math.exp(-0.5)) < 1e-15)
  assert.ok(theoryRoundsToAll('pushpull', 10_000).value < theoryRoundsToAll('push', 10_000).value)
})

test('sim sir: residue near s* per k, SI rounds follow the recursions, push-pull beats push; same seed, same hash', () => {
  const lines: string[] = []
  const push = runSirExperiment({ nodes: 2000, mode: 'push', ks: [1, 2, Infinity], trials: 6, seed: 3 }, l => lines.push(l))
  console.log(lines.join('\n'))
  assert.match(lines[0], /^sim seed 3/)
  assert.match(lines[lines.length - 1], new RegExp(`^sim trace ${push.traceHash}`))
  const [k1, k2, si] = push.results
  assert.ok(Math.abs(k1.residueMean - k1.theoryResidue) < 0.03, `k=1 residue ${k1.residueMean}`)
  assert.ok(Math.abs(k2.residueMean - k2.theoryResidue) < 0.015, `k=2 residue ${k2.residueMean}`)
  assert.ok(Math.abs(k1.trafficPerNode - (k1.theoryTrafficPerNode ?? 0)) < 0.15, `k=1 traffic ${k1.trafficPerNode}`)
  assert.equal(si.k, 'inf')
  assert.equal(si.residueMean, 0)
  assert.ok((si.maxRoundDeviation ?? 1) < 0.03, `push rounds deviate by ${si.maxRoundDeviation}`)
  const pull = runSirExperiment({ nodes: 2000, mode: 'pull', ks: [Infinity], trials: 4, seed: 3 })
  assert.ok((pull.results[0].maxRoundDeviation ?? 1) < 0.03, `pull rounds deviate by ${pull.results[0].maxRoundDeviation}`)
  const pushpull = runSirExperiment({ nodes: 2000, mode: 'pushpull', ks: [Infinity], trials: 4, seed: 3 })
  assert.ok((pushpull.results[0].maxRoundDeviation ?? 1) < 0.03, `push-pull rounds deviate by ${pushpull.results[0].maxRoundDeviation}`)
  assert.ok((pushpull.results[0].roundsToAll ?? Infinity) < (si.roundsToAll ?? 0), 'push-pull needs fewer rounds than push')
  const again = runSirExperiment({ nodes: 2000, mode: 'push', ks: [1, 2, Infinity], trials: 6, seed: 3 })
  assert.equal(again.traceHash, push.traceHash)
  assert.deepEqual(again.results, push.results)
  assert.notEqual(runSirExperiment({ nodes: 2000, mode: 'push', ks: [1], trials: 2, seed: 4 }).traceHash,
    runSirExperiment({ nodes: 2000, mode: 'push', ks: [1], trials: 2, seed: 3 }).traceHash)
})

test('sim sir: the jittered timing (random phases, jitter, 10–60 ms latency) lands near s* too', () => {
  const r = runSirExperiment({ nodes: 2000, mode: 'push', ks: [1], trials: 4, seed: 5, timing: 'jittered' })
  assert.ok(Math.abs(r.results[0].residueMean - r.results[0].theoryResidue) < 0.03, `residue ${r.results[0].residueMean}`)
})
