/**
 * The control API refuses what a web page could send (issue 10 item 8): a foreign Origin (a
 * browser's no-cors POST) and a foreign Host (DNS rebinding) get 403, change nothing, and the
 * daemon keeps running; the CLI's own requests (no Origin, Host 127.0.0.1:port) pass.
 */
import assert from 'node:assert/strict'
import { request } from 'node:http'
import { after, before, describe, it } from 'node:test'
import { checkRequestSource, startApiServer } from '../../src/node/api-server.js'
import { createOverlayNode } from '../../src/node/overlay-node.js'
import type { ApiServer } from '../../src/node/api-server.js'
import type { OverlayNode } from '../../src/node/overlay-node.js'

async function call (url: string, method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number, text: string }> {
  return await new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method, headers }, (res) => {
      let text = ''
      res.setEncoding('utf8').on('data', (d: string) => { text += d }).on('end', () => { resolve({ status: res.statusCode ?? 0, text }) })
    })
    req.on('error', reject)
    req.end(body)
  })
}

describe('control API request guard', { timeout: 60_000 }, () => {
  let node: OverlayNode
  let api: ApiServer
  let shutdowns = 0
  before(async () => {
    node = await createOverlayNode({ local: true, overlays: [] })
    api = await startApiServer(node, { port: 0, onShutdown: () => { shutdowns++ }, allowOrigins: ['http://127.0.0.1:3000'] })
  })
  after(async () => {
    await api.close()
    await node.stop()
  })

  it('refuses a foreign Origin or Host with 403 and does not shut down', async () => {
    const port = new URL(api.url).port
    const hostile: Array<Record<string, string>> = [
      { origin: 'https://evil.example', 'content-type': 'text/plain' },
      { origin: 'null' },
      { host: 'evil.example.com' },
      { host: `evil.example.com:${port}` },
      { host: `127.0.0.1.evil.example:${port}` }
    ]
    for (const headers of hostile) {
      const r = await call(api.url, 'POST', '/api/v0/shutdown', headers, '{}')
      assert.equal(r.status, 403, JSON.stringify(headers))
      assert.match(JSON.parse(r.text).error.message, /not allowed/)
    }
    const metrics = await call(api.url, 'GET', '/metrics', { origin: 'https://evil.example' })
    assert.equal(metrics.status, 403)
    assert.equal(shutdowns, 0)
    assert.equal((await call(api.url, 'GET', '/api/v0/id', {})).status, 200, 'still serving')
  })

  it('lets the CLI, loopback host names and allowed origins through', async () => {
    const port = new URL(api.url).port
    const allowed: Array<Record<string, string>> = [{}, { host: `localhost:${port}` }, { origin: 'http://127.0.0.1:3000' }]
    for (const headers of allowed) {
      assert.equal((await call(api.url, 'GET', '/api/v0/id', headers)).status, 200, JSON.stringify(headers))
    }
    assert.doesNotThrow(() => { checkRequestSource({ host: '[::1]:5101' }, 5101, []) })
    assert.throws(() => { checkRequestSource({ host: '127.0.0.1:5102' }, 5101, []) }, /not allowed/)
  })
})
