/**
 * Raw kad keys as typed (`put`/`get --raw`): a peer id after the namespace is its multihash bytes,
 * as Kubo reads it; anything else is the text's UTF-8; the shape and the size limit are enforced.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { rawKadKey, RawKeyError } from '../../src/node/kad-raw-keys.js'

const te = new TextEncoder()

describe('raw kad keys', () => {
  it('reads a peer id after the namespace as its multihash bytes, for RSA and Ed25519 ids', async () => {
    for (const type of ['RSA', 'Ed25519'] as const) {
      const peerId = peerIdFromPrivateKey(await generateKeyPair(type))
      const { bytes, namespace } = rawKadKey(`/pk/${peerId.toString()}`)
      assert.equal(namespace, 'pk')
      assert.deepEqual(bytes, new Uint8Array([...te.encode('/pk/'), ...peerId.toMultihash().bytes]), type)
    }
  })

  it('takes any other rest as UTF-8, slashes included', () => {
    assert.deepEqual(rawKadKey('/ov/some/name ✓'), { bytes: te.encode('/ov/some/name ✓'), namespace: 'ov' })
  })

  it('refuses a key without a namespace and a rest, or over the limit, in one line that echoes nothing long', () => {
    for (const text of ['', 'pk', '/pk', '/pk/', '//x', 'pk/x', `/pk/${'x'.repeat(600)}`]) {
      assert.throws(() => rawKadKey(text), (err: Error) => err instanceof RawKeyError && !err.message.includes('\n') && err.message.length < 120, JSON.stringify(text.slice(0, 20)))
    }
  })
})
