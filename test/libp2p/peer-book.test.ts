/**
 * The libp2p PeerCodec (src/libp2p/peer-book.ts): node ids derived from peer ids; dial hints from
 * frames kept in memory only, at most MAX_PEERS_LEARNED_PER_FRAME peers' per frame, never over the
 * addresses identify gave; hints leave without a peer id for the dialer; cached encodings follow
 * address changes.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { nodeIdFromPeerIdBytes } from '../../src/core/id.js'
import { MAX_PEERS_LEARNED_PER_FRAME, PeerBook } from '../../src/libp2p/peer-book.js'
import { WireError } from '../../src/wire/peer-codec.js'
import { fakePeers } from '../helpers/hostile-peer.js'
import type { PeerId } from '@libp2p/interface'

const peerId = async (): Promise<PeerId> => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
const selfAddr = multiaddr('/ip4/127.0.0.1/tcp/4001')

describe('peer book', () => {
  it('derives node ids from peer id bytes and takes the hints of at most MAX_PEERS_LEARNED_PER_FRAME peers a frame', async () => {
    const book = new PeerBook(await peerId(), () => [selfAddr])
    const fakes = fakePeers(MAX_PEERS_LEARNED_PER_FRAME + 10)
    book.startFrame()
    const refs = fakes.map(f => book.decode(f))
    refs.forEach((ref, i) => { assert.equal(ref.id, nodeIdFromPeerIdBytes(fakes[i].peerId)) })
    assert.deepEqual(book.counters, { hintsLearned: MAX_PEERS_LEARNED_PER_FRAME, hintsOverFrameLimit: 10 })
    assert.equal(book.dialHints(refs.at(-1)!.address), undefined, 'a peer beyond the frame\'s budget has no hints')
    const hints = book.dialHints(refs[0].address)!
    assert.deepEqual(hints.map(h => h.toString()), ['/ip4/127.0.0.1/tcp/9', '/ip4/127.0.0.1/tcp/10'], 'hints carry no peer id')
    book.startFrame()
    book.decode(fakes.at(-1)!)
    assert.ok(book.dialHints(refs.at(-1)!.address) !== undefined, 'the next frame has a budget again')
    assert.throws(() => book.decode({ peerId: Uint8Array.from([1, 2, 3]), addrs: [] }), WireError)
  })

  it('never lets a frame displace the addresses identify gave, and re-encodes a peer whose addresses changed', async () => {
    const book = new PeerBook(await peerId(), () => [selfAddr])
    const real = await peerId()
    const first = multiaddr('/ip4/127.0.0.1/tcp/5001')
    book.learn(real, [first])
    book.startFrame()
    book.decode({ peerId: real.toMultihash().bytes, addrs: [multiaddr('/ip4/6.6.6.6/tcp/1').bytes] })
    const ref = book.ref(real)
    assert.equal(book.dialHints(ref.address), undefined, 'a first-hand peer is dialled by its id')
    assert.deepEqual(book.encode(ref).addrs, [first.bytes])
    const second = multiaddr('/ip4/127.0.0.1/tcp/5002')
    book.learn(real, [second])
    assert.deepEqual(book.encode(ref).addrs, [second.bytes])
    book.forgetHints(ref.address)
    assert.deepEqual(book.encode(ref).addrs, [second.bytes], 'forgetting hints leaves first-hand addresses')
  })
})
