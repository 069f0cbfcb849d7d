/**
 * Crashes across daemon processes (issue 10): `--daemons` daemons (r = 3, the default), `--keys`
 * keys put to Chord and to Pastry through all of them. Then SIGKILL `--crashes` daemons one at a
 * time, `--gap` seconds apart; once the rest have converged, every key is read (phase 1: none
 * should be lost or wrong). Then SIGKILL `--crashes` of the survivors at once; once the rest have
 * converged, every key is read again (phase 2), beside the count of keys whose r holders, by the
 * ids of the live daemons just before the kill, were all among those killed.
 *
 *   node dist/benchmarks/crash-daemons.js --daemons 16 --keys 200 --crashes 5 --gap 10 --seed 1
 *
 * Writes benchmarks/results/crash-daemons-<N>-seed<S>.json; exits 1 if phase 1 lost or misread a key, or
 * phase 2 lost more keys than had every copy killed (or misread one).
 */
import '../src/polyfill.js'
import { writeFile } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { idFromHex, inOpenClosed, keyId, type NodeId } from '../src/core/id.js'
import { createRandom } from '../src/core/random.js'
import { byCloseness } from '../src/pastry/closeness.js'
import { benchEnvironment, benchFlags } from '../src/bench/environment.js'
import { killAll, tempDir, type DaemonProcess } from '../test/helpers/cli.js'
import { api, DHTS, putKeys, readKeys, startDaemons, waitConverged, type DhtName, type ReadFigures, type Written } from '../test/helpers/daemon-network.js'

const flags = benchFlags(process.argv.slice(2), { daemons: '16', keys: '200', crashes: '5', gap: '10', replicas: '3', seed: '1', out: 'benchmarks/results' })
const n = Number(flags.daemons)
const crashes = Number(flags.crashes)
const r = Number(flags.replicas)
const random = createRandom(flags.seed)
const log = (line: string): void => { process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`) }
const utf8 = new TextEncoder()
if (!(n > 2 * crashes + r)) {
  process.stderr.write(`--daemons must exceed 2 × --crashes + --replicas, got ${n}\n`)
  process.exit(2)
}

interface Member { d: DaemonProcess, id: Record<DhtName, NodeId> }

async function member (d: DaemonProcess): Promise<Member> {
  const id = {} as Record<DhtName, NodeId>
  for (const dht of DHTS) id[dht] = idFromHex((await api(d, 'status', { overlay: dht })).self.id)
  return { d, id }
}

/** The r holders of `key` among `live`: Chord's owner and its successors; Pastry's r numerically closest. */
function holders (dht: DhtName, key: NodeId, live: readonly Member[]): Member[] {
  if (dht === 'pastry') return live.slice().sort((a, b) => byCloseness(key)({ id: a.id.pastry, address: '' }, { id: b.id.pastry, address: '' })).slice(0, r)
  const ring = live.slice().sort((a, b) => (a.id.chord < b.id.chord ? -1 : 1))
  const owner = ring.findIndex((m, i) => inOpenClosed(key, ring[(i + ring.length - 1) % ring.length].id.chord, m.id.chord))
  return Array.from({ length: Math.min(r, ring.length) }, (_, k) => ring[(owner + k) % ring.length])
}

function summary (f: ReadFigures): string {
  return `${f.read} read, ${f.failed} failed, ${f.wrong} wrong${f.failed > 0 ? ` ${JSON.stringify(f.errors)}` : ''}`
}

async function readAll (live: readonly Member[], keys: readonly Written[]): Promise<Record<DhtName, ReadFigures>> {
  const out = {} as Record<DhtName, ReadFigures>
  for (const dht of DHTS) {
    out[dht] = await readKeys(live.map(m => m.d), keys.filter(w => w.dht === dht))
    log(`${dht}: ${summary(out[dht])}`)
  }
  return out
}

const dir = await tempDir('overlay-crash-')
let report: Record<string, unknown> = {}
let ok = false
try {
  const started = performance.now()
  const daemons = await startDaemons(dir.path, n)
  log(`${n} daemons started in ${((performance.now() - started) / 1000).toFixed(1)} s`)
  await waitConverged(daemons, 180_000)
  log('converged')
  let live = await Promise.all(daemons.map(member))
  const keys: Written[] = []
  let putsFailed = 0
  for (const dht of DHTS) {
    const p = await putKeys(daemons, dht, Number(flags.keys), 'crash')
    keys.push(...p.written)
    putsFailed += p.failed
  }
  log(`${keys.length} puts acknowledged, ${putsFailed} failed`)
  // Replicas are pushed at once; one storage step (5 s) more for any the push missed.
  await sleep(10_000)

  const killed1: string[] = []
  for (let i = 0; i < crashes; i++) {
    const victim = live[random.int(live.length)]
    victim.d.process.kill('SIGKILL')
    live = live.filter(m => m !== victim)
    killed1.push(victim.d.info.peerId)
    log(`killed ${victim.d.info.peerId} (${i + 1}/${crashes}), ${live.length} left`)
    await sleep(Number(flags.gap) * 1000)
  }
  await waitConverged(live.map(m => m.d), 180_000)
  log('converged after the one-at-a-time crashes; reading')
  const phase1 = await readAll(live, keys)
  // Replica sets were rebuilt on the survivors: one more storage step for the last repairs.
  await sleep(10_000)

  const victims = random.shuffle(live.slice()).slice(0, crashes)
  const dead = new Set(victims.map(m => m.d.info.peerId))
  const allCopiesKilled = {} as Record<DhtName, number>
  for (const dht of DHTS) {
    allCopiesKilled[dht] = keys.filter(w => w.dht === dht && holders(dht, keyId(utf8.encode(w.key)), live).every(m => dead.has(m.d.info.peerId))).length
  }
  for (const m of victims) m.d.process.kill('SIGKILL')
  live = live.filter(m => !dead.has(m.d.info.peerId))
  log(`killed ${crashes} at once, ${live.length} left; keys with all ${r} copies killed: chord ${allCopiesKilled.chord}, pastry ${allCopiesKilled.pastry}`)
  const healStart = performance.now()
  await waitConverged(live.map(m => m.d), 180_000)
  log(`converged after the mass crash in ${((performance.now() - healStart) / 1000).toFixed(1)} s; reading`)
  const phase2 = await readAll(live, keys)

  report = {
    benchmark: 'crash-daemons',
    daemons: n,
    keysPerDht: Number(flags.keys),
    replicas: r,
    crashes,
    gapSeconds: Number(flags.gap),
    seed: flags.seed,
    putsFailed,
    oneAtATime: { killed: killed1, reads: phase1 },
    atOnce: { killed: [...dead], allCopiesKilled, reads: phase2 },
    environment: benchEnvironment()
  }
  ok = putsFailed === 0 && DHTS.every(dht => phase1[dht].failed === 0 && phase1[dht].wrong === 0 && phase2[dht].wrong === 0 && phase2[dht].failed <= allCopiesKilled[dht])
  for (const dht of DHTS) {
    process.stdout.write(`${dht}: one at a time: ${phase1[dht].failed} lost, ${phase1[dht].wrong} wrong of ${flags.keys}; ` +
      `${crashes} at once: ${phase2[dht].failed} lost (${allCopiesKilled[dht]} had all ${r} copies killed), ${phase2[dht].wrong} wrong\n`)
  }
  await Promise.all(live.map(async m => await m.d.stop()))
} finally {
  killAll()
  await dir.remove()
}
await writeFile(`${flags.out}/crash-daemons-${n}-seed${flags.seed}.json`, JSON.stringify(report, null, 2) + '\n')
process.exit(ok ? 0 : 1)
