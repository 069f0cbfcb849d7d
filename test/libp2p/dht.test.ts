/**
 * Our DHTs (Chord, Pastry) on real libp2p peers on 127.0.0.1: 16 peers form one network; a put on
 * any peer is readable from every peer; a new peer takes over exactly the keys it now owns and
 * nothing else moves; a killed peer's keys stay readable; malformed, truncated and oversized
 * frames reset only their stream.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { lpStream } from '@libp2p/utils'
import { absDistance, idFromHex, idToHex, keyId, ringDistance } from '../../src/core/id.js'
import { CHORD_PROTOCOL } from '../../src/libp2p/chord-service.js'
import { PASTRY_PROTOCOL } from '../../src/libp2p/pastry-service.js'
import { LocalNet } from '../helpers/local-net.js'
import { waitFor } from '../helpers/wait-for.js'
import type { DhtService } from '../../src/libp2p/dht-service.js'
import type { OverlayNode } from '../../src/node/overlay-node.js'

const encoder = new TextEncoder()
const decoder = new TextDecoder()
const KEYS = Array.from({ length: 48 }, (_, i) => `key-${i}`)
const PROBES = Array.from({ length: 16 }, (_, i) => `probe-${i}`)
/** Name -> the full key (`<writer peer id>/<name>`) its put returned. */
const full = new Map<string, string>()
const fullOf = (name: string): string => full.get(name) ?? name
const hexOfKey = (name: string): string => idToHex(keyId(encoder.encode(fullOf(name))))

interface Dht {
  name: 'chord' | 'pastry'
  protocol: string
  /** The true owner of a key among `nodes`. */
  owner(key: bigint, nodes: OverlayNode[]): OverlayNode
}

const service = (dht: Dht, node: OverlayNode): DhtService<{ self: { id: string } }> => node.libp2p.services[dht.name] as DhtService<{ self: { id: string } }>
const nodeId = (dht: Dht, node: OverlayNode): bigint => idFromHex(service(dht, node).status().self.id)

const DHTS: Dht[] = [
  {
    name: 'chord',
    protocol: CHORD_PROTOCOL,
    // successor(key): the first node at or after the key, clockwise.
    owner: (key, nodes) => nodes.reduce((best, n) => ringDistance(key, nodeId(DHTS[0], n)) < ringDistance(key, nodeId(DHTS[0], best)) ? n : best)
  },
  {
    name: 'pastry',
    protocol: PASTRY_PROTOCOL,
    // The numerically closest node (on the ring, as Pastry's leaf set reads it).
    owner: (key, nodes) => nodes.reduce((best, n) => absDistance(key, nodeId(DHTS[1], n)) < absDistance(key, nodeId(DHTS[1], best)) ? n : best)
  }
]

function primaries (dht: Dht, node: OverlayNode): Set<string> {
  return new Set(service(dht, node).records().filter(r => r.primary).map(r => r.keyId))
}

/** Every node's lookup of every probe key names the true owner. */
async function converged (dht: Dht, nodes: OverlayNode[]): Promise<boolean> {
  for (const probe of PROBES) {
    const truth = dht.owner(keyId(encoder.encode(probe)), nodes).peerId.toString()
    for (const node of nodes) {
      if ((await node.dht(dht.name).lookup(probe)).owner !== truth) return false
    }
  }
  return true
}

async function readEverywhere (dht: Dht, nodes: OverlayNode[], keys: string[]): Promise<void> {
  for (const node of nodes) {
    for (const key of keys) {
      const got = await node.dht(dht.name).get(fullOf(key))
      assert.equal(decoder.decode(got.value), `value of ${key}`, `${key} read on ${node.peerId.toString()}`)
    }
  }
}

for (const dht of DHTS) {
  describe(`${dht.name} on libp2p, 16 peers on 127.0.0.1`, { timeout: 180_000 }, () => {
    const net = new LocalNet()
    before(async () => { await net.grow(16) })
    after(async () => { await net.stopAll() })

    it('forms one network: every lookup from every peer names the true owner', async () => {
      await waitFor(async () => await converged(dht, net.live()), { timeoutMs: 40_000, intervalMs: 500, what: `the ${dht.name} network to converge` })
    })

    it('reads a put made on any peer from every peer', async () => {
      const nodes = net.live()
      for (const [i, key] of KEYS.entries()) full.set(key, (await nodes[i % nodes.length].dht(dht.name).put(key, encoder.encode(`value of ${key}`))).key)
      await readEverywhere(dht, nodes, KEYS)
    })

    it('gives a new peer exactly the keys it now owns, and moves nothing else', async () => {
      const before = new Map(net.live().map(n => [n.peerId.toString(), primaries(dht, n)]))
      const [newcomer] = await net.grow(1)
      await waitFor(async () => await converged(dht, net.live()), { timeoutMs: 40_000, intervalMs: 500, what: `the ${dht.name} network to take in the new peer` })
      const nodes = net.live()
      const taken = new Set(KEYS.filter(k => dht.owner(keyId(encoder.encode(fullOf(k))), nodes) === newcomer).map(hexOfKey))
      await waitFor(() => {
        const got = primaries(dht, newcomer)
        return got.size === taken.size && [...taken].every(k => got.has(k))
      }, { timeoutMs: 20_000, intervalMs: 200, what: `the new peer to own exactly its ${taken.size} keys` })
      for (const node of nodes) {
        if (node === newcomer) continue
        const expected = [...before.get(node.peerId.toString())!].filter(k => !taken.has(k)).sort()
        await waitFor(() => JSON.stringify([...primaries(dht, node)].sort()) === JSON.stringify(expected),
          { timeoutMs: 20_000, intervalMs: 200, what: `${node.peerId.toString()} to keep all but the moved keys` })
      }
      await readEverywhere(dht, [newcomer], KEYS)
    })

    it("keeps a killed peer's keys readable from every other peer", async () => {
      const victim = net.live().find(n => primaries(dht, n).size > 0)!
      const owned = KEYS.filter(k => primaries(dht, victim).has(hexOfKey(k)))
      assert.ok(owned.length > 0)
      await net.stop(victim)
      for (const node of net.live()) {
        for (const key of owned) {
          await waitFor(async () => decoder.decode((await node.dht(dht.name).get(fullOf(key))).value) === `value of ${key}`,
            { timeoutMs: 20_000, intervalMs: 250, what: `${key} after its owner died` })
        }
      }
    })

    it('resets a stream that carries a malformed, truncated or oversized frame, and goes on serving', async () => {
      const [attacker, target] = net.live()
      const counters = (): Record<string, number> => (service(dht, target).status() as unknown as { counters: Record<string, number> }).counters
      const countersBefore = counters()
      const frames = [
        Uint8Array.from([0x05, 0xff, 0xff, 0xff, 0xff, 0xff]), // malformed protobuf
        Uint8Array.from([0x64, 0x08, 0x01]), // a 100-byte frame cut after 2 bytes
        Uint8Array.from([0xff, 0xff, 0xff, 0x7f]) // a length prefix far over the limit
      ]
      for (const frame of frames) {
        const stream = await attacker.libp2p.dialProtocol(target.peerId, dht.protocol)
        const raw = lpStream(stream)
        stream.send(frame)
        await stream.close().catch(() => {})
        await assert.rejects(raw.read({ signal: AbortSignal.timeout(5_000) }))
      }
      const after = counters()
      assert.ok(after.inboundMalformed > countersBefore.inboundMalformed, 'malformed frames counted')
      assert.ok(after.inboundOversize > countersBefore.inboundOversize, 'oversized frame counted')
      const got = await target.dht(dht.name).get(fullOf(KEYS[0]))
      assert.equal(decoder.decode(got.value), `value of ${KEYS[0]}`)
      assert.ok(attacker.libp2p.getConnections(target.peerId).length > 0, 'the connection survives')
    })
  })
}
