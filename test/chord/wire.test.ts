import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { keyId } from '../../src/core/id.js'
import type { ChordRequest, ChordResponse } from '../../src/chord/messages.js'
import {
  addressPeerCodec as codec, WireError, decodeChordRequest, decodeChordResponse, encodeChordRequest, encodeChordResponse
} from '../../src/wire/chord.js'
import * as pb from '../../src/wire/pb/chord.js'
import { peer } from '../helpers/recording-io.js'

const bytes = (s: string): Uint8Array<ArrayBuffer> => new TextEncoder().encode(s) as Uint8Array<ArrayBuffer>

const requests: ChordRequest[] = [
  { type: 'find-successor', key: keyId(bytes('a')) },
  { type: 'get-neighbors' },
  { type: 'notify' },
  { type: 'ping' },
  { type: 'store', role: 'primary', records: [{ key: bytes('k'), value: bytes('v'), seq: 7, signature: bytes('sig') }] },
  { type: 'store', role: 'replica', records: [{ key: bytes('k'), value: new Uint8Array(0), seq: Number.MAX_SAFE_INTEGER, signature: new Uint8Array(0) }] },
  { type: 'fetch', keyId: 0n },
  { type: 'sync', keys: [{ keyId: 1n, seq: 0 }, { keyId: (1n << 256n) - 1n, seq: 2 ** 40 }] },
  { type: 'leaving', predecessor: peer('n1'), successors: [peer('n2'), peer('n3')] },
  { type: 'leaving', predecessor: undefined, successors: [] }
]

const responses: ChordResponse[] = [
  { type: 'found', successors: [peer('n1'), peer('n2')] },
  { type: 'closer', nodes: [peer('n3')] },
  { type: 'neighbors', predecessor: undefined, successors: [peer('n4')] },
  { type: 'neighbors', predecessor: peer('n5'), successors: [] },
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

describe('Chord wire codec', () => {
  test('every request and response round-trips', () => {
    for (const r of requests) assert.deepEqual(decodeChordRequest(encodeChordRequest(r, codec), codec), r)
    for (const r of responses) assert.deepEqual(decodeChordResponse(encodeChordResponse(r, codec), codec), r)
  })

  test('a peer id is derived from the peer id bytes, never read from the message', () => {
    const liar = { id: 7n, address: 'n1' }
    const decoded = decodeChordResponse(encodeChordResponse({ type: 'closer', nodes: [liar] }, codec), codec)
    assert.equal(decoded.type === 'closer' && decoded.nodes[0].id, peer('n1').id)
  })

  test('malformed and oversized frames are typed errors', () => {
    malformed(() => decodeChordRequest(new Uint8Array([0xff, 0xff, 0xff]), codec))
    malformed(() => decodeChordRequest(pb.ChordRequest.encode({ type: pb.ChordRequest.Type.UNKNOWN }), codec))
    malformed(() => decodeChordRequest(pb.ChordRequest.encode({ type: pb.ChordRequest.Type.FIND_SUCCESSOR, key: new Uint8Array(31) }), codec))
    malformed(() => decodeChordRequest(pb.ChordRequest.encode({ type: pb.ChordRequest.Type.FETCH }), codec))
    malformed(() => decodeChordRequest(pb.ChordRequest.encode({ type: pb.ChordRequest.Type.STORE, records: [] }), codec))
    malformed(() => decodeChordRequest(pb.ChordRequest.encode({ type: pb.ChordRequest.Type.SYNC, keyIds: [new Uint8Array(33)] }), codec))
    malformed(() => decodeChordResponse(pb.ChordResponse.encode({ type: pb.ChordResponse.Type.FOUND, peers: [] }), codec))
    malformed(() => decodeChordResponse(pb.ChordResponse.encode({ type: pb.ChordResponse.Type.CLOSER, peers: [{ peerId: new Uint8Array(0), addrs: [] }] }), codec))
    const manyPeers = Array.from({ length: 33 }, (_, i) => ({ peerId: bytes(`n${i}`), addrs: [] }))
    malformed(() => decodeChordResponse(pb.ChordResponse.encode({ type: pb.ChordResponse.Type.FOUND, peers: manyPeers }), codec), 'oversize')
    malformed(() => decodeChordResponse(pb.ChordResponse.encode({ type: pb.ChordResponse.Type.CLOSER, peers: manyPeers }), codec), 'oversize')
    malformed(() => decodeChordRequest(pb.ChordRequest.encode({
      type: pb.ChordRequest.Type.STORE, records: [{ key: new Uint8Array(1025), value: new Uint8Array(0), seq: 0n, signature: new Uint8Array(0) }]
    }), codec), 'oversize')
    malformed(() => decodeChordRequest(new Uint8Array(3 * 1024 * 1024), codec), 'oversize')
    // A truncated frame.
    const whole = encodeChordRequest({ type: 'store', role: 'primary', records: [{ key: bytes('key'), value: bytes('value'), seq: 1, signature: bytes('sig') }] }, codec)
    malformed(() => decodeChordRequest(whole.subarray(0, whole.length - 3), codec))
  })

  test('encoding refuses lists over their limits (a bug, not a remote failure)', () => {
    assert.throws(() => encodeChordResponse({ type: 'closer', nodes: Array.from({ length: 33 }, (_, i) => peer(`n${i}`)) }, codec), RangeError)
  })
})
