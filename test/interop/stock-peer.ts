/**
 * A stock libp2p peer of an older major, **1.x** (libp2p 1.9) or **2.x** (libp2p 2.10), run as its
 * own process by test/interop/stock-peers.test.ts. Every module comes from the aliased dev
 * dependencies of that major (`libp2p-v1`, `kad-dht-v1`, … or `libp2p-v2`, …), configured as a
 * user of that release would: TCP, Noise, Yamux, identify, ping, kad-dht in server mode and
 * gossipsub, and **no validator or selector of ours** (it knows nothing of the `/ov/` namespace).
 *
 * Protocol: JSON lines (peer-child.ts; v2-peer-process.ts drives it): a `ready` line first,
 * then one `result` line per request on stdin, and a `message` line per gossipsub message
 * received. Only strings cross the process boundary (peer ids, multiaddrs, base64 bytes).
 *
 * Args: `--major 1|2`, `--agent <agent version>`. Exits on the `stop` op, stdin end, SIGTERM.
 */
import { parseArgs } from 'node:util'
import { importFrom, peerSummary, send, serve, versionOf } from './peer-child.js'
import type { Ops } from './peer-child.js'

const { values: args } = parseArgs({
  options: {
    major: { type: 'string', default: '2' },
    agent: { type: 'string', default: 'overlay-interop-stock' }
  }
})
if (args.major !== '1' && args.major !== '2') throw new Error(`--major must be 1 or 2, got ${args.major}`)
const suffix = `-v${args.major}`
/** How long one network operation of this peer may take. */
const OP_TIMEOUT_MS = 10_000

const [{ createLibp2p }, { tcp }, { noise }, { yamux }, { identify }, { ping }, { kadDHT, passthroughMapper }, { gossipsub }] = await Promise.all(
  ['libp2p', 'tcp', 'noise', 'yamux', 'identify', 'ping', 'kad-dht', 'gossipsub'].map(async name => await import(`${name}${suffix}`))
)
const { multiaddr } = await importFrom(`libp2p${suffix}`, '@multiformats/multiaddr')
const { peerIdFromString } = await importFrom(`libp2p${suffix}`, '@libp2p/peer-id')

const encrypters = [noise()]
const node = await createLibp2p({
  addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
  transports: [tcp()],
  // 1.x calls the encrypters `connectionEncryption`, 2.x `connectionEncrypters`.
  ...(args.major === '1' ? { connectionEncryption: encrypters } : { connectionEncrypters: encrypters, nodeInfo: { userAgent: args.agent } }),
  streamMuxers: [yamux()],
  // loopback: every peer shares one IP, so the inbound rate limit must not apply
  connectionManager: { allow: ['/ip4/127.0.0.0/ipcidr/8'] },
  connectionMonitor: { enabled: false },
  services: {
    identify: identify(args.major === '1' ? { agentVersion: args.agent } : {}),
    ping: ping(),
    dht: kadDHT({ clientMode: false, peerInfoMapper: passthroughMapper }),
    pubsub: gossipsub({ allowPublishToZeroTopicPeers: true, scoreParams: { IPColocationFactorWeight: 0 } })
  }
})

const te = new TextEncoder()
const td = new TextDecoder()
const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64')
const fromB64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'))
const signal = (): AbortSignal => AbortSignal.timeout(OP_TIMEOUT_MS)

function describeConnection (c: any): unknown {
  return {
    remotePeer: c.remotePeer.toString(),
    remoteAddr: c.remoteAddr.toString(),
    direction: c.direction ?? c.stat?.direction,
    encryption: c.encryption ?? c.stat?.encryption,
    multiplexer: c.multiplexer ?? c.stat?.multiplexer,
    status: c.status ?? c.stat?.status
  }
}

node.services.pubsub.addEventListener('message', (evt: any) => {
  const msg = evt.detail
  send({ type: 'message', topic: msg.topic, data: td.decode(msg.data), from: msg.type === 'signed' ? msg.from.toString() : null })
})

const ops: Ops = {
  async dial (req) { return describeConnection(await node.dial(multiaddr(req.addr), { signal: signal() })) },
  async connections (req) {
    return node.getConnections().filter((c: any) => req.peer == null || c.remotePeer.toString() === req.peer).map(describeConnection)
  },
  /** What identify stored about a peer. */
  async peerInfo (req) { return peerSummary(await node.peerStore.get(peerIdFromString(req.peer))) },
  /** kad-dht's routing table size: no public API in either major, so read from its internals. */
  async routingTableSize () { return node.services.dht.routingTable.size },
  async ping (req) { return await node.services.ping.ping(peerIdFromString(req.peer), { signal: signal() }) },
  /** Puts a raw record (key and value as base64); returns the peers that answered the PUT_VALUE. */
  async kadPut (req) {
    const storedOn: string[] = []
    for await (const ev of node.services.dht.put(fromB64(req.key), fromB64(req.value), { signal: signal() })) {
      if (ev.name === 'PEER_RESPONSE' && ev.messageName === 'PUT_VALUE') storedOn.push(ev.from.toString())
    }
    return { storedOn }
  },
  /** Gets a raw record; returns the value and the remote peers that answered GET_VALUE with a record. */
  async kadGet (req) {
    let value: Uint8Array | undefined
    const answeredBy: string[] = []
    for await (const ev of node.services.dht.get(fromB64(req.key), { signal: signal() })) {
      if (ev.name === 'VALUE') value = ev.value
      if (ev.name === 'PEER_RESPONSE' && ev.record != null) answeredBy.push(ev.from.toString())
    }
    if (value == null) throw new Error('not found')
    return { value: b64(value), answeredBy }
  },
  async findPeer (req) {
    const info = await node.peerRouting.findPeer(peerIdFromString(req.peer), { signal: signal() })
    return { peerId: info.id.toString(), addrs: info.multiaddrs.map((a: any) => a.toString()) }
  },
  /** A FIND_NODE walk towards `peer`: each remote answer with the peers it offered as closer. */
  async closestPeers (req) {
    const answers: Array<{ from: string, closer: Array<{ peerId: string, addrs: string[] }> }> = []
    const id = peerIdFromString(req.peer)
    // The peer's multihash: 1.x spells it toBytes(), 2.x toMultihash().bytes.
    const key: Uint8Array = typeof id.toBytes === 'function' ? id.toBytes() : id.toMultihash().bytes
    for await (const ev of node.services.dht.getClosestPeers(key, { signal: signal() })) {
      if (ev.name === 'PEER_RESPONSE') {
        answers.push({ from: ev.from.toString(), closer: ev.closer.map((p: any) => ({ peerId: p.id.toString(), addrs: p.multiaddrs.map((a: any) => a.toString()) })) })
      }
    }
    return answers
  },
  async subscribe (req) { node.services.pubsub.subscribe(req.topic); return null },
  async subscribers (req) { return node.services.pubsub.getSubscribers(req.topic).map((p: any) => p.toString()) },
  async publish (req) {
    const res = await node.services.pubsub.publish(req.topic, te.encode(req.data))
    return { recipients: res.recipients.map((p: any) => p.toString()) }
  }
}

serve(node, ops, { agentVersion: args.agent, libp2pVersion: versionOf(`libp2p${suffix}`) })
