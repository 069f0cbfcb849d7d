/**
 * TargetGossipNetwork against three fake daemons (HTTP servers on 127.0.0.1 that answer the API
 * paths the gossip suite calls): each daemon's clock offset is measured within the bound it
 * reports, a receipt is mapped onto the bench's clock, a stream line that is not JSON breaks the
 * receipts with one line naming the daemon, a reply out of shape is refused, and stop() closes
 * every subscription stream. No real daemon: the real path is in targets.test.ts.
 */
import assert from 'node:assert/strict'
import { createServer, type Server, type ServerResponse } from 'node:http'
import { after, before, describe, it } from 'node:test'
import { TargetGossipNetwork } from '../../src/bench/target-gossip.js'
import { waitFor } from '../helpers/wait-for.js'
import type { AddressInfo } from 'node:net'

/** Fake daemon i runs its clock i seconds ahead of this process's. */
const AHEAD_MS = 1000

interface Fake { server: Server, url: string, open: Set<ServerResponse> }

function fakeDaemon (i: number): Fake {
  const open = new Set<ServerResponse>()
  const server = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8').on('data', (d: string) => { body += d }).on('end', () => {
      const json = (x: unknown): void => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(JSON.stringify(x)) }
      const now = Date.now() + i * AHEAD_MS
      if (req.url === '/api/v0/id') return json({ peerId: `fake-${i}`, addresses: [] })
      if (req.url === '/api/v0/clock') return json({ wallMs: now })
      if (req.url === '/api/v0/sir/spreading') return json({ k: 2, mode: 'push', previous: i === 2 ? { k: 'many', mode: 'push' } : { k: 4, mode: 'pushpull' } })
      if (req.url === '/api/v0/subscribe') {
        const { topic, via } = JSON.parse(body) as { topic: string, via: string }
        res.writeHead(200, { 'content-type': 'application/x-ndjson' })
        res.write(JSON.stringify({ subscribed: topic, via }) + '\n')
        open.add(res)
        res.on('close', () => open.delete(res))
        // Daemon 1 received message 'm-0' on gossipsub 500 ms before its own now; daemon 2 sends a broken line on SIR's 'broken'.
        if (i === 1 && via === 'gossipsub') res.write(JSON.stringify({ topic, from: 'fake-0', value: 'm-0'.padEnd(256, '.'), receivedAt: now - 500 }) + '\n')
        if (i === 2 && via === 'sir' && topic === 'broken') res.write('{not json\n')
        return
      }
      res.writeHead(404).end()
    })
  })
  return { server, url: '', open }
}

describe('TargetGossipNetwork on fake daemons', { timeout: 30_000 }, () => {
  const fakes: Fake[] = []
  before(async () => {
    for (let i = 0; i < 3; i++) {
      const f = fakeDaemon(i)
      await new Promise<void>(resolve => f.server.listen(0, '127.0.0.1', resolve))
      f.url = `http://127.0.0.1:${(f.server.address() as AddressInfo).port}`
      fakes.push(f)
    }
  })
  after(async () => {
    for (const f of fakes) {
      f.server.closeAllConnections()
      await new Promise<void>(resolve => f.server.close(() => resolve()))
    }
  })

  it('maps clocks and receipts onto its own clock, refuses what is out of shape, and closes its streams on stop', async () => {
    const net = await TargetGossipNetwork.connect(fakes.map(f => f.url), () => {})
    const before = Date.now()
    await net.subscribeAll('t')
    assert.equal(fakes.reduce((n, f) => n + f.open.size, 0), 6, 'one stream per daemon and overlay')

    // Cristian's bound: each measured offset is within half its round trip of the true one (i seconds).
    const clock = net.clock()
    assert.ok(Math.abs(clock.maxAbsOffsetMs - 2 * AHEAD_MS) <= clock.maxUncertaintyMs / 2 + 1, JSON.stringify(clock))

    // Daemon 1's receipt, stamped 500 ms before its clock's now, lands on this process's clock by its offset, within the bound.
    const [got] = await waitFor(async () => { const r = await net.receipts(['m-0']); return r[0].length > 0 ? r : undefined }, { timeoutMs: 5000, what: 'the receipt' })
    assert.deepEqual(got.map(r => r.peer), [1])
    const u = clock.maxUncertaintyMs
    assert.ok(got[0].at >= before - 500 - u && got[0].at <= Date.now() - 500 + u, `${got[0].at} not within [${before - 500 - u}, ${Date.now() - 500 + u}]`)

    await net.subscribeAll('broken')
    const err = await waitFor(async () => await net.receipts(['m-1']).then(() => undefined, (e: Error) => e), { timeoutMs: 5000, what: 'the broken stream' })
    assert.match(err.message, /^a subscription broke, so receipts are incomplete: the daemon at http:\/\/127\.0\.0\.1:\d+ sent a \/api\/v0\/subscribe line that is not JSON$/)

    await assert.rejects(net.reconfigureSir(2, 'push'), /the daemon at http:\/\/127\.0\.0\.1:\d+ sent no valid SIR k/)
    await net.stop()
    await waitFor(() => fakes.every(f => f.open.size === 0), { timeoutMs: 5000, what: 'every stream closed' })
  })
})
