/**
 * Graceful leave across daemon processes (issue 10; issue 9's "shutdown right after acknowledged
 * puts"): eight daemons; 200 keys put to Chord and 200 to Pastry through all of them; then 50 more
 * per DHT through one daemon, shut down (`POST /api/v0/shutdown`) as soon as its last put is
 * acknowledged. Right after it exits, with no settle time: every key is owned by a remaining
 * daemon (the leaver handed its own over: after a SIGKILL about an eighth have no owner until the
 * next storage step, benchmarks/graceful-leave.ts --stop kill), and every get from the others
 * returns the value put. The same with SIGTERM instead of `shutdown`, on three daemons (60 keys
 * and a burst of 20): the daemon leaves before libp2p stops and exits 0 (a stop past the daemon's
 * own bound exits 1); after a SIGKILL the other two own about 48 of the 80 keys at that point.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { killAll, tempDir, type DaemonProcess } from '../helpers/cli.js'
import { DHTS, gracefulLeave, type StopHow } from '../helpers/daemon-network.js'

const CASES: Array<{ stop: StopHow, daemons: number, keysPerDht: number, burst: number }> = [
  { stop: 'shutdown', daemons: 8, keysPerDht: 200, burst: 50 },
  { stop: 'sigterm', daemons: 3, keysPerDht: 60, burst: 20 }
]

for (const c of CASES) {
  describe(`graceful leave of one of ${c.daemons} daemons by ${c.stop}`, { timeout: 150_000 }, () => {
    let dir: Awaited<ReturnType<typeof tempDir>>
    let remaining: DaemonProcess[] = []
    before(async () => { dir = await tempDir('overlay-graceful-leave-') })
    after(async () => {
      await Promise.all(remaining.map(async d => await d.stop()))
      killAll()
      await dir.remove()
    })

    it('hands every owned key over and keeps every key readable from the others at once', async (t) => {
      const run = await gracefulLeave({ root: dir.path, ...c, log: line => t.diagnostic(line) })
      remaining = run.remaining
      const f = run.figures
      assert.equal(f.putsFailed, 0, 'every put was acknowledged')
      assert.equal(f.exitCode, 0, 'the daemon exited cleanly after its leave')
      for (const dht of DHTS) {
        assert.ok(f.ownedAfter[dht] >= c.keysPerDht + c.burst, `${dht}: the remaining daemons own ${f.ownedAfter[dht]} records right after the leave, of ${c.keysPerDht + c.burst} keys`)
        assert.deepEqual(f.spread[dht], { read: c.keysPerDht, failed: 0, wrong: 0, errors: {} }, `${dht}: the keys put through every daemon`)
        assert.deepEqual(f.burstReads[dht], { read: c.burst, failed: 0, wrong: 0, errors: {} }, `${dht}: the keys the leaver acknowledged just before it was stopped`)
      }
    })
  })
}
