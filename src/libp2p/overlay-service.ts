/**
 * What the libp2p services of our overlays share: the components they take, the Promise form of a
 * protocol's callback API (with latency measured here, where the wall clock may be read). Their
 * counters reach /metrics through their `status()` (src/node/metrics.ts), read at each scrape.
 */
import type { StreamRuntimeComponents } from './stream-runtime.js'

/** What an overlay service takes from libp2p: the stream runtime's components, nothing more. */
export type OverlayComponents = StreamRuntimeComponents

/** Runs a callback-style protocol operation as a Promise, timing it. */
export async function timed<T> (operation: (done: (outcome: T) => void) => void): Promise<{ outcome: T, latencyMs: number }> {
  const started = performance.now()
  const outcome = await new Promise<T>(resolve => { operation(resolve) })
  return { outcome, latencyMs: performance.now() - started }
}
