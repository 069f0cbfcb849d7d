/**
 * The peer `overlay-node p2pd` builds: ours (kad-dht, gossipsub, Chord, Pastry, SIR) with the
 * encryptions, muxers, pubsub router and relay that its flags name, and address checks that keep
 * the unauthenticated control protocol on loopback.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { createLibp2p } from 'libp2p'
import { parseP2pdFlags } from '../../src/p2pd/flags.js'
import { buildP2pdOptions, checkControlAddress, checkHostAddress } from '../../src/p2pd/p2pd-options.js'
import { CHORD_PROTOCOL } from '../../src/libp2p/chord-service.js'
import { PASTRY_PROTOCOL } from '../../src/libp2p/pastry-service.js'
import { SIR_PROTOCOL } from '../../src/libp2p/sir-service.js'
import { KAD_PROTOCOL } from '../../src/node/libp2p-options.js'
import { UsageError } from '../../src/cli/usage-error.js'

const RELAY_HOP = '/libp2p/circuit/relay/0.2.0/hop'
const FLOODSUB = '/floodsub/1.0.0'
const MESHSUB = '/meshsub/1.1.0'

async function protocolsOf (flags: string[]): Promise<string[]> {
  const node = await createLibp2p(await buildP2pdOptions(parseP2pdFlags(flags), await generateKeyPair('Ed25519')))
  try {
    return node.getProtocols()
  } finally {
    await node.stop()
  }
}

describe('p2pd peer options', { timeout: 30_000 }, () => {
  it('runs our overlays and kad-dht beside the stock stack, with gossipsub by default', async () => {
    const protocols = await protocolsOf([])
    for (const p of [CHORD_PROTOCOL, PASTRY_PROTOCOL, SIR_PROTOCOL, KAD_PROTOCOL, MESHSUB]) assert.ok(protocols.includes(p), `${p} in ${protocols.join(', ')}`)
    assert.ok(!protocols.includes(RELAY_HOP))
  })

  it('swaps in floodsub and adds a relay server only when asked', async () => {
    const protocols = await protocolsOf(['-pubsubRouter=floodsub', '-relay', '-noListenAddrs'])
    assert.ok(protocols.includes(FLOODSUB))
    assert.ok(!protocols.includes(MESHSUB))
    assert.ok(protocols.includes(RELAY_HOP))
    assert.ok(protocols.includes(CHORD_PROTOCOL))
  })

  it('offers exactly the encryptions and muxers named', async () => {
    const key = await generateKeyPair('Ed25519')
    const options = await buildP2pdOptions(parseP2pdFlags(['-tls=true', '-plaintext=true', '-muxer=mplex,yamux']), key)
    assert.equal(options.connectionEncrypters?.length, 2)
    assert.equal(options.streamMuxers?.length, 2)
  })

  it('keeps the control protocol on loopback TCP and serves only TCP or relayed host addresses', () => {
    checkControlAddress('/ip4/127.0.0.1/tcp/0')
    checkControlAddress('/ip6/::1/tcp/5000')
    for (const bad of ['/ip4/0.0.0.0/tcp/0', '/ip4/10.0.0.1/tcp/1', '/ip4/127.0.0.1/udp/1', '/unix/tmp/p2pd.sock', 'nonsense']) {
      assert.throws(() => { checkControlAddress(bad) }, UsageError, bad)
    }
    checkHostAddress('/ip4/127.0.0.1/tcp/0')
    checkHostAddress('/p2p-circuit')
    assert.throws(() => { checkHostAddress('/ip4/127.0.0.1/udp/0/quic-v1') }, UsageError)
  })
})
