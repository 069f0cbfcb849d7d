import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { keyId, type NodeId } from '../../src/core/id.js'
import { ChordSimulation, type ChordSimNode } from '../../src/sim/chord-sim.js'
import { uniformLatency } from '../../src/sim/latency.js'
import { unreadable } from '../helpers/dht-reads.js'

const utf8 = new TextEncoder()
const CHORD = { requestTimeoutMs: 500, stabilizeIntervalMs: 1000, fixFingersIntervalMs: 1000, replicateIntervalMs: 3000 }

function grow (seed: string, n: number, replicas: number): ChordSimulation {
  const cs = new ChordSimulation({ seed, latency: uniformLatency(10, 60), chord: { ...CHORD, replicas } })
  console.log(`seed ${seed}`)
  cs.join()
  while (cs.size < n) {
    const add = Math.min(cs.size, n - cs.size)
    for (let i = 0; i < add; i++) cs.sim.after(cs.sim.random.int(1000), () => cs.join())
    cs.sim.runFor(1000)
    assert.ok(cs.runUntilConverged(1000, 120_000), `ring of ${cs.size} converges`)
  }
  cs.sim.runFor(20_000) // fingers
  return cs
}

function lookupAll (cs: ChordSimulation, count: number): { wrong: number, failed: number } {
  let wrong = 0; let failed = 0; let pending = count
  for (let i = 0; i < count; i++) {
    const from = cs.randomMember() as ChordSimNode
    const key = keyId(utf8.encode(`probe-${i}`))
    const truth = cs.owner(key).sim.ref.address
    from.chord.lookup(key, o => { pending--; if (!o.ok) failed++; else if (o.value.owner.address !== truth) wrong++ })
  }
  cs.sim.runUntilTrue(() => pending === 0, 500, 60_000)
  return { wrong, failed: failed + pending }
}

function putAll (cs: ChordSimulation, keys: readonly Uint8Array[]): void {
  let pending = keys.length; let failed = 0
  for (const k of keys) (cs.randomMember() as ChordSimNode).chord.put(k, k, o => { pending--; if (!o.ok) failed++ })
  cs.sim.runUntilTrue(() => pending === 0, 500, 60_000)
  assert.equal(failed + pending, 0, 'every put succeeds')
  cs.sim.runFor(8_000) // replicas
}

function holdersOf (cs: ChordSimulation, keys: readonly Uint8Array[]): Map<NodeId, Set<ChordSimNode>> {
  const ids = new Set(keys.map(k => keyId(k)))
  const out = new Map<NodeId, Set<ChordSimNode>>()
  for (const node of cs.live()) {
    for (const [id] of node.chord.storedKeys()) {
      if (!ids.has(id)) continue
      let s = out.get(id)
      if (s === undefined) out.set(id, s = new Set())
      s.add(node)
    }
  }
  return out
}

const keys = Array.from({ length: 3000 }, (_, i) => utf8.encode(`key-${i}`))

describe('Chord rings in the simulator', () => {
  test('a 1024-node ring built by joins converges and every lookup returns the true owner', () => {
    const cs = grow('ring-1024', 1024, 3)
    assert.equal(cs.wrongNeighbours(), 0)
    assert.deepEqual(lookupAll(cs, 500), { wrong: 0, failed: 0 })
    console.log(`trace ${cs.sim.finish()}`)
  })

  for (const r of [3, 8]) {
    test(`512 nodes, r = ${r}: after 20% crash at once the ring converges and only keys whose r copies all died are lost`, () => {
      const cs = grow(`crash20-r${r}`, 512, r)
      putAll(cs, keys)
      const before = holdersOf(cs, keys)
      for (const k of keys) assert.equal(before.get(keyId(k))?.size, r, 'r copies before the crash')
      const victims = cs.sim.random.shuffle(cs.live()).slice(0, Math.round(0.2 * 512))
      const dead = new Set(victims)
      for (const v of victims) cs.crash(v)
      assert.ok(cs.runUntilConverged(1000, 120_000), 'converges again')
      cs.sim.runFor(15_000)
      const allDied = keys.filter(k => [...(before.get(keyId(k)) ?? [])].every(h => dead.has(h))).map(k => keyId(k))
      const after = holdersOf(cs, keys)
      const lost = keys.map(k => keyId(k)).filter(id => !after.has(id))
      console.log(`r=${r}: lost ${lost.length}, all copies died ${allDied.length} (0.2^r·K = ${(0.2 ** r * keys.length).toFixed(2)})`)
      assert.deepEqual(lost.sort(), allDied.sort())
      if (r === 8) assert.equal(lost.length, 0)
      // Survivors are back to r copies, and lookups find true owners.
      for (const [id, hs] of after) assert.equal(hs.size, r, `key ${id} has r copies again`)
      assert.deepEqual(lookupAll(cs, 300), { wrong: 0, failed: 0 })
    })
  }

  test('256 nodes, r = 3: crashes one at a time, each given time to repair, lose nothing; gets read every key', () => {
    const cs = grow('crash-serial', 256, 3)
    putAll(cs, keys)
    for (let i = 0; i < 25; i++) {
      cs.crash(cs.randomMember() as ChordSimNode)
      cs.sim.runFor(12_000)
    }
    assert.equal(cs.wrongNeighbours(), 0)
    const after = holdersOf(cs, keys)
    assert.equal(after.size, keys.length, 'no key lost')
    assert.equal(unreadable(cs.sim, keys, () => (cs.randomMember() as ChordSimNode).chord), 0)
  })

  test('graceful leaves hand keys to the successor; a crashed owner\'s replicas answer reads at once', () => {
    const cs = grow('leave-read', 128, 3)
    putAll(cs, keys.slice(0, 500))
    for (let i = 0; i < 10; i++) cs.leave(cs.randomMember() as ChordSimNode)
    cs.sim.runFor(15_000)
    assert.equal(holdersOf(cs, keys.slice(0, 500)).size, 500)
    // Crash the owner of one key and read it before any repair can run.
    const k = keys[7]
    cs.crash(cs.owner(keyId(k)))
    let value: Uint8Array | undefined
    const reader = cs.randomMember() as ChordSimNode
    reader.chord.get(k, o => { if (o.ok) value = o.value.value })
    cs.sim.runFor(5_000)
    assert.deepEqual(value, k)
  })

  test('an overwrite reaches the replicas: after the owner crashes the new value is read', () => {
    const cs = grow('overwrite', 64, 3)
    const k = utf8.encode('mutable')
    putAll(cs, [k])
    let stored = false
    ;(cs.randomMember() as ChordSimNode).chord.put(k, utf8.encode('second'), o => { stored = o.ok })
    cs.sim.runFor(2_000)
    assert.ok(stored)
    cs.crash(cs.owner(keyId(k)))
    let value: Uint8Array | undefined
    ;(cs.randomMember() as ChordSimNode).chord.get(k, o => { if (o.ok) value = o.value.value })
    cs.sim.runFor(5_000)
    assert.deepEqual(value, utf8.encode('second'))
  })
})
