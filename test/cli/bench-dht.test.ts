/**
 * `overlay-node bench dht` through the binary at a small size (12 peers in 2 worker processes):
 * report.json has the fields issue 11 names for every DHT, Chord and Pastry find every key, and
 * no worker process outlives the command, whether it ends normally or is killed. The figures
 * themselves are the benchmark's output, never asserted here.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { BINARY, killAll, runCli, tempDir } from '../helpers/cli.js'
import { alive, gone, workerPids } from '../helpers/worker-pids.js'

describe('bench dht', { timeout: 150_000 }, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  const stray: number[] = []
  before(async () => { dir = await tempDir('overlay-bench-dht-') })
  after(async () => {
    killAll()
    for (const pid of stray.filter(alive)) process.kill(pid, 'SIGKILL')
    await dir.remove()
  })

  it('runs kad, chord and pastry on 12 peers in 2 processes and writes report.json', async () => {
    const out = join(dir.path, 'dht')
    const r = await runCli(['bench', 'dht', '--nodes', '12', '--processes', '2', '--keys', '4', '--lookups', '12', '--settle', '1', '--seed', '7', '--concurrency', '2', '--out', out], 90_000)
    const pids = workerPids(r.stderr)
    stray.push(...pids)
    assert.equal(r.code, 0, r.stderr)
    assert.equal(pids.length, 2, r.stderr)
    assert.deepEqual(await gone(pids, 5000), [], 'every worker is gone once the command has ended')
    for (const dht of ['kad', 'chord', 'pastry']) assert.match(r.stdout, new RegExp(`\\| ${dht} \\|`))

    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'))
    assert.equal(report.benchmark, 'dht')
    assert.equal(report.nodes, 12)
    assert.equal(report.processes, 2)
    assert.equal(report.concurrency, 2)
    assert.equal(report.samples.length, 3 * 12)
    assert.match(report.environment.commit, /^[0-9a-f]{40}|unknown/)
    for (const dht of ['kad', 'chord', 'pastry']) {
      const res = report.results[dht]
      assert.ok(res !== undefined, dht)
      for (const field of ['mean', 'p50', 'p99']) assert.equal(typeof res.hops[field], 'number', `${dht}.hops.${field}`)
      assert.ok(Array.isArray(res.hops.distribution), `${dht}.hops.distribution`)
      for (const field of ['p50', 'p95', 'p99']) assert.equal(typeof res.latencyMs[field], 'number', `${dht}.latencyMs.${field}`)
      assert.equal(typeof res.perHopMs.p50, 'number', `${dht}.perHopMs.p50`)
      assert.equal(typeof res.getFailures, 'number')
      const samples = report.samples.filter((s: { dht: string }) => s.dht === dht)
      // The distribution counts exactly the gets that succeeded.
      assert.equal(res.hops.distribution.reduce((a: number, b: number) => a + b, 0), samples.filter((s: { ok: boolean }) => s.ok).length)
      assert.equal(res.getFailures, samples.filter((s: { ok: boolean }) => !s.ok).length)
    }
    for (const dht of ['chord', 'pastry']) {
      assert.equal(report.results[dht].getFailures, 0, `${dht}: ${JSON.stringify(report.results[dht].failureReasons)}`)
      assert.equal(report.results[dht].wrongValues, 0, dht)
      assert.equal(typeof report.results[dht].simHops.mean, 'number', `${dht}.simHops.mean`)
    }
    // Every DHT was asked the same gets from the same peers.
    const pairs = (dht: string): string => JSON.stringify(report.samples.filter((s: { dht: string }) => s.dht === dht).map((s: { from: number, key: number }) => [s.from, s.key]).sort())
    assert.equal(pairs('chord'), pairs('kad'))
    assert.equal(pairs('pastry'), pairs('kad'))
    assert.match(await readFile(join(out, 'samples.csv'), 'utf8'), /^dht,from,key,ok,hops,latencyMs\n/)
    assert.deepEqual((await readdir(out)).filter(f => /\.(svg|png)$/.test(f)).sort(), ['hops-cdf.png', 'hops-cdf.svg', 'sim-vs-real-hops.png', 'sim-vs-real-hops.svg', 'sim-vs-real-mean-hops.png', 'sim-vs-real-mean-hops.svg'])
  })

  it('leaves no worker running when the command is killed', async () => {
    const child = spawn(process.execPath, [BINARY, 'bench', 'dht', '--nodes', '6', '--processes', '2', '--out', join(dir.path, 'killed')], { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    const exited = new Promise(resolve => child.once('close', resolve))
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => { reject(new Error(`workers not started in time: ${stderr}`)) }, 30_000)
        child.stderr.setEncoding('utf8').on('data', (d: string) => {
          stderr += d
          if (workerPids(stderr).length === 2) { clearTimeout(timer); resolve() }
        })
      })
    } finally {
      child.kill('SIGKILL')
      await exited
    }
    const pids = workerPids(stderr)
    stray.push(...pids)
    assert.deepEqual(await gone(pids, 10_000), [], 'the workers exit when their driver is killed')
  })

  it('refuses bad flags with one line and exit 2', async () => {
    for (const args of [['--nodes', '2'], ['--processes', '0'], ['--processes', '13', '--nodes', '12'], ['--keys', 'x'], ['--concurrency', '0'], ['--frob']]) {
      const r = await runCli(['bench', 'dht', ...args])
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr)
    }
  })
})
