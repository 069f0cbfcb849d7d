/**
 * `overlay-node bench gossip` through the binary at a tiny size (10 peers in 2 worker processes,
 * 3 messages, push with k = 2 and k = inf): report.json has the fields issue 11 names, with sane values, the
 * same messages went through gossipsub and SIR, and no worker outlives the command. The figures
 * themselves are the benchmark's output, never asserted here.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { theoryResidue } from '../../src/experiments/sir-theory.js'
import { killAll, runCli, tempDir } from '../helpers/cli.js'

const WORKER_LINE = /worker \d+ started \(pid (\d+)\)/g

/** Whether a process runs (a zombie waiting to be reaped has ended). */
function alive (pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z'
  } catch {
    return false
  }
}

const inUnit = (x: unknown): boolean => typeof x === 'number' && x >= 0 && x <= 1

interface Figures { deliveryRatio: number, residue: number, latencyMs: { p50: number, p99: number }, copiesPerPeer: number, bytesPerPeer: number }

function assertSane (name: string, f: Figures): void {
  assert.ok(inUnit(f.deliveryRatio), `${name}.deliveryRatio ${f.deliveryRatio}`)
  assert.ok(Math.abs(f.residue - (1 - f.deliveryRatio)) <= 1e-3, `${name}: residue ${f.residue} = 1 - delivery ${f.deliveryRatio}`)
  if (f.deliveryRatio > 0) {
    assert.equal(typeof f.latencyMs.p50, 'number', `${name}.latencyMs.p50`)
    assert.ok(f.latencyMs.p50 >= 0 && f.latencyMs.p50 <= f.latencyMs.p99, `${name}: latency p50 ${f.latencyMs.p50}, p99 ${f.latencyMs.p99}`)
    assert.ok(f.copiesPerPeer > 0, `${name}.copiesPerPeer ${f.copiesPerPeer}`)
    assert.ok(f.bytesPerPeer > 0, `${name}.bytesPerPeer ${f.bytesPerPeer}`)
  }
}

describe('bench gossip', { timeout: 180_000 }, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  const stray: number[] = []
  before(async () => { dir = await tempDir('overlay-bench-gossip-') })
  after(async () => {
    killAll()
    for (const pid of stray.filter(alive)) process.kill(pid, 'SIGKILL')
    await dir.remove()
  })

  it('runs gossipsub and SIR push, k = 2 and inf, on 10 peers in 2 processes and writes report.json', async () => {
    const out = join(dir.path, 'gossip')
    const r = await runCli(['bench', 'gossip', '--nodes', '10', '--processes', '2', '--messages', '3', '--modes', 'push', '--k', '2,inf', '--settle', '2', '--seed', '7', '--out', out], 150_000)
    const pids = [...r.stderr.matchAll(WORKER_LINE)].map(m => Number(m[1]))
    stray.push(...pids)
    assert.equal(r.code, 0, r.stderr)
    assert.equal(pids.length, 2, r.stderr)
    await new Promise(resolve => setTimeout(resolve, 500))
    assert.deepEqual(pids.filter(alive), [], 'every worker is gone once the command has ended')
    assert.match(r.stdout, /\| gossipsub \|/)
    assert.match(r.stdout, /\| sir push \| 2 \|/)

    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'))
    assert.equal(report.benchmark, 'gossip')
    assert.equal(report.nodes, 10)
    assert.equal(report.processes, 2)
    assert.equal(report.messages, 3)
    assert.equal(report.links, 9, 'links are capped at the other peers')
    assert.equal(report.sir.antiEntropy, false)
    assertSane('gossipsub', report.results.gossipsub)
    assert.equal(report.results.sir.length, 2)
    const [sir, si] = report.results.sir
    assert.equal(sir.mode, 'push')
    assert.equal(sir.k, 2)
    assertSane('sir', sir)
    assert.ok(Math.abs(sir.theoryResidue - theoryResidue(2)) < 1e-4, `theoryResidue ${sir.theoryResidue}`)
    assert.ok(inUnit(sir.simResidue), `simResidue ${sir.simResidue}`)
    assert.equal(typeof sir.simCopiesPerPeer, 'number')
    // k = inf (SI) runs until every peer has every message; s* is 0.
    assert.equal(si.k, 'inf')
    assertSane('sir k = inf', si)
    assert.equal(si.theoryResidue, 0)
    // The same messages, from the same publishers, through both.
    assert.equal(report.samples.length, 3 * 3)
    const publishers = (k: number | 'inf' | null): number[] => report.samples.filter((s: { k: unknown }) => s.k === k).map((s: { publisher: number }) => s.publisher)
    assert.deepEqual(publishers(2), publishers(null))
    assert.deepEqual(publishers('inf'), publishers(null))
    for (const s of report.samples) assert.ok(s.received >= 0 && s.received <= 9, JSON.stringify(s))
    const csv = (await readFile(join(out, 'samples.csv'), 'utf8')).trim().split('\n')
    assert.equal(csv[0], 'via,mode,k,message,peer,latencyMs')
    // One line per receipt: as many as the samples count.
    assert.equal(csv.length - 1, report.samples.reduce((a: number, s: { received: number }) => a + s.received, 0))
    assert.match(await readFile(join(out, 'report.md'), 'utf8'), /\| sir push \| 2 \|/)
    assert.deepEqual((await readdir(out)).filter(f => /\.(svg|png)$/.test(f)).sort(), ['gossip-latency-cdf.png', 'gossip-latency-cdf.svg', 'residue-vs-k.png', 'residue-vs-k.svg'])
  })

  it('refuses bad flags with one line and exit 2', async () => {
    for (const args of [['--nodes', '2'], ['--messages', '0'], ['--messages', '501'], ['--modes', 'flood'], ['--modes', 'push,push'], ['--k', '0'], ['--k', '1,1'], ['--links', '65'], ['--processes', '0'], ['--frob']]) {
      const r = await runCli(['bench', 'gossip', ...args])
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr)
    }
  })
})
