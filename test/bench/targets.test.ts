/**
 * `bench <suite> --targets FILE` (issue 11, item 6): four `overlay-node daemon` processes started
 * through the binary, and `overlay-node bench dht`, `bench gossip` and `bench churn` (also the
 * binary) driving them through their control APIs only. The bench starts no worker; dht and gossip
 * leave the daemons running (gossip with SIR's k and mode set back), and what dht put is readable
 * through another daemon's API afterwards; churn shuts down exactly the one daemon it made leave.
 * Also: the targets file and the flags that conflict with it (churn's joins and crashes) are
 * refused with one line and exit 2. The figures are never asserted.
 */
import assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { parseTargets, prometheusSamples } from '../../src/bench/targets.js'
import { addDhtCounter } from '../../src/node/dht-counters.js'
import { killAll, runCli, tempDir, type DaemonProcess } from '../helpers/cli.js'
import { api, startDaemons, waitConverged } from '../helpers/daemon-network.js'
import { waitFor } from '../helpers/wait-for.js'
import { workerPids } from '../helpers/worker-pids.js'

describe('targets file', () => {
  it('takes URLs and API multiaddrs, skips comments and blank lines', () => {
    const text = '# three daemons\nhttp://127.0.0.1:5101\n\n/ip4/127.0.0.1/tcp/5102  # second\n  http://10.0.0.7:5101\n'
    assert.deepEqual(parseTargets(text), ['http://127.0.0.1:5101', 'http://127.0.0.1:5102', 'http://10.0.0.7:5101'])
  })

  it('refuses a bad line, a target listed twice and fewer than three', () => {
    assert.throws(() => parseTargets('http://127.0.0.1:1\nnot a url\nhttp://127.0.0.1:3'), /line 2/)
    assert.throws(() => parseTargets('http://127.0.0.1:1\n/ip4/127.0.0.1/tcp/1\nhttp://127.0.0.1:3'), /line 2: .* listed twice/)
    assert.throws(() => parseTargets('http://127.0.0.1:1\nhttp://127.0.0.1:2'), /at least 3/)
  })
})

describe('bench --help', () => {
  it('says which suites take --targets, and each of them lists it', async () => {
    const family = await runCli(['bench', '--help'])
    assert.equal(family.code, 0, family.stderr)
    assert.match(family.stdout, /dht, gossip and churn take --targets FILE/)
    assert.match(family.stdout, /churn makes graceful leaves only/)
    for (const suite of ['dht', 'gossip', 'churn']) {
      const r = await runCli(['bench', suite, '--help'])
      assert.match(r.stdout, /--targets FILE {4}drive running daemons/, suite)
    }
  })
})

describe('DHT counters from a /metrics page', () => {
  it('sums the outbound requests and the bytes sent per DHT, as a worker does from its registry', () => {
    const page = [
      '# HELP libp2p_kad_dht_outbound_rpc_requests_total x',
      'libp2p_kad_dht_outbound_rpc_requests_total{type="GET_VALUE"} 3',
      'libp2p_kad_dht_outbound_rpc_requests_total{type="PUT_VALUE"} 2',
      'overlay_chord_requests_total{direction="outbound",type="find"} 7',
      'overlay_chord_requests_total{direction="inbound",type="find"} 100',
      'libp2p_data_transfer_bytes_total{protocol="/overlay/pastry/1.0.0 sent"} 512',
      'libp2p_data_transfer_bytes_total{protocol="/overlay/pastry/1.0.0 received"} 999',
      'libp2p_data_transfer_bytes_total{protocol="/ipfs/lan/kad/1.0.0 sent"} 64'
    ].join('\n')
    const out: Record<string, number> = {}
    for (const s of prometheusSamples(page)) addDhtCounter(out, s.name, s.labels, s.value)
    assert.deepEqual(out, { 'requests.kad': 5, 'requests.chord': 7, 'bytesSent.pastry': 512, 'bytesSent.kad': 64 })
  })
})

/** Four: churn shuts one down and a suite needs three left (the dht and gossip suites run first, on all four). */
const DAEMONS = 4

describe('bench --targets on four daemons', { timeout: 480_000 }, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let daemons: DaemonProcess[] = []
  let targetsFile = ''
  before(async () => {
    dir = await tempDir('overlay-bench-targets-')
    daemons = await startDaemons(dir.path, DAEMONS)
    await waitConverged(daemons, 120_000)
    targetsFile = join(dir.path, 'targets.txt')
    await writeFile(targetsFile, `# the test's daemons\n${daemons.map(d => d.info.api).join('\n')}\n`)
  })
  after(async () => {
    await Promise.all(daemons.map(async d => await d.stop().catch(() => null)))
    killAll()
    await dir.remove()
  })

  /** Runs `bench <suite> --targets` through the binary and returns its report, checked to be about the daemons, with no worker started. */
  async function runOnTargets (suite: string, args: string[]): Promise<any> {
    const out = join(dir.path, suite)
    const r = await runCli(['bench', suite, '--targets', targetsFile, ...args, '--seed', '5', '--out', out], 240_000)
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual(workerPids(r.stderr), [], 'no worker process was started')
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'))
    assert.deepEqual(report.targets, daemons.map(d => d.info.api))
    assert.deepEqual([report.nodes, report.processes], [DAEMONS, 0])
    assert.match(await readFile(join(out, 'report.md'), 'utf8'), /of running daemons \(--targets\)[^]*Running daemons \(--targets\) on their own hosts/)
    return report
  }

  it('drives the running daemons through their APIs, starts no worker and leaves them running', async () => {
    const report = await runOnTargets('dht', ['--keys', '6', '--lookups', '12', '--settle', '0', '--concurrency', '2'])
    assert.equal(report.samples.length, 3 * 12)
    for (const dht of ['kad', 'chord', 'pastry']) {
      const res = report.results[dht]
      assert.equal(res.putFailures, 0, dht)
      assert.equal(res.getFailures, 0, `${dht}: ${JSON.stringify(res.failureReasons)}`)
      assert.equal(res.wrongValues, 0, dht)
      // The counters came from the daemons' /metrics: each DHT's series were there to read.
      assert.ok(res.perGet.requests >= 0, `${dht}.perGet.requests ${String(res.perGet.requests)}`)
      assert.ok(res.perGet.bytesSent >= 0, `${dht}.perGet.bytesSent ${String(res.perGet.bytesSent)}`)
    }
    for (const d of daemons) assert.equal(d.process.exitCode, null, 'the bench leaves its targets running')
    // Key 0 was put through daemon 0; daemon 2 reads it back through its own API.
    for (const dht of ['chord', 'pastry']) {
      const got = await api(daemons[2], 'get', { dht, key: `${daemons[0].info.peerId}/bench-5-0` })
      assert.equal(got.value, 'value of bench-5-0', dht)
    }
  })

  it('runs bench gossip on the daemons through their APIs, and sets SIR\'s k and mode back', async () => {
    const report = await runOnTargets('gossip', ['--messages', '2', '--modes', 'push', '--k', '2,inf', '--links', '3', '--settle', '2'])
    assert.equal(report.sir, null, 'the daemons run their own SIR settings')
    assert.deepEqual(report.results.sir.map((e: { mode: string, k: unknown }) => [e.mode, e.k]), [['push', 2], ['push', 'inf']])
    // gossipsub, then SIR push at k = 2 and inf: 2 messages each.
    assert.equal(report.samples.length, 3 * 2)
    // SI (k = inf) spreads until every daemon has every message: every other daemon's receipt came back through its streams.
    const si = report.results.sir[1]
    assert.equal(si.cutOff, false)
    assert.equal(si.deliveryRatio, 1)
    for (const s of report.samples.filter((x: { k: unknown }) => x.k === 'inf')) assert.equal(s.received, DAEMONS - 1)
    // The copies came from the daemons' SIR status: at least one accepted copy per receipt.
    assert.ok(si.copiesPerPeer > 0, String(si.copiesPerPeer))
    // Clock offsets were measured; on one host they are small, but only their presence is asserted (no timing assertions).
    assert.equal(typeof report.clock.maxUncertaintyMs, 'number')
    assert.equal(typeof report.clock.maxAbsOffsetMs, 'number')
    assert.match(report.method, /sir\/spreading/)
    for (const d of daemons) {
      assert.equal(d.process.exitCode, null, 'the bench leaves its targets running')
      assert.deepEqual(await api(d, 'sir/spreading', {}), { k: 4, mode: 'pushpull', previous: { k: 4, mode: 'pushpull' } }, 'k and mode set back')
    }
  })

  it('refuses a bad targets file, --nodes or --processes beside it, and churn\'s joins and crashes, with one line and exit 2', async () => {
    const bad = join(dir.path, 'bad.txt')
    await writeFile(bad, 'http://127.0.0.1:1\nftp://nowhere\nhttp://127.0.0.1:3\n')
    const cases = [['--targets', bad], ['--targets', join(dir.path, 'missing.txt')], ['--targets', targetsFile, '--nodes', '3'], ['--targets', targetsFile, '--processes', '1']]
    const churn = [['--targets', targetsFile, '--leaves', '1', '--joins', '1'], ['--targets', targetsFile, '--leaves', '1', '--crashes', '1'], ['--targets', targetsFile], ['--targets', targetsFile, '--leaves', '2']]
    for (const args of [...cases.map(c => ['dht', ...c]), ...cases.map(c => ['gossip', ...c]), ['gossip', '--targets', targetsFile, '--links', '4'], ...[...cases, ...churn].map(c => ['churn', ...c])]) {
      const r = await runCli(['bench', ...args, '--out', join(dir.path, 'refused')])
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr)
    }
  })

  it('runs bench churn with one leave through the API, last (it shuts a daemon down)', async () => {
    const report = await runOnTargets('churn', ['--leaves', '1', '--keys', '12', '--settle', '2', '--concurrency', '2'])
    assert.deepEqual([report.joins, report.leaves, report.crashes], [0, 1, 0])
    assert.deepEqual(report.samples.map((s: { kind: string, dht: string }) => `${s.kind} ${s.dht}`), ['leave kad', 'leave chord', 'leave pastry'])
    const leaver = daemons[report.samples[0].peer]
    await waitFor(() => leaver.process.exitCode !== null, { timeoutMs: 30_000, what: 'the daemon that left to exit' })
    for (const d of daemons) if (d !== leaver) assert.equal(d.process.exitCode, null, 'only the leaver stopped')
    for (const dht of ['kad', 'chord', 'pastry']) {
      const res = report.results[dht]
      assert.equal(res.putFailures, 0, dht)
      assert.equal(res.gets, 12, dht)
    }
    // A graceful leave hands its records on: Chord and Pastry lose no key, and every get after it returns the value put.
    for (const dht of ['chord', 'pastry']) {
      const res = report.results[dht]
      assert.equal(res.keysLost, 0, dht)
      assert.equal(res.getFailures + res.wrongValues, 0, `${dht}: ${JSON.stringify(res.failureReasons)}`)
    }
  })
})
