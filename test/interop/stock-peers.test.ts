/**
 * Our peer (libp2p 3, `createOverlayNode`) against stock libp2p **1.9** and **2.10** peers that know
 * nothing of this project (stock-peer.ts: no validator or selector of ours), each in its own
 * process. For each major, once with each side dialling: the connection (Noise + Yamux, seen
 * from both ends), identify both ways, ping both ways, kad-dht `/pk/` records (RSA) written on one
 * side and read over the wire on the other, a gossipsub message each way, and none of our overlays
 * taking the stock peer into its tables. Then, per major:
 * `findPeer` served by the stock peer and by ours, and the `/ov/` namespace, which a stock peer can
 * neither read nor write, and whose `replicas` never count a stock peer's echo.
 * Everything listens on 127.0.0.1; every node and process is stopped in `after`.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { generateKeyPair, publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { createOverlayNode, type OverlayNode } from '../../src/node/overlay-node.js'
import { AGENT_NAME, AGENT_VERSION, KAD_PROTOCOL } from '../../src/node/libp2p-options.js'
import { waitFor } from '../helpers/wait-for.js'
import { V2PeerProcess } from './v2-peer-process.js'

const STOCK_SCRIPT = fileURLToPath(new URL('./stock-peer.js', import.meta.url))
const OUR_AGENT = `${AGENT_NAME}/${AGENT_VERSION}`
const NOISE = '/noise'
const YAMUX = '/yamux/1.0.0'
const STEP_TIMEOUT_MS = 20_000
/** Protocols every major here speaks, so the test means something for each. */
const SHARED_PROTOCOLS = ['/ipfs/id/1.0.0', '/ipfs/ping/1.0.0', KAD_PROTOCOL, '/meshsub/1.1.0']

const te = new TextEncoder()
const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64')
const fromB64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'))
const loopback = (addrs: string[]): string => {
  const found = addrs.find(a => a.startsWith('/ip4/127.0.0.1/tcp/'))
  assert.ok(found, `an address on 127.0.0.1 among ${addrs.join(', ')}`)
  return found
}

/** A `/pk/` record of a fresh RSA key: the key is `/pk/` + the peer id's multihash, the value its public key. */
async function pkRecord (): Promise<{ key: Uint8Array, value: Uint8Array }> {
  const privateKey = await generateKeyPair('RSA', 2048)
  const peerId = peerIdFromPrivateKey(privateKey)
  const key = new Uint8Array([...te.encode('/pk/'), ...peerId.toMultihash().bytes])
  return { key, value: publicKeyToProtobuf(privateKey.publicKey) }
}

async function startStock (major: 1 | 2): Promise<V2PeerProcess> {
  return await V2PeerProcess.start({ script: STOCK_SCRIPT, args: ['--major', String(major), '--agent', `stock-libp2p-${major}`] })
}

/** Our kad-dht reads `key`; returns the value and the peers that answered with a record. */
async function ourKadGet (node: OverlayNode, key: Uint8Array): Promise<{ value?: Uint8Array, answeredBy: string[] }> {
  let value: Uint8Array | undefined
  const answeredBy: string[] = []
  for await (const ev of node.libp2p.services.dht.get(key, { signal: AbortSignal.timeout(10_000) })) {
    if (ev.name === 'VALUE') value = ev.value
    if (ev.name === 'PEER_RESPONSE' && ev.record != null) answeredBy.push(ev.from.toString())
  }
  return { value, answeredBy }
}

/** Whether our kad-dht would send a query to `peer`: it comes out of a closest-peers walk. */
async function ourKadReaches (node: OverlayNode, peer: string): Promise<boolean> {
  for await (const ev of node.libp2p.services.dht.getClosestPeers(te.encode(`probe-${peer}`), { signal: AbortSignal.timeout(5_000) })) {
    if (ev.name === 'FINAL_PEER' && ev.peer.id.toString() === peer) return true
  }
  return false
}

for (const major of [1, 2] as const) {
  describe(`interop: overlay-node <-> stock libp2p ${major}.x (no validator of ours)`, { timeout: 120_000 }, () => {
    for (const dialer of ['ours', 'stock'] as const) {
      describe(`${dialer} dials`, () => {
        let stock: V2PeerProcess | undefined
        let ours: OverlayNode | undefined
        const nodes = (): { stock: V2PeerProcess, ours: OverlayNode } => ({ stock: stock!, ours: ours! })

        before(async () => {
          const [s, o] = await Promise.allSettled([startStock(major), createOverlayNode({ local: true, listen: ['/ip4/127.0.0.1/tcp/0'] })])
          if (s.status === 'fulfilled') stock = s.value
          if (o.status === 'fulfilled') ours = o.value
          if (s.status === 'rejected') throw s.reason
          if (o.status === 'rejected') throw o.reason
          assert.equal(stock!.ready.libp2pVersion.split('.')[0], String(major))
        }, { timeout: STEP_TIMEOUT_MS })

        after(async () => { await Promise.allSettled([ours?.stop(), stock?.stop()]) }, { timeout: 15_000 })

        it('connects over TCP with Noise and Yamux, seen from both sides', { timeout: STEP_TIMEOUT_MS }, async () => {
          const { stock, ours } = nodes()
          if (dialer === 'ours') assert.equal((await ours.connect(loopback(stock.ready.addrs))).peerId, stock.peerId)
          else assert.equal((await stock.dial(loopback(ours.addresses()))).remotePeer, ours.peerId.toString())
          const conns = await waitFor(() => {
            const open = ours.libp2p.getConnections(peerIdFromString(stock.peerId)).filter(c => c.status === 'open')
            return open.length > 0 && open
          }, { what: 'our side to see the connection' })
          for (const c of conns) {
            assert.equal(c.encryption, NOISE)
            assert.equal(c.multiplexer, YAMUX)
            assert.equal(c.direction, dialer === 'ours' ? 'outbound' : 'inbound')
          }
          const theirs = await stock.connections(ours.peerId.toString())
          assert.ok(theirs.length > 0)
          for (const c of theirs) {
            assert.equal(c.encryption, NOISE)
            assert.equal(c.multiplexer, YAMUX)
          }
        })

        it('identifies both ways', { timeout: STEP_TIMEOUT_MS }, async () => {
          const { stock, ours } = nodes()
          const seen = await waitFor(async () => {
            const info = await stock.peerInfo(ours.peerId.toString())
            return info.agentVersion !== null && info
          }, { what: 'the stock peer to identify ours' })
          assert.equal(seen.agentVersion, OUR_AGENT)
          for (const p of SHARED_PROTOCOLS) assert.ok(seen.protocols.includes(p), `stock sees our ${p}`)
          const peer = await waitFor(async () => {
            const p = await ours.libp2p.peerStore.get(peerIdFromString(stock.peerId))
            return p.metadata.get('AgentVersion') !== undefined && p
          }, { what: 'ours to identify the stock peer' })
          assert.equal(new TextDecoder().decode(peer.metadata.get('AgentVersion')), `stock-libp2p-${major}`)
          for (const p of SHARED_PROTOCOLS) assert.ok(peer.protocols.includes(p), `we see the stock ${p}`)
        })

        it('pings both ways', { timeout: STEP_TIMEOUT_MS }, async () => {
          const { stock, ours } = nodes()
          assert.ok(await ours.ping(stock.peerId) >= 0)
          assert.ok(await stock.ping(ours.peerId.toString()) >= 0)
        })

        it('moves kad-dht /pk/ records both ways, read over the wire', { timeout: STEP_TIMEOUT_MS }, async () => {
          const { stock, ours } = nodes()
          const [mine, theirs] = await Promise.all([pkRecord(), pkRecord()])
          // kad-dht adds a new contact to its routing table only after pinging it
          await waitFor(async () => await stock.routingTableSize() > 0 && await ourKadReaches(ours, stock.peerId), { what: 'both routing tables to hold the other' })

          for await (const ev of ours.libp2p.services.dht.put(mine.key, mine.value, { signal: AbortSignal.timeout(10_000) })) void ev
          const got = await stock.call<{ value: string, answeredBy: string[] }>('kadGet', { key: b64(mine.key) })
          assert.deepEqual(fromB64(got.value), mine.value)
          assert.ok(got.answeredBy.includes(ours.peerId.toString()), 'the stock peer read our record from us')

          const put = await stock.call<{ storedOn: string[] }>('kadPut', { key: b64(theirs.key), value: b64(theirs.value) })
          assert.deepEqual(put.storedOn, [ours.peerId.toString()])
          const read = await ourKadGet(ours, theirs.key)
          assert.deepEqual(read.value, theirs.value)
          assert.ok(read.answeredBy.includes(stock.peerId), 'we read the stock record from the stock peer')
        })

        it('keeps the stock peer out of our overlays\' tables', { timeout: STEP_TIMEOUT_MS }, async () => {
          const { stock, ours } = nodes()
          // By now identify has run both ways (above): the stock peer lacks our protocols.
          for (const overlay of ['chord', 'pastry']) {
            assert.ok(!JSON.stringify(ours.status(overlay)).includes(stock.peerId), `${overlay} holds no stock peer`)
          }
          // SIR's status names no peers; the stock peer is our only one, so the view must be empty.
          assert.equal((ours.status('sir') as { viewSize: number }).viewSize, 0)
        })

        it('carries a gossipsub message each way', { timeout: STEP_TIMEOUT_MS }, async () => {
          const { stock, ours } = nodes()
          const topic = `interop-${major}-${dialer}`
          const pubsub = ours.libp2p.services.pubsub
          const received: string[] = []
          const onMessage = (evt: CustomEvent<{ topic: string, data: Uint8Array }>): void => {
            if (evt.detail.topic === topic) received.push(new TextDecoder().decode(evt.detail.data))
          }
          pubsub.addEventListener('message', onMessage as any)
          try {
            pubsub.subscribe(topic)
            await stock.subscribe(topic)
            await waitFor(async () => pubsub.getSubscribers(topic).some(p => p.toString() === stock.peerId) &&
              (await stock.subscribers(topic)).includes(ours.peerId.toString()), { what: 'each side to see the other subscribed' })
            // The mesh forms on the next heartbeat; until then a publish may reach nobody.
            await waitFor(async () => (await pubsub.publish(topic, te.encode('from ours'))).recipients.length > 0, { what: 'our publish to reach a peer' })
            await waitFor(() => stock.messages.some(m => m.topic === topic && m.data === 'from ours' && m.from === ours.peerId.toString()), { what: 'the stock peer to receive ours' })
            await waitFor(async () => (await stock.publish(topic, 'from stock')).recipients.length > 0, { what: 'the stock publish to reach a peer' })
            await waitFor(() => received.includes('from stock'), { what: 'ours to receive the stock message' })
          } finally {
            pubsub.removeEventListener('message', onMessage as any)
            pubsub.unsubscribe(topic)
          }
        })
      })
    }

    describe('three peers', () => {
      let stock: V2PeerProcess | undefined
      const ours: OverlayNode[] = []

      before(async () => {
        stock = await startStock(major)
        for (let i = 0; i < 3; i++) ours.push(await createOverlayNode({ local: true, listen: ['/ip4/127.0.0.1/tcp/0'] }))
      }, { timeout: STEP_TIMEOUT_MS })

      after(async () => { await Promise.allSettled([...ours.map(async n => { await n.stop() }), stock?.stop()]) }, { timeout: 15_000 })

      it('finds peers through kad-dht, served by the stock peer and by ours', { timeout: 40_000 }, async () => {
        const [a, b, c] = ours
        // a and b know only the stock peer; c knows only a.
        await a.connect(loopback(stock!.ready.addrs))
        await b.connect(loopback(stock!.ready.addrs))
        await c.connect(loopback(a.addresses()))
        await waitFor(async () => await stock!.routingTableSize() >= 2 && await ourKadReaches(a, stock!.peerId) && await ourKadReaches(a, c.peerId.toString()), { what: 'the routing tables to fill' })

        // a walks towards b: the stock peer's FIND_NODE answer names b with its address.
        const answers: Array<{ from: string, closer: Array<{ id: string, addrs: string[] }> }> = []
        for await (const ev of a.libp2p.services.dht.getClosestPeers(b.peerId.toMultihash().bytes, { signal: AbortSignal.timeout(10_000) })) {
          if (ev.name === 'PEER_RESPONSE') answers.push({ from: ev.from.toString(), closer: ev.closer.map(p => ({ id: p.id.toString(), addrs: p.multiaddrs.map(ma => ma.toString()) })) })
        }
        const fromStock = answers.find(r => r.from === stock!.peerId)?.closer.find(p => p.id === b.peerId.toString())
        assert.ok(fromStock !== undefined && fromStock.addrs.some(addr => b.addresses().includes(`${addr}/p2p/${b.peerId.toString()}`)), 'the stock peer tells a where b is')
        const found = await a.libp2p.peerRouting.findPeer(b.peerId, { signal: AbortSignal.timeout(10_000) })
        assert.ok(found.multiaddrs.some(ma => b.addresses().includes(`${ma.toString()}/p2p/${b.peerId.toString()}`)), 'a finds b')

        // The stock peer walks towards c: our answer (a's) names c with its address.
        const theirAnswers = await stock!.call<Array<{ from: string, closer: Array<{ peerId: string, addrs: string[] }> }>>('closestPeers', { peer: c.peerId.toString() })
        const fromOurs = theirAnswers.find(r => r.from === a.peerId.toString())?.closer.find(p => p.peerId === c.peerId.toString())
        assert.ok(fromOurs !== undefined && fromOurs.addrs.some(addr => c.addresses().includes(`${addr}/p2p/${c.peerId.toString()}`)), 'we tell the stock peer where c is')
        const theirs = await stock!.call<{ peerId: string, addrs: string[] }>('findPeer', { peer: c.peerId.toString() })
        assert.equal(theirs.peerId, c.peerId.toString())
        assert.ok(theirs.addrs.some(addr => c.addresses().includes(`${addr}/p2p/${c.peerId.toString()}`)), 'the stock peer finds c')
      })

      it('keeps /ov/ records away from a stock peer, and counts none of its echoes as replicas', { timeout: STEP_TIMEOUT_MS }, async () => {
        const lone = await createOverlayNode({ local: true, listen: ['/ip4/127.0.0.1/tcp/0'] })
        ours.push(lone)
        const other = await startStock(major)
        try {
          await lone.connect(loopback(other.ready.addrs))
          await waitFor(async () => await other.routingTableSize() > 0 && await ourKadReaches(lone, other.peerId), { what: 'the routing tables to hold each other' })
          const put = await lone.dht('kad').put('interop', te.encode('ours'))
          assert.equal(put.replicas, 0, 'a stock peer without our validator stores nothing')
          assert.equal(put.acknowledged, 1, 'it echoed the PUT_VALUE all the same: an acknowledgement, not a copy')
          await assert.rejects(other.call('kadGet', { key: b64(te.encode(`/ov/${put.key}`)) }), /not found|invalid|keytype/i)

          // A stock peer cannot write one either: it has no signing key for the namespace, and we refuse unsigned values.
          const forged = te.encode(`/ov/${other.peerId}/forged`)
          await other.call('kadPut', { key: b64(forged), value: b64(te.encode('unsigned')) }).catch(() => {})
          assert.equal((await ourKadGet(lone, forged).catch(() => ({ value: undefined }))).value, undefined)
        } finally {
          await other.stop()
        }
      })
    })
  })
}
