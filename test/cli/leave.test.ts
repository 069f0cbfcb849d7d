/**
 * Graceful shutdown through the binary (issue 8, issue 10 item 9): of three daemons, one is shut
 * down with `overlay-node shutdown` right after puts to Chord and Pastry. Every key stays readable
 * from the other two at once, with no settle time, and the neighbours send the departed peer at
 * most a handful of failed requests (there were 40–190 before the leave and the failed-peer
 * memory).
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { killAll, runCli, startDaemonProcess, tempDir } from '../helpers/cli.js'
import { waitFor } from '../helpers/wait-for.js'
import type { DaemonProcess } from '../helpers/cli.js'

const KEYS = 20
/** The most failed requests the two remaining peers may send the departed one, together. */
const MAX_FAILED_REQUESTS = 5
/** How long after the shutdown failed requests are counted (covers several maintenance periods). */
const WATCH_MS = 10_000

async function json (args: string[]): Promise<any> {
  const r = await runCli([...args, '--json'])
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`)
  return JSON.parse(r.stdout)
}

async function failedRequests (d: DaemonProcess, dht: string): Promise<number> {
  const { counters } = await json(['status', dht, '--repo', d.info.repo])
  return Object.entries(counters as Record<string, number>)
    .filter(([name]) => name.startsWith('outboundFailed_') && name !== 'outboundFailed_stopped')
    .reduce((sum, [, v]) => sum + v, 0)
}

describe('graceful shutdown of one of three daemons', { timeout: 150_000 }, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  before(async () => { dir = await tempDir('overlay-leave-') })
  after(async () => {
    killAll()
    await dir.remove()
  })

  it('keeps every Chord and Pastry key readable at once and costs the neighbours few failed requests', async (t) => {
    const first = await startDaemonProcess(['--repo', `${dir.path}/a`, '--local'])
    const others = [
      await startDaemonProcess(['--repo', `${dir.path}/b`, '--local', '--bootstrap', first.info.addresses[0]]),
      await startDaemonProcess(['--repo', `${dir.path}/c`, '--local', '--bootstrap', first.info.addresses[0]])
    ]
    const all = [first, ...others]
    for (const d of all) {
      await waitFor(async () => (await json(['status', 'chord', '--repo', d.info.repo])).successors.length === 2, { timeoutMs: 40_000, intervalMs: 500, what: 'a Chord ring of three' })
      await waitFor(async () => {
        const { leafSet } = await json(['status', 'pastry', '--repo', d.info.repo])
        return new Set([...leafSet.left, ...leafSet.right].map((p: { peerId: string }) => p.peerId)).size === 2
      }, { timeoutMs: 40_000, intervalMs: 500, what: 'a Pastry network of three' })
    }
    const leaving = others[1]
    const staying = [first, others[0]]
    // put --json gives the full key (`<writer peer id>/<name>`) that other peers read.
    const full: string[] = []
    for (const dht of ['chord', 'pastry']) {
      for (let i = 0; i < KEYS; i++) full[i] = (await json(['put', `k${i}`, `v${i} in ${dht}`, '--dht', dht, '--repo', leaving.info.repo])).key
    }
    const before = await Promise.all(staying.map(async d => (await failedRequests(d, 'chord')) + (await failedRequests(d, 'pastry'))))

    const down = await runCli(['shutdown', '--repo', leaving.info.repo])
    assert.equal(down.code, 0, down.stderr)
    await waitFor(() => leaving.process.exitCode !== null, { timeoutMs: 15_000, what: 'the daemon to exit' })
    assert.equal(leaving.process.exitCode, 0, leaving.output())

    for (const dht of ['chord', 'pastry']) {
      for (let i = 0; i < KEYS; i++) {
        const got = await json(['get', full[i], '--dht', dht, '--repo', staying[i % 2].info.repo])
        assert.equal(got.value, `v${i} in ${dht}`)
      }
    }
    await new Promise(resolve => setTimeout(resolve, WATCH_MS))
    const afterwards = await Promise.all(staying.map(async d => (await failedRequests(d, 'chord')) + (await failedRequests(d, 'pastry'))))
    const failed = afterwards.reduce((a, b) => a + b, 0) - before.reduce((a, b) => a + b, 0)
    t.diagnostic(`failed requests from the two remaining peers in the ${WATCH_MS / 1000} s after the shutdown: ${failed}`)
    assert.ok(failed <= MAX_FAILED_REQUESTS, `the remaining peers sent ${failed} failed requests after the shutdown`)
    for (const d of staying) assert.equal(await d.stop(), 0)
  })
})
