/**
 * Latency models for the simulator: one-way delay in whole virtual milliseconds per message.
 * Invariant: a sample is an integer >= 1, drawn only from the simulator's network random source,
 * so the same seed gives the same delays.
 */
import type { Random } from '../core/random.js'

export interface LatencyModel {
  /** A one-way delay in ms (integer, >= 1) for a message from node `from` to node `to`. */
  sample(random: Random, from: number, to: number): number
  /** For logs and reports. */
  readonly description: string
}

/** Every message takes exactly `ms`. */
export function constantLatency (ms: number): LatencyModel {
  if (!Number.isInteger(ms) || ms < 1) throw new RangeError('constant latency must be an integer >= 1 ms')
  return { sample: () => ms, description: `constant ${ms} ms` }
}

/** Uniform integer in [minMs, maxMs], drawn per message. */
export function uniformLatency (minMs: number, maxMs: number): LatencyModel {
  if (!Number.isInteger(minMs) || !Number.isInteger(maxMs) || minMs < 1 || maxMs < minMs) {
    throw new RangeError('uniform latency needs integers 1 <= minMs <= maxMs')
  }
  const span = maxMs - minMs + 1
  return { sample: (random) => minMs + random.int(span), description: `uniform ${minMs}-${maxMs} ms` }
}
