/**
 * Back-to-back pings (issue 10, item 11): libp2p runs an inbound handler only after a peer-store
 * write, so on a slow peer store (a daemon's LevelDB; here a datastore that answers 30 ms late) the
 * pinger's bytes and close arrive before the handler. Our answering side must still answer and
 * close, so a stock pinger's 20 pings in a row all succeed (the stock handler held each stream
 * until its 10 s timeout and most pings failed with TooManyOutboundProtocolStreamsError).
 */
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, before, describe, it } from 'node:test'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { ping as stockPing } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { MemoryDatastore } from 'datastore-core'
import { createLibp2p } from 'libp2p'
import { ping } from '../../src/libp2p/ping-service.js'
import type { Libp2p } from '@libp2p/interface'
import type { Ping } from '@libp2p/ping'
import type { Key } from 'interface-datastore'

/** A datastore whose reads and writes answer late, as a disk does under load. */
class SlowDatastore extends MemoryDatastore {
  override async get (key: Key): Promise<Awaited<ReturnType<MemoryDatastore['get']>>> { await sleep(30); return await super.get(key) }
  override async put (key: Key, value: Parameters<MemoryDatastore['put']>[1]): Promise<Key> { await sleep(30); return await super.put(key, value) }
  override async has (key: Key): Promise<boolean> { await sleep(30); return await super.has(key) }
}

async function node (service: (components: any) => Ping, slow: boolean): Promise<Libp2p<{ ping: Ping }>> {
  return await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionMonitor: { enabled: false },
    ...(slow ? { datastore: new SlowDatastore() } : {}),
    services: { identify: identify(), ping: service }
  })
}

describe('ping against a peer with a slow peer store', { timeout: 60_000 }, () => {
  let ours: Libp2p<{ ping: Ping }>
  let pinger: Libp2p<{ ping: Ping }>
  before(async () => {
    ours = await node(ping(), true)
    pinger = await node(stockPing(), false)
  })
  after(async () => { await Promise.all([ours.stop(), pinger.stop()]) })

  it('answers 20 back-to-back pings from a stock peer', async () => {
    const errors: string[] = []
    for (let i = 0; i < 20; i++) {
      await pinger.services.ping.ping(ours.getMultiaddrs()[0], { signal: AbortSignal.timeout(5_000) }).catch((err: Error) => { errors.push(err.message) })
      await sleep(50)
    }
    assert.deepEqual(errors, [])
  })

  it('pings out as the stock service does', async () => {
    const rtt = await ours.services.ping.ping(pinger.getMultiaddrs()[0], { signal: AbortSignal.timeout(5_000) })
    assert.ok(rtt >= 0)
  })
})
