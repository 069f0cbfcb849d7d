/**
 * A network of `overlay-node daemon` processes on 127.0.0.1 for end-to-end tests and benchmarks
 * (graceful leave, crashes): started from one bootstrap peer, driven through each daemon's control
 * API, and waited on until Chord's ring and Pastry's leaf sets are right. Every process is started
 * through cli.ts, so `killAll()` ends whatever is left.
 */
import { idFromHex } from '../../src/core/id.js'
import { callApi } from '../../src/cli/api-client.js'
import { startDaemonProcess, type DaemonProcess } from './cli.js'
import { waitFor } from './wait-for.js'

export const DHTS = ['chord', 'pastry'] as const
export type DhtName = typeof DHTS[number]

/** `n` daemons with repos under `root`: the first, then the rest bootstrapped from it, `batch` at a time. */
export async function startDaemons (root: string, n: number, batch = 4): Promise<DaemonProcess[]> {
  const first = await startDaemonProcess(['--repo', `${root}/d0`, '--local'], 60_000)
  const all = [first]
  for (let i = 1; i < n; i += batch) {
    const names = Array.from({ length: Math.min(batch, n - i) }, (_, j) => `${root}/d${i + j}`)
    all.push(...await Promise.all(names.map(async repo => await startDaemonProcess(['--repo', repo, '--local', '--bootstrap', first.info.addresses[0]], 60_000))))
  }
  return all
}

export async function api (d: DaemonProcess, path: string, body?: unknown): Promise<any> {
  return await callApi(d.info.api, body === undefined ? 'GET' : 'POST', `/api/v0/${path}`, body)
}

interface PeerJson { peerId: string, id: string }

/**
 * What is not right yet, or undefined when every daemon's Chord predecessor and first
 * min(n - 1, r) successors are the true ones by id, and every Pastry leaf set holds min(n - 1, 16)
 * distinct peers.
 */
export async function convergenceProblem (daemons: readonly DaemonProcess[], r = 3): Promise<string | undefined> {
  const chord = await Promise.all(daemons.map(async d => await api(d, 'status', { overlay: 'chord' }) as { self: PeerJson, predecessor: PeerJson | null, successors: PeerJson[] }))
  const ring = chord.map(s => s.self).sort((a, b) => (idFromHex(a.id) < idFromHex(b.id) ? -1 : 1))
  const n = ring.length
  const want = Math.min(n - 1, r)
  const name = (p: PeerJson | null | undefined): string => p == null ? 'none' : `#${ring.findIndex(q => q.peerId === p.peerId)}`
  for (const s of chord) {
    const at = ring.findIndex(p => p.peerId === s.self.peerId)
    if (n > 1 && s.predecessor?.peerId !== ring[(at + n - 1) % n].peerId) return `chord #${at}: predecessor ${name(s.predecessor)}`
    for (let k = 0; k < want; k++) {
      if (s.successors[k]?.peerId !== ring[(at + 1 + k) % n].peerId) return `chord #${at}: successors ${s.successors.map(name).join(',')}`
    }
  }
  const pastry = await Promise.all(daemons.map(async d => await api(d, 'status', { overlay: 'pastry' }) as { leafSet: { left: PeerJson[], right: PeerJson[] } }))
  for (const [i, s] of pastry.entries()) {
    const size = new Set([...s.leafSet.left, ...s.leafSet.right].map(p => p.peerId)).size
    if (size !== Math.min(n - 1, 16)) return `pastry daemon ${i}: leaf set of ${size}`
  }
  return undefined
}

export async function waitConverged (daemons: readonly DaemonProcess[], timeoutMs: number): Promise<void> {
  let problem: string | undefined
  try {
    await waitFor(async () => (problem = await convergenceProblem(daemons)) === undefined, { timeoutMs, intervalMs: 500 })
  } catch {
    throw new Error(`no Chord ring and Pastry leaf sets over ${daemons.length} daemons within ${timeoutMs} ms: ${problem ?? 'status failed'}`)
  }
}

/** Runs `work` over `items` with at most `limit` at once; resolves when all have ended. */
export async function inParallel<T> (items: readonly T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++
      await work(items[i], i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
}

/** A key written to a DHT and the value it should read back. */
export interface Written { dht: DhtName, key: string, value: string }

/**
 * Puts `count` keys to `dht` through `via` (round robin), each acknowledged by the daemon it went
 * through; returns those acknowledged and counts the rest.
 */
export async function putKeys (via: readonly DaemonProcess[], dht: DhtName, count: number, label: string, concurrency = 8): Promise<{ written: Written[], failed: number }> {
  const written: Written[] = []
  let failed = 0
  await inParallel(Array.from({ length: count }, (_, i) => i), concurrency, async i => {
    const value = `${label} ${i} in ${dht}`
    try {
      const res = await api(via[i % via.length], 'put', { dht, key: `${label}-${i}`, value })
      written.push({ dht, key: res.key, value })
    } catch {
      failed++
    }
  })
  return { written, failed }
}

/** What reading keys back gave: how many read right, not at all (by error), or a wrong value. */
export interface ReadFigures { read: number, failed: number, wrong: number, errors: Record<string, number> }

/** Gets every key through `via` (round robin, starting at `offset`). */
export async function readKeys (via: readonly DaemonProcess[], keys: readonly Written[], offset = 0, concurrency = 8): Promise<ReadFigures> {
  const out: ReadFigures = { read: 0, failed: 0, wrong: 0, errors: {} }
  await inParallel(keys, concurrency, async (w, i) => {
    try {
      const res = await api(via[(i + offset) % via.length], 'get', { dht: w.dht, key: w.key })
      if (res.value === w.value) out.read++
      else out.wrong++
    } catch (err) {
      out.failed++
      // Error messages name keys; the part before the first key-like word groups them.
      const reason = String((err as Error).message).replace(/[1-9A-HJ-NP-Za-km-z]{40,}\/\S*/g, '<key>')
      out.errors[reason] = (out.errors[reason] ?? 0) + 1
    }
  })
  return out
}

/** How a daemon is stopped: the API's `shutdown`, SIGTERM, or SIGKILL. */
export type StopHow = 'shutdown' | 'sigterm' | 'kill'

export interface GracefulLeaveOptions {
  /** Where the daemons' repos go. */
  root: string
  daemons: number
  /** Keys put to each DHT, through every daemon in turn, before the leave. */
  keysPerDht: number
  /** Keys put to each DHT through the leaving daemon right before it is stopped. */
  burst: number
  /**
   * How the daemon goes: `shutdown` (the API call) or `sigterm` (the signal), both graceful, or
   * `kill` (SIGKILL, for comparison).
   * @default 'shutdown'
   */
  stop?: StopHow
  log?: (line: string) => void
}

export interface GracefulLeaveFigures {
  daemons: number
  keysPerDht: number
  burst: number
  stop: StopHow
  putsFailed: number
  /** ms from the `shutdown` call or the signal to the process's exit. */
  shutdownMs: number
  exitCode: number | null
  /**
   * Records the remaining daemons hold as owner, summed, right after the exit: every key has an
   * owner holding it (>= the keys put) only if the leaver handed its own over.
   */
  ownedAfter: Record<DhtName, number>
  /** Reads from the remaining daemons, right after the exit: the keys put earlier, and the burst. */
  spread: Record<DhtName, ReadFigures>
  burstReads: Record<DhtName, ReadFigures>
  /** ms the reads took. */
  readMs: number
}

/**
 * Issue 10's graceful leave and issue 9's "shutdown right after acknowledged puts": `daemons`
 * daemons; `keysPerDht` keys put to Chord and Pastry through all of them; then `burst` more per DHT
 * through one daemon, which is shut down (`POST /api/v0/shutdown`) as soon as the last is
 * acknowledged. Right after it exits, with no settle time, every key is read from the others.
 * The caller stops the remaining daemons (returned) and removes `root`.
 */
export async function gracefulLeave (o: GracefulLeaveOptions): Promise<{ figures: GracefulLeaveFigures, remaining: DaemonProcess[] }> {
  const log = o.log ?? (() => {})
  let t = performance.now()
  const daemons = await startDaemons(o.root, o.daemons)
  log(`${o.daemons} daemons started in ${((performance.now() - t) / 1000).toFixed(1)} s`)
  t = performance.now()
  await waitConverged(daemons, 120_000)
  log(`converged in ${((performance.now() - t) / 1000).toFixed(1)} s`)
  // The leaver is not the bootstrap peer, so the others' joins do not depend on it.
  const leaving = daemons[daemons.length - 1]
  const remaining = daemons.filter(d => d !== leaving)
  let putsFailed = 0
  const spread: Written[] = []
  const burst: Written[] = []
  for (const dht of DHTS) {
    const a = await putKeys(daemons, dht, o.keysPerDht, 'spread')
    spread.push(...a.written)
    putsFailed += a.failed
  }
  for (const dht of DHTS) {
    const b = await putKeys([leaving], dht, o.burst, 'burst')
    burst.push(...b.written)
    putsFailed += b.failed
  }
  const stop = o.stop ?? 'shutdown'
  log(`${spread.length + burst.length} puts acknowledged, ${putsFailed} failed; stopping ${leaving.info.peerId} by ${stop}`)
  t = performance.now()
  if (stop === 'shutdown') await api(leaving, 'shutdown', {})
  else leaving.process.kill(stop === 'sigterm' ? 'SIGTERM' : 'SIGKILL')
  await waitFor(() => leaving.process.exitCode !== null || leaving.process.signalCode !== null, { timeoutMs: 30_000, intervalMs: 20, what: 'the daemon to exit' })
  const shutdownMs = performance.now() - t
  const ownedAfter = {} as Record<DhtName, number>
  for (const dht of DHTS) {
    const status = await Promise.all(remaining.map(async d => await api(d, 'status', { overlay: dht }) as { primaryRecords: number }))
    ownedAfter[dht] = status.reduce((sum, s) => sum + s.primaryRecords, 0)
  }
  t = performance.now()
  const byDht = (keys: Written[], dht: DhtName): Written[] => keys.filter(w => w.dht === dht)
  const spreadReads = {} as Record<DhtName, ReadFigures>
  const burstReads = {} as Record<DhtName, ReadFigures>
  for (const dht of DHTS) {
    spreadReads[dht] = await readKeys(remaining, byDht(spread, dht))
    burstReads[dht] = await readKeys(remaining, byDht(burst, dht), 1)
  }
  const readMs = performance.now() - t
  const figures: GracefulLeaveFigures = {
    daemons: o.daemons,
    keysPerDht: o.keysPerDht,
    burst: o.burst,
    stop,
    putsFailed,
    shutdownMs: Math.round(shutdownMs),
    exitCode: leaving.process.exitCode,
    ownedAfter,
    spread: spreadReads,
    burstReads,
    readMs: Math.round(readMs)
  }
  log(JSON.stringify(figures))
  return { figures, remaining }
}
