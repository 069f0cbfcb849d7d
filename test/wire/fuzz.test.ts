/**
 * Every wire decoder (Chord, Pastry, SIR, their storage fields, the envelope) on 10^3 generated
 * frames each, with the simulator's PeerCodec and with libp2p's (PeerBook): each frame decodes or
 * is refused with a WireError, never anything else (issue 10). The seed is printed; set FUZZ_SEED
 * to replay a run. The 10^5 run with memory is benchmarks/fuzz-decoders.ts.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import fc from 'fast-check'
import { PeerBook } from '../../src/libp2p/peer-book.js'
import { addressPeerCodec, decodeOnce, frameFor, FUZZ_TARGETS } from './fuzz-frames.js'

const RUNS_PER_DECODER = 1000
const seed = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : Date.now() % 0x7fffffff
console.log(`fuzz seed ${seed} (FUZZ_SEED=${seed} replays it)`)

describe(`wire decoders on ${RUNS_PER_DECODER} generated frames each (seed ${seed})`, () => {
  const codecs = [
    { name: 'simulator codec', codec: async () => addressPeerCodec },
    { name: 'libp2p codec', codec: async () => new PeerBook(peerIdFromPrivateKey(await generateKeyPair('Ed25519')), () => [multiaddr('/ip4/127.0.0.1/tcp/4001')]) }
  ]
  for (const target of FUZZ_TARGETS) {
    for (const { name, codec: makeCodec } of codecs) {
      it(`${target.name}, ${name}: decodes or refuses with WireError`, async () => {
        const codec = await makeCodec()
        const outcomes = { ok: 0, refused: 0 }
        fc.assert(fc.property(frameFor(target), (bytes) => {
          const outcome = decodeOnce(target, bytes, codec)
          if (typeof outcome === 'object') throw outcome.crash
          outcomes[outcome]++
        }), { seed, numRuns: RUNS_PER_DECODER })
        assert.equal(outcomes.ok + outcomes.refused, RUNS_PER_DECODER)
        if (target.name !== 'envelope') assert.ok(outcomes.refused > 0, 'some frames were refused')
      })
    }
  }
})
