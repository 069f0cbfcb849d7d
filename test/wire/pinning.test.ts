/**
 * Frame pinning (issue 10, item 2): a 32-byte record (or rumor) sent in a frame padded with a
 * 2 MiB field (1 MiB for SIR, whose frames are smaller) the schema does not know decodes to bytes held in buffers of their own, never views
 * into the frame, even when the frame is a Node Buffer (whose `slice` is a view).
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { signRecord } from '../../src/dht/record.js'
import { decodeEnvelope, encodeEnvelope } from '../../src/wire/envelope.js'
import { decodeChordRequest, decodeChordResponse, encodeChordRequest, encodeChordResponse } from '../../src/wire/chord.js'
import { decodePastryRequest, encodePastryRequest } from '../../src/wire/pastry.js'
import { decodeSirRequest, encodeSirRequest } from '../../src/wire/sir.js'
import { addressPeerCodec } from '../../src/wire/peer-codec.js'
import { rumorFrom } from '../sir/sir-fixture.js'

/** Chord's and Pastry's frames take 2 MiB + 64 KiB; SIR's 1 MiB + 64 KiB. */
const PAD_BYTES = 2 * 1024 * 1024
const SIR_PAD_BYTES = 1024 * 1024
const record = signRecord(new TextEncoder().encode('writer/k'), new Uint8Array(32).fill(7), 1)

/** `body` followed by an unknown length-delimited field 15 of `padBytes`, in a Buffer. */
function padded (body: Uint8Array, padBytes = PAD_BYTES): Buffer {
  const tag = [(15 << 3) | 2]
  const length: number[] = []
  for (let n = padBytes; ; n >>>= 7) {
    if (n < 0x80) { length.push(n); break }
    length.push((n & 0x7f) | 0x80)
  }
  return Buffer.concat([body, Uint8Array.from([...tag, ...length]), Buffer.alloc(padBytes, 1)])
}

/** Each byte field owns its buffer: nothing it keeps alive is bigger than itself. */
function assertOwnBuffers (fields: Record<string, Uint8Array>): void {
  for (const [name, bytes] of Object.entries(fields)) {
    assert.equal(bytes.buffer.byteLength, bytes.byteLength, `${name} is a copy, not a view into the frame`)
  }
}

describe('decoded fields do not pin their frame', () => {
  it('chord and pastry STORE, chord VALUE', () => {
    const chord = decodeChordRequest(padded(encodeChordRequest({ type: 'store', role: 'primary', records: [record] }, addressPeerCodec)), addressPeerCodec)
    const pastry = decodePastryRequest(padded(encodePastryRequest({ type: 'store', role: 'replica', records: [record] }, addressPeerCodec)), addressPeerCodec)
    const value = decodeChordResponse(padded(encodeChordResponse({ type: 'value', record }, addressPeerCodec)), addressPeerCodec)
    for (const decoded of [chord, pastry]) {
      assert.ok(decoded.type === 'store')
      assert.deepEqual(decoded.records[0].value, record.value)
      assertOwnBuffers({ key: decoded.records[0].key, value: decoded.records[0].value, signature: decoded.records[0].signature })
    }
    assert.ok(value.type === 'value' && value.record !== undefined)
    assertOwnBuffers({ key: value.record.key, value: value.record.value, signature: value.record.signature })
  })

  it('sir PUSH', () => {
    const rumor = rumorFrom('origin', 'x'.repeat(32))
    const decoded = decodeSirRequest(padded(encodeSirRequest({ type: 'push', rumors: [rumor] }), SIR_PAD_BYTES), addressPeerCodec)
    assert.ok(decoded.type === 'push')
    assert.deepEqual(decoded.rumors[0].payload, rumor.payload)
    assertOwnBuffers({ origin: decoded.rumors[0].origin, payload: decoded.rumors[0].payload, signature: decoded.rumors[0].signature })
  })

  it('through the envelope, as the runtime decodes', () => {
    const frame = padded(encodeEnvelope('request', 1, encodeChordRequest({ type: 'store', role: 'primary', records: [record] }, addressPeerCodec)))
    const decoded = decodeChordRequest(decodeEnvelope(frame).body, addressPeerCodec)
    assert.ok(decoded.type === 'store')
    assertOwnBuffers({ value: decoded.records[0].value })
  })
})
