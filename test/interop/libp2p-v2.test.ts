/**
 * Interop between overlay-node (libp2p 3, `createOverlayNode`) and a stock libp2p 2.x peer
 * (libp2p 2.10 + @chainsafe/libp2p-gossipsub 14 + kad-dht 15, in its own process: v2-peer.ts).
 *
 * Run twice, once with each side dialling: the connection (Noise + Yamux, seen from both
 * ends), identify (agent version and protocol list, both ways), ping both ways, a kad-dht
 * record put on one side and read on the other (both ways, the read also checked to come over
 * the wire as a GET_VALUE answer), and a gossipsub message each way on a shared topic.
 * Everything listens on 127.0.0.1 only; every node and process is stopped in `after`.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { peerIdFromString } from '@libp2p/peer-id'
import { createOverlayNode, type OverlayNode } from '../../src/node/overlay-node.js'
import { AGENT_NAME, AGENT_VERSION } from '../../src/node/libp2p-options.js'
import { waitFor } from '../helpers/wait-for.js'
import { V2PeerProcess } from './v2-peer-process.js'
import { decodeKadRecord } from '../../src/node/kad-records.js'

const V2_AGENT = 'overlay-interop-v2/libp2p-2'
const V3_AGENT = `${AGENT_NAME}/${AGENT_VERSION}`
const NOISE = '/noise'
const YAMUX = '/yamux/1.0.0'
/** Protocols both majors must speak for this test to mean anything. */
const SHARED_PROTOCOLS = ['/ipfs/id/1.0.0', '/ipfs/ping/1.0.0', '/ipfs/kad/1.0.0', '/meshsub/1.1.0', '/meshsub/1.2.0']
const STEP_TIMEOUT = 15_000

const te = new TextEncoder()
const td = new TextDecoder()
const sorted = (xs: Iterable<string>): string[] => [...xs].sort()
/** A plain Uint8Array copy (records may come back as Buffers, which deepEqual tells apart). */
const bytes = (b: Uint8Array): Uint8Array => new Uint8Array(b)

describe('interop: libp2p 3 (overlay-node) <-> stock libp2p 2.x peer', { timeout: 60_000 }, () => {
  for (const dialer of ['v3', 'v2'] as const) {
    describe(`${dialer} dials`, { timeout: 30_000 }, () => {
      let v2: V2PeerProcess | undefined
      let v3: OverlayNode | undefined
      // `before` guarantees both are set once the tests run
      const nodes = (): { v2: V2PeerProcess, v3: OverlayNode } => ({ v2: v2!, v3: v3! })
      const tag = `${dialer}-${process.pid}-${Date.now()}`

      before(async () => {
        // keep whichever one started even if the other failed, so `after` stops it
        const [p2, p3] = await Promise.allSettled([
          V2PeerProcess.start({ agent: V2_AGENT }),
          createOverlayNode({ local: true, listen: ['/ip4/127.0.0.1/tcp/0'] })
        ])
        if (p2.status === 'fulfilled') v2 = p2.value
        if (p3.status === 'fulfilled') v3 = p3.value
        if (p2.status === 'rejected') throw p2.reason
        if (p3.status === 'rejected') throw p3.reason
      }, { timeout: 20_000 })

      after(async () => {
        await Promise.allSettled([v3?.stop(), v2?.stop()])
      }, { timeout: 15_000 })

      it('connects over TCP with Noise and Yamux, seen from both sides', { timeout: STEP_TIMEOUT }, async () => {
        const { v2, v3 } = nodes()
        const v2Id = peerIdFromString(v2.peerId)
        if (dialer === 'v3') {
          const addr = v2.ready.addrs.find(a => a.startsWith('/ip4/127.0.0.1/tcp/'))
          assert.ok(addr, `v2 peer listens on 127.0.0.1: ${v2.ready.addrs.join(', ')}`)
          const peer = await v3.connect(addr)
          assert.equal(peer.peerId, v2.peerId)
        } else {
          const addr = v3.addresses().find(a => a.startsWith('/ip4/127.0.0.1/tcp/'))
          assert.ok(addr, `v3 node listens on 127.0.0.1: ${v3.addresses().join(', ')}`)
          const conn = await v2.dial(addr)
          assert.equal(conn.remotePeer, v3.peerId.toString())
          assert.equal(conn.direction, 'outbound')
        }

        const v3Conns = await waitFor(() => {
          const conns = v3.libp2p.getConnections(v2Id).filter(c => c.status === 'open')
          return conns.length > 0 && conns
        }, { what: 'v3 to see an open connection to the v2 peer' })
        for (const c of v3Conns) {
          assert.equal(c.encryption, NOISE, 'v3 side: encryption')
          assert.equal(c.multiplexer, YAMUX, 'v3 side: multiplexer')
        }
        assert.ok(v3Conns.some(c => c.direction === (dialer === 'v3' ? 'outbound' : 'inbound')),
          `v3 side has an ${dialer === 'v3' ? 'outbound' : 'inbound'} connection`)

        const v2Conns = await waitFor(async () => {
          const conns = (await v2.connections(v3.peerId.toString())).filter(c => c.status === 'open')
          return conns.length > 0 && conns
        }, { what: 'the v2 peer to see an open connection to v3' })
        for (const c of v2Conns) {
          assert.equal(c.encryption, NOISE, 'v2 side: encryption')
          assert.equal(c.multiplexer, YAMUX, 'v2 side: multiplexer')
        }
        assert.ok(v2Conns.some(c => c.direction === (dialer === 'v2' ? 'outbound' : 'inbound')),
          `v2 side has an ${dialer === 'v2' ? 'outbound' : 'inbound'} connection`)
      })

      it('identify: each side sees the other\'s agent version and full protocol list', { timeout: STEP_TIMEOUT }, async () => {
        const { v2, v3 } = nodes()
        assert.equal(v2.ready.libp2pVersion.split('.')[0], '2', 'the peer really runs libp2p 2.x')
        for (const p of SHARED_PROTOCOLS) {
          assert.ok(v2.ready.protocols.includes(p), `v2 peer speaks ${p}`)
          assert.ok(v3.libp2p.getProtocols().includes(p), `v3 node speaks ${p}`)
        }

        // v3's view of the v2 peer
        const v2Id = peerIdFromString(v2.peerId)
        const seenByV3 = await waitFor(async () => {
          const peer = await v3.libp2p.peerStore.get(v2Id)
          const agent = peer.metadata.get('AgentVersion')
          return agent != null && peer.protocols.length > 0 && { agent: td.decode(agent), protocols: peer.protocols }
        }, { what: 'identify of the v2 peer on the v3 side' })
        assert.equal(seenByV3.agent, V2_AGENT)
        assert.deepEqual(sorted(seenByV3.protocols), sorted(v2.ready.protocols))

        // the v2 peer's view of v3
        const seenByV2 = await waitFor(async () => {
          const info = await v2.peerInfo(v3.peerId.toString())
          return info.agentVersion != null && info.protocols.length > 0 && info
        }, { what: 'identify of v3 on the v2 side' })
        assert.equal(seenByV2.agentVersion, V3_AGENT)
        assert.deepEqual(sorted(seenByV2.protocols), sorted(v3.libp2p.getProtocols()))
      })

      // Before the pings on purpose: kad-dht (15 and 16) pings every new contact with the ping
      // service before adding it to the routing table, and the ping service allows one outbound
      // stream per connection by default, so a user ping racing that check fails with "Too many
      // outbound protocol streams" (and can make kad drop the contact).
      it('kad-dht: both sides have the other in their routing table', { timeout: STEP_TIMEOUT }, async () => {
        const { v2, v3 } = nodes()
        const dht = v3.libp2p.services.dht as unknown as { routingTable: { size: number } }
        await waitFor(() => dht.routingTable.size > 0, { what: 'the v2 peer in v3\'s kad routing table' })
        await waitFor(async () => (await v2.routingTableSize()) > 0, { what: 'v3 in the v2 peer\'s kad routing table' })
      })

      it('pings both ways', { timeout: STEP_TIMEOUT }, async () => {
        const { v2, v3 } = nodes()
        const rttV3 = await v3.ping(v2.peerId)
        assert.ok(Number.isFinite(rttV3) && rttV3 >= 0, `v3 -> v2 rtt ${rttV3}`)
        const rttV2 = await v2.ping(v3.peerId.toString())
        assert.ok(Number.isFinite(rttV2) && rttV2 >= 0, `v2 -> v3 rtt ${rttV2}`)
      })

      it('kad-dht: a record put on v3 is read on the v2 peer', { timeout: STEP_TIMEOUT }, async () => {
        const { v2, v3 } = nodes()
        const key = `interop/${tag}/from-v3`
        const value = te.encode(`hello from libp2p 3 (${tag})`)
        const put = await v3.dht('kad').put(key, value)
        assert.ok(put.replicas >= 1, `the v2 peer acknowledged the PUT_VALUE (replicas: ${put.replicas})`)

        const got = await v2.kadGet(put.key)
        assert.deepEqual(decodeKadRecord(te.encode(`/ov/${put.key}`), bytes(got.value)).value, value, 'the signed record, read by a stock peer')
        assert.ok(got.answeredBy.includes(v3.peerId.toString()),
          `v3 answered the v2 peer's GET_VALUE with the record (answered by: ${got.answeredBy.join(', ')})`)
      })

      it('kad-dht: a record put on the v2 peer is read on v3', { timeout: STEP_TIMEOUT }, async () => {
        const { v2, v3 } = nodes()
        const key = `interop/${tag}/from-v2`
        const value = te.encode(`hello from libp2p 2 (${tag})`)
        const put = await v2.kadPut(key, value)
        assert.ok(put.storedOn.includes(v3.peerId.toString()), `v3 acknowledged the PUT_VALUE (stored on: ${put.storedOn.join(', ')})`)

        const got = await v3.dht('kad').get(put.key)
        assert.deepEqual(bytes(got.value), value)
        assert.ok(Number.isInteger(got.hops) && got.hops >= 0, `hops ${got.hops}`)

        // and the v2 peer serves it over GET_VALUE, not only via the PUT it sent
        const answeredBy: string[] = []
        const dhtKey = te.encode(`/ov/${put.key}`)
        for await (const ev of v3.libp2p.services.dht.get(dhtKey, { signal: AbortSignal.timeout(10_000) })) {
          if (ev.name === 'PEER_RESPONSE' && ev.record != null) {
            assert.deepEqual(decodeKadRecord(dhtKey, bytes(ev.record.value)).value, value)
            answeredBy.push(ev.from.toString())
          }
        }
        assert.ok(answeredBy.includes(v2.peerId), `the v2 peer answered v3's GET_VALUE with the record (answered by: ${answeredBy.join(', ')})`)
      })

      it('gossipsub: a message each way on a shared topic', { timeout: STEP_TIMEOUT }, async () => {
        const { v2, v3 } = nodes()
        const topic = `overlay-interop/${tag}`
        const atV3: Array<{ from: string, data: string }> = []
        const gossipsub = v3.pubsub('gossipsub')
        const unsubscribe = gossipsub.subscribe(topic, (m) => { atV3.push({ from: m.from, data: td.decode(m.data) }) })
        try {
          await v2.subscribe(topic)
          await waitFor(() => v3.libp2p.services.pubsub.getSubscribers(topic).some(p => p.toString() === v2.peerId),
            { what: 'v3 to see the v2 peer subscribed' })
          await waitFor(async () => (await v2.subscribers(topic)).includes(v3.peerId.toString()),
            { what: 'the v2 peer to see v3 subscribed' })

          const fromV3 = `v3 -> v2 (${tag})`
          const published = await gossipsub.publish(topic, te.encode(fromV3))
          assert.ok(published.recipients >= 1, `v3 published to ${published.recipients} peers`)
          const gotV2 = await waitFor(() => v2.messages.find(m => m.topic === topic && m.data === fromV3),
            { what: 'the v2 peer to receive the message from v3' })
          assert.equal(gotV2.from, v3.peerId.toString())

          const fromV2 = `v2 -> v3 (${tag})`
          const res = await v2.publish(topic, fromV2)
          assert.ok(res.recipients.includes(v3.peerId.toString()), `the v2 peer published to v3 (recipients: ${res.recipients.join(', ')})`)
          const gotV3 = await waitFor(() => atV3.find(m => m.data === fromV2),
            { what: 'v3 to receive the message from the v2 peer' })
          assert.equal(gotV3.from, v2.peerId)

          // which gossipsub version the two negotiated (both offer /meshsub/1.2.0 first)
          const v2Id = peerIdFromString(v2.peerId)
          const meshsub = v3.libp2p.getConnections(v2Id).flatMap(c => c.streams.map(s => s.protocol))
            .filter((p): p is string => p != null && p.startsWith('/meshsub/'))
          assert.ok(meshsub.length > 0 && meshsub.every(p => p === '/meshsub/1.2.0'), `gossipsub streams: ${meshsub.join(', ')}`)
        } finally {
          unsubscribe()
        }
      })
    })
  }
})
