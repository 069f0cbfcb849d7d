/**
 * Fuzzes every wire decoder (Chord, Pastry, SIR with their storage fields, and the envelope) with
 * generated frames (test/wire/fuzz-frames.ts; fast-check, seed printed) through libp2p's PeerCodec,
 * and reports per decoder the frames decoded, refused (WireError) and crashed (anything else), and
 * the process's memory before and after, each after a full collection: a decoder must not crash,
 * and memory must come back to its baseline (issue 10). The baseline is taken after a warm-up, so
 * the codec's bounded caches are already full.
 * Usage: node dist/benchmarks/fuzz-decoders.js [--runs 100000] [--seed N] [--out FILE.json]
 */
import { writeFileSync } from 'node:fs'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import fc from 'fast-check'
import { benchEnvironment, benchFlags, gitCommit } from '../src/bench/environment.js'
import { PeerBook } from '../src/libp2p/peer-book.js'
import { decodeOnce, frameFor, FUZZ_TARGETS } from '../test/wire/fuzz-frames.js'

/** Frames generated at once (fast-check samples them into an array). */
const BATCH_FRAMES = 1000
/** Frames decoded per decoder before the memory baseline is taken. */
const WARMUP_FRAMES = 5000
/** Growth in heap or buffers, after collection, still counted as "back to baseline": 4 MiB. */
const BASELINE_SLACK_BYTES = 4 * 1024 * 1024
/** Crashes kept per decoder in the report. */
const MAX_CRASHES_REPORTED = 5

if (process.argv.includes('--help')) {
  process.stdout.write('usage: node dist/benchmarks/fuzz-decoders.js [--runs 100000] [--seed N] [--out FILE.json]\n' +
    '  --runs: generated frames per decoder; --seed: fast-check seed (default: the clock, printed)\n')
  process.exit(0)
}
const flags = benchFlags(process.argv.slice(2), { runs: '100000', seed: String(Date.now() % 0x7fffffff), out: '' })
const runs = Number(flags.runs)
const seed = Number(flags.seed)
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(seed)) {
  process.stderr.write('fuzz-decoders: --runs must be a positive integer and --seed an integer\n')
  process.exit(2)
}
process.stderr.write(`fuzz seed ${seed}, ${runs} frames per decoder\n`)

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

interface Memory { heapUsedBytes: number, arrayBuffersBytes: number, rssBytes: number }
function memory (): Memory {
  gc()
  gc()
  const m = process.memoryUsage()
  return { heapUsedBytes: m.heapUsed, arrayBuffersBytes: m.arrayBuffers, rssBytes: m.rss }
}

const codec = new PeerBook(peerIdFromPrivateKey(await generateKeyPair('Ed25519')), () => [multiaddr('/ip4/127.0.0.1/tcp/4001')])

interface Row { decoder: string, frames: number, decoded: number, refused: number, crashed: number, crashes: Array<{ error: string, frameHex: string }>, ms: number }

function fuzz (target: typeof FUZZ_TARGETS[number], frames: number, batchSeed: number): Row {
  const row: Row = { decoder: target.name, frames, decoded: 0, refused: 0, crashed: 0, crashes: [], ms: 0 }
  const started = performance.now()
  for (let done = 0, batch = 0; done < frames; batch++) {
    const size = Math.min(BATCH_FRAMES, frames - done)
    for (const frame of fc.sample(frameFor(target), { seed: batchSeed + batch, numRuns: size })) {
      const outcome = decodeOnce(target, frame, codec)
      if (outcome === 'ok') row.decoded++
      else if (outcome === 'refused') row.refused++
      else {
        row.crashed++
        if (row.crashes.length < MAX_CRASHES_REPORTED) row.crashes.push({ error: String((outcome.crash as Error)?.stack ?? outcome.crash), frameHex: Buffer.from(frame).toString('hex') })
      }
    }
    done += size
  }
  row.ms = performance.now() - started
  return row
}

for (const target of FUZZ_TARGETS) fuzz(target, WARMUP_FRAMES, seed ^ 0x5eed)
const baseline = memory()
const rows = FUZZ_TARGETS.map((target, i) => {
  const row = fuzz(target, runs, seed + i * 1_000_003)
  process.stderr.write(`${row.decoder}: ${row.decoded} decoded, ${row.refused} refused, ${row.crashed} crashed, ${(row.ms / 1000).toFixed(1)} s\n`)
  return row
})
const after = memory()
const growth = { heapUsedBytes: after.heapUsedBytes - baseline.heapUsedBytes, arrayBuffersBytes: after.arrayBuffersBytes - baseline.arrayBuffersBytes }
const backToBaseline = growth.heapUsedBytes < BASELINE_SLACK_BYTES && growth.arrayBuffersBytes < BASELINE_SLACK_BYTES
const crashes = rows.reduce((sum, r) => sum + r.crashed, 0)

const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1)
const lines = [
  `fuzz-decoders, seed ${seed}, ${runs} frames per decoder, commit ${gitCommit()}`,
  '',
  '| decoder | frames | decoded | refused (WireError) | crashed | s |',
  '|---|---|---|---|---|---|',
  ...rows.map(r => `| ${r.decoder} | ${r.frames} | ${r.decoded} | ${r.refused} | ${r.crashed} | ${(r.ms / 1000).toFixed(1)} |`),
  '',
  `memory after collection: heap ${mib(baseline.heapUsedBytes)} -> ${mib(after.heapUsedBytes)} MiB, buffers ${mib(baseline.arrayBuffersBytes)} -> ${mib(after.arrayBuffersBytes)} MiB: ${backToBaseline ? 'back to baseline' : 'NOT back to baseline'} (slack ${mib(BASELINE_SLACK_BYTES)} MiB)`,
  `crashes: ${crashes}`
]
process.stdout.write(lines.join('\n') + '\n')
if (flags.out !== '') {
  writeFileSync(flags.out, JSON.stringify({
    benchmark: 'fuzz-decoders', environment: benchEnvironment(), parameters: { runs, seed, warmupFrames: WARMUP_FRAMES, baselineSlackBytes: BASELINE_SLACK_BYTES },
    rows, memory: { baseline, after, growth, backToBaseline }, crashes
  }, null, 2) + '\n')
}
process.exit(crashes === 0 && backToBaseline ? 0 : 1)
