/**
 * Records survive a restart (issue 9): three daemons with repos (LevelDB datastores); 100 keys put
 * to Chord and 100 to Pastry, spread over the three; all three shut down gracefully and start again
 * from their repos. Every one of the 200 gets succeeds with the right value, and each DHT's records
 * came back from the datastores (status counts them before any put).
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startDaemon, type Daemon } from '../../src/node/daemon.js'
import { tempDir } from '../helpers/cli.js'
import { waitFor } from '../helpers/wait-for.js'

const KEYS_PER_DHT = 100
const DHTS = ['chord', 'pastry'] as const
const encoder = new TextEncoder()
const decoder = new TextDecoder()

async function startThree (root: string): Promise<Daemon[]> {
  const first = await startDaemon({ repo: `${root}/a`, local: true, api: '/ip4/127.0.0.1/tcp/0' })
  const bootstrap = [first.node.addresses()[0]]
  const rest = await Promise.all(['b', 'c'].map(async name => await startDaemon({ repo: `${root}/${name}`, local: true, api: '/ip4/127.0.0.1/tcp/0', bootstrap })))
  const all = [first, ...rest]
  try {
    await waitFor(() => all.every(d => {
      const chord = d.node.status('chord') as { successors: unknown[] }
      const pastry = d.node.status('pastry') as { leafSet: { left: Array<{ peerId: string }>, right: Array<{ peerId: string }> } }
      return chord.successors.length === 2 && new Set([...pastry.leafSet.left, ...pastry.leafSet.right].map(p => p.peerId)).size === 2
    }), { timeoutMs: 90_000, intervalMs: 250, what: 'a Chord ring and a Pastry network of three' })
  } catch (err) {
    // Stopped here: the caller never gets them, and a daemon left running keeps the test process alive.
    await Promise.all(all.map(async d => { await d.stop().catch(() => {}) }))
    throw err
  }
  return all
}

describe('records across a restart of every daemon', { timeout: 300_000 }, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let daemons: Daemon[] = []
  before(async () => { dir = await tempDir('overlay-restart-') })
  after(async () => {
    for (const d of daemons) await d.stop().catch(() => {})
    await dir.remove()
  })

  it('serves all 200 keys again after all three shut down and start from their repos', async (t) => {
    daemons = await startThree(dir.path)
    const keys = new Map<string, Array<{ key: string, value: string }>>()
    for (const dht of DHTS) {
      const written: Array<{ key: string, value: string }> = []
      for (let i = 0; i < KEYS_PER_DHT; i++) {
        const value = `value ${i} in ${dht}`
        const { key } = await daemons[i % 3].node.dht(dht).put(`k${i}`, encoder.encode(value))
        written.push({ key, value })
      }
      keys.set(dht, written)
    }
    for (const d of daemons) await d.stop()
    daemons = []

    daemons = await startThree(dir.path)
    const restored = DHTS.map(dht => daemons.reduce((sum, d) => sum + (d.node.status(dht) as { storedRecords: number }).storedRecords, 0))
    t.diagnostic(`records held after the restart: chord ${restored[0]}, pastry ${restored[1]} (3 copies of 100 each before)`)
    for (const [i, dht] of DHTS.entries()) assert.ok(restored[i] >= KEYS_PER_DHT, `${dht}: the records came back from the datastores`)
    let reads = 0
    for (const dht of DHTS) {
      for (const [i, { key, value }] of (keys.get(dht) ?? []).entries()) {
        const got = await daemons[(i + 1) % 3].node.dht(dht).get(key)
        assert.equal(decoder.decode(got.value), value, `${dht} ${key}`)
        reads++
      }
    }
    assert.equal(reads, 2 * KEYS_PER_DHT)
  })
})
