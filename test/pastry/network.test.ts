/**
 * Pastry networks in the deterministic simulator, built by real joins (Rowstron & Druschel 2001
 * §2.4) and checked against the global view: every leaf set is the true one and every route ends
 * at the numerically closest node; after 20% of the nodes crash at once the network converges
 * again and loses only keys whose every copy died; crashes one at a time, each given time to
 * repair, lose nothing; graceful leaves hand keys on; a crashed owner's replicas serve reads.
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { keyId, type NodeId } from '../../src/core/id.js'
import { PastrySimulation, type PastrySimNode } from '../../src/sim/pastry-sim.js'
import { uniformLatency } from '../../src/sim/latency.js'
import { unreadable } from '../helpers/dht-reads.js'

const utf8 = new TextEncoder()
const PASTRY = { requestTimeoutMs: 500, leafSetIntervalMs: 1000, routingTableIntervalMs: 5000, replicateIntervalMs: 3000 }

/** Grows a network by joins in doubling waves, each wave run until every leaf set is true. */
function grow (seed: string, n: number, replicas: number): PastrySimulation {
  const ps = new PastrySimulation({ seed, latency: uniformLatency(10, 60), pastry: { ...PASTRY, replicas } })
  console.log(`seed ${seed}`)
  ps.join()
  while (ps.size < n) {
    const add = Math.min(ps.size, n - ps.size)
    for (let i = 0; i < add; i++) ps.sim.after(ps.sim.random.int(1000), () => ps.join())
    ps.sim.runFor(1000)
    assert.ok(ps.runUntilConverged(1000, 120_000), `network of ${ps.size} converges`)
  }
  return ps
}

function lookupAll (ps: PastrySimulation, count: number, label: string): { wrong: number, failed: number, meanHops: number } {
  let wrong = 0; let failed = 0; let pending = count; let hops = 0
  for (let i = 0; i < count; i++) {
    const from = ps.randomMember() as PastrySimNode
    const key = keyId(utf8.encode(`${label}-${i}`))
    const truth = ps.owner(key).sim.ref.address
    from.pastry.lookup(key, o => {
      pending--
      if (!o.ok) failed++
      else { hops += o.value.hops; if (o.value.owner.address !== truth) wrong++ }
    })
  }
  ps.sim.runUntilTrue(() => pending === 0, 500, 60_000)
  return { wrong, failed: failed + pending, meanHops: hops / count }
}

function putAll (ps: PastrySimulation, keys: readonly Uint8Array[]): void {
  let pending = keys.length; let failed = 0
  for (const k of keys) (ps.randomMember() as PastrySimNode).pastry.put(k, k, o => { pending--; if (!o.ok) failed++ })
  ps.sim.runUntilTrue(() => pending === 0, 500, 60_000)
  assert.equal(failed + pending, 0, 'every put succeeds')
  ps.sim.runFor(8_000) // replicas
}

function holdersOf (ps: PastrySimulation, keys: readonly Uint8Array[]): Map<NodeId, Set<PastrySimNode>> {
  const ids = new Set(keys.map(k => keyId(k)))
  const out = new Map<NodeId, Set<PastrySimNode>>()
  for (const node of ps.live()) {
    for (const [id] of node.pastry.storedKeys()) {
      if (!ids.has(id)) continue
      let s = out.get(id)
      if (s === undefined) out.set(id, s = new Set())
      s.add(node)
    }
  }
  return out
}

/**
 * Every key has a copy on each of its r numerically closest live nodes, the closest as owner.
 * (A node pushed out of a key's r closest by a join keeps its copy until the replica lease ends.)
 */
function assertPlacement (ps: PastrySimulation, keys: readonly Uint8Array[], r: number): void {
  const held = holdersOf(ps, keys)
  const primary = new Map<NodeId, string>()
  for (const node of ps.live()) for (const [id, p] of node.pastry.storedKeys()) if (p) primary.set(id, node.sim.ref.address)
  for (const [id, hs] of held) {
    const truth = ps.holders(id, r)
    for (const h of truth) assert.ok(hs.has(h), 'a copy on each of the r closest')
    assert.equal(primary.get(id), truth[0].sim.ref.address, 'owned by the closest')
  }
}

const keys = Array.from({ length: 3000 }, (_, i) => utf8.encode(`key-${i}`))

describe('Pastry networks in the simulator', () => {
  test('1024 nodes built by joins converge; routes end at the closest node; after 20% crash at once they converge again and lose only keys whose every copy died', () => {
    const r = 3
    const ps = grow('net-1024', 1024, r)
    assert.equal(ps.wrongLeafSets(), 0)
    const stable = lookupAll(ps, 500, 'stable')
    console.log(`1024 nodes: mean hops ${stable.meanHops.toFixed(3)} (log16 N = 2.5)`)
    assert.deepEqual({ wrong: stable.wrong, failed: stable.failed }, { wrong: 0, failed: 0 })
    assert.ok(stable.meanHops <= Math.log(1024) / Math.log(16) + 0.25)
    putAll(ps, keys)
    const before = holdersOf(ps, keys)
    for (const k of keys) assert.equal(before.get(keyId(k))?.size, r, 'r copies before the crash')
    assertPlacement(ps, keys, r)

    const victims = ps.sim.random.shuffle(ps.live()).slice(0, Math.round(0.2 * 1024))
    const dead = new Set(victims)
    for (const v of victims) ps.crash(v)
    assert.ok(ps.runUntilConverged(1000, 120_000), 'converges again')
    console.log(`converged ${ps.sim.now()} ms`)
    ps.sim.runFor(15_000)
    const allDied = keys.filter(k => [...(before.get(keyId(k)) ?? [])].every(h => dead.has(h))).map(k => keyId(k))
    const after = holdersOf(ps, keys)
    const lost = keys.map(k => keyId(k)).filter(id => !after.has(id))
    console.log(`lost ${lost.length}, all copies died ${allDied.length} (0.2^r·K = ${(0.2 ** r * keys.length).toFixed(1)})`)
    assert.deepEqual(lost.sort(), allDied.sort())
    assertPlacement(ps, keys, r)
    const again = lookupAll(ps, 500, 'after-crash')
    assert.deepEqual({ wrong: again.wrong, failed: again.failed }, { wrong: 0, failed: 0 })
    console.log(`trace ${ps.sim.finish()}`)
  })

  test('512 nodes, r = 8: after 20% crash at once no key is lost and every survivor has 8 copies again', () => {
    const r = 8
    const ps = grow('crash20-r8', 512, r)
    const some = keys.slice(0, 1000)
    putAll(ps, some)
    for (const v of ps.sim.random.shuffle(ps.live()).slice(0, Math.round(0.2 * 512))) ps.crash(v)
    assert.ok(ps.runUntilConverged(1000, 120_000), 'converges again')
    ps.sim.runFor(15_000)
    assert.equal(holdersOf(ps, some).size, some.length, 'no key lost (0.2^8 of 1000 keys = 0.003 expected)')
    assertPlacement(ps, some, r)
  })

  test('256 nodes, r = 3: crashes one at a time, each given time to repair, lose nothing; gets read every key', () => {
    const ps = grow('crash-serial', 256, 3)
    putAll(ps, keys)
    for (let i = 0; i < 25; i++) {
      ps.crash(ps.randomMember() as PastrySimNode)
      ps.sim.runFor(10_000)
    }
    assert.equal(ps.wrongLeafSets(), 0)
    assert.equal(holdersOf(ps, keys).size, keys.length, 'no key lost')
    assertPlacement(ps, keys, 3)
    assert.equal(unreadable(ps.sim, keys, () => (ps.randomMember() as PastrySimNode).pastry), 0)
  })

  test('graceful leaves and joins keep every key on its r closest nodes; a crashed owner\'s replicas answer reads at once', () => {
    const ps = grow('leave-read', 128, 3)
    const some = keys.slice(0, 500)
    putAll(ps, some)
    for (let i = 0; i < 10; i++) {
      ps.leave(ps.randomMember() as PastrySimNode)
      ps.join()
    }
    ps.sim.runFor(15_000)
    assert.equal(ps.wrongLeafSets(), 0)
    assert.equal(holdersOf(ps, some).size, 500)
    assertPlacement(ps, some, 3)
    // Crash the owner of one key and read it before any repair can run.
    const k = keys[7]
    ps.crash(ps.owner(keyId(k)))
    let value: Uint8Array | undefined
    const reader = ps.randomMember() as PastrySimNode
    reader.pastry.get(k, o => { if (o.ok) value = o.value.value })
    ps.sim.runFor(5_000)
    assert.deepEqual(value, k)
  })
})
