import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseCommandLine, type CommandContext } from '../../src/cli/command.js'
import { simPastryCommand } from '../../src/cli/commands/sim-pastry.js'
import { UsageError } from '../../src/cli/usage-error.js'

async function run (argv: string[]): Promise<string[]> {
  const { ctx } = parseCommandLine(simPastryCommand, argv)
  const lines: string[] = []
  const full: CommandContext = { ...ctx, out: line => lines.push(line), print: () => {} }
  assert.equal(await simPastryCommand.run(full), 0)
  return lines
}

test('overlay-node sim pastry: prints hops beside log16 N and the hop distribution, writes the report as JSON', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sim-pastry-'))
  try {
    const file = join(dir, 'out.json')
    const lines = await run(['--nodes', '64', '--lookups', '200', '--keys', '500', '--joins', '2', '--leaves', '2', '--crashes', '1', '--seed', '4', '--json', file, '--quiet'])
    const text = lines.join('\n')
    assert.match(text, /^pastry, 64 nodes \(\|L\| = 16, b = 4, built by joins\), seed 4: 200 lookups/)
    assert.match(text, /theory log16 N = 1\.500\)/)
    assert.match(text, /hop distribution /)
    assert.match(text, /churn: 5 events/)
    const report = JSON.parse(await readFile(file, 'utf8'))
    assert.equal(report.protocol, 'pastry')
    assert.equal(report.nodes, 64)
    assert.equal(report.hops.distribution.reduce((a: number, b: number) => a + b, 0), 200)
    assert.ok(report.wallMs > 0 && report.peakRssBytes > 0)
    assert.match(text, new RegExp(`trace hash ${report.traceHash}`))
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
  await assert.rejects(run(['--nodes', '4', '--crashes', '4']), UsageError)
  await assert.rejects(run(['--replicas', '10']), UsageError)
})
