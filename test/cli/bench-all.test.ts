/**
 * `overlay-node bench all` through the binary: its help names what it runs, and a bad command line
 * is one line and exit 2 before any suite starts. The full run (about 20 minutes) is never made
 * here; its figures are the benchmark's output.
 */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { ALL_SUITES, allSummary } from '../../src/cli/commands/bench.js'
import { killAll, runCli } from '../helpers/cli.js'

describe('bench all', { timeout: 60_000 }, () => {
  after(() => { killAll() })

  it('says in --help which suites it runs and at what sizes', async () => {
    const r = await runCli(['bench', 'all', '--help'])
    assert.equal(r.code, 0, r.stderr)
    for (const suite of ['dht', 'churn', 'gossip', 'cost']) assert.match(r.stdout, new RegExp(`bench ${suite} --nodes \\d+ .*--out DIR/${suite}`))
    assert.deepEqual(ALL_SUITES.map(s => s.suite), ['dht', 'churn', 'gossip', 'cost'])
  })

  it('refuses bad flags and arguments with one line and exit 2', async () => {
    for (const args of [['--frob'], ['--seed', ''], ['--seed', '  '], ['--out', ''], ['--nodes', '5'], ['extra'], ['--seed']]) {
      const r = await runCli(['bench', 'all', ...args])
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr)
      assert.equal(r.stdout, '')
    }
  })

  it('summary.md links each suite\'s report and charts, and notes a suite that failed', () => {
    const md = allSummary([
      { suite: 'dht', args: ['--nodes', '32'], wallS: 300, charts: ['hops-cdf.png'] },
      { suite: 'churn', args: ['--nodes', '32'], wallS: 12, error: 'the Chord ring did not close | x', charts: [] }
    ], '7')
    assert.match(md, /^# overlay-node bench all \(seed 7\)/)
    assert.match(md, /\| \[dht\]\(dht\/report\.md\) \| `bench dht --nodes 32` \| 300 \| done \|/)
    assert.match(md, /\| \[churn\]\(churn\/report\.md\) \| .* \| 12 \| failed: the Chord ring did not close \/ x \|/)
    assert.match(md, /!\[hops-cdf\.png\]\(dht\/hops-cdf\.png\)/)
    assert.doesNotMatch(md, /## churn/)
  })
})
