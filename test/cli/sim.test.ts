/**
 * The sim commands through the binary: the report file with `--out` (its folder checked before
 * the run), versions and commit in it, `--json` on stdout, the old `--json FILE` still working,
 * and plain progress lines when stderr is not a terminal.
 */
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { killAll, runCli, tempDir } from '../helpers/cli.js'

const SMALL = ['--nodes', '32', '--lookups', '20', '--keys', '50', '--joins', '30', '--seed', '3']

describe('sim commands', { timeout: 120_000 }, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  before(async () => { dir = await tempDir('overlay-sim-') })
  after(async () => {
    killAll()
    await dir.remove()
  })

  it('refuses a report path it cannot write before running', async () => {
    for (const protocol of ['chord', 'pastry', 'sir']) {
      const r = await runCli(['sim', protocol, '--out', join(dir.path, 'missing', 'report.json')])
      assert.equal(r.code, 2, r.stderr)
      assert.match(r.stderr, /^overlay-node: --out .*: the folder .*missing does not exist\n$/)
      const folder = await runCli(['sim', protocol, '--out', dir.path])
      assert.equal(folder.code, 2)
      assert.match(folder.stderr, /is a folder/)
    }
  })

  it('writes the report with versions and commit, prints it with --json, keeps --json FILE', async () => {
    const file = join(dir.path, 'chord.json')
    const r = await runCli(['sim', 'chord', ...SMALL, '--out', file])
    assert.equal(r.code, 0, r.stderr)
    assert.ok(!r.stderr.includes('\r'))
    assert.match(r.stderr, /^sim seed 3/m)
    const report = JSON.parse(await readFile(file, 'utf8'))
    assert.match(report.environment.overlayNode, /^\d+\.\d+\.\d+$/)
    assert.match(report.environment.commit, /^([0-9a-f]{40}(-dirty)?|unknown)$/)
    assert.match(report.environment.packages.libp2p, /^3\./)
    assert.match(r.stdout, new RegExp(`trace hash ${report.traceHash}`))

    const json = await runCli(['sim', 'chord', ...SMALL, '--json', '--quiet'])
    assert.equal(json.code, 0, json.stderr)
    const printed = JSON.parse(json.stdout)
    assert.equal(printed.traceHash, report.traceHash)
    assert.equal(json.stderr, '')

    const old = join(dir.path, 'old.json')
    const deprecated = await runCli(['sim', 'chord', ...SMALL, '--json', old, '--quiet'])
    assert.equal(deprecated.code, 0, deprecated.stderr)
    assert.match(deprecated.stderr, /'--json FILE' is deprecated; use '--out FILE'/)
    assert.equal(JSON.parse(await readFile(old, 'utf8')).traceHash, report.traceHash)
  })
})
