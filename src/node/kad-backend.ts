/**
 * `put`/`get`/`lookup --dht kad` on the stock @libp2p/kad-dht, with the hop count derived from the
 * query events (kad-hops.ts). Keys live in the node's own namespace (kad-records.ts).
 */
import { InputError, NetworkError, NotFoundError } from './errors.js'
import { createKadHopCounter } from './kad-hops.js'
import { checkValue, kadKey, RecordInputError } from './kad-records.js'
import type { DhtBackend } from './backends.js'
import type { PeerId } from '@libp2p/interface'
import type { KadDHT } from '@libp2p/kad-dht'

export function kadBackend (dht: KadDHT, self: PeerId, queryTimeoutMs: number): DhtBackend {
  const selfId = self.toString()
  return {
    async put (key, value) {
      const dhtKey = asInput(() => kadKey(key))
      asInput(() => checkValue(value))
      const started = performance.now()
      let replicas = 0
      try {
        for await (const event of dht.put(dhtKey, value, { signal: AbortSignal.timeout(queryTimeoutMs) })) {
          if (event.name === 'PEER_RESPONSE' && event.messageName === 'PUT_VALUE') replicas++
        }
      } catch (err) {
        throw new NetworkError(`kad put '${key}' failed: ${(err as Error).message}`)
      }
      return { latencyMs: performance.now() - started, replicas }
    },

    async get (key) {
      const dhtKey = asInput(() => kadKey(key))
      const started = performance.now()
      const hops = createKadHopCounter(selfId)
      let value: Uint8Array | undefined
      try {
        for await (const event of dht.get(dhtKey, { signal: AbortSignal.timeout(queryTimeoutMs) })) {
          hops.observe(event)
          if (event.name === 'VALUE') value = event.value
        }
      } catch (err) {
        // A query that ends badly after a value was found (no peers to ask, a timeout) still found it.
        if (value === undefined && (err as Error).name !== 'NotFoundError') {
          throw new NetworkError(`kad get '${key}' failed: ${(err as Error).message}`)
        }
      }
      if (value === undefined) throw new NotFoundError(`no peer holds key '${key}' in the kad DHT`)
      return { value, hops: hops.valueHops ?? 0, latencyMs: performance.now() - started }
    },

    async lookup (key) {
      // The owner is the first (closest) of the final peers; its hop count is the depth it was found at.
      const dhtKey = asInput(() => kadKey(key))
      const started = performance.now()
      const hops = createKadHopCounter(selfId)
      let owner: string | undefined
      try {
        for await (const event of dht.getClosestPeers(dhtKey, { signal: AbortSignal.timeout(queryTimeoutMs) })) {
          hops.observe(event)
          if (event.name === 'FINAL_PEER' && owner === undefined) owner = event.peer.id.toString()
        }
      } catch (err) {
        throw new NetworkError(`kad lookup '${key}' failed: ${(err as Error).message}`)
      }
      if (owner === undefined) throw new NotFoundError(`kad lookup '${key}' found no peer`)
      return { owner, hops: hops.depthOf(owner), latencyMs: performance.now() - started }
    }
  }
}

function asInput<T> (fn: () => T): T {
  try {
    return fn()
  } catch (err) {
    if (err instanceof RecordInputError) throw new InputError(err.message)
    throw err
  }
}
