/**
 * `put`/`get`/`lookup --dht kad` on the stock @libp2p/kad-dht, with the hop count derived from the
 * query events (kad-hops.ts). Keys live in the node's own namespace (kad-records.ts); raw records
 * (`--raw`, kadRawBackend) in any namespace this node has a validator for. A put's `replicas` are
 * the peers that acknowledged it and then returned the record when read back.
 */
import { InputError, NetworkError, NotFoundError } from './errors.js'
import { createKadHopCounter } from './kad-hops.js'
import { checkValue, decodeKadRecord, encodeKadValue, kadKey, RecordInputError } from './kad-records.js'
import { rawKadKey, RawKeyError } from './kad-raw-keys.js'
import { quote, sizeProblem } from './input-limits.js'
import { fullKey, isFullKey } from '../libp2p/record-keys.js'
import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import type { DhtBackend, DhtGetResult, DhtPutResult } from './backends.js'
import type { PeerId, PrivateKey } from '@libp2p/interface'
import type { KadDHT, ValidateFn } from '@libp2p/kad-dht'

/** `privateKey` signs this peer's records (kad-records.ts); a newer seq than any this backend wrote. */
export function kadBackend (dht: KadDHT, self: PeerId, queryTimeoutMs: number, privateKey: PrivateKey): DhtBackend {
  const selfId = self.toString()
  let lastSeq = 0
  const keyOf = (text: string): string => isFullKey(text) ? text : fullKey(selfId, text)
  return {
    async put (name, value) {
      const key = fullKey(selfId, name)
      const dhtKey = asInput(() => kadKey(key))
      lastSeq = Math.max(Date.now(), lastSeq + 1)
      const signed = asInput(() => encodeKadValue(privateKey, key, checkValue(value), lastSeq))
      return { key, ...await putCounted(dht, dhtKey, signed, `'${key}'`, queryTimeoutMs) }
    },

    async get (text) {
      const key = keyOf(text)
      const dhtKey = asInput(() => kadKey(key))
      return await getValue(dht, selfId, dhtKey, `'${key}'`, queryTimeoutMs, (value) => decodeKadRecord(dhtKey, value).value)
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

/** What `put`/`get --dht kad --raw` offer: a record under any key of a namespace this node validates. */
export interface KadRawBackend {
  put(key: string, value: Uint8Array): Promise<Omit<DhtPutResult, 'key'>>
  get(key: string): Promise<DhtGetResult>
}

/**
 * Raw records (kad-raw-keys.ts reads the key). kad-dht stores a put locally before it checks
 * anything, and a get finds nothing in a namespace without a validator, so both refuse such a
 * namespace up front, and a put runs the namespace's validator first: a record this node would
 * not accept from a peer is not sent to any.
 */
export function kadRawBackend (dht: KadDHT, self: PeerId, queryTimeoutMs: number): KadRawBackend {
  const selfId = self.toString()
  const validatedKey = (text: string): { bytes: Uint8Array, validate: ValidateFn } => {
    const { bytes, namespace } = asInput(() => rawKadKey(text))
    const validate = dht.validators[namespace]
    if (validate === undefined) {
      throw new InputError(`no kad validator for namespace ${quote(namespace)} on this node (known: ${Object.keys(dht.validators).join(', ')}): it could neither check nor find such a record`)
    }
    return { bytes, validate }
  }
  return {
    async put (key, value) {
      const { bytes, validate } = validatedKey(key)
      const size = sizeProblem('value', value.byteLength)
      if (size !== undefined) throw new InputError(size)
      try {
        await validate(bytes, value)
      } catch (err) {
        throw new InputError(`the record for ${quote(key)} is not valid: ${(err as Error).message.split('\n')[0]}`)
      }
      return await putCounted(dht, bytes, value, quote(key), queryTimeoutMs)
    },

    async get (key) {
      return await getValue(dht, selfId, validatedKey(key).bytes, quote(key), queryTimeoutMs, (value) => value)
    }
  }
}

/** Puts `value` under `dhtKey` and counts the copies (readBack); `what` names the key in errors. */
async function putCounted (dht: KadDHT, dhtKey: Uint8Array, value: Uint8Array, what: string, queryTimeoutMs: number): Promise<Omit<DhtPutResult, 'key'>> {
  const started = performance.now()
  const acknowledged = new Set<string>()
  try {
    for await (const event of dht.put(dhtKey, value, { signal: AbortSignal.timeout(queryTimeoutMs) })) {
      if (event.name === 'PEER_RESPONSE' && event.messageName === 'PUT_VALUE') acknowledged.add(event.from.toString())
    }
  } catch (err) {
    throw new NetworkError(`kad put ${what} failed: ${(err as Error).message}`)
  }
  const latencyMs = performance.now() - started
  return { latencyMs, replicas: await readBack(dht, dhtKey, value, acknowledged, queryTimeoutMs), acknowledged: acknowledged.size }
}

/** Reads `dhtKey`, with the hop count of the lookup that found it; `decode` checks the value. */
async function getValue (dht: KadDHT, selfId: string, dhtKey: Uint8Array, what: string, queryTimeoutMs: number, decode: (value: Uint8Array) => Uint8Array): Promise<DhtGetResult> {
  const started = performance.now()
  const hops = createKadHopCounter(selfId)
  let value: Uint8Array | undefined
  try {
    for await (const event of dht.get(dhtKey, { signal: AbortSignal.timeout(queryTimeoutMs) })) {
      hops.observe(event)
      if (event.name === 'VALUE') value = decode(event.value)
    }
  } catch (err) {
    // A query that ends badly after a value was found (no peers to ask, a timeout) still found it.
    if (value === undefined && (err as Error).name !== 'NotFoundError') {
      throw new NetworkError(`kad get ${what} failed: ${(err as Error).message}`)
    }
  }
  if (value === undefined) throw new NotFoundError(`no peer holds key ${what} in the kad DHT`)
  return { value, hops: hops.valueHops ?? 0, latencyMs: performance.now() - started }
}

/**
 * How many of the peers that acknowledged a PUT_VALUE return the record to a GET_VALUE. A stock
 * kad-dht peer echoes every PUT_VALUE, also one it discarded because it has no validator for our
 * namespace (issue 13), so an acknowledgement is a claim; only a read-back counts as a copy.
 * A read that fails part way counts the copies seen until then.
 */
async function readBack (dht: KadDHT, dhtKey: Uint8Array, signed: Uint8Array, acknowledged: Set<string>, queryTimeoutMs: number): Promise<number> {
  const holders = new Set<string>()
  if (acknowledged.size === 0) return 0
  try {
    for await (const event of dht.get(dhtKey, { signal: AbortSignal.timeout(queryTimeoutMs) })) {
      if (event.name === 'PEER_RESPONSE' && event.record != null && acknowledged.has(event.from.toString()) && uint8ArrayEquals(event.record.value, signed)) {
        holders.add(event.from.toString())
      }
    }
  } catch {}
  return holders.size
}

function asInput<T> (fn: () => T): T {
  try {
    return fn()
  } catch (err) {
    if (err instanceof RecordInputError || err instanceof RawKeyError) throw new InputError(err.message)
    throw err
  }
}
