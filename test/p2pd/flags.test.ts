/**
 * The go-style command line of `overlay-node p2pd`: what @libp2p/interop's runner writes is read
 * as go-libp2p-daemon reads it, and anything else is refused as a UsageError (exit 2).
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseP2pdFlags } from '../../src/p2pd/flags.js'
import { UsageError } from '../../src/cli/usage-error.js'

describe('p2pd flags', () => {
  it('defaults to Noise, Yamux, gossipsub, no relay, loopback addresses and a fresh key', () => {
    const options = parseP2pdFlags([])
    assert.deepEqual(options, {
      controlAddress: '/ip4/127.0.0.1/tcp/0',
      hostAddresses: ['/ip4/127.0.0.1/tcp/0'],
      encryptions: ['noise'],
      muxers: ['yamux'],
      pubsubRouter: 'gossipsub',
      relay: false,
      keyFile: undefined
    })
  })

  it('reads the flags as the interop runner writes them', () => {
    const options = parseP2pdFlags([
      '-listen=/ip4/127.0.0.1/tcp/4567', '-hostAddrs=/ip4/127.0.0.1/tcp/0,/ip4/127.0.0.1/tcp/9999',
      '-tls=true', '-dhtServer', '-relay', '-pubsub', '-pubsubRouter=floodsub', '-id=/tmp/k', '-muxer=mplex'
    ])
    assert.equal(options.controlAddress, '/ip4/127.0.0.1/tcp/4567')
    assert.deepEqual(options.hostAddresses, ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/9999'])
    assert.deepEqual(options.encryptions, ['tls'])
    assert.deepEqual(options.muxers, ['mplex'])
    assert.equal(options.pubsubRouter, 'floodsub')
    assert.equal(options.relay, true)
    assert.equal(options.keyFile, '/tmp/k')
  })

  it('takes one dash or two, a value after = or a space, and Go booleans', () => {
    const options = parseP2pdFlags(['--listen', '/ip4/127.0.0.1/tcp/1', '-noise=false', '-plaintext=1', '--tls=T', '-noListenAddrs', '-muxer', 'yamux,mplex,yamux'])
    assert.equal(options.controlAddress, '/ip4/127.0.0.1/tcp/1')
    assert.deepEqual(options.encryptions, ['tls', 'plaintext'])
    assert.deepEqual(options.hostAddresses, [])
    assert.deepEqual(options.muxers, ['yamux', 'mplex'])
  })

  it('refuses unknown flags, bad values, positionals and contradictions with a UsageError', () => {
    for (const argv of [
      ['-bogus'], ['-noise=maybe'], ['-muxer=quic'], ['-muxer=,'], ['-pubsubRouter=episub'], ['-listen'],
      ['stray'], ['-noListenAddrs', '-hostAddrs=/ip4/127.0.0.1/tcp/0'], ['-id=']
    ]) {
      assert.throws(() => parseP2pdFlags(argv), (err: Error) => err instanceof UsageError && !err.message.includes('\n'), argv.join(' '))
    }
  })

  it('never echoes a long value whole', () => {
    const long = 'x'.repeat(10_000)
    assert.throws(() => parseP2pdFlags([`-muxer=${long}`]), (err: Error) => err.message.length < 200)
  })
})
