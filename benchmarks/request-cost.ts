/**
 * What one request costs on loopback: CPU time and latency of N sequential requests from one
 * libp2p node to another in this process, (a) on the runtime's long-lived stream and (b) on a new
 * stream per request (open, write one frame, read one, close: the path the runtime had before
 * issue 8). Both go to the same StreamRuntime server with an echo handler, so only the client's
 * way of carrying requests differs. CPU is `process.cpuUsage()` of the whole process (both nodes).
 * Usage: node dist/benchmarks/request-cost.js [--requests 2000] [--bytes 64] [--paths open,new] [--out FILE.json]
 */
import { execSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { lpStream } from '@libp2p/utils'
import { applyDependencyFixes } from '../src/libp2p/dependency-fixes.js'
import { StreamRuntime } from '../src/libp2p/stream-runtime.js'
import { decodeEnvelope, encodeEnvelope } from '../src/wire/envelope.js'
import { createBareNode } from '../test/helpers/bare-node.js'
import { benchEnvironment, benchFlags } from '../src/bench/environment.js'
import type { BareNode } from '../test/helpers/bare-node.js'
import type { Io, PeerRef } from '../src/core/port.js'

const PROTOCOL = '/overlay/request-cost/1.0.0'
/** Requests run before measuring, so connection setup and JIT warm-up are not counted. */
const WARMUP_REQUESTS = 200
const MAX_FRAME_BYTES = 64 * 1024
const REQUEST_TIMEOUT_MS = 10_000

if (process.argv.includes('--help')) {
  process.stdout.write('usage: node dist/benchmarks/request-cost.js [--requests 2000] [--bytes 64] [--paths open,new] [--out FILE.json]\n' +
    '  open: on the runtime\'s long-lived stream; new: a new stream per request\n')
  process.exit(0)
}
const flags = benchFlags(process.argv.slice(2), { requests: '2000', bytes: '64', paths: 'open,new', out: '' })
const paths = new Set(flags.paths.split(','))
const requests = Number(flags.requests)
const bytes = Number(flags.bytes)
/** The same libp2p as a peer runs (src/node/libp2p-options.ts applies these too). */
const dependencyFixes = applyDependencyFixes()

async function node (): Promise<{ libp2p: BareNode, runtime: StreamRuntime<Uint8Array, Uint8Array>, io: Io<Uint8Array, Uint8Array> }> {
  const libp2p = await createBareNode()
  const runtime = new StreamRuntime<Uint8Array, Uint8Array>(libp2p.services.capture.components, {
    protocol: PROTOCOL,
    codec: { maxFrameBytes: MAX_FRAME_BYTES, encodeRequest: r => r, encodeResponse: r => r, decodeResponse: b => b, decodeInbound: b => ({ request: b }) },
    maxInboundStreams: 4,
    // The runtime's own cost is measured, not its inbound rate limit (100 frames/s per peer by default).
    inboundRateLimit: { perPeerPerSecond: 1e9, perPeerBurst: 1e9, totalPerSecond: 1e9, totalBurst: 1e9 },
    maxOutboundStreams: 4,
    inboundTimeoutMs: REQUEST_TIMEOUT_MS,
    logName: 'overlay:request-cost'
  })
  let io: Io<Uint8Array, Uint8Array> | undefined
  await runtime.start(created => {
    io = created
    return { start () {}, stop () {}, onRequest: (_from, req) => req, onMessage () {}, onTimer () {} }
  })
  return { libp2p, runtime, io: io as Io<Uint8Array, Uint8Array> }
}

interface Run { cpuUsPerRequest: number, latencyMs: number[] }

async function measure (count: number, one: () => Promise<void>): Promise<Run> {
  for (let i = 0; i < WARMUP_REQUESTS; i++) await one()
  const latencyMs: number[] = []
  const cpu = process.cpuUsage()
  for (let i = 0; i < count; i++) {
    const started = performance.now()
    await one()
    latencyMs.push(performance.now() - started)
  }
  const used = process.cpuUsage(cpu)
  return { cpuUsPerRequest: (used.user + used.system) / count, latencyMs }
}

const quantile = (xs: number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]

const client = await node()
const server = await node()
await client.libp2p.dial(server.libp2p.getMultiaddrs()[0])
const to: PeerRef = client.runtime.peers.ref(server.libp2p.peerId)
const body = new Uint8Array(bytes).fill(7)

const onOpenStream = async (): Promise<void> => {
  await new Promise<void>((resolve, reject) => {
    client.io.request(to, body, { timeoutMs: REQUEST_TIMEOUT_MS }, result => { result.ok ? resolve() : reject(new Error(result.failure)) })
  })
}
const onNewStream = async (): Promise<void> => {
  const signal = AbortSignal.timeout(REQUEST_TIMEOUT_MS)
  const stream = await client.libp2p.dialProtocol(server.libp2p.peerId, PROTOCOL, { signal })
  const lp = lpStream(stream, { maxDataLength: MAX_FRAME_BYTES })
  await lp.write(encodeEnvelope('request', 1, body), { signal })
  const answer = decodeEnvelope((await lp.read({ signal })).subarray())
  await stream.close({ signal })
  if (answer.body.length !== bytes) throw new Error('bad echo')
}

const runs: Record<string, Run> = {}
if (paths.has('open')) runs['open stream (runtime)'] = await measure(requests, onOpenStream)
if (paths.has('new')) runs['new stream per request'] = await measure(requests, onNewStream)
await client.runtime.stop()
await server.runtime.stop()
await client.libp2p.stop()
await server.libp2p.stop()

const rows = Object.entries(runs).map(([path, run]) => ({
  path,
  cpuMsPerRequest: run.cpuUsPerRequest / 1000,
  latencyP50Ms: quantile(run.latencyMs, 0.5),
  latencyP99Ms: quantile(run.latencyMs, 0.99)
}))
let commit = 'unknown'
try { commit = execSync('git rev-parse HEAD', { encoding: 'utf8' }).trim() } catch {}
const table = ['| path | CPU ms / request | p50 latency ms | p99 latency ms |', '|---|---|---|---|',
  ...rows.map(r => `| ${r.path} | ${r.cpuMsPerRequest.toFixed(3)} | ${r.latencyP50Ms.toFixed(3)} | ${r.latencyP99Ms.toFixed(3)} |`)].join('\n')
process.stdout.write(`${requests} sequential requests of ${bytes} bytes (after ${WARMUP_REQUESTS} warm-up), two nodes in one process, TCP on 127.0.0.1; load average ${loadavg()[0].toFixed(1)}\n\n${table}\n`)
if (flags.out !== '') {
  writeFileSync(flags.out, JSON.stringify({
    benchmark: 'request-cost', environment: { ...benchEnvironment(), loadAverage1m: loadavg()[0] }, commit, parameters: { requests, bytes, warmup: WARMUP_REQUESTS, dependencyFixes },
    results: rows, samples: Object.fromEntries(Object.entries(runs).map(([path, run]) => [path, run.latencyMs]))
  }, null, 1))
}
