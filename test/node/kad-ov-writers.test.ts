/**
 * Writers of kad `/ov/` records between our peers (issue 9, "What it must show"): on five real
 * peers running the stock Kademlia DHT, A writes v1 then v2 under its key. Another peer then sends
 * every peer a PUT_VALUE of A's key signed by its own key, a replay of A's v1, and A's v3 with one
 * signature bit flipped: every holder refuses each one (the sender sees an error from each, none
 * stores it) and counts it, and a get from every peer still returns A's v2.
 */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { KadDHT } from '@libp2p/kad-dht'
import { decodeKadRecord, encodeKadValue, kadKey, kadRecordCounters } from '../../src/node/kad-records.js'
import { createOverlayNode, type OverlayNode } from '../../src/node/overlay-node.js'
import { LocalNet } from '../helpers/local-net.js'
import { waitFor } from '../helpers/wait-for.js'

const PEERS = 5
const encoder = new TextEncoder()
const decoder = new TextDecoder()
const kad = (n: OverlayNode): KadDHT => n.libp2p.services.dht as KadDHT

/** Sends PUT_VALUE of `value` under `dhtKey` from `from`, as kad-dht does (no local check): who answered, who refused. */
async function sendPut (from: OverlayNode, dhtKey: Uint8Array, value: Uint8Array): Promise<{ stored: Set<string>, refused: Set<string> }> {
  const stored = new Set<string>()
  const refused = new Set<string>()
  for await (const event of kad(from).put(dhtKey, value, { signal: AbortSignal.timeout(30_000) })) {
    if (event.name === 'PEER_RESPONSE' && event.messageName === 'PUT_VALUE') stored.add(event.from.toString())
    if (event.name === 'QUERY_ERROR') refused.add(event.from.toString())
  }
  return { stored, refused }
}

/** The exact bytes of the version a get from `n` returns (kad-dht yields the selected one last). */
async function fetchRaw (n: OverlayNode, dhtKey: Uint8Array): Promise<Uint8Array | undefined> {
  let value: Uint8Array | undefined
  for await (const event of kad(n).get(dhtKey, { signal: AbortSignal.timeout(30_000) })) if (event.name === 'VALUE') value = event.value
  return value
}

describe('kad /ov/ writers between our peers', { timeout: 180_000 }, () => {
  const net = new LocalNet({ overlays: [] })
  let a: OverlayNode | undefined
  after(async () => {
    await a?.crash().catch(() => {})
    await net.stopAll()
  })

  it('another key, a replay of v1 and a flipped signature bit are refused by every holder and counted; every get returns v2', async (t) => {
    await net.grow(PEERS - 1)
    const aKey = await generateKeyPair('Ed25519')
    a = await createOverlayNode({ local: true, privateKey: aKey, overlays: [], bootstrap: [net.nodes[0].addresses()[0]] })
    const all = [a, ...net.nodes]
    await waitFor(() => all.every(n => n.libp2p.getPeers().length >= 1), { timeoutMs: 30_000, what: 'every peer connected' })
    await waitFor(async () => (await a!.dht('kad').put('profile', encoder.encode('A v1'))).replicas >= PEERS - 1, { timeoutMs: 60_000, intervalMs: 1000, what: `A's v1 on all ${PEERS - 1} other peers` })
    const full = `${a.peerId.toString()}/profile`
    const dhtKey = kadKey(full)
    const v1 = await fetchRaw(a, dhtKey)
    assert.ok(v1 !== undefined && decoder.decode(decodeKadRecord(dhtKey, v1).value) === 'A v1')
    const put2 = await a.dht('kad').put('profile', encoder.encode('A v2'))
    assert.equal(put2.replicas, PEERS - 1, 'v2 on every other peer')
    const v2 = await fetchRaw(a, dhtKey) as Uint8Array
    const seq2 = decodeKadRecord(dhtKey, v2).seq

    const attacker = net.nodes[1]
    const others = all.filter(n => n !== attacker).map(n => n.peerId.toString()).sort()
    const forged = encodeKadValue(await generateKeyPair('Ed25519'), full, encoder.encode('forged'), seq2 + 10)
    const flipped = encodeKadValue(aKey, full, encoder.encode('A v3'), seq2 + 1)
    flipped[20] ^= 1
    const cases = [
      { what: 'signed by another key', value: forged, counter: 'invalid' as const },
      { what: 'a replay of v1', value: v1, counter: 'stale' as const },
      { what: 'a flipped signature bit', value: flipped, counter: 'invalid' as const }
    ]
    for (const c of cases) {
      const before = { ...kadRecordCounters }
      const { stored, refused } = await sendPut(attacker, dhtKey, c.value)
      assert.deepEqual([...stored], [], `${c.what}: no peer stored it`)
      assert.deepEqual([...refused].sort(), others, `${c.what}: every other peer refused it`)
      assert.equal(kadRecordCounters[c.counter] - before[c.counter], others.length, `${c.what}: each refusal counted as ${c.counter}`)
      t.diagnostic(`${c.what}: refused by ${refused.size} of ${others.length} holders`)
    }
    for (const n of all) {
      const got = await n.dht('kad').get(full)
      assert.equal(decoder.decode(got.value), 'A v2', `get from ${n.peerId.toString()}`)
    }
  })
})
