/**
 * The frame envelope (src/wire/envelope.ts) and the frame reader (src/libp2p/frames.ts): round
 * trips; every bad header is a WireError; a decoded body is a copy that does not pin its frame;
 * a length over the cap is refused before the frame is buffered.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { FrameReader, frameOf } from '../../src/libp2p/frames.js'
import { decodeEnvelope, encodeEnvelope, encodeEnvelopeHeader, MAX_REQUEST_ID } from '../../src/wire/envelope.js'
import { WireError } from '../../src/wire/peer-codec.js'

const body = Uint8Array.from([1, 2, 3, 4])

describe('frame envelope', () => {
  it('round-trips requests, responses and messages, at the edges of the id range', () => {
    for (const [kind, id] of [['request', 1], ['response', 127], ['response', 128], ['request', MAX_REQUEST_ID], ['message', 0]] as const) {
      assert.deepEqual(decodeEnvelope(encodeEnvelope(kind, id, body)), { kind, id, body })
    }
    assert.deepEqual(decodeEnvelope(encodeEnvelope('refused', 9, new Uint8Array(0))), { kind: 'refused', id: 9, body: new Uint8Array(0) })
  })

  it('refuses bad headers with WireError and bad ids to encode with RangeError', () => {
    const bad = [
      Uint8Array.from([]), // empty
      Uint8Array.from([9, 1]), // unknown kind
      Uint8Array.from([1]), // ends before its id
      Uint8Array.from([1, 0x80]), // ends inside its id
      Uint8Array.from([1, 0]), // a request with id 0
      Uint8Array.from([3, 5]), // a message with an id
      Uint8Array.from([2, 0x80, 0x80, 0x80, 0x80, 0x10]), // an id over 2^32 - 1
      Uint8Array.from([2, 0x81, 0x80, 0x80, 0x80, 0x80, 0x00]), // a varint over 5 bytes
      Uint8Array.from([4, 0]), // a refusal without an id
      Uint8Array.from([4, 1, 7]) // a refusal with a body
    ]
    for (const frame of bad) assert.throws(() => decodeEnvelope(frame), (err: unknown) => err instanceof WireError && err.code === 'malformed', `[${[...frame].join(', ')}]`)
    assert.throws(() => encodeEnvelopeHeader('request', 0), RangeError)
    assert.throws(() => encodeEnvelopeHeader('message', 1), RangeError)
    assert.throws(() => encodeEnvelopeHeader('response', MAX_REQUEST_ID + 1), RangeError)
  })

  it('copies the body out, so a small body does not pin a large frame', () => {
    const envelope = encodeEnvelope('response', 5, body)
    const frame = Buffer.alloc(1 << 20)
    frame.set(envelope)
    const { body: decoded } = decodeEnvelope(frame.subarray(0, envelope.length))
    assert.deepEqual(decoded, body)
    assert.notEqual(decoded.buffer, frame.buffer)
    assert.equal(decoded.buffer.byteLength, body.length)
  })
})

describe('frame reader', () => {
  it('splits frames however the bytes arrive', () => {
    const a = frameOf(encodeEnvelopeHeader('request', 1), body).subarray()
    const b = frameOf(encodeEnvelopeHeader('message', 0), new Uint8Array(300)).subarray()
    const all = Uint8Array.from([...a, ...b])
    for (let cut = 0; cut <= all.length; cut++) {
      const reader = new FrameReader(1024)
      const frames: Uint8Array[] = []
      for (const chunk of [all.subarray(0, cut), all.subarray(cut)]) {
        reader.push(chunk)
        for (let f = reader.next(); f !== undefined; f = reader.next()) frames.push(Uint8Array.from(f))
      }
      assert.deepEqual(frames.map(f => decodeEnvelope(f).kind), ['request', 'message'], `cut at ${cut}`)
      assert.equal(reader.buffered, 0)
    }
  })

  it('refuses a length over the cap from its prefix alone, and an empty frame', () => {
    const over = new FrameReader(1000)
    over.push(Uint8Array.from([0xe9, 0x07])) // 1001
    assert.throws(() => over.next(), (err: unknown) => err instanceof WireError && err.code === 'oversize')
    const empty = new FrameReader(1000)
    empty.push(Uint8Array.from([0]))
    assert.throws(() => empty.next(), (err: unknown) => err instanceof WireError && err.code === 'malformed')
  })
})
