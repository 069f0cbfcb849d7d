/**
 * `overlay-node bench cost` through the binary, at a tiny size: it writes report.json with the
 * fields the issue names for each configuration, and a bad flag is one line and exit 2. The
 * figures themselves are the benchmark's output, never asserted here.
 */
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { killAll, runCli, tempDir } from '../helpers/cli.js'

describe('bench cost', { timeout: 120_000 }, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  before(async () => { dir = await tempDir('overlay-bench-') })
  after(async () => {
    killAll()
    await dir.remove()
  })

  it('measures each configuration in its own process and writes report.json', async () => {
    const out = join(dir.path, 'cost')
    const r = await runCli(['bench', 'cost', '--nodes', '3', '--settle', '0', '--window', '1', '--configs', 'stock,sir', '--out', out], 100_000)
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /\| stock \|/)
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'))
    assert.equal(report.nodes, 3)
    assert.deepEqual(report.configs.map((c: { name: string }) => c.name), ['stock', 'sir'])
    for (const c of report.configs) {
      for (const field of ['cpuMsPerSecPerPeer', 'rssBytesPerPeer', 'eventLoopLagP99Ms', 'connectionsPerPeer', 'connectionsOpenedPerSecPerPeer', 'connectionsTrimmedPerPeer']) {
        assert.equal(typeof c[field], 'number', `${c.name}.${field}`)
        assert.ok(Number.isFinite(c[field]) && c[field] >= 0, `${c.name}.${field} = ${c[field]}`)
      }
      assert.ok(c.rssBytesPerPeer > 0 && c.connectionsPerPeer > 0)
    }
    assert.match(report.environment.commit, /^[0-9a-f]{40}|unknown/)
    assert.match(await readFile(join(out, 'report.md'), 'utf8'), /CPU ms\/s per peer/)
  })

  it('refuses bad flags with one line and exit 2', async () => {
    for (const args of [['--nodes', '1'], ['--configs', 'stock,nonsense'], ['--window', '0'], ['--frob']]) {
      const r = await runCli(['bench', 'cost', ...args])
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr)
    }
  })
})
