import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseCommandLine, type CommandContext } from '../../src/cli/command.js'
import { dhtSimFlags, dhtWorkload, simChordCommand } from '../../src/cli/commands/sim.js'
import { UsageError } from '../../src/cli/usage-error.js'
import { estimateBytes, heapLimitBytes, largestNodesThatFit, memoryBudget, planHeap, type SimWorkload } from '../../src/sim/memory-estimate.js'

const GiB = 2 ** 30

test('the estimate grows with nodes, keys, replicas and lookups', () => {
  for (const protocol of ['chord', 'pastry', 'sir'] as const) {
    let previous = 0
    for (const nodes of [2, 100, 10_000, 1_000_000]) {
      const e = estimateBytes({ protocol, nodes })
      assert.ok(e > previous, `${protocol} ${nodes}`)
      previous = e
    }
  }
  const w: SimWorkload = { protocol: 'chord', nodes: 100_000 }
  assert.ok(estimateBytes({ ...w, keys: 1000 }) > estimateBytes(w))
  assert.ok(estimateBytes({ ...w, keys: 1000, replicas: 3 }) > estimateBytes({ ...w, keys: 1000, replicas: 1 }))
  assert.ok(estimateBytes({ ...w, lookups: 1000 }) > estimateBytes(w))
  assert.throws(() => estimateBytes({ protocol: 'chord', nodes: 0 }), RangeError)
})

test('the estimate covers the measured peaks of churn runs with keys, and --keys raises it', () => {
  // Peak RSS (/usr/bin/time -v) of `sim <protocol> --nodes 2000 --keys 200000 --replicas R --joins 100
  // --leaves 100 --crashes 50 --lookups 2000 --seed 1` (memory-estimate.ts, BYTES_PER_KEY).
  const measured = [
    { protocol: 'chord', replicas: 1, peakMiB: 1405 },
    { protocol: 'chord', replicas: 3, peakMiB: 1665 },
    { protocol: 'pastry', replicas: 3, peakMiB: 1478 }
  ] as const
  for (const m of measured) {
    const w: SimWorkload = { protocol: m.protocol, nodes: 2100, keys: 200_000, replicas: m.replicas, lookups: 2000 }
    assert.ok(estimateBytes(w) >= m.peakMiB * 2 ** 20, `${m.protocol} r=${m.replicas}: ${estimateBytes(w)} B`)
  }
  // sim chord --nodes 10000 --keys 100000 --lookups 100 --seed 1: 1263 MiB.
  assert.ok(estimateBytes({ protocol: 'chord', nodes: 10_000, keys: 100_000, replicas: 3, lookups: 100 }) >= 1263 * 2 ** 20)
  // The churn run at 10^5 nodes and 10^6 keys: 15354708 kB at its heap limit (a lower bound).
  assert.ok(estimateBytes({ protocol: 'chord', nodes: 100_100, keys: 1_000_000, replicas: 3, lookups: 10_000 }) >= 15354708 * 1024)
  const workload = (keys: string): SimWorkload => {
    const { ctx } = parseCommandLine(simChordCommand, ['--nodes', '100000', '--keys', keys])
    return dhtWorkload('chord', dhtSimFlags({ ...ctx, out: () => {}, print: () => {} }, 8))
  }
  let previous = 0
  for (const keys of ['0', '1000', '100000', '1000000']) {
    const e = estimateBytes(workload(keys))
    assert.ok(e > previous, `--keys ${keys}`)
    previous = e
  }
  // A million keys on 10^5 nodes: the keys, not the nodes, are most of it.
  const nodesOnly = estimateBytes(workload('0'))
  assert.ok(estimateBytes(workload('1000000')) - nodesOnly > nodesOnly)
})

test('the largest size that fits is the last one whose estimate is within the budget', () => {
  for (const w of [{ protocol: 'chord', nodes: 1 }, { protocol: 'pastry', nodes: 1, keys: 10_000, replicas: 3 }, { protocol: 'sir', nodes: 1 }] as SimWorkload[]) {
    for (const budget of [GiB, 8 * GiB, memoryBudget(24 * GiB)]) {
      const n = largestNodesThatFit(w, budget)
      assert.ok(n > 1)
      assert.ok(estimateBytes({ ...w, nodes: n }) <= budget)
      assert.ok(estimateBytes({ ...w, nodes: n + 1 }) > budget)
    }
  }
  assert.equal(largestNodesThatFit({ protocol: 'chord', nodes: 1 }, 1000), 0)
})

test('the machine keeps its headroom: 10 %, and never less than 2 GiB', () => {
  assert.equal(memoryBudget(100 * GiB), 90 * GiB)
  assert.equal(memoryBudget(8 * GiB), 6 * GiB)
})

test('planHeap refuses what the machine cannot hold, re-executes when the heap is short, and runs otherwise', () => {
  const total = 24 * GiB
  const refused = planHeap({ protocol: 'chord', nodes: 50_000_000 }, total, 4 * GiB, false)
  assert.equal(refused.action, 'refuse')
  if (refused.action === 'refuse') {
    assert.ok(refused.estimateBytes > refused.budgetBytes)
    assert.equal(refused.largestNodes, largestNodesThatFit({ protocol: 'chord', nodes: 1 }, memoryBudget(total)))
  }
  const big: SimWorkload = { protocol: 'chord', nodes: 1_000_000 }
  const reexec = planHeap(big, total, 4 * GiB, false)
  assert.equal(reexec.action, 'reexec')
  if (reexec.action === 'reexec') {
    assert.ok(reexec.heapLimitMiB * 2 ** 20 >= estimateBytes(big))
    assert.ok(reexec.heapLimitMiB * 2 ** 20 <= memoryBudget(total) + 2 ** 20)
    assert.equal(reexec.heapLimitMiB, Math.ceil(heapLimitBytes(estimateBytes(big), memoryBudget(total)) / 2 ** 20))
  }
  // A re-executed process runs with what it got rather than asking again.
  assert.equal(planHeap(big, total, 4 * GiB, true).action, 'run')
  assert.equal(planHeap({ protocol: 'pastry', nodes: 1000 }, total, 4 * GiB, false).action, 'run')
})

test('sim chord --nodes 50000000 is refused at once with the estimate and the largest size that fits', async () => {
  const { ctx } = parseCommandLine(simChordCommand, ['--nodes', '50000000', '--quiet'])
  const full: CommandContext = { ...ctx, out: () => {}, print: () => {} }
  await assert.rejects(simChordCommand.run(full), (err: Error) => {
    assert.ok(err instanceof UsageError)
    assert.match(err.message, /^sim chord: 50000000 nodes need about \d+\.\d GiB and this machine lets a run use \d+\.\d GiB; at most about \d+ nodes fit$/)
    return true
  })
})

test('sim chord with more keys than the machine holds is refused at once, naming the keys', async () => {
  const { ctx } = parseCommandLine(simChordCommand, ['--nodes', '1000', '--keys', '10000000', '--quiet'])
  const full: CommandContext = { ...ctx, out: () => {}, print: () => {} }
  await assert.rejects(simChordCommand.run(full), (err: Error) => {
    assert.ok(err instanceof UsageError)
    assert.match(err.message, /^sim chord: 1000 nodes and 10000000 keys need about \d+\.\d GiB and this machine lets a run use \d+\.\d GiB; the keys and lookups alone do not fit$/)
    return true
  })
})

test('a run whose estimate exceeds the V8 heap re-executes itself with a larger heap and reports it', async () => {
  const { spawnSync } = await import('node:child_process')
  const main = new URL('../../src/cli/main.js', import.meta.url).pathname
  // A 64 MiB heap is below any sim's estimate (the process alone is estimated at more).
  const child = spawnSync(process.execPath, ['--max-old-space-size=64', main, 'sim', 'sir', '--nodes', '50', '--k', '1', '--trials', '1', '--json', '--quiet'],
    { encoding: 'utf8', timeout: 60_000 })
  assert.equal(child.status, 0, child.stderr)
  const report = JSON.parse(child.stdout)
  assert.equal(report.protocol, 'sir')
  assert.ok(report.heapLimitBytes > 64 * 2 ** 20 * 1.5, `heap limit ${report.heapLimitBytes}`)
  assert.ok(report.heapLimitBytes >= report.estimatedBytes)
  assert.equal(typeof report.version, 'string')
  assert.equal(typeof report.commit, 'string')
})
