/**
 * `overlay-node bench churn` through the binary at a tiny size (8 peers in 2 worker processes,
 * 40 keys, one join, one leave, one crash): report.json has the fields issue 11 names for every
 * DHT, with sane values; Chord and Pastry lose no key to one crash and answer every get; no worker
 * outlives the command. The figures themselves are the benchmark's output, never asserted here.
 */
import assert from 'node:assert/strict'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { killAll, runCli, tempDir } from '../helpers/cli.js'
import { alive, gone, workerPids } from '../helpers/worker-pids.js'

describe('bench churn', { timeout: 180_000 }, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  const stray: number[] = []
  before(async () => { dir = await tempDir('overlay-bench-churn-') })
  after(async () => {
    killAll()
    for (const pid of stray.filter(alive)) process.kill(pid, 'SIGKILL')
    await dir.remove()
  })

  it('runs one join, one leave and one crash on 8 peers and writes report.json, report.md and samples.csv', async () => {
    const out = join(dir.path, 'churn')
    const r = await runCli(['bench', 'churn', '--nodes', '8', '--processes', '2', '--keys', '40', '--joins', '1', '--leaves', '1', '--crashes', '1', '--settle', '3', '--seed', '3', '--concurrency', '8', '--out', out], 165_000)
    const pids = workerPids(r.stderr)
    stray.push(...pids)
    assert.equal(r.code, 0, r.stderr)
    assert.equal(pids.length, 2, r.stderr)
    assert.deepEqual(await gone(pids, 5000), [], 'every worker is gone once the command has ended')
    for (const dht of ['kad', 'chord', 'pastry']) assert.match(r.stdout, new RegExp(`\\| ${dht} \\|`))

    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'))
    assert.equal(report.benchmark, 'churn')
    assert.deepEqual([report.nodes, report.keys, report.joins, report.leaves, report.crashes, report.processes], [8, 40, 1, 1, 1, 2])
    assert.match(report.environment.commit, /^[0-9a-f]{40}|unknown/)
    // One sample per event and DHT; the three kinds, each once.
    assert.equal(report.samples.length, 3 * 3)
    const kinds = report.samples.filter((s: { dht: string }) => s.dht === 'chord').map((s: { kind: string }) => s.kind).sort()
    assert.deepEqual(kinds, ['crash', 'join', 'leave'])
    for (const dht of ['kad', 'chord', 'pastry']) {
      const res = report.results[dht]
      assert.ok(res !== undefined, dht)
      assert.equal(typeof res.movedPerEvent, 'number', `${dht}.movedPerEvent`)
      assert.ok(res.movedPerEvent >= 0, `${dht}.movedPerEvent`)
      // K/N with N the live peers before each event: 6 to 8 of them (rounded to 3 decimals).
      assert.ok(res.keysOverNodes >= 40 / 8 - 0.001 && res.keysOverNodes <= 40 / 6 + 0.001, `${dht}.keysOverNodes ${res.keysOverNodes}`)
      assert.ok(Number.isInteger(res.keysLost) && res.keysLost >= 0 && res.keysLost <= 40, `${dht}.keysLost`)
      assert.equal(res.wrongValues, 0, `${dht}.wrongValues`)
      assert.ok(res.availability >= 0 && res.availability <= 1, `${dht}.availability ${res.availability}`)
      assert.equal(res.gets, 40 - res.putFailures, `${dht}: every stored key is read once`)
    }
    for (const dht of ['chord', 'pastry']) {
      const res = report.results[dht]
      assert.equal(res.putFailures, 0, dht)
      assert.equal(res.keysLost, 0, `${dht}: no key lost to one crash`)
      assert.equal(res.availability, 1, `${dht}: ${JSON.stringify(res.failureReasons)}`)
      assert.equal(typeof res.sim.movedPerEvent, 'number', `${dht}.sim.movedPerEvent`)
      for (const s of report.samples.filter((x: { dht: string }) => x.dht === dht)) {
        assert.equal(s.counterMoves, s.handoffs + s.promotions, `${dht} event ${s.event}`)
        assert.ok(Number.isInteger(s.primaryMoved) && s.primaryMoved >= 0 && s.primaryMoved <= 40, `${dht} event ${s.event}: moved ${s.primaryMoved}`)
        assert.ok(s.mustMove >= 0 && s.replicaCopies >= 0, `${dht} event ${s.event}`)
      }
    }
    const kad = report.results.kad
    assert.equal(kad.closestHolding.k, 20)
    // At most the 6 to 8 live peers can be among a key's k closest.
    assert.ok(kad.closestHolding.meanAfterEvents >= 0 && kad.closestHolding.meanAfterEvents <= 8, JSON.stringify(kad.closestHolding))
    assert.match(await readFile(join(out, 'samples.csv'), 'utf8'), /^event,kind,peer,nodes,dht,/)
    assert.match(await readFile(join(out, 'report.md'), 'utf8'), /\| chord \|/)
    assert.deepEqual((await readdir(out)).filter(f => /\.(svg|png)$/.test(f)).sort(), ['moved-per-event.png', 'moved-per-event.svg'])
  })

  it('refuses bad flags with one line and exit 2', async () => {
    for (const args of [['--nodes', '2'], ['--joins', '0', '--leaves', '0', '--crashes', '0'], ['--nodes', '8', '--leaves', '3', '--crashes', '3'], ['--crashes', '-1'], ['--keys', '0'], ['--settle', 'x'], ['--frob']]) {
      const r = await runCli(['bench', 'churn', ...args])
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr)
    }
  })
})
