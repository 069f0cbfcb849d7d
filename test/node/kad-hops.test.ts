import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { createKadHopCounter } from '../../src/node/kad-hops.js'
import type { PeerId } from '@libp2p/interface'
import type { QueryEvent } from '@libp2p/kad-dht'

const path = { index: 0, queued: 0, running: 0, total: 0 }

async function peers (n: number): Promise<PeerId[]> {
  return await Promise.all(Array.from({ length: n }, async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))))
}

const send = (to: PeerId): QueryEvent => ({ name: 'SEND_QUERY', type: 0, to, messageName: 'GET_VALUE', messageType: 0, path } as unknown as QueryEvent)
const reply = (from: PeerId, closer: PeerId[], record = false): QueryEvent => ({
  name: 'PEER_RESPONSE', type: 1, from, messageName: 'GET_VALUE', messageType: 0, path, providers: [],
  closer: closer.map(id => ({ id, multiaddrs: [] })),
  record: record ? { key: new Uint8Array(1), value: new Uint8Array(1) } : undefined
} as unknown as QueryEvent)
const value = (from: PeerId): QueryEvent => ({ name: 'VALUE', type: 5, from, value: new Uint8Array(1), path } as unknown as QueryEvent)

describe('kad hop counter', () => {
  it('counts a peer from the routing table as 1 hop and each referral as one more', async () => {
    const [self, a, b, c] = await peers(4)
    const hops = createKadHopCounter(self.toString())
    for (const e of [send(a), reply(a, [b]), send(b), reply(b, [c]), send(c), reply(c, [], true), value(c)]) hops.observe(e)
    assert.equal(hops.valueHops, 3)
    assert.equal(hops.maxDepth, 3)
    assert.equal(hops.queried, 3)
    assert.equal(hops.depthOf(b.toString()), 2)
  })

  it('takes the nearest remote holder even when kad reports only the local value', async () => {
    const [self, a, b] = await peers(3)
    const hops = createKadHopCounter(self.toString())
    for (const e of [value(self), send(a), reply(a, [b], true), send(b), reply(b, [], true)]) hops.observe(e)
    assert.equal(hops.valueHops, 1)
  })

  it('reports 0 for a value found only in the local store, undefined for none', async () => {
    const [self, a] = await peers(2)
    const local = createKadHopCounter(self.toString())
    for (const e of [value(self), send(a), reply(a, [])]) local.observe(e)
    assert.equal(local.valueHops, 0)
    const none = createKadHopCounter(self.toString())
    for (const e of [send(a), reply(a, [])]) none.observe(e)
    assert.equal(none.valueHops, undefined)
  })

  it('keeps the first depth at which a peer was learned', async () => {
    const [self, a, b, c] = await peers(4)
    const hops = createKadHopCounter(self.toString())
    for (const e of [send(a), reply(a, [c]), send(b), reply(b, [a, c]), send(c)]) hops.observe(e)
    assert.equal(hops.depthOf(c.toString()), 2)
    assert.equal(hops.depthOf(a.toString()), 1)
  })
})
