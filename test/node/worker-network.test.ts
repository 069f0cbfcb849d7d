/**
 * WorkerNetwork: peers in two worker processes form one network (a record put through a peer of
 * one worker is read through a peer of the other), a crashed peer refuses further requests, the
 * counters are summed over the workers, and stop() leaves no worker process running. A worker
 * SIGKILLed from outside, or by killShare, takes its peers with it: they count as crashed, and the
 * calls that ask every worker go on with the others.
 */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { WorkerNetwork } from '../../src/node/worker-network.js'
import { ringClosed } from '../../src/bench/dht.js'
import { waitFor } from '../helpers/wait-for.js'

function running (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('WorkerNetwork', { timeout: 120_000 }, () => {
  let net: WorkerNetwork | undefined
  after(async () => { await net?.stop() })

  it('spreads peers over processes, serves DHT requests across them and kills its workers on stop', async () => {
    net = await WorkerNetwork.start(6, { processes: 2, overlays: ['chord'] })
    assert.equal(net.processes, 2)
    assert.deepEqual(net.peers.map(p => p.worker), [0, 1, 0, 1, 0, 1])
    assert.equal(new Set(net.peers.map(p => p.peerId)).size, 6)
    const pids = net.pids()
    assert.equal(pids.length, 2)
    assert.notEqual(pids[0], pids[1])

    const chordNet = net
    await waitFor(async () => ringClosed(await chordNet.chordRing()), { timeoutMs: 60_000, intervalMs: 500, what: 'the Chord ring' })
    const put = await net.put(2, 'chord', 'across', 'v')
    // Peer 2 is in worker 0, peer 3 in worker 1.
    const got = await waitFor(async () => await chordNet.get(3, 'chord', put.key), { timeoutMs: 20_000, intervalMs: 500, what: 'the record from the other worker' })
    assert.equal(got.value, 'v')
    const owner = await net.lookup(5, 'chord', put.key)
    assert.ok(net.peers.some(p => p.peerId === owner.owner), owner.owner)

    const counters = await net.counters()
    assert.ok((counters['requests.chord'] ?? 0) > 0, JSON.stringify(counters))

    await net.crash(4)
    assert.equal(net.live().length, 5)
    await assert.rejects(net.get(4, 'chord', put.key), /stopped/)

    await net.stop()
    net = undefined
    for (const pid of pids) assert.equal(running(pid), false, `worker ${pid} still running`)
  })

  it('goes on without a worker that was SIGKILLed: its peers count as crashed, the rest answer', async () => {
    net = await WorkerNetwork.start(6, { processes: 3, overlays: ['chord'] })
    const pids = net.pids()
    // Round-robin: worker 2 holds peers 2 and 5, worker 1 peers 1 and 4.
    process.kill(pids[2], 'SIGKILL')
    const killed = net
    await waitFor(() => killed.live().length === 4, { timeoutMs: 10_000, intervalMs: 100, what: 'the killed share counted as crashed' })
    assert.deepEqual(net.takeLostShares(), [{ worker: 2, peers: [2, 5], how: 'SIGKILL' }])
    assert.deepEqual(net.takeLostShares(), [], 'each lost share is reported once')
    assert.deepEqual(net.live().map(p => p.index), [0, 1, 3, 4])
    assert.equal((await net.chordRing()).length, 4)
    assert.deepEqual((await net.holdings()).map(h => h.index).sort(), [0, 1, 3, 4])
    assert.equal(typeof (await net.counters())['requests.chord'], 'number')
    const countersBefore = await net.storageCounters()
    await assert.rejects(net.get(5, 'chord', 'x'), /exited/)

    const joined = await net.join()
    assert.notEqual(joined.worker, 2, 'a newcomer starts in a running worker')
    assert.deepEqual(await net.killShare(1), [1, 4])
    assert.deepEqual(net.takeLostShares(), [], 'killShare reports its own share')
    assert.deepEqual(net.live().map(p => p.index), [0, 3, 6])
    assert.equal((await net.chordRing()).length, 3)
    // The dead workers' counters stay as they last answered: no event seems to undo a move.
    const countersAfter = await net.storageCounters()
    for (const [name, value] of Object.entries(countersBefore)) assert.ok((countersAfter[name] ?? 0) >= value, name)

    await net.stop()
    net = undefined
    for (const pid of pids) assert.equal(running(pid), false, `worker ${pid} still running`)
  })

  it('refuses a process count above the peer count', async () => {
    await assert.rejects(WorkerNetwork.start(2, { processes: 3 }), RangeError)
  })
})
