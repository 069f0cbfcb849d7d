/**
 * Hostile peers against real overlay nodes on 127.0.0.1 (issue 10): a stock libp2p node speaking
 * our protocols with valid frames and lies (test/helpers/hostile-peer.ts), beside 4 honest peers.
 * It floods requests (refused over the rate limit, counted; honest gets go on succeeding), names
 * tens of thousands of peers that do not exist (none reaches the victim's peer store), sends
 * small records padded to 2 MiB (the padding is not retained) and replays SIR rumors captured long
 * ago or re-dated (refused, never delivered). Small sizes here; the full-size attacks are in
 * issue 10's measurements.
 */
import assert from 'node:assert/strict'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { after, before, describe, it } from 'node:test'
import { peerIdFromMultihash } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import * as Digest from 'multiformats/hashes/digest'
import { signRecord } from '../../src/dht/record.js'
import { CHORD_PROTOCOL } from '../../src/libp2p/chord-service.js'
import { PASTRY_PROTOCOL } from '../../src/libp2p/pastry-service.js'
import { recordSigner } from '../../src/libp2p/record-keys.js'
import { encodeChordRequest, decodeChordResponse } from '../../src/wire/chord.js'
import { encodePastryRequest } from '../../src/wire/pastry.js'
import { decodeSirResponse, encodeSirRequest } from '../../src/wire/sir.js'
import { SIR_PROTOCOL } from '../../src/libp2p/sir-service.js'
import { createRumor } from '../../src/sir/rumor.js'
import { addressPeerCodec } from '../../src/wire/peer-codec.js'
import { fakePeers, HostilePeer, liarCodec } from '../helpers/hostile-peer.js'
import { LocalNet } from '../helpers/local-net.js'
import { waitFor } from '../helpers/wait-for.js'
import type { OverlayNode } from '../../src/node/overlay-node.js'

const encoder = new TextEncoder()
const decoder = new TextDecoder()
const HONEST_KEYS = Array.from({ length: 8 }, (_, i) => `honest-${i}`)

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

/** Bytes held in ArrayBuffers after a full collection. */
function retainedBufferBytes (): number {
  gc()
  gc()
  return process.memoryUsage().arrayBuffers
}

describe('hostile peers against 4 honest peers on 127.0.0.1', { timeout: 180_000 }, () => {
  const net = new LocalNet()
  const hostiles: HostilePeer[] = []
  const keys: string[] = []
  let victim: OverlayNode
  let reader: OverlayNode

  async function hostile (): Promise<HostilePeer> {
    const peer = await HostilePeer.create()
    hostiles.push(peer)
    return peer
  }

  /** Every honest key readable from `reader` on `dht`. */
  async function honestGets (dht: 'chord' | 'pastry'): Promise<void> {
    for (const key of keys) {
      const { value } = await reader.dht(dht).get(key)
      assert.equal(decoder.decode(value), key.split('/')[1])
    }
  }

  before(async () => {
    await net.grow(4)
    ;[victim, , , reader] = net.live()
    await waitFor(() => net.live().every(n => n.libp2p.services.chord!.joined && n.libp2p.services.pastry!.joined), { timeoutMs: 60_000, what: 'every peer joined' })
    const writer = net.live()[1]
    for (const name of HONEST_KEYS) {
      const { key } = await writer.dht('chord').put(name, encoder.encode(name))
      await writer.dht('pastry').put(name, encoder.encode(name))
      keys.push(key)
    }
  })
  after(async () => {
    await Promise.all(hostiles.map(async h => { await h.stop() }))
    await net.stopAll()
  })

  it('writes none of the peers that 1000 LEAVING and EXCHANGE frames name into the peer store', async () => {
    const liar = await hostile()
    const target = multiaddr(victim.addresses()[0])
    const chord = await liar.open(target, CHORD_PROTOCOL)
    const pastry = await liar.open(target, PASTRY_PROTOCOL)
    const named = new Set<string>()
    const answers: Array<Promise<unknown>> = []
    for (let i = 0; i < 500; i++) {
      const fakes = fakePeers(33 + 64)
      for (const f of fakes) named.add(peerIdFromMultihash(Digest.decode(f.peerId)).toString())
      const { codec, refs } = liarCodec(fakes)
      answers.push(chord.request(encodeChordRequest({ type: 'leaving', predecessor: refs[0], successors: refs.slice(1, 33) }, codec)))
      answers.push(pastry.request(encodePastryRequest({ type: 'exchange', leafSet: { left: refs.slice(33, 65), right: refs.slice(65) } }, codec)))
    }
    await Promise.all(answers)
    const stored = (await victim.libp2p.peerStore.all()).map(p => p.id.toString())
    assert.equal(stored.filter(id => named.has(id)).length, 0, `none of the ${named.size} named peers is in the peer store`)
    await honestGets('chord')
    await honestGets('pastry')
  })

  it('refuses a flood of lookups over the rate limit and counts it; honest gets go on succeeding', async (t) => {
    const flooder = await hostile()
    const stream = await flooder.open(multiaddr(victim.addresses()[0]), CHORD_PROTOCOL)
    const before = victim.libp2p.services.chord!.status().counters.inboundRateLimitedPeer
    const FLOOD = 3000
    const body = encodeChordRequest({ type: 'find-successor', key: 12345n }, addressPeerCodec)
    const flood = Promise.all(Array.from({ length: FLOOD }, async () => await stream.request(body, 60_000)))
    await honestGets('chord')
    const answers = await flood
    const refused = answers.filter(a => a.kind === 'refused').length
    t.diagnostic(`${FLOOD} lookups sent at once: ${FLOOD - refused} answered, ${refused} refused`)
    assert.ok(refused > 0, 'some of the flood was refused')
    assert.equal(answers.filter(a => a.kind === 'response').length + refused, FLOOD, 'every request was answered or refused')
    assert.equal(victim.libp2p.services.chord!.status().counters.inboundRateLimitedPeer - before, refused, 'each refusal counted')
    await honestGets('chord')
  })

  it('keeps a 32-byte record, not the 2 MiB frame it was padded in', async (t) => {
    const padder = await hostile()
    const stream = await padder.open(multiaddr(victim.addresses()[0]), CHORD_PROTOCOL)
    const sign = recordSigner(padder.privateKey)
    const FRAMES = 40
    const PAD_BYTES = 2 * 1024 * 1024 - 1024
    const pad = Uint8Array.from([(15 << 3) | 2, ...varint(PAD_BYTES)])
    const baseline = retainedBufferBytes()
    for (let i = 0; i < FRAMES; i++) {
      const key = encoder.encode(`${padder.libp2p.peerId.toString()}/pinned-${i}`)
      const record = signRecord(key, new Uint8Array(32).fill(i), 1, sign)
      const body = Buffer.concat([encodeChordRequest({ type: 'store', role: 'primary', records: [record] }, addressPeerCodec), pad, Buffer.alloc(PAD_BYTES)])
      const answer = await stream.request(body, 30_000)
      assert.equal(answer.kind, 'response')
      const stored = decodeChordResponse(answer.body, addressPeerCodec)
      assert.ok(stored.type === 'stored' && stored.accepted === 1, `record ${i} accepted`)
    }
    const grownBytes = retainedBufferBytes() - baseline
    t.diagnostic(`buffers retained after ${FRAMES} padded frames: ${(grownBytes / 2 ** 20).toFixed(2)} MiB (the frames: ${(FRAMES * PAD_BYTES / 2 ** 20).toFixed(0)} MiB)`)
    assert.ok(grownBytes < FRAMES * PAD_BYTES / 4, `${(grownBytes / 2 ** 20).toFixed(1)} MiB retained after ${FRAMES} frames of 2 MiB`)
  })

  it('refuses a SIR rumor captured before the freshness window, and a re-dated copy of it; neither is delivered', async () => {
    const replayer = await hostile()
    const delivered: string[] = []
    const unsubscribe = victim.pubsub('sir').subscribe('replayed', (m) => { delivered.push(decoder.decode(m.data)) })
    const signer = { origin: replayer.libp2p.peerId.toMultihash().bytes, sign: (m: Uint8Array) => replayer.privateKey.sign(m) as Uint8Array }
    const captured = createRumor(signer, 1n, 'replayed', encoder.encode('pay 10'), Date.now() - 11 * 60_000)
    const stream = await replayer.open(multiaddr(victim.addresses()[0]), SIR_PROTOCOL)
    const before = victim.libp2p.services.sir!.status().counters
    for (const rumor of [captured, { ...captured, createdAtMs: Date.now() }]) {
      const answer = await stream.request(encodeSirRequest({ type: 'push', rumors: [rumor] }))
      assert.deepEqual(decodeSirResponse(answer.body, addressPeerCodec), { type: 'push-ack', known: [false] })
    }
    const after = victim.libp2p.services.sir!.status().counters
    assert.equal(after.stale - before.stale, 1, 'the old one is stale')
    assert.equal(after.forged - before.forged, 1, 'the re-dated one is forged')
    // A fresh rumor of the same peer goes through, so the two above were refused for what they were.
    const fresh = createRumor(signer, 2n, 'replayed', encoder.encode('fresh'), Date.now())
    await stream.request(encodeSirRequest({ type: 'push', rumors: [fresh] }))
    await waitFor(() => delivered.includes('fresh'), { timeoutMs: 10_000, what: 'the fresh rumor delivered' })
    assert.deepEqual(delivered, ['fresh'])
    unsubscribe()
  })
})

function varint (n: number): number[] {
  const out: number[] = []
  for (; n >= 0x80; n = Math.floor(n / 0x80)) out.push((n % 0x80) | 0x80)
  out.push(n)
  return out
}
