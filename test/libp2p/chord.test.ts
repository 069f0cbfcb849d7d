/**
 * Chord on real libp2p peers on 127.0.0.1: 16 peers form one ring; a put on any peer is readable
 * from every peer; a new peer takes over exactly the keys of its arc; a killed peer's keys stay
 * readable; malformed, truncated and oversized frames reset only their stream.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { lpStream } from '@libp2p/utils'
import { idFromHex, inOpenClosed, keyId } from '../../src/core/id.js'
import { CHORD_PROTOCOL } from '../../src/libp2p/chord-service.js'
import { LocalNet } from '../helpers/local-net.js'
import { waitFor } from '../helpers/wait-for.js'
import type { OverlayNode } from '../../src/node/overlay-node.js'

const encoder = new TextEncoder()
const decoder = new TextDecoder()
const KEYS = Array.from({ length: 48 }, (_, i) => `key-${i}`)
const hexOfKey = (key: string): string => keyId(encoder.encode(key)).toString(16).padStart(64, '0')

const ringId = (n: OverlayNode): bigint => idFromHex(n.libp2p.services.chord.status().self.id)

/** True when every live node's successor and predecessor are its true neighbours on the ring. */
function converged (nodes: OverlayNode[]): boolean {
  const sorted = [...nodes].sort((a, b) => (ringId(a) < ringId(b) ? -1 : 1))
  return sorted.every((node, i) => {
    const s = node.libp2p.services.chord.status()
    const next = sorted[(i + 1) % sorted.length].peerId.toString()
    const prev = sorted[(i - 1 + sorted.length) % sorted.length].peerId.toString()
    return s.successors[0]?.peerId === next && s.predecessor?.peerId === prev
  })
}

function primaries (node: OverlayNode): Set<string> {
  return new Set(node.libp2p.services.chord.records().filter(r => r.primary).map(r => r.keyId))
}

async function readEverywhere (nodes: OverlayNode[], keys: string[]): Promise<void> {
  for (const node of nodes) {
    for (const key of keys) {
      const got = await node.dht('chord').get(key)
      assert.equal(decoder.decode(got.value), `value of ${key}`, `${key} read on ${node.peerId.toString()}`)
    }
  }
}

describe('chord on libp2p, 16 peers on 127.0.0.1', { timeout: 150_000 }, () => {
  const net = new LocalNet()
  before(async () => { await net.grow(16) })
  after(async () => { await net.stopAll() })

  it('forms one ring', async () => {
    await waitFor(() => converged(net.live()), { timeoutMs: 30_000, intervalMs: 200, what: 'the ring to converge' })
  })

  it('reads a put made on any peer from every peer', async () => {
    const nodes = net.live()
    for (const [i, key] of KEYS.entries()) await nodes[i % nodes.length].dht('chord').put(key, encoder.encode(`value of ${key}`))
    await readEverywhere(nodes, KEYS)
  })

  it('gives a new peer exactly the keys of its arc, and moves nothing else', async () => {
    const before = new Map(net.live().map(n => [n.peerId.toString(), primaries(n)]))
    const [newcomer] = await net.grow(1)
    await waitFor(() => converged(net.live()), { timeoutMs: 30_000, intervalMs: 200, what: 'the ring to take in the new peer' })
    const predecessor = idFromHex(newcomer.libp2p.services.chord.status().predecessor!.id)
    const arc = new Set(KEYS.map(hexOfKey).filter(k => inOpenClosed(idFromHex(k), predecessor, ringId(newcomer))))
    await waitFor(() => {
      const got = primaries(newcomer)
      return got.size === arc.size && [...arc].every(k => got.has(k))
    }, { timeoutMs: 20_000, intervalMs: 200, what: `the new peer to own exactly its ${arc.size} keys` })
    for (const node of net.live()) {
      if (node === newcomer) continue
      const expected = [...before.get(node.peerId.toString())!].filter(k => !arc.has(k)).sort()
      await waitFor(() => JSON.stringify([...primaries(node)].sort()) === JSON.stringify(expected),
        { timeoutMs: 20_000, intervalMs: 200, what: `${node.peerId.toString()} to keep all but the moved keys` })
    }
    await readEverywhere([newcomer], KEYS)
  })

  it("keeps a killed peer's keys readable from every other peer", async () => {
    const victim = net.live().find(n => primaries(n).size > 0)!
    const owned = KEYS.filter(k => primaries(victim).has(hexOfKey(k)))
    assert.ok(owned.length > 0)
    await net.stop(victim)
    for (const node of net.live()) {
      for (const key of owned) {
        await waitFor(async () => decoder.decode((await node.dht('chord').get(key)).value) === `value of ${key}`,
          { timeoutMs: 20_000, intervalMs: 250, what: `${key} after its owner died` })
      }
    }
  })

  it('resets a stream that carries a malformed, truncated or oversized frame, and goes on serving', async () => {
    const [attacker, target] = net.live()
    const countersBefore = target.libp2p.services.chord.status().counters
    const frames: Array<{ bytes: Uint8Array, what: string }> = [
      { bytes: Uint8Array.from([0x05, 0xff, 0xff, 0xff, 0xff, 0xff]), what: 'malformed protobuf' },
      { bytes: Uint8Array.from([0x64, 0x08, 0x01]), what: 'truncated frame' },
      { bytes: Uint8Array.from([0xff, 0xff, 0xff, 0x7f]), what: 'oversized length prefix' }
    ]
    for (const frame of frames) {
      const stream = await attacker.libp2p.dialProtocol(target.peerId, CHORD_PROTOCOL)
      const raw = lpStream(stream)
      stream.send(frame.bytes)
      await stream.close().catch(() => {})
      await assert.rejects(raw.read({ signal: AbortSignal.timeout(5_000) }), `${frame.what}: no answer`)
    }
    const after = target.libp2p.services.chord.status().counters
    assert.ok(after.inboundMalformed > countersBefore.inboundMalformed, 'malformed frames counted')
    assert.ok(after.inboundOversize > countersBefore.inboundOversize, 'oversized frame counted')
    const got = await target.dht('chord').get(KEYS[0])
    assert.equal(decoder.decode(got.value), `value of ${KEYS[0]}`)
    assert.ok(attacker.libp2p.getConnections(target.peerId).length > 0, 'the connection survives')
  })
})
