/**
 * GossipSub's own metrics (`gossipsub_*`: mesh sizes, deliveries, scores, RPCs) on a node's
 * Prometheus registry: @libp2p/gossipsub takes a `metricsRegister` of gauges, histograms and
 * avg/min/max gauges, which this builds on prom-client. Topics are named by remote peers, so they
 * are not labels (a peer could grow the series without bound): every topic counts under `all`.
 */
import { Gauge, Histogram } from 'prom-client'
import type { Registry } from 'prom-client'

/** The label every topic gets; see the file comment. */
export const TOPIC_LABEL = 'all'

type Labels = Record<string, string | number>
interface GaugeConfig { name: string, help: string, labelNames?: string[] }

/**
 * The `metricsTopicStrToLabel` map gossipsub reads with `get(topic)`: the same label for every
 * topic, and nothing to iterate.
 */
export class OneTopicLabel extends Map<string, string> {
  override get (_topic: string): string { return TOPIC_LABEL }
}

/**
 * Calls take `(labels, value?)` when the metric has label names, else `(value?)`; a value is a
 * number or, for avg/min/max, an array. A throw here would reach gossipsub's connection handler
 * and stop libp2p telling the other protocols of the peer, so the shapes are read with care.
 */
function split (args: unknown[]): [Labels, unknown] {
  const first = args[0]
  const isLabels = typeof first === 'object' && first !== null && !Array.isArray(first)
  return isLabels ? [first as Labels, args[1]] : [{}, first]
}

function gauge (registry: Registry, config: GaugeConfig): unknown {
  const collectors: Array<(g: unknown) => void> = []
  const wrapper = {
    inc: (...args: unknown[]) => { const [labels, value] = split(args); metric.inc(labels, (value as number | undefined) ?? 1) },
    set: (...args: unknown[]) => { const [labels, value] = split(args); metric.set(labels, value as number) },
    addCollect: (collect: (g: unknown) => void) => { collectors.push(collect) }
  }
  const metric: Gauge<string> = new Gauge({
    name: config.name,
    help: config.help,
    labelNames: config.labelNames ?? [],
    registers: [registry],
    collect () { for (const collect of collectors) collect(wrapper) }
  })
  return wrapper
}

function histogram (registry: Registry, config: GaugeConfig & { buckets?: number[] }): unknown {
  const metric = new Histogram({
    name: config.name,
    help: config.help,
    labelNames: config.labelNames ?? [],
    registers: [registry],
    ...(config.buckets === undefined ? {} : { buckets: config.buckets })
  })
  return {
    startTimer: () => metric.startTimer(),
    observe: (...args: unknown[]) => { const [labels, value] = split(args); metric.observe(labels, value as number) },
    reset: () => { metric.reset() }
  }
}

/** Three gauges, `<name>_avg`, `_min` and `_max`, set from each batch of values. */
function avgMinMax (registry: Registry, config: GaugeConfig): unknown {
  const make = (stat: string): Gauge<string> => new Gauge({ name: `${config.name}_${stat}`, help: `${config.help} (${stat} of the last batch)`, labelNames: config.labelNames ?? [], registers: [registry] })
  const avg = make('avg')
  const min = make('min')
  const max = make('max')
  return {
    set: (...args: unknown[]) => {
      const [labels, raw] = split(args)
      const values = raw as number[]
      if (values.length === 0) return
      avg.set(labels, values.reduce((a, b) => a + b, 0) / values.length)
      // A loop, not Math.min(...values): one score per peer, and a spread of thousands overflows the stack.
      min.set(labels, values.reduce((a, b) => Math.min(a, b)))
      max.set(labels, values.reduce((a, b) => Math.max(a, b)))
    }
  }
}

/**
 * The `metricsRegister` option of `gossipsub()`. Typed loosely on purpose: gossipsub's generic
 * signatures are checked where it is passed, in libp2p-options.ts.
 */
export function gossipsubMetricsRegister (registry: Registry): { gauge: (c: GaugeConfig) => any, histogram: (c: GaugeConfig & { buckets?: number[] }) => any, avgMinMax: (c: GaugeConfig) => any } {
  return {
    gauge: (config) => gauge(registry, config),
    histogram: (config) => histogram(registry, config),
    avgMinMax: (config) => avgMinMax(registry, config)
  }
}
