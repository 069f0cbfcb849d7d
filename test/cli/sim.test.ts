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
    assert.equal(report.version, report.environment.overlayNode)
    assert.equal(report.commit, report.environment.commit)

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

  it('chord and pastry report the same fields, hop distribution included; text rounds, JSON keeps full precision; progress within phases', async () => {
    const args = ['--nodes', '40', '--lookups', '30', '--keys', '50', '--joins', '4', '--seed', '3']
    const reports: Record<string, any> = {}
    for (const protocol of ['chord', 'pastry']) {
      const text = await runCli(['sim', protocol, ...args])
      assert.equal(text.code, 0, text.stderr)
      // Progress inside the phases, as plain lines: the build (nodes in place while a wave of joins
      // settles), Chord's fix-finger periods, the stores and the lookups count up.
      assert.ok(!text.stderr.includes('\r'))
      const expected = [/^build: 40\/40 nodes$/m, /^store: 50\/50 keys$/m, /^lookup: 30\/30 lookups$/m, /^after-churn: 30\/30 lookups$/m]
      if (protocol === 'chord') expected.push(/^converge: \d+\/15 fix-finger periods$/m, /^converge: 15\/15 fix-finger periods$/m)
      for (const line of expected) assert.match(text.stderr, line, `${protocol}: ${String(line)}`)
      const inPlace = [...text.stderr.matchAll(/^build: (\d+)\/40 nodes in place$/gm)].map(m => Number(m[1]))
      assert.ok(inPlace.filter(k => k < 40).length >= 3, `${protocol}: build progress before its end: ${inPlace.join(', ')}`)
      const json = await runCli(['sim', protocol, ...args, '--json', '--quiet'])
      assert.equal(json.code, 0, json.stderr)
      const report = JSON.parse(json.stdout)
      reports[protocol] = report
      assert.equal(report.hops.distribution.reduce((a: number, b: number) => a + b, 0), 30, `${protocol}: every lookup in the distribution`)
      assert.match(text.stdout, /^hop distribution \d+: \d+\.\d%/m, protocol)
      // Rounded for people, whole in JSON: the mean to three decimals beside the exact value.
      assert.notEqual(report.hops.mean, Number(report.hops.mean.toFixed(3)), `${protocol}: a mean with more than three decimals, to show both`)
      assert.match(text.stdout, new RegExp(`^hops mean ${report.hops.mean.toFixed(3).replace('.', '\\.')} \\(theory`, 'm'))
      assert.equal(report.theory.meanHops, protocol === 'chord' ? 0.5 * Math.log2(40) : Math.log(40) / Math.log(16))
      assert.match(report.version, /^\d+\.\d+\.\d+$/)
    }
    const fields = (o: object, prefix = ''): string[] => Object.entries(o).flatMap(([k, v]) =>
      v !== null && typeof v === 'object' && !Array.isArray(v) && !['environment', 'phasesMs'].includes(k) ? fields(v, `${prefix}${k}.`) : [`${prefix}${k}`])
    // Pastry alone has a leaf set; every other field is in both.
    assert.deepEqual(fields(reports.pastry).filter(f => f !== 'leafSetSize').sort(), fields(reports.chord).sort())
  })
})
