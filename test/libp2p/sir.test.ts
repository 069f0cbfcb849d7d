/**
 * SIR gossip on real libp2p peers on 127.0.0.1: a rumor published on one of 16 peers reaches every
 * subscriber; a rumor whose signature is not its origin's reaches none and is counted; a
 * malformed frame resets only its stream.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { lpStream } from '@libp2p/utils'
import { SIR_PROTOCOL } from '../../src/libp2p/sir-service.js'
import { createRumor } from '../../src/sir/rumor.js'
import { decodeEnvelope, encodeEnvelope } from '../../src/wire/envelope.js'
import { encodeSirRequest } from '../../src/wire/sir.js'
import { LocalNet } from '../helpers/local-net.js'
import { waitFor } from '../helpers/wait-for.js'
import type { PubsubMessage } from '../../src/node/backends.js'

const decoder = new TextDecoder()
const encoder = new TextEncoder()

describe('SIR gossip on libp2p, 16 peers on 127.0.0.1', { timeout: 120_000 }, () => {
  const net = new LocalNet()
  const received = new Map<string, PubsubMessage[]>()
  before(async () => {
    await net.grow(16)
    for (const node of net.live()) {
      received.set(node.peerId.toString(), [])
      node.pubsub('sir').subscribe('news', (m) => { received.get(node.peerId.toString())!.push(m) })
    }
    // Each peer's view fills as identify reports who speaks the protocol.
    await waitFor(() => net.live().every(n => n.libp2p.services.sir!.status().viewSize > 0), { timeoutMs: 30_000, what: 'every view to fill' })
  })
  after(async () => { await net.stopAll() })

  it('delivers a rumor published on one peer to every other subscriber', async () => {
    const [origin] = net.live()
    await origin.pubsub('sir').publish('news', encoder.encode('hello, epidemic'))
    const others = net.live().filter(n => n !== origin)
    await waitFor(() => others.every(n => received.get(n.peerId.toString())!.some(m => decoder.decode(m.data) === 'hello, epidemic')),
      { timeoutMs: 30_000, intervalMs: 200, what: 'the rumor at every subscriber' })
    for (const node of others) {
      const copies = received.get(node.peerId.toString())!.filter(m => decoder.decode(m.data) === 'hello, epidemic')
      assert.equal(copies.length, 1, 'delivered once')
      assert.equal(copies[0].from, origin.peerId.toString(), 'the origin is the signer')
    }
  })

  it('drops a rumor not signed by its origin, everywhere', async () => {
    const [attacker, target, victim] = net.live()
    const stranger = await generateKeyPair('Ed25519')
    const forged = createRumor({ origin: victim.peerId.toMultihash().bytes, sign: (m) => stranger.sign(m) as Uint8Array }, 7n, 'news', encoder.encode('forged words'), Date.now())
    const before = target.libp2p.services.sir!.status().counters.forged
    const stream = await attacker.libp2p.dialProtocol(target.peerId, SIR_PROTOCOL)
    const lp = lpStream(stream)
    await lp.write(encodeEnvelope('request', 1, encodeSirRequest({ type: 'push', rumors: [forged] })))
    const answer = decodeEnvelope((await lp.read({ signal: AbortSignal.timeout(5_000) })).subarray())
    assert.deepEqual([answer.kind, answer.id], ['response', 1], 'answered on the same stream with its id')
    await stream.close()
    assert.equal(target.libp2p.services.sir!.status().counters.forged, before + 1)
    // A genuine rumor published after it spreads everywhere; the forged one reached no one.
    await attacker.pubsub('sir').publish('news', encoder.encode('after the forgery'))
    await waitFor(() => net.live().filter(n => n !== attacker).every(n => received.get(n.peerId.toString())!.some(m => decoder.decode(m.data) === 'after the forgery')),
      { timeoutMs: 30_000, intervalMs: 200, what: 'the genuine rumor at every subscriber' })
    for (const node of net.live()) {
      assert.ok(!received.get(node.peerId.toString())!.some(m => decoder.decode(m.data) === 'forged words'), `no forged rumor at ${node.peerId.toString()}`)
    }
  })

  it('resets a stream with a malformed frame and counts it', async () => {
    const [attacker, target] = net.live()
    const before = target.libp2p.services.sir!.status().counters.malformed
    const stream = await attacker.libp2p.dialProtocol(target.peerId, SIR_PROTOCOL)
    const lp = lpStream(stream)
    await lp.write(encodeEnvelope('request', 1, Uint8Array.from([0x08, 0x63, 0x12, 0xff])))
    await assert.rejects(lp.read({ signal: AbortSignal.timeout(5_000) }))
    await waitFor(() => target.libp2p.services.sir!.status().counters.malformed > before, { timeoutMs: 5_000, what: 'the malformed frame counted' })
    assert.ok(attacker.libp2p.getConnections(target.peerId).length > 0, 'the connection survives')
  })
})
