/**
 * Graceful leave across daemon processes (issue 10; issue 9's "shutdown right after acknowledged
 * puts"): eight daemons; 200 keys put to Chord and 200 to Pastry through all of them; then 50 more
 * per DHT through one daemon, shut down (`POST /api/v0/shutdown`) as soon as its last put is
 * acknowledged. Right after it exits, with no settle time: every key is owned by a remaining
 * daemon (the leaver handed its own over: after a SIGKILL about an eighth have no owner until the
 * next storage step, benchmarks/graceful-leave.ts --stop kill), and every get from the others
 * returns the value put.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { killAll, tempDir, type DaemonProcess } from '../helpers/cli.js'
import { DHTS, gracefulLeave } from '../helpers/daemon-network.js'

const DAEMONS = 8
const KEYS_PER_DHT = 200
const BURST = 50

describe('graceful leave of one of eight daemons', { timeout: 150_000 }, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let remaining: DaemonProcess[] = []
  before(async () => { dir = await tempDir('overlay-graceful-leave-') })
  after(async () => {
    await Promise.all(remaining.map(async d => await d.stop()))
    killAll()
    await dir.remove()
  })

  it('hands every owned key over and keeps every key readable from the others at once', async (t) => {
    const run = await gracefulLeave({ root: dir.path, daemons: DAEMONS, keysPerDht: KEYS_PER_DHT, burst: BURST, log: line => t.diagnostic(line) })
    remaining = run.remaining
    const f = run.figures
    assert.equal(f.putsFailed, 0, 'every put was acknowledged')
    assert.equal(f.exitCode, 0, 'the daemon exited cleanly after its leave')
    for (const dht of DHTS) {
      assert.ok(f.ownedAfter[dht] >= KEYS_PER_DHT + BURST, `${dht}: the remaining daemons own ${f.ownedAfter[dht]} records right after the leave, of ${KEYS_PER_DHT + BURST} keys`)
      assert.deepEqual(f.spread[dht], { read: KEYS_PER_DHT, failed: 0, wrong: 0, errors: {} }, `${dht}: the keys put through every daemon`)
      assert.deepEqual(f.burstReads[dht], { read: BURST, failed: 0, wrong: 0, errors: {} }, `${dht}: the keys the leaver acknowledged just before its shutdown`)
    }
  })
})
