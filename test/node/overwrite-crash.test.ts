/**
 * Overwrite, then owner crash, on 16 real peers (issue 9; the simulator's version is in
 * test/dht/records.test.ts): for Chord and for Pastry, put v1; take one replica holder down (a
 * crash); put v2; bring the holder back from its datastore, still holding v1; crash the owner. A
 * get from every peer then returns v2: the returning replica caught up or is outvoted, never served.
 */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { MemoryDatastore } from 'datastore-core'
import { idToHex, keyId } from '../../src/core/id.js'
import { createOverlayNode, type OverlayNode } from '../../src/node/overlay-node.js'
import { LocalNet } from '../helpers/local-net.js'
import { chordRing, pastryLeafSets } from '../helpers/overlay-state.js'
import { waitFor } from '../helpers/wait-for.js'

const PEERS = 16
const DHTS = ['chord', 'pastry'] as const
type Dht = typeof DHTS[number]
/** Names tried until the returning peer holds a replica (not the primary) of one in each DHT: ~r/N of them. */
const MAX_NAMES = 48
const encoder = new TextEncoder()
const decoder = new TextDecoder()

const service = (n: OverlayNode, dht: Dht) => dht === 'chord' ? n.libp2p.services.chord! : n.libp2p.services.pastry!
/** `n`'s copy of the key with id `id` (hex): none, a replica, or the primary. */
function held (n: OverlayNode, dht: Dht, id: string): 'none' | 'replica' | 'primary' {
  const r = service(n, dht).records().find(r => r.keyId === id)
  return r === undefined ? 'none' : r.primary ? 'primary' : 'replica'
}
const idOf = (fullKey: string): string => idToHex(keyId(encoder.encode(fullKey)))

describe('overwrite, then owner crash, on 16 real peers', { timeout: 300_000 }, () => {
  const net = new LocalNet()
  const mine: OverlayNode[] = []
  after(async () => {
    for (const n of mine) await n.crash().catch(() => {})
    await net.stopAll()
  })

  it('Chord and Pastry: after v2 and the owner crash, every peer reads v2, also the replica that was down for the overwrite', async (t) => {
    await net.grow(PEERS - 1)
    // The peer that will go down and come back: its key and datastore outlive its first life.
    const privateKey = await generateKeyPair('Ed25519')
    const datastore = new MemoryDatastore()
    const bootstrap = [net.nodes[0].addresses()[0]]
    const returning = await createOverlayNode({ local: true, privateKey, datastore, bootstrap })
    mine.push(returning)
    const everyone = (): OverlayNode[] => [...net.live(), ...mine.filter(n => n.libp2p.status === 'started')]
    await waitFor(() => chordRing(everyone()) && pastryLeafSets(everyone()), { timeoutMs: 120_000, intervalMs: 500, what: 'the Chord ring and the Pastry leaf sets of 16' })

    // 1. put v1 under names until the returning peer holds a replica of one in each DHT.
    const writer = net.nodes[1]
    const chosen = new Map<Dht, string>()
    for (let i = 0; i < MAX_NAMES && chosen.size < DHTS.length; i++) {
      const keys = await Promise.all(DHTS.map(async dht => (await writer.dht(dht).put(`overwrite-${i}`, encoder.encode(`v1 of ${i}`))).key))
      for (const [j, dht] of DHTS.entries()) {
        if (chosen.has(dht)) continue
        const id = idOf(keys[j])
        const replica = await waitFor(() => {
          const copies = everyone().map(n => held(n, dht, id))
          return copies.filter(c => c !== 'none').length >= 3 && { replica: held(returning, dht, id) === 'replica' }
        }, { timeoutMs: 20_000, intervalMs: 100, what: `3 copies of ${keys[j]} in ${dht}` })
        if (replica.replica) chosen.set(dht, keys[j])
      }
    }
    assert.equal(chosen.size, DHTS.length, `the returning peer holds a replica of one of ${MAX_NAMES} names in each DHT`)
    const value = (dht: Dht, v: string): string => `${v} of ${(chosen.get(dht) as string).split('/overwrite-')[1]}`

    // 2. the replica holder goes down.
    await returning.crash()
    // 3. put v2.
    for (const dht of DHTS) {
      const name = (chosen.get(dht) as string).split('/')[1]
      await writer.dht(dht).put(name, encoder.encode(value(dht, 'v2')))
    }
    // 4. it comes back from its datastore, holding v1.
    const back = await createOverlayNode({ local: true, privateKey, datastore, bootstrap })
    mine.push(back)
    for (const dht of DHTS) assert.notEqual(held(back, dht, idOf(chosen.get(dht) as string)), 'none', `${dht}: the copy came back from the datastore`)
    await waitFor(() => chordRing(everyone()) && pastryLeafSets(everyone()), { timeoutMs: 120_000, intervalMs: 500, what: 'the returning peer back in the ring and the leaf sets' })

    // 5. the owner crashes.
    for (const dht of DHTS) {
      const id = idOf(chosen.get(dht) as string)
      const owner = everyone().find(n => held(n, dht, id) === 'primary')
      assert.ok(owner !== undefined && owner !== back, `${dht}: an owner other than the returning peer`)
      t.diagnostic(`${dht}: crashing the owner ${owner.peerId.toString()}`)
      await net.stop(owner)
    }
    await waitFor(() => chordRing(everyone()) && pastryLeafSets(everyone()), { timeoutMs: 120_000, intervalMs: 500, what: 'the ring and the leaf sets without the owners' })

    // 6. a get from every peer returns v2.
    const wrong: string[] = []
    for (const n of everyone()) {
      for (const dht of DHTS) {
        const got = decoder.decode((await n.dht(dht).get(chosen.get(dht) as string)).value)
        if (got !== value(dht, 'v2')) wrong.push(`${dht} from ${n.peerId.toString()}: ${got}`)
      }
    }
    t.diagnostic(`${everyone().length} peers read both keys`)
    assert.deepEqual(wrong, [], 'every peer reads v2')
  })
})
