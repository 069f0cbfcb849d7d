/**
 * The part of libp2p's interop suite that runs inside `npm test`: mocha runs p2pd-suite.js (our
 * `overlay-node p2pd` in the "go" slot, stock js-libp2p 3 in the "js" slot) on the tests that
 * involve our peer for connect over TCP, kad-dht record fetching and peer routing, and echo
 * streams with Ed25519 keys over Noise and Yamux, both ways. The whole suite is
 * `npm run test:interop`. Every daemon is stopped by the suite's own hooks; mocha is killed if
 * it overruns.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'

const SUITE = fileURLToPath(new URL('./p2pd-suite.js', import.meta.url))
const MOCHA = join(createRequire(import.meta.url).resolve('mocha/package.json'), '..', 'bin', 'mocha.js')
const RUN_TIMEOUT_MS = 90_000

/** Mocha full titles (describe + it) of the subset; every one names our ("go") peer. */
const SUBSET = [
  'connection\\.tcp (js peer to go|go peer to js) peer over tcp',
  'dht\\.contentFetching (js peer to go|go peer to js) peer',
  'dht\\.peerRouting (js peer to go|go peer to js) peer',
  'ed25519/noise/yamux echo (js sender to go|go sender to js) listener'
]
/** Tests the subset selects: two directions of each of the four. */
const SUBSET_TESTS = SUBSET.length * 2

interface MochaReport {
  stats: { tests: number, passes: number, failures: number, pending: number }
  failures: Array<{ fullTitle: string, err: { message?: string } }>
  passes: Array<{ fullTitle: string }>
}

describe('interop: @libp2p/interop subset with overlay-node p2pd in the go slot', { timeout: RUN_TIMEOUT_MS + 10_000 }, () => {
  it('passes connect, dht and noise/yamux echo tests against stock js-libp2p 3, both ways', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'overlay-interop-'))
    try {
      const output = join(dir, 'report.json')
      const child = spawn(process.execPath, [
        MOCHA, '--timeout', '60000', '--exit', '--reporter', 'json', '--reporter-option', `output=${output}`,
        '--grep', `^(${SUBSET.join('|')})$`, SUITE
      ], { stdio: ['ignore', 'ignore', 'pipe'] })
      let stderr = ''
      child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr = (stderr + d).slice(-4000) })
      const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS)
      const code = await new Promise<number | null>(resolve => child.on('close', resolve))
      clearTimeout(timer)
      const report = JSON.parse(await readFile(output, 'utf8')) as MochaReport
      const failed = report.failures.map(f => `${f.fullTitle}: ${f.err.message ?? ''}`)
      assert.deepEqual(failed, [], stderr)
      assert.equal(code, 0, stderr)
      assert.equal(report.stats.pending, 0)
      assert.equal(report.stats.passes, SUBSET_TESTS, report.passes.map(p => p.fullTitle).join('\n'))
      for (const pass of report.passes) assert.match(pass.fullTitle, /\bgo\b/)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
