/**
 * A get returns the highest valid version among a key's holders, not the first valid one (issue 9):
 * an owner that missed an overwrite does not hide the newer version a replica holds. The get waits
 * for every holder to answer or fail, skips a forged answer (counted), counts each holder that
 * answered older (`staleReads`) and sends it the newer record. Through a recording port, for Chord
 * (the owner is a remote peer) and Pastry (the owner is this node).
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { inOpenClosed, keyId, ringDistance, type NodeId } from '../../src/core/id.js'
import type { Outcome } from '../../src/core/dht-outcome.js'
import type { PeerRef } from '../../src/core/port.js'
import { DEFERRED_TIMER } from '../../src/core/pending-callbacks.js'
import { ChordNode } from '../../src/chord/chord-node.js'
import type { ChordRequest, ChordResponse } from '../../src/chord/messages.js'
import type { DhtRecord } from '../../src/dht/messages.js'
import type { GetResult } from '../../src/dht/operations.js'
import { signRecord } from '../../src/dht/record.js'
import { isCloser } from '../../src/pastry/closeness.js'
import type { PastryRequest, PastryResponse } from '../../src/pastry/messages.js'
import { PastryNode } from '../../src/pastry/pastry-node.js'
import { RecordingIo, peer, type SentRequest } from '../helpers/recording-io.js'

const utf8 = new TextEncoder()
const text = new TextDecoder()

/** The first key `w/k<i>` whose id `fits`. */
function keyWhere (fits: (id: NodeId) => boolean): Uint8Array {
  for (let i = 0; i < 100000; i++) {
    const k = utf8.encode(`w/k${i}`)
    if (fits(keyId(k))) return k
  }
  throw new Error('no key found')
}

function value (res: GetResult): string | undefined {
  return res.value === undefined ? undefined : text.decode(res.value)
}

/** The store requests among `sent`, as (to, record seqs). */
function stores<Req extends { readonly type: string }, Res> (sent: ReadonlyArray<SentRequest<Req, Res>>): Array<{ to: string, role: string, seqs: number[] }> {
  return sent.filter(s => s.req.type === 'store').map(s => {
    const req = s.req as unknown as { role: string, records: readonly DhtRecord[] }
    return { to: s.to.address, role: req.role, seqs: req.records.map(r => r.seq) }
  })
}

interface Getter {
  get(key: Uint8Array, done: (o: Outcome<GetResult>) => void): void
  onTimer(name: string): void
}

/**
 * Starts a get; the returned function reads its outcome (undefined while it runs), after firing the
 * zero-delay timer a node runs its public callbacks and a suppressed peer's failures from.
 */
function startGet<Req, Res> (io: RecordingIo<Req, Res>, node: Getter, key: Uint8Array): () => Outcome<GetResult> | undefined {
  let out: Outcome<GetResult> | undefined
  node.get(key, o => { out = o })
  return () => {
    for (let i = 0; i < 10 && io.timers.has(DEFERRED_TIMER); i++) io.fire(DEFERRED_TIMER, name => { node.onTimer(name) })
    return out
  }
}

/**
 * A Chord node with r = 3 over ten peers (its successors, nearest first), and a key the first
 * successor owns: the key's holders are the first three successors, no lookup needed.
 */
function chordSetup (): { io: RecordingIo<ChordRequest, ChordResponse>, node: ChordNode, ring: PeerRef[], key: Uint8Array } {
  const self = peer('self')
  const io = new RecordingIo<ChordRequest, ChordResponse>(self)
  const node = new ChordNode(io, { replicas: 3, successorListLength: 4, requestTimeoutMs: 100 })
  const ring = Array.from({ length: 10 }, (_, i) => peer(`p${i}`)).sort((a, b) => (ringDistance(self.id, a.id) < ringDistance(self.id, b.id) ? -1 : 1))
  node.seedRouting({ predecessor: ring[9], successors: ring.slice(0, 4), fingers: [] })
  node.start()
  io.take()
  return { io, node, ring, key: keyWhere(id => inOpenClosed(id, self.id, ring[0].id)) }
}

test('Chord: a stale owner and a forged newer answer do not hide the newer version a replica holds', () => {
  const { io, node, ring, key } = chordSetup()
  const v1 = signRecord(key, utf8.encode('v1'), 1)
  const v2 = signRecord(key, utf8.encode('v2'), 2)
  const forged = { ...signRecord(key, utf8.encode('v3'), 3), value: utf8.encode('evil') }
  const outcome = startGet(io, node, key)
  const fetches = io.take()
  assert.deepEqual(fetches.map(s => [s.to.address, s.req.type]), ring.slice(0, 3).map(p => [p.address, 'fetch']), 'all three holders are asked at once')
  const before = node.counters()
  fetches[0].done({ ok: true, value: { type: 'value', record: v1 } }) // the owner missed the overwrite
  fetches[1].done({ ok: true, value: { type: 'value', record: v2 } })
  assert.equal(outcome(), undefined, 'the get waits for every holder')
  fetches[2].done({ ok: true, value: { type: 'value', record: forged } })
  const out = outcome()
  assert.ok(out?.ok === true, 'the get succeeds')
  assert.equal(value(out.value), 'v2')
  assert.equal(out.value.seq, 2)
  assert.equal(out.value.holder?.address, ring[1].address)
  const after = node.counters()
  assert.equal(after.staleReads - before.staleReads, 1, 'the stale owner is counted')
  assert.equal(after.recordsInvalid - before.recordsInvalid, 1, 'the forged answer is counted')
  assert.deepEqual(stores(io.take()), [{ to: ring[0].address, role: 'replica', seqs: [2] }], 'the stale owner, and only it, is sent v2')
})

test('Chord: a holder that fails drops out; the others still give the highest version', () => {
  const { io, node, key } = chordSetup()
  const outcome = startGet(io, node, key)
  const fetches = io.take()
  fetches[2].done({ ok: true, value: { type: 'value', record: signRecord(key, utf8.encode('v7'), 7) } })
  fetches[1].done({ ok: true, value: { type: 'value', record: undefined } })
  assert.equal(outcome(), undefined)
  fetches[0].done({ ok: false, failure: 'timeout' })
  const out = outcome()
  assert.ok(out?.ok === true)
  assert.equal(value(out.value), 'v7')
  assert.equal(node.counters().staleReads, 0, 'a holder lacking the key is not a stale answer')
  assert.deepEqual(stores(io.take()), [], 'a holder lacking the key is left to the owner\'s digest')

  // Every holder failing is a failure, not "not found" (the one that timed out is suppressed: the
  // node fails it without sending).
  const none = startGet(io, node, key)
  for (const s of io.take()) s.done({ ok: false, failure: 'unreachable' })
  assert.deepEqual(none(), { ok: false, failure: 'unreachable' })
})

test('Pastry: this node owns the key with a stale version; a get returns the newer one a leaf holds and repairs this node', () => {
  const self = peer('self')
  const io = new RecordingIo<PastryRequest, PastryResponse>(self)
  const node = new PastryNode(io, { replicas: 3, requestTimeoutMs: 100 })
  const others = Array.from({ length: 40 }, (_, i) => peer(`p${i}`))
  node.seedState({ leafSet: others, routingTable: [] })
  node.start()
  const members: PeerRef[] = [...node.leafSet().left, ...node.leafSet().right]
  const key = keyWhere(id => members.every(p => isCloser(id, self.id, p.id)))
  const writer = members[0]
  node.onRequest(writer, { type: 'store', role: 'primary', records: [signRecord(key, utf8.encode('v1'), 1)] })
  io.take()
  const outcome = startGet(io, node, key)
  const fetches = io.take().filter(s => s.req.type === 'fetch')
  assert.equal(fetches.length, 2, 'the two other holders are asked')
  fetches[0].done({ ok: true, value: { type: 'value', record: signRecord(key, utf8.encode('v2'), 2) } })
  assert.equal(outcome(), undefined, 'the get waits for every holder')
  fetches[1].done({ ok: false, failure: 'timeout' })
  const out = outcome()
  assert.ok(out?.ok === true)
  assert.equal(value(out.value), 'v2', 'the owner\'s own stale copy does not hide v2')
  assert.equal(out.value.holder?.address, fetches[0].to.address)
  assert.equal(node.counters().staleReads, 1)
  const held = node.onRequest(writer, { type: 'fetch', keyId: keyId(key) }) as PastryResponse
  assert.ok(held.type === 'value' && held.record !== undefined)
  assert.equal(text.decode(held.record.value), 'v2', 'this node keeps the newer version it read')
})
