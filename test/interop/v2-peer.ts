/**
 * A stock libp2p **2.x** peer, run as its own process by the interop test
 * (test/interop/libp2p-v2.test.ts). Everything here comes from the aliased
 * dev dependencies (`libp2p-v2`, `tcp-v2`, `noise-v2`, `yamux-v2`,
 * `identify-v2`, `ping-v2`, `kad-dht-v2`, `gossipsub-v2`), never from the
 * libp2p 3 packages the project itself uses.
 *
 * Protocol: JSON lines.
 *  - stdout, first line: `{"type":"ready","peerId":..,"addrs":[..],"protocols":[..],"agentVersion":..}`
 *  - stdin: `{"id":1,"op":"dial","addr":"/ip4/127.0.0.1/tcp/1234/p2p/..."}` (see `ops` below)
 *  - stdout: `{"type":"result","id":1,"ok":true,"value":...}` or `{"type":"result","id":1,"ok":false,"error":"..."}`
 *  - stdout, unsolicited: `{"type":"message","topic":..,"data":"<utf8>","from":"<peer id>"}` for each
 *    gossipsub message received on a subscribed topic.
 * Only strings cross the process boundary: peer ids and multiaddrs are parsed here
 * with the 2.x copies of `@multiformats/multiaddr`.
 *
 * Args: `--agent <agent version>` (default `overlay-interop-v2`), `--listen <multiaddr>`
 * (default `/ip4/127.0.0.1/tcp/0`). The process stops libp2p and exits on the `stop` op,
 * on stdin end (parent gone) and on SIGTERM/SIGINT.
 */
import { parseArgs } from 'node:util'
import { noise } from 'noise-v2'
import { yamux } from 'yamux-v2'
import { gossipsub } from 'gossipsub-v2'
import { identify } from 'identify-v2'
import { kadDHT, passthroughMapper } from 'kad-dht-v2'
import { createLibp2p } from 'libp2p-v2'
import { ping } from 'ping-v2'
import { tcp } from 'tcp-v2'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { encodeKadValue } from '../../src/node/kad-records.js'
import { importFrom, peerSummary, send, serve, versionOf } from './peer-child.js'
import type { Ops } from './peer-child.js'

/** The record namespace overlay-node registers with kad-dht: keys are `/ov/<writer peer id>/<name>`, values signed. */
const NAMESPACE = 'ov'
const MAX_RECORD_BYTES = 16 * 1024

const { values: args } = parseArgs({
  options: {
    agent: { type: 'string', default: 'overlay-interop-v2' },
    listen: { type: 'string', default: '/ip4/127.0.0.1/tcp/0' }
  }
})

type Libp2pV2 = Awaited<ReturnType<typeof startNode>>
type MultiaddrV2 = Parameters<Libp2pV2['dial']>[0]
const { multiaddr } = await importFrom<{ multiaddr: (s: string) => MultiaddrV2 }>('libp2p-v2', '@multiformats/multiaddr')

/** This peer's key: libp2p 2 uses the same @libp2p/crypto 5, so it signs records as overlay-node does. */
const privateKey = await generateKeyPair('Ed25519')

async function startNode () {
  return await createLibp2p({
    privateKey: privateKey as never, // one @libp2p/crypto 5 for both; only the interface packages' types differ
    addresses: { listen: [args.listen] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    nodeInfo: { userAgent: args.agent },
    // loopback: every peer shares one IP, so the inbound rate limit must not apply
    connectionManager: { allow: ['/ip4/127.0.0.0/ipcidr/8'] },
    // the monitor's ping-based cut-off drops busy loopback links in tests
    connectionMonitor: { enabled: false },
    services: {
      identify: identify(),
      ping: ping(),
      dht: kadDHT({
        clientMode: false,
        peerInfoMapper: passthroughMapper,
        validators: {
          [NAMESPACE]: async (_key: Uint8Array, value: Uint8Array) => {
            if (value.byteLength > MAX_RECORD_BYTES) {
              throw new Error(`record of ${value.byteLength} bytes exceeds ${MAX_RECORD_BYTES}`)
            }
          }
        },
        selectors: { [NAMESPACE]: () => 0 }
      }),
      pubsub: gossipsub({
        allowPublishToZeroTopicPeers: true,
        scoreParams: { IPColocationFactorWeight: 0 }
      })
    }
  })
}

const node = await startNode()
const te = new TextEncoder()
const td = new TextDecoder()


function kadKey (key: string): Uint8Array {
  return te.encode(`/${NAMESPACE}/${key}`)
}

/** The v2 PeerId object for a peer id string, taken from a live connection or the peer store. */
async function peerIdOf (id: string) {
  for (const c of node.getConnections()) {
    if (c.remotePeer.toString() === id) return c.remotePeer
  }
  for (const p of await node.peerStore.all()) {
    if (p.id.toString() === id) return p.id
  }
  throw new Error(`unknown peer ${id}`)
}

function describeConnection (c: ReturnType<Libp2pV2['getConnections']>[number]) {
  return {
    remotePeer: c.remotePeer.toString(),
    remoteAddr: c.remoteAddr.toString(),
    direction: c.direction,
    encryption: c.encryption,
    multiplexer: c.multiplexer,
    status: c.status
  }
}

node.services.pubsub.addEventListener('message', (evt) => {
  const msg = evt.detail
  send({
    type: 'message',
    topic: msg.topic,
    data: td.decode(msg.data),
    from: msg.type === 'signed' ? msg.from.toString() : null
  })
})

const ops: Ops = {
  async dial (req) {
    const conn = await node.dial(multiaddr(req.addr))
    return describeConnection(conn)
  },
  async connections (req) {
    return node.getConnections()
      .filter(c => req.peer == null || c.remotePeer.toString() === req.peer)
      .map(describeConnection)
  },
  /** What identify stored about a peer (null until identify has run). */
  async peerInfo (req) { return peerSummary(await node.peerStore.get(await peerIdOf(req.peer))) },
  async ping (req) {
    return await node.services.ping.ping(await peerIdOf(req.peer), { signal: AbortSignal.timeout(5000) })
  },
  async routingTableSize () {
    return (node.services.dht as unknown as { routingTable: { size: number } }).routingTable.size
  },
  /** Put `/ov/<this peer id>/<name>`, signed; returns the full key and the peers that acknowledged the PUT_VALUE. */
  async kadPut (req) {
    const storedOn: string[] = []
    const key = `${node.peerId.toString()}/${req.key}`
    const value = encodeKadValue(privateKey, key, Buffer.from(req.value, 'base64'), Date.now())
    for await (const ev of node.services.dht.put(kadKey(key), value, { signal: AbortSignal.timeout(10_000) })) {
      if (ev.name === 'PEER_RESPONSE' && ev.messageName === 'PUT_VALUE') storedOn.push(ev.from.toString())
    }
    return { key, storedOn }
  },
  /**
   * Get `/ov/<key>`; returns the best value and the remote peers that answered
   * GET_VALUE with a record (so the caller can tell a network read from a local one).
   */
  async kadGet (req) {
    let value: Uint8Array | undefined
    const answeredBy: string[] = []
    for await (const ev of node.services.dht.get(kadKey(req.key), { signal: AbortSignal.timeout(10_000) })) {
      if (ev.name === 'VALUE') value = ev.value
      if (ev.name === 'PEER_RESPONSE' && ev.record != null) answeredBy.push(ev.from.toString())
    }
    if (value == null) throw new Error(`not found: ${req.key}`)
    return { value: Buffer.from(value).toString('base64'), answeredBy }
  },
  async subscribe (req) {
    node.services.pubsub.subscribe(req.topic)
    return null
  },
  async subscribers (req) {
    return node.services.pubsub.getSubscribers(req.topic).map(p => p.toString())
  },
  async publish (req) {
    const res = await node.services.pubsub.publish(req.topic, te.encode(req.data))
    return { recipients: res.recipients.map(p => p.toString()) }
  }
}

serve(node, ops, { agentVersion: args.agent, libp2pVersion: versionOf('libp2p-v2') })
