/**
 * Storage quotas (issue 10, item 1): a node's store has limits in records and bytes, in total and
 * per sending peer; a full store refuses and says so; one peer flooding puts fills only its share,
 * so honest peers' puts keep succeeding, in Chord and in Pastry (protocol level, in the simulator).
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { keyId } from '../../src/core/id.js'
import { failureText, type Outcome } from '../../src/core/dht-outcome.js'
import { signRecord } from '../../src/dht/record.js'
import { RecordStore } from '../../src/dht/store.js'
import type { PutResult } from '../../src/dht/operations.js'
import { ChordSimulation } from '../../src/sim/chord-sim.js'
import { PastrySimulation } from '../../src/sim/pastry-sim.js'
import { uniformLatency } from '../../src/sim/latency.js'
import type { SimNode, Simulator } from '../../src/sim/simulator.js'
import type { Io, PeerRef, ProtocolHandler } from '../../src/core/port.js'
import type { DhtRecord } from '../../src/dht/messages.js'

const utf8 = new TextEncoder()
const LIMITS = { maxRecords: 10, maxBytes: 1000, maxRecordsPerPeer: 4, maxBytesPerPeer: 400 }
const rec = (name: string, bytes: number, seq = 1): ReturnType<typeof signRecord> => signRecord(utf8.encode(`w/${name}`), new Uint8Array(bytes), seq)

describe('record store limits', () => {
  test('per-peer records and bytes, totals, and charges that follow the held version', () => {
    const store = new RecordStore(LIMITS)
    for (let i = 0; i < 4; i++) assert.equal(store.put(BigInt(i), rec(`a${i}`, 10), false, 0, 'A'), 'new')
    assert.equal(store.put(99n, rec('a4', 10), false, 0, 'A'), 'quota', 'the fifth record from A')
    assert.equal(store.put(99n, rec('b0', 10), false, 0, 'B'), 'new', 'B has its own share')
    assert.equal(store.usageOf('A').records, 4)
    // A newer version sent by B moves the charge from A to B.
    assert.equal(store.put(0n, rec('a0', 10, 2), false, 0, 'B'), 'updated')
    assert.equal(store.usageOf('A').records, 3)
    assert.equal(store.usageOf('B').records, 2)
    assert.equal(store.put(0n, rec('a0', 10, 1), false, 0, 'B'), 'stale')
    store.delete(0n)
    assert.equal(store.usageOf('B').records, 1)
    // Bytes: a record that would take A past 400 bytes is refused, one under it is not.
    assert.equal(store.put(5n, rec('big', 400), false, 0, 'A'), 'quota')
    // This node's own writes have a share of their own.
    for (let i = 10; i < 14; i++) assert.equal(store.put(BigInt(i), rec(`own${i}`, 10), true, 0), 'new')
    assert.equal(store.put(14n, rec('own14', 10), true, 0), 'quota')
    for (let i = 20; i < 24; i++) store.put(BigInt(i), rec(`c${i}`, 10), false, 0, 'C')
    assert.equal(store.size, LIMITS.maxRecords, 'never more than maxRecords')
    assert.equal(store.put(50n, rec('late', 10), false, 0, 'D'), 'full')
    const usage = store.usage()
    assert.ok(usage.bytes <= LIMITS.maxBytes)
  })

  test('a full store says so', () => {
    assert.match(failureText('store-full', "chord put 'k'", 'Chord'), /store is full/)
    assert.match(failureText('over-quota', "chord put 'k'", 'Chord'), /quota/)
  })
})

interface PutNode {
  put(key: Uint8Array, value: Uint8Array, done: (o: Outcome<PutResult>) => void): void
  counters(): { storesRefusedQuota: number, handoffRecordsSent: number }
}
interface QNode { readonly sim: SimNode }
interface QNet {
  readonly sim: Simulator
  readonly size: number
  join(): void
  runUntilConverged(checkEveryMs: number, maxMs: number): boolean
  live(): QNode[]
  dht(node: QNode): PutNode
  owner(key: bigint): QNode
}
const STORE = { requestTimeoutMs: 500, replicateIntervalMs: 3000, maxStoredRecords: 600, maxRecordsPerPeer: 100 }
const DHTS = [
  { name: 'Chord', make: (seed: string) => new ChordSimulation({ seed, latency: uniformLatency(10, 60), chord: STORE }) as unknown as QNet },
  { name: 'Pastry', make: (seed: string) => new PastrySimulation({ seed, latency: uniformLatency(10, 60), pastry: STORE }) as unknown as QNet }
]

/** `net` grown to `n` nodes by joins in waves, converged, and settled for 10 s. */
function grown (net: QNet, n: number): QNet {
  console.log(`seed ${net.sim.random.seed}`)
  net.join()
  while (net.size < n) {
    for (let i = 0; i < Math.min(net.size, n - net.size); i++) net.sim.after(net.sim.random.int(1000), () => net.join())
    net.sim.runFor(1000)
    assert.ok(net.runUntilConverged(1000, 60_000))
  }
  net.sim.runFor(10_000)
  return net
}

interface StoreReq { type: 'store', role: 'primary', records: DhtRecord[] }
interface StoreRes { type: string, accepted?: number, refused?: Array<{ reason: string }> }
type StoreIo = Io<StoreReq, StoreRes>

/** A peer that sends primary STOREs and answers nothing (it speaks only the storage protocol). */
class Storer implements ProtocolHandler<StoreReq, StoreRes> {
  accepted = 0
  refused = new Map<string, number>()
  constructor (readonly io: StoreIo) {}
  start (): void {}
  stop (): void {}
  onMessage (): void {}
  onTimer (): void {}
  onRequest (): never { throw new Error('a storer answers nothing') }
  store (to: PeerRef, records: DhtRecord[]): void {
    this.io.request(to, { type: 'store', role: 'primary', records }, { timeoutMs: 1000 }, r => {
      if (!r.ok || r.value.type !== 'stored') return
      this.accepted += r.value.accepted ?? 0
      for (const f of r.value.refused ?? []) this.refused.set(f.reason, (this.refused.get(f.reason) ?? 0) + 1)
    })
  }
}

for (const dht of DHTS) {
  test(`${dht.name}: STOREs for keys a node does not own, which it hands on, stay charged to their sender there for a lease`, () => {
    const net = grown(dht.make(`pass-through-${dht.name}`), 8)
    const victim = net.live()[3]
    let storer!: Storer
    net.sim.start(net.sim.addNode<StoreReq, StoreRes, never>(io => { storer = new Storer(io); return storer }, 'storer'))
    // 30 s of 20 records a second, each for a key another node owns: the victim takes them as
    // owner-to-be and hands each on within a step (3 s).
    const FLOOD = 600
    const records: DhtRecord[] = []
    for (let i = 0; records.length < FLOOD; i++) {
      const key = utf8.encode(`passing/${i}`)
      if (net.owner(keyId(key)) !== victim) records.push(signRecord(key, new Uint8Array(64), 1))
    }
    const handedBefore = net.dht(victim).counters().handoffRecordsSent
    for (let b = 0; b < FLOOD / 20; b++) net.sim.after(b * 1000, () => storer.store(victim.sim.ref, records.slice(b * 20, b * 20 + 20)))
    net.sim.runFor(FLOOD / 20 * 1000 + 5_000)
    console.log(`${dht.name}: ${FLOOD} passing records sent, ${storer.accepted} accepted, refused ${JSON.stringify(Object.fromEntries(storer.refused))}`)
    assert.ok(net.dht(victim).counters().handoffRecordsSent - handedBefore > 0, 'the victim handed the accepted records on to their owners')
    assert.ok(storer.accepted <= STORE.maxRecordsPerPeer, `no more than the sender's quota within a lease (${storer.accepted} accepted)`)
    assert.equal(storer.accepted + (storer.refused.get('quota') ?? 0), FLOOD, 'the rest refused over quota')
  })

  test(`${dht.name}: one peer flooding puts is refused past its quota at each owner; honest puts all succeed`, () => {
    const net = grown(dht.make(`quota-${dht.name}`), 12)
    const [flooder, honest] = net.live()
    const failures = new Map<string, number>()
    let floodOk = 0; let honestOk = 0; let pending = 0
    const honestFailed = new Map<string, number>()
    const FLOOD = 3000
    const HONEST = 100
    for (let i = 0; i < FLOOD; i++) {
      pending++
      net.sim.after(net.sim.random.int(20_000), () => {
        net.dht(flooder).put(utf8.encode(`flood/${i}`), new Uint8Array(64), o => {
          pending--
          if (o.ok) floodOk++
          else failures.set(o.failure, (failures.get(o.failure) ?? 0) + 1)
        })
      })
    }
    for (let i = 0; i < HONEST; i++) {
      pending++
      net.sim.after(5_000 + net.sim.random.int(15_000), () => {
        net.dht(honest).put(utf8.encode(`honest/${i}`), utf8.encode(`v${i}`), o => { pending--; if (o.ok) honestOk++; else honestFailed.set(o.failure, (honestFailed.get(o.failure) ?? 0) + 1) })
      })
    }
    net.sim.runUntilTrue(() => pending === 0, 500, 120_000)
    console.log(`${dht.name}: flood ${floodOk} stored, refused ${JSON.stringify(Object.fromEntries(failures))}; honest ${honestOk}/${HONEST}`)
    assert.equal(honestOk, HONEST, `every honest put succeeds (failed: ${JSON.stringify(Object.fromEntries(honestFailed))})`)
    assert.ok((failures.get('over-quota') ?? 0) > 0, 'the flood is refused past its quota')
    assert.ok(floodOk <= (net.size - 1) * 100 + 600, 'the flooder stored at most its share at each owner (and the owner itself)')
    assert.ok(net.live().some(n => net.dht(n).counters().storesRefusedQuota > 0), 'quota refusals are counted')
    // Nothing the honest peer wrote is missing from its owner.
    const owners = new Set(Array.from({ length: HONEST }, (_, i) => net.owner(keyId(utf8.encode(`honest/${i}`)))))
    assert.ok(owners.size > 1)
  })
}
