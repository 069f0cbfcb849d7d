import { test } from 'node:test'
import assert from 'node:assert/strict'
import { MAX_DIGEST_IDS, MAX_FRAME_BYTES, MAX_RUMORS_PER_MESSAGE } from '../../src/sir/limits.js'
import type { SirRequest, SirResponse } from '../../src/sir/messages.js'
import { createRumor, rumorId, type Rumor } from '../../src/sir/rumor.js'
import { simRumorSigner } from '../../src/sim/sir-sim.js'
import { addressPeerCodec, WireError } from '../../src/wire/peer-codec.js'
import { decodeSirRequest, decodeSirResponse, encodeSirRequest, encodeSirResponse } from '../../src/wire/sir.js'
import * as pb from '../../src/wire/pb/sir.js'

const utf8 = new TextEncoder()
const rumor = (text: string, seq = 1n, topic = 'news/🌍', createdAtMs = 1_764_000_000_000): Rumor => createRumor(simRumorSigner('origin'), seq, topic, utf8.encode(text), createdAtMs)
const big = rumor('x'.repeat(1000), 2n ** 64n - 1n)
const ids = [rumorId(rumor('a')), rumorId(big)]

function code (f: () => unknown): string {
  try { f() } catch (err) { assert.ok(err instanceof WireError, `a WireError, got ${String(err)}`); return err.code }
  assert.fail('no error')
}

test('every request and response round-trips', () => {
  const requests: SirRequest[] = [
    { type: 'push', rumors: [rumor('a'), big] },
    { type: 'pull', digest: ids },
    { type: 'pushpull', rumors: [rumor('a')], digest: ids },
    { type: 'pushpull', rumors: [], digest: [] },
    { type: 'sync', digest: [] }
  ]
  for (const req of requests) assert.deepEqual(decodeSirRequest(encodeSirRequest(req), addressPeerCodec), req)
  const responses: SirResponse[] = [
    { type: 'push-ack', known: [true, false, true] },
    { type: 'rumors', rumors: [big] },
    { type: 'rumors', rumors: [] },
    { type: 'pushpull-ack', known: [false], rumors: [rumor('b')] }
  ]
  for (const res of responses) assert.deepEqual(decodeSirResponse(encodeSirResponse(res), addressPeerCodec), res)
  // The id is recomputed from the decoded fields, and matches.
  const back = decodeSirRequest(encodeSirRequest({ type: 'push', rumors: [big] }), addressPeerCodec)
  assert.equal(back.type === 'push' && rumorId(back.rumors[0]), rumorId(big))
})

test('bad frames raise WireError: malformed or oversize', () => {
  const good = rumor('a')
  const wireRumor = { origin: good.origin, seq: 1n, topic: utf8.encode('t'), payload: good.payload, signature: good.signature } as pb.Rumor
  const req = (m: Partial<pb.SirRequest>): Uint8Array => pb.SirRequest.encode({ type: pb.SirRequest.Type.PUSH, rumors: [], digest: [], ...m } as pb.SirRequest)
  const res = (m: Partial<pb.SirResponse>): Uint8Array => pb.SirResponse.encode({ type: pb.SirResponse.Type.PUSH_ACK, known: new Uint8Array(0), rumors: [], ...m } as pb.SirResponse)
  const dec = (b: Uint8Array) => () => decodeSirRequest(b, addressPeerCodec)
  assert.equal(code(dec(new Uint8Array([0xff, 0xff, 0xff]))), 'malformed')
  assert.equal(code(dec(req({ type: pb.SirRequest.Type.UNKNOWN }))), 'malformed')
  assert.equal(code(dec(new Uint8Array(MAX_FRAME_BYTES + 1))), 'oversize')
  assert.equal(code(dec(req({ rumors: [{ ...wireRumor, origin: new Uint8Array(0) }] }))), 'malformed')
  assert.equal(code(dec(req({ rumors: [{ ...wireRumor, origin: new Uint8Array(129) }] }))), 'oversize')
  assert.equal(code(dec(req({ rumors: [{ ...wireRumor, origin: new Uint8Array([0xc3, 0x28]) }] }))), 'malformed', 'an origin the PeerCodec refuses')
  assert.equal(code(dec(req({ rumors: [{ ...wireRumor, topic: new Uint8Array(0) }] }))), 'malformed')
  assert.equal(code(dec(req({ rumors: [{ ...wireRumor, topic: new Uint8Array([0xff]) }] }))), 'malformed')
  assert.equal(code(dec(req({ rumors: [{ ...wireRumor, topic: new Uint8Array(257).fill(97) }] }))), 'oversize')
  assert.equal(code(dec(req({ rumors: [{ ...wireRumor, payload: new Uint8Array(64 * 1024 + 1) }] }))), 'oversize')
  assert.equal(code(dec(req({ rumors: [{ ...wireRumor, signature: new Uint8Array(0) }] }))), 'malformed')
  assert.equal(code(dec(req({ rumors: [{ ...wireRumor, signature: new Uint8Array(129) }] }))), 'oversize')
  assert.equal(code(dec(req({ rumors: Array.from({ length: MAX_RUMORS_PER_MESSAGE + 1 }, () => wireRumor) }))), 'oversize')
  assert.equal(code(dec(req({ type: pb.SirRequest.Type.PULL, digest: [new Uint8Array(31)] }))), 'malformed')
  assert.equal(code(dec(req({ type: pb.SirRequest.Type.PULL, digest: Array.from({ length: MAX_DIGEST_IDS + 1 }, () => new Uint8Array(32)) }))), 'oversize')
  const decRes = (b: Uint8Array) => () => decodeSirResponse(b, addressPeerCodec)
  assert.equal(code(decRes(res({ known: new Uint8Array([0, 1, 2]) }))), 'malformed')
  assert.equal(code(decRes(res({ known: new Uint8Array(MAX_RUMORS_PER_MESSAGE + 1) }))), 'oversize')
  assert.equal(code(decRes(res({ type: pb.SirResponse.Type.UNKNOWN }))), 'malformed')
  // Encoding over a limit is the caller's bug.
  assert.throws(() => encodeSirRequest({ type: 'pull', digest: Array.from({ length: MAX_DIGEST_IDS + 1 }, () => ids[0]) }), RangeError)
})

test('decoded rumors do not pin the frame they came in', () => {
  const frame = encodeSirRequest({ type: 'push', rumors: [rumor('payload')] })
  const req = decodeSirRequest(frame, addressPeerCodec)
  assert.ok(req.type === 'push')
  assert.notEqual(req.rumors[0].payload.buffer, frame.buffer)
  assert.notEqual(req.rumors[0].origin.buffer, frame.buffer)
})
