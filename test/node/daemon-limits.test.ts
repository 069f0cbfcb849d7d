/**
 * The inbound rate limits in config.json (issue 10) reach every overlay of a daemon: with a burst
 * of 2 per peer, a hostile peer's third and later requests on Chord, Pastry and SIR are refused,
 * each refusal counted; the daemon keeps running.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { multiaddr } from '@multiformats/multiaddr'
import { CHORD_PROTOCOL } from '../../src/libp2p/chord-service.js'
import { PASTRY_PROTOCOL } from '../../src/libp2p/pastry-service.js'
import { SIR_PROTOCOL } from '../../src/libp2p/sir-service.js'
import { startDaemon, type Daemon } from '../../src/node/daemon.js'
import { Repo } from '../../src/node/repo.js'
import { encodeChordRequest } from '../../src/wire/chord.js'
import { encodePastryRequest } from '../../src/wire/pastry.js'
import { encodeSirRequest } from '../../src/wire/sir.js'
import { addressPeerCodec } from '../../src/wire/peer-codec.js'
import { tempDir } from '../helpers/cli.js'
import { HostilePeer } from '../helpers/hostile-peer.js'

const REQUESTS = 10
const LIMIT = { perPeerPerSecond: 0.01, perPeerBurst: 2 }

describe('inbound rate limits from config.json', { timeout: 60_000 }, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let daemon: Daemon
  let hostile: HostilePeer

  before(async () => {
    dir = await tempDir('overlay-limits-')
    const repo = new Repo(`${dir.path}/a`)
    await repo.init()
    await repo.setConfig('inboundRateLimit', LIMIT)
    daemon = await startDaemon({ repo: repo.path, local: true, api: '/ip4/127.0.0.1/tcp/0' })
    hostile = await HostilePeer.create()
  })
  after(async () => {
    await hostile?.stop()
    await daemon?.stop()
    await dir?.remove()
  })

  for (const [name, protocol, body] of [
    ['chord', CHORD_PROTOCOL, encodeChordRequest({ type: 'ping' }, addressPeerCodec)],
    ['pastry', PASTRY_PROTOCOL, encodePastryRequest({ type: 'ping' }, addressPeerCodec)],
    ['sir', SIR_PROTOCOL, encodeSirRequest({ type: 'pull', digest: [] })]
  ] as const) {
    it(`${name}: past a burst of ${LIMIT.perPeerBurst}, requests are refused and counted`, async () => {
      const stream = await hostile.open(multiaddr(daemon.node.addresses()[0]), protocol)
      const counters = (): Record<string, number> => (daemon.node.status(name) as { counters: Record<string, number> }).counters
      const before = counters().inboundRateLimitedPeer
      const answers = await Promise.all(Array.from({ length: REQUESTS }, async () => await stream.request(body)))
      assert.equal(answers.filter(a => a.kind === 'response').length, LIMIT.perPeerBurst)
      assert.equal(answers.filter(a => a.kind === 'refused').length, REQUESTS - LIMIT.perPeerBurst)
      assert.equal(counters().inboundRateLimitedPeer - before, REQUESTS - LIMIT.perPeerBurst)
      stream.close()
    })
  }
})
