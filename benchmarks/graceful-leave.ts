/**
 * Graceful leave at full size (issue 10; issue 9's "shutdown right after acknowledged puts"):
 * `--daemons` daemon processes on 127.0.0.1; `--keys` keys put to Chord and to Pastry through all of
 * them; `--burst` more per DHT through one daemon, shut down (`shutdown`) as soon as its last put is
 * acknowledged; right after it exits, with no settle time, every key is read from the others.
 * test/node/graceful-leave.test.ts runs the same at a small size.
 *
 *   node dist/benchmarks/graceful-leave.js --daemons 8 --keys 200 --burst 50
 *
 * `--stop sigterm` stops the daemon by SIGTERM (also graceful); `--stop kill` SIGKILLs it instead, for
 * comparison.
 *
 * Writes benchmarks/results/graceful-leave-<N>-<stop>.json; exits 1 if any read failed or was wrong.
 */
import '../src/polyfill.js'
import { writeFile } from 'node:fs/promises'
import { benchEnvironment, benchFlags } from '../src/bench/environment.js'
import { killAll, tempDir } from '../test/helpers/cli.js'
import { DHTS, gracefulLeave, type GracefulLeaveFigures } from '../test/helpers/daemon-network.js'

const flags = benchFlags(process.argv.slice(2), { daemons: '8', keys: '200', burst: '50', stop: 'shutdown', out: 'benchmarks/results' })
const log = (line: string): void => { process.stderr.write(line + '\n') }
if (flags.stop !== 'shutdown' && flags.stop !== 'sigterm' && flags.stop !== 'kill') {
  process.stderr.write(`--stop must be shutdown, sigterm or kill, got '${flags.stop}'\n`)
  process.exit(2)
}

const dir = await tempDir('overlay-graceful-leave-')
let figures: GracefulLeaveFigures | undefined
try {
  const run = await gracefulLeave({ root: dir.path, daemons: Number(flags.daemons), keysPerDht: Number(flags.keys), burst: Number(flags.burst), stop: flags.stop, log })
  figures = run.figures
  await Promise.all(run.remaining.map(async d => await d.stop()))
} finally {
  killAll()
  await dir.remove()
}
const report = { benchmark: 'graceful-leave', environment: benchEnvironment(), ...figures }
await writeFile(`${flags.out}/graceful-leave-${flags.daemons}-${flags.stop}.json`, JSON.stringify(report, null, 2) + '\n')
const bad = DHTS.reduce((sum, dht) => sum + figures.spread[dht].failed + figures.spread[dht].wrong + figures.burstReads[dht].failed + figures.burstReads[dht].wrong, 0)
process.stdout.write(DHTS.map(dht => `${dht}: ${figures?.spread[dht].read}/${figures?.keysPerDht} spread keys and ${figures?.burstReads[dht].read}/${figures?.burst} burst keys read right after the ${figures?.stop} (${figures?.shutdownMs} ms to exit)`).join('\n') + '\n')
process.exit(bad === 0 && figures.putsFailed === 0 ? 0 : 1)
