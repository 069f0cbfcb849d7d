/**
 * The bench suites' charts (src/bench/charts.ts) from small hand-made reports shaped like the real
 * ones: every chart renders to an SVG that resvg parses, with one line (or bar) per series the
 * report holds, and to a PNG; writeCharts puts both files in the out directory.
 */
import assert from 'node:assert/strict'
import { readdir, readFile } from 'node:fs/promises'
import { after, before, describe, it } from 'node:test'
import { Resvg } from '@resvg/resvg-js'
import { churnCharts, dhtCharts, gossipCharts, hopCdf, parseReceipts, renderChart, valueCdf, writeCharts, type Chart } from '../../src/bench/charts.js'
import { summarizeHops } from '../../src/experiments/dht-experiment.js'
import { tempDir } from '../helpers/cli.js'
import type { ChurnBenchReport, ChurnResult, ChurnSample } from '../../src/bench/churn.js'
import type { DhtBenchReport, DhtResult } from '../../src/bench/dht.js'
import type { GossipBenchReport, GossipFigures, SirEntry } from '../../src/bench/gossip.js'
import type { SuiteReportHeader } from '../../src/bench/suite.js'

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

const header: SuiteReportHeader = { nodes: 16, seed: '1', processes: 1, settleS: 0, concurrency: 4, method: 'hand-made', environment: {}, timingsMs: {} }

function dhtResult (hops: number[], simHops?: number[]): DhtResult {
  return {
    hops: summarizeHops(hops),
    latencyMs: { p50: 3, p95: 5, p99: 6, mean: 3.5 },
    perHopMs: { p50: 1, p99: 2 },
    getFailures: 0,
    wrongValues: 0,
    putFailures: 0,
    failureReasons: {},
    perGet: { requests: 4, bytesSent: 900 },
    theory: simHops === undefined ? null : { meanHops: 2, source: 'theory' },
    ...(simHops === undefined ? {} : { simHops: summarizeHops(simHops) })
  }
}

const dhtReport: DhtBenchReport = {
  ...header,
  benchmark: 'dht',
  keys: 5,
  lookups: 6,
  results: { kad: dhtResult([1, 1, 2, 2, 3, 1]), chord: dhtResult([1, 2, 2, 3, 2, 0], [2, 2, 1, 3, 2, 2]), pastry: dhtResult([1, 1, 2, 1, 0, 1], [1, 1, 1, 2, 1, 1]) },
  samples: []
}

function churnSample (event: number, kind: ChurnSample['kind'], dht: ChurnSample['dht'], moved: number): ChurnSample {
  const ours = dht !== 'kad'
  return {
    event, kind, peer: event, nodes: 16, dht, keysOverNodes: 50 / 16,
    primaryMoved: ours ? moved : null, handoffs: ours ? moved : null, promotions: ours ? 0 : null, counterMoves: ours ? moved : null, replicaCopies: ours ? 2 * moved : null,
    primaryHolderChanged: ours ? moved : null, mustMove: ours ? moved : null,
    copiesGained: ours ? 3 * moved : moved, copiesLost: 1, meanCopies: 3, keysWithoutCopy: 0,
    closestHoldingMean: ours ? null : 18, closestHoldingMin: ours ? null : 15, ringClosed: true
  }
}

const churnResult: ChurnResult = {
  movedPerEvent: 3, counterMovesPerEvent: 3, movedPerEventByKind: {}, keysOverNodes: 3.1, movedOverKeysOverNodes: 1, mustMovePerEvent: 3, primaryHolderChangedPerEvent: 3,
  replicaCopiesPerEvent: 6, copiesGainedPerEvent: 9, copiesLostPerEvent: 1, keysLost: 0, gets: 50, getFailures: 0, wrongValues: 0, availability: 1,
  putFailures: 0, failureReasons: {}, meanCopies: { afterPuts: 3, afterEvents: 3 }
}

const kinds: Array<ChurnSample['kind']> = ['join', 'leave', 'crash']
const churnReport: ChurnBenchReport = {
  ...header,
  benchmark: 'churn',
  keys: 50,
  joins: 1,
  leaves: 1,
  crashes: 1,
  results: { kad: churnResult, chord: churnResult, pastry: churnResult },
  lostShares: [],
  samples: kinds.flatMap((kind, i) => (['kad', 'chord', 'pastry'] as const).map(dht => churnSample(i + 1, kind, dht, 2 + i)))
}

const figures = (residue: number): GossipFigures => ({ deliveryRatio: 1 - residue, residue, worstDelivery: 1 - residue, latencyMs: { p50: 40, p99: 90, max: 95 }, copiesPerPeer: 2, bytesPerPeer: 600, elapsedMs: 3000, cutOff: false })
const sirEntry = (mode: SirEntry['mode'], k: number | 'inf', residue: number): SirEntry => ({ mode, k, ...figures(residue), theoryResidue: 0.2, simResidue: residue + 0.01, simCopiesPerPeer: 2 })

const gossipReport: GossipBenchReport = {
  benchmark: 'gossip',
  nodes: 16, messages: 2, modes: ['push', 'pull'], ks: [1, 2, 'inf'], seed: '1', processes: 1, settleS: 0, links: 8, payloadBytes: 256, simTrials: 50,
  sir: {}, meanViewPeers: 9, method: 'hand-made', environment: {}, timingsMs: {},
  results: { gossipsub: figures(0), sir: [sirEntry('push', 1, 0.2), sirEntry('push', 2, 0.06), sirEntry('push', 'inf', 0), sirEntry('pull', 1, 0.1), sirEntry('pull', 2, 0.02), sirEntry('pull', 'inf', 0)] },
  samples: []
}

/** samples.csv lines of bench gossip: gossipsub and two SIR configurations, two messages, a few receipts each. */
const receiptLines = [
  'gossipsub,,,0,3,12.5', 'gossipsub,,,0,4,20', 'gossipsub,,,1,5,31',
  'sir,push,1,0,3,1000', 'sir,push,1,1,4,2040.2',
  'sir,pull,2,0,7,1500', 'sir,pull,2,1,8,2500', 'sir,pull,2,1,9,'
]

/** How many marks of `role` (vega's aria-roledescription: 'line mark', 'bar') the SVG draws. */
const marks = (svg: string, role: string): number => svg.split(`aria-roledescription="${role}"`).length - 1

async function rendered (chart: Chart): Promise<{ svg: string, png: Buffer }> {
  const out = await renderChart(chart.spec)
  const parsed = new Resvg(out.svg)
  assert.ok(parsed.width > 0 && parsed.height > 0, `${chart.name}: resvg parsed no size`)
  assert.match(out.svg, /^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/)
  assert.ok(out.png.subarray(0, 8).equals(PNG_SIGNATURE), `${chart.name}: not a PNG`)
  return out
}

const byName = (charts: Chart[], name: string): Chart => {
  const found = charts.find(c => c.name === name)
  assert.ok(found !== undefined, `no chart '${name}' among ${charts.map(c => c.name).join(', ')}`)
  return found
}

describe('bench charts', { timeout: 60_000 }, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  before(async () => { dir = await tempDir('overlay-charts-') })
  after(async () => { await dir.remove() })

  it('a hop CDF climbs to 1 in steps at each hop count; a value CDF keeps the largest value and at most the points asked', () => {
    assert.deepEqual(hopCdf([1, 0, 3]), [{ hops: 0, share: 0.25 }, { hops: 1, share: 0.25 }, { hops: 2, share: 1 }])
    assert.deepEqual(hopCdf([]), [])
    const cdf = valueCdf(Array.from({ length: 1000 }, (_, i) => 1000 - i), 10)
    assert.equal(cdf.length, 10)
    assert.deepEqual(cdf[9], { value: 1000, share: 1 })
    assert.deepEqual(cdf[0], { value: 100, share: 0.1 })
    assert.deepEqual(valueCdf([NaN, 2, 1]), [{ value: 1, share: 0.5 }, { value: 2, share: 1 }])
  })

  it('bench dht: a hops CDF with a line per DHT, sim against real with a line per (DHT, source), mean hops bars', async () => {
    const charts = dhtCharts(dhtReport)
    assert.equal(marks((await rendered(byName(charts, 'hops-cdf'))).svg, 'line mark'), 3)
    assert.equal(marks((await rendered(byName(charts, 'sim-vs-real-hops'))).svg, 'line mark'), 4)
    // chord and pastry, each real, sim and theory.
    assert.equal(marks((await rendered(byName(charts, 'sim-vs-real-mean-hops'))).svg, 'bar'), 6)
  })

  it('bench churn: moved per event in one panel per DHT, each with its moves and K/N', async () => {
    const [chart] = churnCharts(churnReport)
    const { svg } = await rendered(chart)
    assert.equal(marks(svg, 'line mark'), 6)
    assert.equal(svg.split('aria-label="Symbol legend').length - 1, 1)
    assert.match(svg, /K\/N/)
  })

  it('bench gossip: residue against finite k per mode (real and sim) beside the s* curve; a latency CDF per configuration', async () => {
    const charts = gossipCharts(gossipReport, parseReceipts(receiptLines))
    const residue = await rendered(byName(charts, 'residue-vs-k'))
    // s*, then push and pull each real and sim.
    assert.equal(marks(residue.svg, 'line mark'), 5)
    assert.match(residue.svg, /k = inf not drawn/)
    const latency = await rendered(byName(charts, 'gossip-latency-cdf'))
    assert.equal(marks(latency.svg, 'line mark'), 3)
  })

  it('parses receipts from samples.csv lines, skipping lines without a latency', () => {
    assert.deepEqual(parseReceipts(['gossipsub,,,0,3,12.5', 'sir,push,inf,1,4,7', 'sir,push,1,1,4,', 'garbage']), [{ series: 'gossipsub', latencyMs: 12.5 }, { series: 'sir push k=inf', latencyMs: 7 }])
  })

  it('writes each chart as SVG and PNG into the out directory', async () => {
    const written = await writeCharts(dir.path, dhtCharts(dhtReport).slice(0, 1))
    assert.deepEqual(written, ['hops-cdf.svg', 'hops-cdf.png'])
    assert.deepEqual((await readdir(dir.path)).sort(), ['hops-cdf.png', 'hops-cdf.svg'])
    assert.ok((await readFile(`${dir.path}/hops-cdf.png`)).subarray(0, 8).equals(PNG_SIGNATURE))
  })
})
