/**
 * Reads every key back through a DHT in the simulator, for tests whose keys are stored with their
 * own bytes as value: how many did not read back.
 */
import type { Outcome } from '../../src/core/dht-outcome.js'
import type { GetResult } from '../../src/dht/operations.js'
import type { Simulator } from '../../src/sim/simulator.js'

export interface DhtReader {
  get(key: Uint8Array, done: (o: Outcome<GetResult>) => void): void
}

/** Gets each key through `reader()` (drawn per key) and runs the simulator until all end (or `maxMs`). */
export function unreadable (sim: Simulator, keys: readonly Uint8Array[], reader: () => DhtReader, maxMs = 60_000): number {
  let pending = keys.length; let missing = 0
  for (const k of keys) {
    reader().get(k, o => {
      pending--
      if (!o.ok || o.value.value === undefined || Buffer.compare(Buffer.from(o.value.value), Buffer.from(k)) !== 0) missing++
    })
  }
  sim.runUntilTrue(() => pending === 0, 500, maxMs)
  return missing + pending
}
