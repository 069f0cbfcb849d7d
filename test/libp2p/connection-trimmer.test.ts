/**
 * The connection trimmer (src/libp2p/connection-trimmer.ts) on stand-in connections and on a real
 * network: both ends close the same one of two connections; above the high water mark it trims to
 * the low one, lowest tag value first, and never a young connection, a kept or keep-alive peer, a
 * connection with a stream it may not cut, or a peer a keeper is busy with; bad settings are
 * refused. On twelve real Chord peers held to six connections each, every key stays readable while
 * connections are trimmed.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { KEEP_ALIVE } from '@libp2p/interface'
import { ConnectionTrimmer } from '../../src/libp2p/connection-trimmer.js'
import { LocalNetwork } from '../../src/node/local-network.js'
import { idFromHex } from '../../src/core/id.js'
import { waitFor } from '../helpers/wait-for.js'
import type { ConnectionKeeper } from '../../src/libp2p/connection-trimmer.js'
import type { OverlayNode } from '../../src/node/overlay-node.js'
import type { Connection, Logger } from '@libp2p/interface'

interface Fake {
  id: string
  peer: string
  direction: 'inbound' | 'outbound'
  openedAt: number
  protocols?: string[]
  closed?: boolean
}

const log = Object.assign(() => {}, { error: () => {}, trace: () => {}, enabled: false }) as unknown as Logger

function connection (f: Fake): Connection {
  return {
    id: f.id,
    status: 'open',
    direction: f.direction,
    remotePeer: { toString: () => f.peer },
    timeline: { open: f.openedAt },
    streams: (f.protocols ?? []).map(protocol => ({ protocol })),
    close: async () => { f.closed = true },
    abort: () => { f.closed = true }
  } as unknown as Connection
}

function trimmer (self: string, fakes: Fake[], opts: { tags?: Record<string, Record<string, number>>, keepers?: ConnectionKeeper[], high?: number, low?: number, duplicates?: boolean } = {}): ConnectionTrimmer {
  return new ConnectionTrimmer({
    self,
    getConnections: () => fakes.filter(f => f.closed !== true).map(connection),
    peerStore: {
      get: async (peer) => ({ tags: new Map(Object.entries(opts.tags?.[peer.toString()] ?? {}).map(([name, value]) => [name, { value }])) }) as any
    },
    log
  }, opts.keepers ?? [], { highWater: opts.high ?? 4, lowWater: opts.low ?? 2, gracePeriodMs: 1000, intervalMs: 1000, closeDuplicates: opts.duplicates ?? true })
}

function chordOf (node: OverlayNode): NonNullable<OverlayNode['libp2p']['services']['chord']> {
  const chord = node.libp2p.services.chord
  if (chord === undefined) throw new Error('chord is not running')
  return chord
}

const closedIds = (fakes: Fake[]): string[] => fakes.filter(f => f.closed === true).map(f => f.id).sort()

describe('connection trimmer', () => {
  it('closes the same one of two connections at both ends', async () => {
    // A and B dialled each other at once: c1 dialled by A, c2 by B; each end sees both.
    for (const [a, b] of [['A', 'B'], ['B', 'A']]) {
      const atA: Fake[] = [
        { id: 'c1', peer: b, direction: 'outbound', openedAt: 0 },
        { id: 'c2', peer: b, direction: 'inbound', openedAt: 5 }
      ]
      const atB: Fake[] = [
        { id: 'c1', peer: a, direction: 'inbound', openedAt: 7 },
        { id: 'c2', peer: a, direction: 'outbound', openedAt: 2 }
      ]
      assert.equal((await trimmer(a, atA).sweep(10_000)).duplicates, 1)
      assert.equal((await trimmer(b, atB).sweep(10_000)).duplicates, 1)
      const kept = a < b ? 'c1' : 'c2'
      assert.deepEqual(closedIds(atA), [kept === 'c1' ? 'c2' : 'c1'], `at ${a}`)
      assert.deepEqual(closedIds(atB), closedIds(atA), `both ends close the same connection (self ${a})`)
    }
  })

  it('leaves duplicate connections alone unless asked to close them', async () => {
    const fakes: Fake[] = [
      { id: 'c1', peer: 'B', direction: 'outbound', openedAt: 0 },
      { id: 'c2', peer: 'B', direction: 'inbound', openedAt: 5 }
    ]
    assert.deepEqual(await trimmer('A', fakes, { duplicates: false }).sweep(10_000), { duplicates: 0, trimmed: 0 })
    assert.deepEqual(closedIds(fakes), [])
  })

  it('leaves everything alone at or below the high water mark', async () => {
    const fakes: Fake[] = Array.from({ length: 4 }, (_, i) => ({ id: `c${i}`, peer: `P${i}`, direction: 'outbound', openedAt: 0 }))
    assert.deepEqual(await trimmer('S', fakes).sweep(10_000), { duplicates: 0, trimmed: 0 })
    assert.deepEqual(closedIds(fakes), [])
  })

  it('trims to the low water mark, lowest value first, sparing what it must', async () => {
    const fakes: Fake[] = [
      { id: 'young', peer: 'P0', direction: 'outbound', openedAt: 9_500 },
      { id: 'kept', peer: 'P1', direction: 'outbound', openedAt: 0, protocols: ['/overlay/chord/2.0.0'] },
      { id: 'kad-query', peer: 'P2', direction: 'outbound', openedAt: 0, protocols: ['/ipfs/kad/1.0.0'] },
      { id: 'busy', peer: 'P3', direction: 'outbound', openedAt: 0 },
      { id: 'overlay-stream', peer: 'P9', direction: 'outbound', openedAt: 0, protocols: ['/overlay/sir/3.0.0'] },
      { id: 'keep-alive', peer: 'P4', direction: 'outbound', openedAt: 0 },
      { id: 'mesh', peer: 'P5', direction: 'inbound', openedAt: 0, protocols: ['/meshsub/1.2.0', '/meshsub/1.2.0'] },
      { id: 'kad-peer', peer: 'P6', direction: 'inbound', openedAt: 0, protocols: ['/meshsub/1.2.0'] },
      { id: 'plain-old', peer: 'P7', direction: 'inbound', openedAt: 0, protocols: ['/ipfs/id/1.0.0'] },
      { id: 'plain-new', peer: 'P8', direction: 'inbound', openedAt: 100 }
    ]
    const keeper: ConnectionKeeper = { keptPeers: () => ['P1'], busyWith: (peer) => peer === 'P3' }
    const tags = { P4: { [KEEP_ALIVE]: 1 }, P5: { topic: 100 }, P6: { 'kad-peer': 1 } }
    const result = await trimmer('S', fakes, { keepers: [keeper], tags }).sweep(10_000)
    // 10 open, low water 2: up to 8 may go; only plain-new, plain-old, kad-peer and mesh are closable.
    assert.deepEqual(result, { duplicates: 0, trimmed: 4 })
    assert.deepEqual(closedIds(fakes), ['kad-peer', 'mesh', 'plain-new', 'plain-old'])
  })

  it('closes the lowest-valued first when only some must go', async () => {
    const fakes: Fake[] = [
      { id: 'mesh', peer: 'P0', direction: 'outbound', openedAt: 0 },
      { id: 'close', peer: 'P1', direction: 'outbound', openedAt: 0 },
      { id: 'none-a', peer: 'P2', direction: 'outbound', openedAt: 0 },
      { id: 'none-b', peer: 'P3', direction: 'outbound', openedAt: 50 },
      { id: 'rt', peer: 'P4', direction: 'outbound', openedAt: 0 }
    ]
    const tags = { P0: { t: 100 }, P1: { 'kad-close': 50 }, P4: { 'kad-peer': 1 } }
    assert.deepEqual(await trimmer('S', fakes, { tags, high: 4, low: 2 }).sweep(10_000), { duplicates: 0, trimmed: 3 })
    assert.deepEqual(closedIds(fakes), ['none-a', 'none-b', 'rt'])
  })

  it('refuses settings that make no sense', () => {
    const make = (init: object): ConnectionTrimmer => new ConnectionTrimmer({ self: 'S', getConnections: () => [], peerStore: { get: async () => { throw new Error('x') } }, log }, [], init)
    assert.throws(() => make({ lowWater: 10, highWater: 5 }), /lowWater \(10\) must not exceed highWater \(5\)/)
    assert.throws(() => make({ highWater: -1 }), /highWater must be a whole number/)
    assert.throws(() => make({ intervalMs: 10 }), /intervalMs must be at least 100/)
  })

  it('keeps every Chord key readable on peers held to a few connections', { timeout: 300_000 }, async () => {
    const network = new LocalNetwork({ overlays: ['chord'], connections: { highWater: 6, lowWater: 3, gracePeriodMs: 3000, intervalMs: 500 } })
    try {
      const nodes = await network.grow(12)
      // The ring closes first (each node's successor is the next id), so every put lands on its owner.
      await waitFor(() => {
        const ring = nodes.map(n => chordOf(n).status()).sort((a, b) => (idFromHex(a.self.id) < idFromHex(b.self.id) ? -1 : 1))
        return ring.every((s, i) => s.successors[0]?.peerId === ring[(i + 1) % ring.length].self.peerId)
      }, { timeoutMs: 150_000, intervalMs: 500, what: 'the Chord ring to close' })
      const keys: Array<{ dht: 'chord', key: string, value: string }> = []
      const deadline = Date.now() + 60_000
      for (const dht of ['chord'] as const) {
        for (let i = 0; i < 20; i++) {
          const value = `${dht}-${i}`
          for (;;) {
            try {
              const { key } = await nodes[i % nodes.length].dht(dht).put(`k${i}`, new TextEncoder().encode(value))
              keys.push({ dht, key, value })
              break
            } catch (err) {
              if (Date.now() > deadline) throw err
              await new Promise(resolve => setTimeout(resolve, 500))
            }
          }
        }
      }
      // Several sweeps pass with most connections over the marks.
      await new Promise(resolve => setTimeout(resolve, 3000))
      for (const { dht, key, value } of keys) {
        const reader = nodes[(key.length + value.length) % nodes.length]
        const got = await reader.dht(dht).get(key)
        assert.equal(new TextDecoder().decode(got.value), value, `${dht} ${key}`)
      }
      const trimmed = nodes.reduce((sum, n) => sum + n.connectionCounters().trimmed + n.connectionCounters().duplicatesClosed, 0)
      assert.ok(trimmed > 0, 'the trimmer closed connections')
    } finally {
      await network.stopAll()
    }
  })
})
