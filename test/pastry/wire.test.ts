/**
 * The Pastry wire codec (protocols/pastry.md): every typed message round-trips; a peer's id comes
 * from its peer id bytes; malformed, truncated and oversized frames are typed WireErrors; encoding
 * past a limit is a bug (RangeError).
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { keyId } from '../../src/core/id.js'
import type { PastryRequest, PastryResponse } from '../../src/pastry/messages.js'
import { addressPeerCodec as codec, WireError } from '../../src/wire/peer-codec.js'
import { decodePastryRequest, decodePastryResponse, encodePastryRequest, encodePastryResponse } from '../../src/wire/pastry.js'
import * as pb from '../../src/wire/pb/pastry.js'
import { peer } from '../helpers/recording-io.js'

const bytes = (s: string): Uint8Array<ArrayBuffer> => new TextEncoder().encode(s) as Uint8Array<ArrayBuffer>
const leafSet = { left: [peer('l1'), peer('l2')], right: [peer('r1')] }

const requests: PastryRequest[] = [
  { type: 'route', key: keyId(bytes('a')) },
  { type: 'route', key: keyId(bytes('a')), fetch: true },
  { type: 'join-route', key: (1n << 256n) - 1n, fromRow: 3 },
  { type: 'exchange', leafSet },
  { type: 'exchange', leafSet: { left: [], right: [] } },
  { type: 'announce' },
  { type: 'ping' },
  { type: 'get-row', row: 63 },
  { type: 'store', role: 'primary', records: [{ key: bytes('k'), value: bytes('v'), seq: 7, signature: bytes('sig') }] },
  { type: 'store', role: 'replica', records: [{ key: bytes('k'), value: new Uint8Array(0), seq: Number.MAX_SAFE_INTEGER, signature: new Uint8Array(0) }] },
  { type: 'fetch', keyId: 0n },
  { type: 'sync', keys: [{ keyId: 1n, seq: 0 }, { keyId: (1n << 256n) - 1n, seq: 2 ** 40 }] },
  { type: 'leaving', leafSet }
]

const responses: PastryResponse[] = [
  { type: 'deliver', leafSet, rows: [] },
  { type: 'deliver', leafSet: { left: [], right: [] }, rows: [peer('x'), peer('y')] },
  { type: 'deliver', leafSet, rows: [], fetched: { record: { key: bytes('k'), value: bytes('v'), seq: 9, signature: bytes('s') } } },
  { type: 'deliver', leafSet, rows: [], fetched: { record: undefined } },
  { type: 'next', nodes: [peer('n1'), peer('n2')], rows: [] },
  { type: 'next', nodes: [peer('n1')], rows: [peer('row')] },
  { type: 'leaf-set', leafSet },
  { type: 'row', nodes: [peer('a'), peer('b')] },
  { type: 'row', nodes: [] },
  { type: 'ack' },
  { type: 'stored', accepted: 3, refused: [] },
  { type: 'stored', accepted: 1, refused: [{ index: 0, reason: 'stale' }, { index: 2, reason: 'invalid' }, { index: 3, reason: 'quota' }, { index: 4, reason: 'full' }, { index: 5, reason: 'too-large' }, { index: 6, reason: 'leaving' }] },
  { type: 'value', record: { key: bytes('k'), value: bytes('v'), seq: 1, signature: bytes('s') } },
  { type: 'value', record: undefined },
  { type: 'missing', keyIds: [42n], newer: [] },
  { type: 'missing', keyIds: [], newer: [43n] }
]

function malformed (f: () => unknown, code: 'malformed' | 'oversize' = 'malformed'): void {
  assert.throws(f, (err: unknown) => err instanceof WireError && err.code === code)
}

const wirePeers = (n: number): pb.Peer[] => Array.from({ length: n }, (_, i) => ({ peerId: bytes(`n${i}`), addrs: [] }))

describe('Pastry wire codec', () => {
  test('every request and response round-trips', () => {
    for (const r of requests) assert.deepEqual(decodePastryRequest(encodePastryRequest(r, codec), codec), r)
    for (const r of responses) assert.deepEqual(decodePastryResponse(encodePastryResponse(r, codec), codec), r)
  })

  test('a peer id is derived from the peer id bytes, never read from the message', () => {
    const liar = { id: 7n, address: 'n1' }
    const decoded = decodePastryResponse(encodePastryResponse({ type: 'next', nodes: [liar], rows: [] }, codec), codec)
    assert.equal(decoded.type === 'next' && decoded.nodes[0].id, peer('n1').id)
  })

  test('malformed, truncated and oversized frames are typed errors', () => {
    malformed(() => decodePastryRequest(new Uint8Array([0xff, 0xff, 0xff]), codec))
    malformed(() => decodePastryRequest(pb.PastryRequest.encode({ type: pb.PastryRequest.Type.UNKNOWN }), codec))
    malformed(() => decodePastryRequest(pb.PastryRequest.encode({ type: pb.PastryRequest.Type.ROUTE, key: new Uint8Array(31) }), codec))
    malformed(() => decodePastryRequest(pb.PastryRequest.encode({ type: pb.PastryRequest.Type.FETCH }), codec))
    malformed(() => decodePastryRequest(pb.PastryRequest.encode({ type: pb.PastryRequest.Type.GET_ROW, row: 64 }), codec))
    malformed(() => decodePastryRequest(pb.PastryRequest.encode({ type: pb.PastryRequest.Type.JOIN_ROUTE, key: new Uint8Array(32), row: 100 }), codec))
    malformed(() => decodePastryRequest(pb.PastryRequest.encode({ type: pb.PastryRequest.Type.STORE, records: [] }), codec))
    malformed(() => decodePastryRequest(pb.PastryRequest.encode({ type: pb.PastryRequest.Type.SYNC, keyIds: [new Uint8Array(33)] }), codec))
    malformed(() => decodePastryResponse(pb.PastryResponse.encode({ type: pb.PastryResponse.Type.NEXT, nodes: [] }), codec))
    malformed(() => decodePastryResponse(pb.PastryResponse.encode({ type: pb.PastryResponse.Type.DELIVER, record: { key: bytes('k'), value: bytes('v'), seq: 1n, signature: bytes('s') } }), codec))
    malformed(() => decodePastryResponse(pb.PastryResponse.encode({ type: pb.PastryResponse.Type.NEXT, nodes: [{ peerId: new Uint8Array(0), addrs: [] }] }), codec))
    malformed(() => decodePastryResponse(pb.PastryResponse.encode({ type: pb.PastryResponse.Type.STORED, accepted: 65 }), codec))
    malformed(() => decodePastryResponse(pb.PastryResponse.encode({ type: pb.PastryResponse.Type.NEXT, nodes: wirePeers(9) }), codec), 'oversize')
    malformed(() => decodePastryResponse(pb.PastryResponse.encode({ type: pb.PastryResponse.Type.ROW, nodes: wirePeers(16) }), codec), 'oversize')
    malformed(() => decodePastryResponse(pb.PastryResponse.encode({ type: pb.PastryResponse.Type.LEAF_SET, left: wirePeers(33) }), codec), 'oversize')
    malformed(() => decodePastryResponse(pb.PastryResponse.encode({ type: pb.PastryResponse.Type.DELIVER, rows: wirePeers(61) }), codec), 'oversize')
    malformed(() => decodePastryResponse(pb.PastryResponse.encode({
      type: pb.PastryResponse.Type.NEXT, nodes: [{ peerId: bytes('n'), addrs: Array.from({ length: 9 }, () => new Uint8Array(4)) }]
    }), codec), 'oversize')
    malformed(() => decodePastryResponse(pb.PastryResponse.encode({ type: pb.PastryResponse.Type.NEXT, nodes: [{ peerId: new Uint8Array(129), addrs: [] }] }), codec))
    malformed(() => decodePastryRequest(pb.PastryRequest.encode({
      type: pb.PastryRequest.Type.STORE, records: [{ key: new Uint8Array(1025), value: new Uint8Array(0), seq: 0n, signature: new Uint8Array(0) }]
    }), codec), 'oversize')
    malformed(() => decodePastryRequest(pb.PastryRequest.encode({
      type: pb.PastryRequest.Type.STORE, records: Array.from({ length: 65 }, () => ({ key: bytes('k'), value: new Uint8Array(0), seq: 0n, signature: new Uint8Array(0) }))
    }), codec), 'oversize')
    malformed(() => decodePastryRequest(new Uint8Array(3 * 1024 * 1024), codec), 'oversize')
    const whole = encodePastryRequest({ type: 'store', role: 'primary', records: [{ key: bytes('key'), value: bytes('value'), seq: 1, signature: bytes('sig') }] }, codec)
    malformed(() => decodePastryRequest(whole.subarray(0, whole.length - 3), codec))
    const leaves = encodePastryResponse({ type: 'leaf-set', leafSet }, codec)
    malformed(() => decodePastryResponse(leaves.subarray(0, leaves.length - 2), codec))
  })

  test('encoding refuses lists over their limits (a bug, not a remote failure)', () => {
    const many = (n: number): ReturnType<typeof peer>[] => Array.from({ length: n }, (_, i) => peer(`n${i}`))
    assert.throws(() => encodePastryResponse({ type: 'next', nodes: many(9), rows: [] }, codec), RangeError)
    assert.throws(() => encodePastryResponse({ type: 'next', nodes: [], rows: [] }, codec), RangeError)
    assert.throws(() => encodePastryResponse({ type: 'leaf-set', leafSet: { left: many(33), right: [] } }, codec), RangeError)
    assert.throws(() => encodePastryRequest({ type: 'get-row', row: 64 }, codec), RangeError)
    assert.throws(() => encodePastryRequest({ type: 'store', role: 'primary', records: [] }, codec), RangeError)
  })
})
