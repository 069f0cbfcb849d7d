/**
 * The control API over a real node: routes, JSON errors with status codes, body limits, metrics.
 */
import assert from 'node:assert/strict'
import { request } from 'node:http'
import { after, before, describe, it } from 'node:test'
import { MAX_API_BODY_BYTES, startApiServer } from '../../src/node/api-server.js'
import { createOverlayNode } from '../../src/node/overlay-node.js'
import { generateKeyPair, publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { ApiServer } from '../../src/node/api-server.js'
import type { OverlayNode } from '../../src/node/overlay-node.js'

async function call (url: string, method: string, path: string, body?: string): Promise<{ status: number, json: any, text: string }> {
  return await new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' } }, (res) => {
      let text = ''
      res.setEncoding('utf8').on('data', (d: string) => { text += d }).on('end', () => {
        let json: any
        try { json = JSON.parse(text) } catch {}
        resolve({ status: res.statusCode ?? 0, json, text })
      })
    })
    req.on('error', reject)
    req.end(body)
  })
}

/** A peer id no node here has. */
const STRANGER = '12D3KooWGaRqXe9Yn4M42XoNeoWLjn8xb7vwnUeWKPvoTA8Rkpis'

describe('control API', { timeout: 60_000 }, () => {
  let node: OverlayNode
  let api: ApiServer
  before(async () => {
    node = await createOverlayNode({ local: true })
    api = await startApiServer(node, { port: 0 })
  })
  after(async () => {
    await api.close()
    await node.stop()
  })

  it('listens on 127.0.0.1 only and refuses other hosts', async () => {
    assert.match(api.url, /^http:\/\/127\.0\.0\.1:\d+$/)
    await assert.rejects(startApiServer(node, { host: '0.0.0.0', port: 0 }), /loopback only/)
  })

  it('answers id with the peer id, agent and protocols, ours included', async () => {
    const { status, json } = await call(api.url, 'GET', '/api/v0/id')
    assert.equal(status, 200)
    assert.equal(json.peerId, node.peerId.toString())
    assert.match(json.agentVersion, /^overlay-node\//)
    for (const protocol of ['/ipfs/kad/1.0.0', '/meshsub/1.1.0', '/ipfs/ping/1.0.0', '/overlay/chord/2.0.0']) assert.ok(json.protocols.includes(protocol), protocol)
  })

  it('maps errors to JSON with status codes', async () => {
    const cases: Array<[string, string, string | undefined, number, RegExp]> = [
      ['GET', '/api/v0/nope', undefined, 404, /no such endpoint/],
      ['GET', '/api/v0/put', undefined, 405, /takes POST/],
      ['POST', '/api/v0/put', '{broken', 400, /not valid JSON/],
      ['POST', '/api/v0/put', '[1]', 400, /JSON object/],
      ['POST', '/api/v0/put', '{"key": 5, "value": "v"}', 400, /'key' is required/],
      ['POST', '/api/v0/get', '{"dht": "cassandra", "key": "k"}', 400, /unknown DHT 'cassandra'/],
      ['POST', '/api/v0/get', '{"dht": "kad", "key": "absent"}', 404, /no peer holds key/],
      ['POST', '/api/v0/put', JSON.stringify({ key: 'k', value: 'x'.repeat(MAX_API_BODY_BYTES) }), 413, /over 65536 bytes/],
      ['POST', '/api/v0/connect', '{"address": "/ip4/127.0.0.1/tcp/1/p2p/12D3KooWGaRqXe9Yn4M42XoNeoWLjn8xb7vwnUeWKPvoTA8Rkpis"}', 502, /cannot connect/],
      ['POST', '/api/v0/status', '{"overlay": "nonesuch"}', 400, /unknown overlay/],
      ['POST', '/api/v0/ping', JSON.stringify({ peer: node.peerId.toString() }), 400, /this node's own peer id/],
      ['POST', '/api/v0/ping', JSON.stringify({ peer: `${node.addresses()[0]}` }), 400, /this node's own peer id/],
      ['POST', '/api/v0/findpeer', '{}', 400, /'peer' is required/],
      ['POST', '/api/v0/findpeer', '{"peer": "not-a-peer"}', 400, /'not-a-peer' is not a peer id/],
      ['POST', '/api/v0/findpeer', JSON.stringify({ peer: node.peerId.toString() }), 400, /this node's own peer id/],
      ['POST', '/api/v0/findpeer', JSON.stringify({ peer: STRANGER }), 404, /no peer knows an address of/],
      ['POST', '/api/v0/put', '{"key": "/pk/x", "value": "v", "raw": true, "dht": "chord"}', 400, /raw takes dht 'kad', not 'chord'/],
      ['POST', '/api/v0/put', '{"key": "/pk/x", "value": "v", "raw": "yes"}', 400, /'raw' must be true or false/],
      ['POST', '/api/v0/put', '{"key": "pk", "value": "v", "raw": true}', 400, /a raw kad key is \/<namespace>\/<rest>/],
      ['POST', '/api/v0/put', '{"key": "/ipns/x", "value": "v", "raw": true}', 400, /no kad validator for namespace 'ipns' on this node \(known: pk, ov\)/],
      ['POST', '/api/v0/get', '{"key": "/ipns/x", "raw": true}', 400, /no kad validator for namespace 'ipns'/],
      ['POST', '/api/v0/put', JSON.stringify({ key: `/pk/${STRANGER}`, value: 'not a key', raw: true }), 400, /the record for '\/pk\/\S+' is not valid/],
      ['POST', '/api/v0/put', '{"key": "k", "value": "v", "valueBase64": "dg=="}', 400, /'value' or 'valueBase64', not both/],
      ['POST', '/api/v0/put', '{"key": "k", "valueBase64": "d g="}', 400, /'valueBase64' is not base64/],
      ['POST', '/api/v0/put', JSON.stringify({ key: 'k', valueBase64: Buffer.alloc(17_000).toString('base64') }), 400, /value is 17000 bytes, over the limit of 16384/]
    ]
    for (const [method, path, body, expected, message] of cases) {
      const { status, json } = await call(api.url, method, path, body)
      assert.equal(status, expected, `${method} ${path} ${body?.slice(0, 40) ?? ''}`)
      assert.match(json.error.message, message)
      assert.equal(typeof json.error.name, 'string')
    }
    // The node still serves after all that.
    assert.equal((await call(api.url, 'GET', '/api/v0/id')).status, 200)
  })

  it('refuses bad keys, values, topics and messages with the same words for every DHT and pubsub, echoing nothing long', async () => {
    const longKey = 'k'.repeat(600)
    const cases: Array<[string, object, string]> = []
    for (const dht of ['kad', 'chord', 'pastry']) {
      for (const path of ['/api/v0/get', '/api/v0/lookup']) {
        cases.push([path, { dht, key: '' }, 'key must not be empty'])
        cases.push([path, { dht, key: longKey }, 'key is 600 bytes, over the limit of 512'])
      }
      cases.push(['/api/v0/put', { dht, key: '', value: 'v' }, 'key must not be empty'])
      cases.push(['/api/v0/put', { dht, key: longKey, value: 'v' }, 'key is 600 bytes, over the limit of 512'])
      cases.push(['/api/v0/put', { dht, key: 'k', value: 'x'.repeat(17_000) }, 'value is 17000 bytes, over the limit of 16384'])
    }
    for (const via of ['gossipsub', 'sir']) {
      cases.push(['/api/v0/publish', { via, topic: '', message: 'm' }, 'topic must not be empty'])
      cases.push(['/api/v0/publish', { via, topic: 't'.repeat(300), message: 'm' }, 'topic is 300 bytes, over the limit of 256'])
      cases.push(['/api/v0/publish', { via, topic: 't', message: 'x'.repeat(17_000) }, 'message is 17000 bytes, over the limit of 16384'])
      cases.push(['/api/v0/subscribe', { via, topic: '' }, 'topic must not be empty'])
    }
    for (const [path, body, message] of cases) {
      const { status, json, text } = await call(api.url, 'POST', path, JSON.stringify(body))
      const what = `${path} ${JSON.stringify(body).slice(0, 60)}`
      assert.equal(status, 400, what)
      assert.equal(json.error.message, message, what)
      assert.ok(!text.includes('k'.repeat(100)) && !text.includes('x'.repeat(100)), `${what} echoed its input`)
    }
  })

  it('reads its clock, and reads and sets SIR\'s k and mode through sir/spreading, refusing bad values and changing nothing then', async () => {
    const before = Date.now()
    const clock = await call(api.url, 'GET', '/api/v0/clock')
    assert.equal(clock.status, 200)
    assert.ok(clock.json.wallMs >= before - 1 && clock.json.wallMs <= Date.now() + 1, String(clock.json.wallMs))
    const read = await call(api.url, 'POST', '/api/v0/sir/spreading', '{}')
    assert.deepEqual(read.json, { k: 4, mode: 'pushpull', previous: { k: 4, mode: 'pushpull' } })
    const set = await call(api.url, 'POST', '/api/v0/sir/spreading', '{"k":"inf","mode":"push"}')
    assert.deepEqual(set.json, { k: 'inf', mode: 'push', previous: { k: 4, mode: 'pushpull' } })
    for (const [body, why] of [['{"k":0}', /'k' must be a number from 1 to 1000 or 'inf'/], ['{"k":1001}', /from 1 to 1000/], ['{"k":"2"}', /from 1 to 1000/], ['{"mode":"shout"}', /'mode' must be one of push, pull, pushpull/], ['{"fanout":2}', /takes 'k' and 'mode', not 'fanout'/]] as const) {
      const r = await call(api.url, 'POST', '/api/v0/sir/spreading', body)
      assert.equal(r.status, 400, body)
      assert.match(r.json.error.message, why)
    }
    const back = await call(api.url, 'POST', '/api/v0/sir/spreading', '{"k":4,"mode":"pushpull"}')
    assert.deepEqual(back.json, { k: 4, mode: 'pushpull', previous: { k: 'inf', mode: 'push' } })
  })

  it('stamps a publish with publishedAt on its own clock', async () => {
    const before = Date.now()
    const r = await call(api.url, 'POST', '/api/v0/publish', '{"via":"sir","topic":"stamped","message":"hello"}')
    assert.equal(r.status, 200, r.text)
    assert.ok(r.json.publishedAt >= before - 1 && r.json.publishedAt <= Date.now() + 1, String(r.json.publishedAt))
  })

  it('stores and reads a value locally through put and get', async () => {
    const put = await call(api.url, 'POST', '/api/v0/put', JSON.stringify({ dht: 'chord', key: 'k1', value: 'v1' }))
    assert.equal(put.status, 200, put.text)
    const get = await call(api.url, 'POST', '/api/v0/get', JSON.stringify({ dht: 'chord', key: 'k1' }))
    assert.equal(get.status, 200, get.text)
    assert.deepEqual([get.json.value, get.json.hops], ['v1', 0])
  })

  it('lists the records it holds through holdings, page by page, and refuses bad pages', async () => {
    for (const key of ['h1', 'h2']) assert.equal((await call(api.url, 'POST', '/api/v0/put', JSON.stringify({ dht: 'pastry', key, value: 'v' }))).status, 200)
    const ids = (node.libp2p.services.pastry?.records() ?? []).map(r => r.keyId).sort()
    assert.equal(ids.length, 2)
    const first = await call(api.url, 'POST', '/api/v0/holdings', JSON.stringify({ dht: 'pastry', limit: 1 }))
    assert.deepEqual(first.json, { dht: 'pastry', records: [{ key: ids[0], primary: true }], next: ids[0] })
    const second = await call(api.url, 'POST', '/api/v0/holdings', JSON.stringify({ dht: 'pastry', limit: 1, after: ids[0] }))
    assert.deepEqual(second.json, { dht: 'pastry', records: [{ key: ids[1], primary: true }], next: null })
    const kad = await call(api.url, 'POST', '/api/v0/holdings', JSON.stringify({ dht: 'kad' }))
    assert.equal(kad.status, 200, kad.text)
    assert.ok(Array.isArray(kad.json.records) && kad.json.next === null, kad.text)
    for (const [body, why] of [[{ dht: 'nope' }, /'dht' must be kad, chord or pastry/], [{ dht: 'chord', limit: 0 }, /'limit' must be an integer from 1 to 5000/], [{ dht: 'chord', limit: 5001 }, /from 1 to 5000/], [{ dht: 'chord', after: 'x'.repeat(201) }, /'after' is over 200 characters/]] as const) {
      const r = await call(api.url, 'POST', '/api/v0/holdings', JSON.stringify(body))
      assert.equal(r.status, 400, JSON.stringify(body))
      assert.match(r.json.error.message, why)
    }
  })

  it('puts and gets a raw /pk/ record (RSA) under the key a peer id names, as Kubo reads it', async () => {
    const privateKey = await generateKeyPair('RSA', 2048)
    const peerId = peerIdFromPrivateKey(privateKey)
    const value = publicKeyToProtobuf(privateKey.publicKey)
    const key = `/pk/${peerId.toString()}`
    const put = await call(api.url, 'POST', '/api/v0/put', JSON.stringify({ key, raw: true, valueBase64: Buffer.from(value).toString('base64') }))
    assert.equal(put.status, 200, put.text)
    assert.deepEqual([put.json.dht, put.json.raw, put.json.key, put.json.replicas], ['kad', true, key, 0])
    const get = await call(api.url, 'POST', '/api/v0/get', JSON.stringify({ key, raw: true }))
    assert.equal(get.status, 200, get.text)
    assert.deepEqual(new Uint8Array(Buffer.from(get.json.valueBase64, 'base64')), value)
    assert.equal(get.json.hops, 0)
    // The bytes kad-dht holds are under /pk/ + the multihash, where a stock peer looks for them.
    const stored = []
    for await (const ev of node.libp2p.services.dht.get(new Uint8Array([...new TextEncoder().encode('/pk/'), ...peerId.toMultihash().bytes]))) {
      if (ev.name === 'VALUE') stored.push(ev.value)
    }
    assert.deepEqual(stored, [value])
  })

  it('serves Prometheus metrics from its own registry', async () => {
    const { status, text } = await call(api.url, 'GET', '/metrics')
    assert.equal(status, 200)
    assert.match(text, /^# HELP libp2p_/m)
    assert.match(text, /^# HELP overlay_chord_requests_total /m)
  })
})
