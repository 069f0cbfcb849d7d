import { test } from 'node:test'
import assert from 'node:assert/strict'
import { runPastryExperiment } from '../../src/experiments/pastry-experiment.js'
import { digit, sharedPrefixLength } from '../../src/core/id.js'
import { RoutingTable } from '../../src/pastry/routing-table.js'
import { PastrySimulation } from '../../src/sim/pastry-sim.js'

test('sim pastry: same seed, same trace hash; hops within log16 N; churn moves exactly the keys that must move', () => {
  const options = { nodes: 256, lookups: 500, keys: 5000, seed: 7, joins: 10, leaves: 10, crashes: 5, replicas: 3 }
  const lines: string[] = []
  const a = runPastryExperiment(options, l => lines.push(l))
  console.log(lines.join('\n'))
  assert.match(lines[0], /^sim seed 7/)
  assert.match(lines[lines.length - 1], new RegExp(`^sim trace ${a.traceHash}`))
  assert.equal(a.protocol, 'pastry')
  assert.ok(a.hops.mean <= a.theory.meanHops, `mean hops ${a.hops.mean} <= ${a.theory.meanHops}`)
  assert.equal(a.hops.distribution.reduce((s, x) => s + x, 0), 500)
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
  const b = runPastryExperiment({ ...options, joins: 0, leaves: 0, crashes: 0, keys: 0 })
  const b2 = runPastryExperiment({ ...options, joins: 0, leaves: 0, crashes: 0, keys: 0 })
  const other = runPastryExperiment({ ...options, joins: 0, leaves: 0, crashes: 0, keys: 0, seed: 8 })
  assert.equal(b.traceHash, b2.traceHash)
  assert.notEqual(b.traceHash, other.traceHash)
  const seeded = runPastryExperiment({ nodes: 5000, lookups: 1000, seed: 3, build: 'seed' })
  assert.equal(seeded.lookupsFailed + seeded.wrongOwners, 0)
  assert.ok(seeded.hops.mean <= seeded.theory.meanHops, `seeded: mean hops ${seeded.hops.mean} <= ${seeded.theory.meanHops}`)
})

test('a seeded network has the true leaf sets, and each routing entry where its id puts it (seeding places entries by slot)', () => {
  const ps = new PastrySimulation({ seed: 'slots' })
  ps.seedNetwork(3000)
  assert.equal(ps.wrongLeafSets(), 0)
  let entries = 0
  for (const node of ps.live()) {
    const self = node.sim.ref
    const st = node.pastry.status()
    const table = new RoutingTable(self)
    for (const { row, entries: cells } of st.routingRows) {
      for (const { peer } of cells) {
        assert.equal(sharedPrefixLength(self.id, peer.id), row)
        assert.notEqual(digit(peer.id, row), digit(self.id, row))
        table.add(peer)
        entries++
      }
    }
    // The same entries offered one by one (each computing its slot) make the same table.
    assert.deepEqual(table.entries().map(p => p.address), st.routingRows.flatMap(r => r.entries.map(e => e.peer.address)))
    assert.equal(table.size, node.pastry.routingEntries())
  }
  assert.ok(entries / ps.size > 30, `${entries / ps.size} entries per node`)
})
