import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseCommandLine } from '../../src/cli/command.js'
import { parseKList, simSirCommand } from '../../src/cli/commands/sim-sir.js'

test('sim sir: --k parses numbers and inf; bad values are usage errors', () => {
  assert.deepEqual(parseKList('1,2,3'), [1, 2, 3])
  assert.deepEqual(parseKList('inf'), [Infinity])
  assert.deepEqual(parseKList(' 1.5 , Infinity '), [1.5, Infinity])
  for (const bad of ['', '0', '1,,2', 'x', '-1']) assert.throws(() => parseKList(bad), /--k/)
})

test('sim sir: the command writes a JSON report with the agreed fields', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sim-sir-'))
  try {
    const file = join(dir, 'out.json')
    const { ctx } = parseCommandLine(simSirCommand, ['--nodes', '300', '--mode', 'push', '--k', '1,inf', '--trials', '2', '--seed', '9', '--json', file, '--quiet'])
    const out: string[] = []
    assert.equal(await simSirCommand.run({ ...ctx, print: () => {}, out: l => out.push(l) }), 0)
    assert.match(out.join('\n'), /trace hash [0-9a-f]{16}/)
    const r = JSON.parse(await readFile(file, 'utf8'))
    for (const field of ['protocol', 'nodes', 'seed', 'mode', 'traceHash', 'wallMs', 'peakRssBytes', 'results']) assert.ok(field in r, field)
    assert.equal(r.protocol, 'sir')
    assert.equal(r.nodes, 300)
    assert.equal(r.seed, '9')
    assert.ok(r.peakRssBytes > 0)
    assert.deepEqual(r.results.map((x: { k: unknown }) => x.k), [1, 'inf'])
    for (const field of ['k', 'residueMean', 'residueStd', 'theoryResidue', 'trafficPerNode', 'tAvg', 'tLast']) assert.ok(field in r.results[0], field)
    assert.ok(Array.isArray(r.results[1].rounds) && 'roundsToAll' in r.results[1])
    assert.deepEqual(Object.keys(r.results[1].rounds[0]).sort(), ['iterated', 'round', 'susceptibleMean', 'theory'])
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})
