/**
 * The bench suites' charts (issue 11): each suite's report object becomes vega-lite specs, vega
 * renders them to SVG headless (no browser, no canvas) and resvg turns each SVG into a PNG; both
 * land in the suite's `--out DIR` beside report.json. The chart data is computed here from the
 * report (CDF points, per-event moves, the s* curve), so the specs carry plain rows and no vega
 * transforms. vega, vega-lite and resvg load only when a chart is rendered: building a spec, and
 * loading this module, load no package.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { theoryResidue } from '../experiments/sir-theory.js'
import { DHTS, type DhtBenchReport } from './dht.js'
import type { ChurnBenchReport } from './churn.js'
import type { GossipBenchReport } from './gossip.js'
import type { HopSummary } from '../experiments/dht-experiment.js'
import type { TopLevelSpec } from 'vega-lite'

/** One chart: its file stem (`<name>.svg`, `<name>.png`) and its vega-lite spec. */
export interface Chart {
  name: string
  spec: TopLevelSpec
}

/** Points per latency CDF series: quantiles of the samples, so a large run keeps a small SVG. */
export const MAX_CDF_POINTS = 200
/** PNG pixels per SVG pixel. */
const PNG_ZOOM = 2
const WIDTH = 480
const HEIGHT = 280
/** The font vega lays text out in and resvg draws it with (DejaVu ships with most Linux systems). */
const FONT = 'DejaVu Sans, Arial, sans-serif'
/** k values the s* curve is drawn through, between 1 and the largest finite k of the run. */
const THEORY_CURVE_STEPS = 60

const base = { $schema: 'https://vega.github.io/schema/vega-lite/v5.json', background: 'white', config: { font: FONT } } as const

type Row = Record<string, string | number>

/** The step CDF of a hop distribution (`distribution[h]` gets took h hops): share of gets within h hops. */
export function hopCdf (distribution: readonly number[]): Array<{ hops: number, share: number }> {
  const total = distribution.reduce((a, b) => a + b, 0)
  if (total === 0) return []
  let within = 0
  return distribution.map((count, hops) => { within += count; return { hops, share: within / total } })
}

/** The empirical CDF of `values` as at most `maxPoints` (value, share) points, the largest included. */
export function valueCdf (values: readonly number[], maxPoints = MAX_CDF_POINTS): Array<{ value: number, share: number }> {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b)
  const n = sorted.length
  if (n === 0) return []
  const points = Math.min(n, maxPoints)
  return Array.from({ length: points }, (_, i) => {
    const at = Math.ceil(((i + 1) * n) / points) - 1
    return { value: sorted[at], share: (at + 1) / n }
  })
}

const hopsAxis = { field: 'hops', title: 'hops', type: 'quantitative', axis: { tickMinStep: 1, format: 'd' } } as const

/** A step CDF: one line per `series` value (colour), or per (`series`, `source`) when `dashed` (dash by source). */
function cdfChart (title: string, rows: Row[], x: Record<string, unknown> & { field: string }, seriesTitle: string, dashed = false): TopLevelSpec {
  return {
    ...base,
    title,
    width: WIDTH,
    height: HEIGHT,
    data: { values: rows },
    mark: { type: 'line', interpolate: 'step-after', point: false },
    encoding: {
      x,
      y: { field: 'share', type: 'quantitative', title: 'share of samples at or below', scale: { domain: [0, 1] } },
      color: { field: 'series', type: 'nominal', title: seriesTitle, legend: { labelLimit: 400 } },
      ...(dashed ? { strokeDash: { field: 'source', type: 'nominal', title: 'source' } } : {})
    }
  } as TopLevelSpec
}

/** bench dht: the hops CDF per DHT, and the real network's hops beside the simulator's (and theory) at the same N. */
export function dhtCharts (report: DhtBenchReport): Chart[] {
  const measured = DHTS.flatMap(dht => report.results[dht] === undefined ? [] : [{ dht, r: report.results[dht] }])
  const cdfRows = measured.flatMap(({ dht, r }) => hopCdf(r.hops.distribution).map(p => ({ series: dht, ...p })))
  const simCdf = (series: string, source: string, hops: HopSummary): Row[] => hopCdf(hops.distribution).map(p => ({ series, source, ...p }))
  const simRows = measured.flatMap(({ dht, r }) => r.simHops === undefined ? [] : [...simCdf(dht, 'real', r.hops), ...simCdf(dht, 'sim', r.simHops)])
  const means = measured.flatMap(({ dht, r }) => [
    ...(r.simHops === undefined ? [] : [{ dht, source: 'real', hops: r.hops.mean }, { dht, source: 'sim', hops: r.simHops.mean }]),
    ...(r.theory === null || r.simHops === undefined ? [] : [{ dht, source: 'theory', hops: r.theory.meanHops }])
  ])
  const n = report.nodes
  return [
    { name: 'hops-cdf', spec: cdfChart(`Hops per get, ${n} real peers, ${report.lookups} gets`, cdfRows, hopsAxis, 'DHT') },
    { name: 'sim-vs-real-hops', spec: cdfChart(`Hops: real network against the simulator at N = ${n}`, simRows, hopsAxis, 'DHT', true) },
    {
      name: 'sim-vs-real-mean-hops',
      spec: {
        ...base,
        title: `Mean hops at N = ${n}: real, simulator, theory`,
        width: WIDTH,
        height: HEIGHT,
        data: { values: means },
        mark: 'bar',
        encoding: {
          x: { field: 'dht', type: 'nominal', title: 'DHT', axis: { labelAngle: 0 } },
          xOffset: { field: 'source', type: 'nominal', sort: ['real', 'sim', 'theory'] },
          y: { field: 'hops', type: 'quantitative', title: 'mean hops' },
          color: { field: 'source', type: 'nominal', title: 'source', sort: ['real', 'sim', 'theory'] }
        }
      }
    }
  ]
}

/** bench churn: records moved per event, per DHT, against K/N (Chord, Pastry: primary moves; kad: copies it made on its own). */
export function churnCharts (report: ChurnBenchReport): Chart[] {
  const rows: Row[] = report.samples.flatMap(s => {
    const moved = s.dht === 'kad' ? s.copiesGained : s.primaryMoved
    return moved === null ? [] : [{ dht: s.dht, event: s.event, kind: s.kind, series: s.dht === 'kad' ? 'copies made (kad)' : 'primary records moved', moved }, { dht: s.dht, event: s.event, kind: s.kind, series: 'K/N', moved: s.keysOverNodes }]
  })
  return [{
    name: 'moved-per-event',
    spec: {
      ...base,
      title: `Records moved per event against K/N: ${report.keys} keys, ${report.nodes} peers at the start`,
      data: { values: rows },
      facet: { column: { field: 'dht', type: 'nominal', title: null, sort: [...DHTS] } },
      resolve: { scale: { y: 'independent' } },
      spec: {
        width: 220,
        height: HEIGHT,
        layer: [
          {
            mark: { type: 'line', point: true },
            encoding: {
              x: { field: 'event', type: 'quantitative', title: 'event', axis: { tickMinStep: 1 } },
              y: { field: 'moved', type: 'quantitative', title: 'records per event' },
              color: { field: 'series', type: 'nominal', title: null, legend: { labelLimit: 400 } },
              strokeDash: { condition: { test: "datum.series === 'K/N'", value: [4, 3] }, value: [1, 0] }
            }
          }
        ]
      }
    }
  }]
}

/** The latency of one receipt as samples.csv holds it: `via,mode,k,message,peer,latencyMs`. */
export interface Receipt { series: string, latencyMs: number }

/** Parses samples.csv lines of bench gossip into (configuration, latency); lines that do not parse are skipped. */
export function parseReceipts (lines: readonly string[]): Receipt[] {
  return lines.flatMap(line => {
    const [via, mode, k, , , latency] = line.split(',')
    const latencyMs = Number(latency)
    if (latency === undefined || latency === '' || !Number.isFinite(latencyMs)) return []
    return [{ series: via === 'sir' ? `sir ${mode} k=${k}` : via, latencyMs }]
  })
}

/** bench gossip: residue against k beside s* and the simulator; the latency CDF per configuration from the receipts (log scale: gossipsub's milliseconds beside SIR's rounds of a second). */
export function gossipCharts (report: GossipBenchReport, receipts: readonly Receipt[]): Chart[] {
  const finite = report.results.sir.filter((r): r is typeof r & { k: number } => r.k !== 'inf')
  const maxK = Math.max(1, ...finite.map(r => r.k))
  const curve = Array.from({ length: THEORY_CURVE_STEPS + 1 }, (_, i) => {
    const k = 1 + (maxK - 1) * i / THEORY_CURVE_STEPS
    return { k, residue: theoryResidue(k), series: 's* (theory)', source: 'theory' }
  })
  const real = finite.map(r => ({ k: r.k, residue: r.residue, series: r.mode, source: 'real' }))
  const sim = finite.filter(r => Number.isFinite(r.simResidue)).map(r => ({ k: r.k, residue: r.simResidue, series: r.mode, source: 'sim' }))
  const bySeries = new Map<string, number[]>()
  for (const r of receipts) {
    const values = bySeries.get(r.series) ?? []
    values.push(r.latencyMs)
    bySeries.set(r.series, values)
  }
  const latencyRows = [...bySeries].flatMap(([series, values]) => valueCdf(values).map(p => ({ series, latencyMs: Math.max(1, p.value), share: p.share })))
  return [
    {
      name: 'residue-vs-k',
      spec: {
        ...base,
        title: `SIR residue against k on ${report.nodes} real peers, beside s* and the simulator${finite.length < report.results.sir.length ? ' (k = inf not drawn)' : ''}`,
        width: WIDTH,
        height: HEIGHT,
        data: { values: [...curve, ...real, ...sim] },
        encoding: {
          x: { field: 'k', type: 'quantitative', title: 'k (removal 1/k on feedback)' },
          y: { field: 'residue', type: 'quantitative', title: 'residue (share never reached)' },
          color: { field: 'series', type: 'nominal', title: 'mode' }
        },
        layer: [
          { mark: 'line', encoding: { strokeDash: { field: 'source', type: 'nominal', title: 'source', sort: ['real', 'sim', 'theory'] } } },
          { transform: [{ filter: "datum.source !== 'theory'" }], mark: { type: 'point', filled: true } }
        ]
      }
    },
    { name: 'gossip-latency-cdf', spec: cdfChart(`Gossip latency, publish to first receipt, ${report.nodes} real peers`, latencyRows, { field: 'latencyMs', title: 'latency (ms, log scale; under 1 ms drawn at 1)', type: 'quantitative', scale: { type: 'log' }, axis: { format: '~s' } }, 'configuration') }
  ]
}

/** A chart as SVG (vega, headless) and PNG (resvg, from that SVG). */
export async function renderChart (spec: TopLevelSpec): Promise<{ svg: string, png: Buffer }> {
  const [vega, vegaLite, { Resvg }] = await Promise.all([import('vega'), import('vega-lite'), import('@resvg/resvg-js')])
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' })
  try {
    const svg = await view.toSVG()
    const png = new Resvg(svg, { fitTo: { mode: 'zoom', value: PNG_ZOOM }, font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).render().asPng()
    return { svg, png }
  } finally {
    view.finalize()
  }
}

/** Renders each chart into `outDir` as `<name>.svg` and `<name>.png`; returns the file names written. */
export async function writeCharts (outDir: string, charts: readonly Chart[]): Promise<string[]> {
  const written: string[] = []
  for (const { name, spec } of charts) {
    const { svg, png } = await renderChart(spec)
    await writeFile(join(outDir, `${name}.svg`), svg)
    await writeFile(join(outDir, `${name}.png`), png)
    written.push(`${name}.svg`, `${name}.png`)
  }
  return written
}

/**
 * A suite's charts into its `outDir`, beside report.json. A chart that cannot be drawn is logged
 * and skipped: the measurements are already written, and a run of many minutes must not end in
 * an error for want of a picture.
 */
export async function writeSuiteCharts (outDir: string, charts: readonly Chart[], log: (line: string) => void): Promise<void> {
  try {
    const written = await writeCharts(outDir, charts)
    log(`charts: ${written.join(', ')}`)
  } catch (err) {
    log(`charts not drawn: ${(err as Error).message.split('\n')[0]}`)
  }
}
