/**
 * Records bound to their writer, versioned and signed (issue 9), for Chord and Pastry in the
 * simulator and for the kad `/ov/` namespace: an overwrite reaches a replica that was cut off when it
 * happened, so after the owner crashes every peer reads the new value; a STORE of another writer's
 * key, a replayed older version and a flipped signature bit are refused on every holder and
 * counted, and gets still return the writer's value; decoded records are copies of the frame.
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { keyId } from '../../src/core/id.js'
import type { Outcome } from '../../src/core/dht-outcome.js'
import type { PeerRef } from '../../src/core/port.js'
import type { DhtRecord, StorageResponse } from '../../src/dht/messages.js'
import type { GetResult, PutResult } from '../../src/dht/operations.js'
import { signRecord } from '../../src/dht/record.js'
import { fullKey, recordSigner, recordVerifier } from '../../src/libp2p/record-keys.js'
import { decodeKadRecord, encodeKadValue, kadKey, kadRecordCounters, selectOverlayRecord, validateOverlayRecord } from '../../src/node/kad-records.js'
import { ChordSimulation } from '../../src/sim/chord-sim.js'
import type { DhtSimulation } from '../../src/sim/dht-simulation.js'
import { uniformLatency } from '../../src/sim/latency.js'
import { PastrySimulation } from '../../src/sim/pastry-sim.js'
import type { SimNode } from '../../src/sim/simulator.js'
import type { DhtComponents } from '../../src/dht/context.js'
import { addressPeerCodec, decodeChordRequest, encodeChordRequest } from '../../src/wire/chord.js'
import { decodePastryRequest, encodePastryRequest } from '../../src/wire/pastry.js'

const utf8 = new TextEncoder()
const text = new TextDecoder()
const TIMING = { requestTimeoutMs: 500, replicateIntervalMs: 3000, replicas: 3 }

/** What the tests need of a Chord or Pastry node. */
interface RecordNode {
  put(key: Uint8Array, value: Uint8Array, done: (o: Outcome<PutResult>) => void): void
  putRecord(record: DhtRecord, done: (o: Outcome<PutResult>) => void): void
  get(key: Uint8Array, done: (o: Outcome<GetResult>) => void): void
  onRequest(from: PeerRef, req: never): unknown
  counters(): Readonly<{ recordsInvalid: number, recordsStale: number }>
}
type Node = { readonly sim: SimNode }
type Net = DhtSimulation<Node, RecordNode & { join: never, leave: never, alone: never }> & { holders(key: bigint, r: number): Node[], owner(key: bigint): Node, runUntilConverged(every: number, max: number): boolean }

interface Dht { name: string, make(seed: string, records?: DhtComponents): Net }
const DHTS: Dht[] = [
  { name: 'Chord', make: (seed, records) => new ChordSimulation({ seed, latency: uniformLatency(10, 60), chord: { ...TIMING, stabilizeIntervalMs: 1000 }, records }) as unknown as Net },
  { name: 'Pastry', make: (seed, records) => new PastrySimulation({ seed, latency: uniformLatency(10, 60), pastry: { ...TIMING, leafSetIntervalMs: 1000 }, records }) as unknown as Net }
]

function grow (dht: Dht, seed: string, n: number, records?: DhtComponents): Net {
  const net = dht.make(seed, records)
  console.log(`seed ${seed}`)
  net.join()
  while (net.size < n) {
    const add = Math.min(net.size, n - net.size)
    for (let i = 0; i < add; i++) net.sim.after(net.sim.random.int(1000), () => net.join())
    net.sim.runFor(1000)
    assert.ok(net.runUntilConverged(1000, 120_000), `${dht.name} network of ${net.size} converges`)
  }
  net.sim.runFor(10_000)
  return net
}

const node = (net: Net, n: Node): RecordNode => net.dht(n)

function putOn (net: Net, from: Node, run: (n: RecordNode, done: (o: Outcome<PutResult>) => void) => void): Outcome<PutResult> {
  let out: Outcome<PutResult> | undefined
  run(node(net, from), o => { out = o })
  net.sim.runUntilTrue(() => out !== undefined, 100, 30_000)
  assert.ok(out !== undefined, 'the put ended')
  return out
}

function getFrom (net: Net, from: Node, key: Uint8Array): string | undefined {
  let out: Outcome<GetResult> | undefined
  node(net, from).get(key, o => { out = o })
  net.sim.runUntilTrue(() => out !== undefined, 100, 30_000)
  assert.ok(out?.ok === true, `get from ${from.sim.ref.address}: ${out?.ok === false ? out.failure : "no answer"}`)
  return out.value.value === undefined ? undefined : text.decode(out.value.value)
}

/** The version a node holds of `key`, asked as a peer would (a FETCH). */
function heldValue (net: Net, holder: Node, asker: Node, key: Uint8Array): string | undefined {
  const res = node(net, holder).onRequest(asker.sim.ref, { type: 'fetch', keyId: keyId(key) } as never) as StorageResponse
  return res.type === 'value' && res.record !== undefined ? text.decode(res.record.value) : undefined
}

function store (net: Net, holder: Node, from: Node, record: DhtRecord): StorageResponse {
  return node(net, holder).onRequest(from.sim.ref, { type: 'store', role: 'primary', records: [record] } as never) as StorageResponse
}

for (const dht of DHTS) {
  describe(`${dht.name} records in the simulator`, () => {
    test('overwrite, then owner crash: a holder cut off during the overwrite catches up, and every peer reads v2', () => {
      const net = grow(dht, `overwrite-${dht.name}`, 32)
      const key = utf8.encode('sim-writer/mutable')
      const id = keyId(key)
      const [owner, holder] = net.holders(id, 3)
      const writer = net.live().find(n => n !== owner && n !== holder) as Node
      assert.equal(putOn(net, writer, (n, done) => { n.put(key, utf8.encode('v1'), done) }).ok, true)
      net.sim.runFor(5_000)
      assert.equal(heldValue(net, holder, writer, key), 'v1')
      // The replica holder next in line to own the key goes down (cut off) for the overwrite.
      net.sim.partition([[holder.sim], net.live().filter(n => n !== holder).map(n => n.sim)])
      net.sim.runFor(100)
      assert.equal(putOn(net, writer, (n, done) => { n.put(key, utf8.encode('v2'), done) }).ok, true)
      net.sim.runFor(1_000)
      net.sim.heal()
      assert.equal(heldValue(net, holder, writer, key), 'v1', 'the holder missed the overwrite')
      // It comes back; then the owner crashes.
      net.sim.runFor(2_000)
      net.crash(owner)
      net.sim.runFor(30_000)
      const wrong = net.live().filter(n => getFrom(net, n, key) !== 'v2').map(n => n.sim.ref.address)
      assert.deepEqual(wrong, [], 'every peer reads v2')
      assert.equal(heldValue(net, holder, writer, key), 'v2', 'the holder that missed v2 holds it now')
    })

    test('writers: another key, a replayed older version and a flipped signature bit are refused on every holder and counted', async () => {
      const verifier = recordVerifier()
      const net = grow(dht, `writers-${dht.name}`, 16, { verifier })
      const a = await generateKeyPair('Ed25519')
      const b = await generateKeyPair('Ed25519')
      const key = utf8.encode(fullKey(peerIdFromPrivateKey(a).toString(), 'profile'))
      const signA = recordSigner(a)
      const signB = recordSigner(b)
      const [writer, other] = net.live()
      const v1 = signRecord(key, utf8.encode('A v1'), 1, signA)
      const v2 = signRecord(key, utf8.encode('A v2'), 2, signA)
      assert.equal(putOn(net, writer, (n, done) => { n.putRecord(v1, done) }).ok, true)
      assert.equal(putOn(net, writer, (n, done) => { n.putRecord(v2, done) }).ok, true)
      net.sim.runFor(5_000)
      const holders = net.holders(keyId(key), 3)
      const forged = signRecord(key, utf8.encode('B was here'), 3, signB)
      const flipped = signRecord(key, utf8.encode('A v3'), 3, signA)
      const badBit = { ...flipped, signature: flipped.signature.map((x, i) => i === 10 ? x ^ 1 : x) }
      for (const h of holders) {
        const before = node(net, h).counters()
        const asker = h === other ? writer : other
        assert.deepEqual(store(net, h, asker, forged), { type: 'stored', accepted: 0, refused: [{ index: 0, reason: 'invalid' }] }, 'another key')
        assert.deepEqual(store(net, h, asker, v1), { type: 'stored', accepted: 0, refused: [{ index: 0, reason: 'stale' }] }, 'a replay of v1')
        assert.deepEqual(store(net, h, asker, badBit), { type: 'stored', accepted: 0, refused: [{ index: 0, reason: 'invalid' }] }, 'a flipped bit')
        const after = node(net, h).counters()
        assert.equal(after.recordsInvalid - before.recordsInvalid, 2)
        assert.equal(after.recordsStale - before.recordsStale, 1)
      }
      // Through the put path too: the owner refuses and says why.
      const forgedPut = putOn(net, other, (n, done) => { n.putRecord(forged, done) })
      assert.deepEqual(forgedPut, { ok: false, failure: 'invalid' })
      assert.deepEqual(putOn(net, other, (n, done) => { n.putRecord(v1, done) }), { ok: false, failure: 'stale' })
      net.sim.runFor(10_000)
      for (const n of net.live()) assert.equal(getFrom(net, n, key), 'A v2', `get from ${n.sim.ref.address}`)
    })
  })
}

describe('record wire and kad /ov/', () => {
  test('decoded keys, values and signatures are copies, not views into the frame', () => {
    const record = signRecord(utf8.encode('w/k'), new Uint8Array(300).fill(7), 5)
    const chord = decodeChordRequest(encodeChordRequest({ type: 'store', role: 'primary', records: [record] }, addressPeerCodec), addressPeerCodec)
    const pastry = decodePastryRequest(encodePastryRequest({ type: 'store', role: 'replica', records: [record] }, addressPeerCodec), addressPeerCodec)
    for (const req of [chord, pastry]) {
      assert.equal(req.type, 'store')
      const r = (req as { readonly records: readonly DhtRecord[] }).records[0]
      assert.deepEqual(r, record)
      for (const bytes of [r.key, r.value, r.signature]) assert.equal(bytes.buffer.byteLength, bytes.length, 'a buffer of its own')
    }
  })

  test('the /ov/ validator checks the signature against the peer id in the key; the selector takes the highest valid seq', async () => {
    const a = await generateKeyPair('Ed25519')
    const b = await generateKeyPair('Ed25519')
    const full = fullKey(peerIdFromPrivateKey(a).toString(), 'name')
    const dhtKey = kadKey(full)
    const v1 = encodeKadValue(a, full, utf8.encode('one'), 1)
    const v2 = encodeKadValue(a, full, utf8.encode('two'), 2)
    const forged = encodeKadValue(b, full, utf8.encode('forged'), 9)
    const flipped = v2.slice()
    flipped[20] ^= 1
    await validateOverlayRecord(dhtKey, v1)
    await validateOverlayRecord(dhtKey, v2)
    const invalidBefore = kadRecordCounters.invalid
    await assert.rejects(async () => { await validateOverlayRecord(dhtKey, forged) }, /does not verify/)
    await assert.rejects(async () => { await validateOverlayRecord(dhtKey, flipped) }, /does not verify/)
    assert.equal(kadRecordCounters.invalid - invalidBefore, 2, 'refusals counted')
    await assert.rejects(async () => { await validateOverlayRecord(kadKey('no-writer'), v1) }, /does not verify/)
    assert.equal(await selectOverlayRecord(dhtKey, [v1, forged, v2, flipped]), 2, 'the highest valid version')
    assert.equal(await selectOverlayRecord(dhtKey, [v2, v1]), 0, 'a replayed older version loses')
    assert.equal(text.decode(decodeKadRecord(dhtKey, v2).value), 'two')
  })
})
