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
import { absDistance, idFromHex, idToHex, keyId, ringDistance } from '../../src/core/id.js'
import { createOverlayNode, type OverlayNode } from '../../src/node/overlay-node.js'
import { LocalNet } from '../helpers/local-net.js'
import { chordRing, pastryLeafSets } from '../helpers/overlay-state.js'
import { waitFor } from '../helpers/wait-for.js'

const PEERS = 16
const DHTS = ['chord', 'pastry'] as const
type Dht = typeof DHTS[number]
/** Names drawn (locally) until the returning peer is a replica holder of one in each DHT. */
const MAX_NAMES = 10_000
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

    // 1. names whose 3 holders, by the ids of the converged network, include the returning peer
    // as a replica (not the owner): Chord's successors of the key, Pastry's numerically closest.
    // Drawn locally, since with random ids the returning peer's share of the key space can be small.
    const writer = net.nodes[1]
    const nodeIds = everyone().map(n => ({ n, id: idFromHex(service(n, 'chord').status().self.id) }))
    const holders = (dht: Dht, key: bigint): OverlayNode[] => nodeIds
      .slice().sort((a, b) => {
        const da = dht === 'chord' ? ringDistance(key, a.id) : absDistance(key, a.id)
        const db = dht === 'chord' ? ringDistance(key, b.id) : absDistance(key, b.id)
        return da < db ? -1 : da > db ? 1 : 0
      }).slice(0, 3).map(x => x.n)
    const chosen = new Map<Dht, string>()
    for (let i = 0; i < MAX_NAMES && chosen.size < DHTS.length; i++) {
      const key = `${writer.peerId.toString()}/overwrite-${i}`
      for (const dht of DHTS) {
        if (chosen.has(dht)) continue
        const h = holders(dht, keyId(encoder.encode(key)))
        if (h.slice(1).includes(returning)) chosen.set(dht, key)
      }
    }
    assert.equal(chosen.size, DHTS.length, `one of ${MAX_NAMES} names has the returning peer among its replica holders in each DHT`)
    for (const dht of DHTS) {
      const key = chosen.get(dht) as string
      const i = key.split('/overwrite-')[1]
      assert.equal((await writer.dht(dht).put(`overwrite-${i}`, encoder.encode(`v1 of ${i}`))).key, key)
      const id = idOf(key)
      await waitFor(() => everyone().filter(n => held(n, dht, id) !== 'none').length >= 3 && held(returning, dht, id) === 'replica',
        { timeoutMs: 20_000, intervalMs: 100, what: `3 copies of ${key} in ${dht}, one on the returning peer` })
    }
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

    // 5. the owners crash (found first: one peer may own both keys).
    const owners = new Set<OverlayNode>()
    for (const dht of DHTS) {
      const id = idOf(chosen.get(dht) as string)
      const owner = await waitFor(() => everyone().find(n => held(n, dht, id) === 'primary'), { timeoutMs: 30_000, intervalMs: 200, what: `the ${dht} owner of the key` })
      assert.notEqual(owner, back, `${dht}: an owner other than the returning peer`)
      t.diagnostic(`${dht}: crashing the owner ${owner.peerId.toString()}`)
      owners.add(owner)
    }
    for (const owner of owners) await net.stop(owner)
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
