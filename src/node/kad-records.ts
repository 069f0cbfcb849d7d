/**
 * The node's own record namespace on the stock Kademlia DHT, under the rule Chord and Pastry
 * records follow (protocols/chord.md, "Records"; BEP 44 / IPNS): keys `/ov/<writer peer id>/<name>`,
 * values signed by the writer, versioned by seq. kad-dht only stores keys whose namespace has a
 * validator: ours refuses a value whose signature does not verify against the peer id in its key
 * (or that is over the size limits), and one older than the version this node holds (a replay);
 * the selector picks the highest seq of the valid ones.
 * Value layout: "ov1" ‖ seq (8 bytes big-endian) ‖ signature length (1 byte) ‖ signature ‖ value;
 * the signature covers (`<writer>/<name>`, value, seq) exactly as a Chord or Pastry record's does.
 * Invariant: every record this node stores or returns passed `validateOverlayRecord`.
 */
import type { SelectFn, ValidateFn } from '@libp2p/kad-dht'
import { Libp2pRecord } from '@libp2p/record'
import { Key, type Datastore } from 'interface-datastore'
import { toString as uint8ArrayToString } from 'uint8arrays/to-string'
import { compareVersions } from '../dht/record.js'
import type { DhtRecord } from '../dht/messages.js'
import { MAX_SIGNATURE_BYTES } from '../dht/limits.js'
import { recordSigner, recordVerifier } from '../libp2p/record-keys.js'
import { MAX_KEY_BYTES, MAX_VALUE_BYTES } from './input-limits.js'
import type { PrivateKey } from '@libp2p/interface'

/** The kad-dht namespace under which `put --dht kad` stores records. */
export const KAD_NAMESPACE = 'ov'

export { MAX_KEY_BYTES, MAX_VALUE_BYTES } from './input-limits.js'

const PREFIX = `/${KAD_NAMESPACE}/`
const MAGIC = new TextEncoder().encode('ov1')
/** Bytes before the signature: magic, seq, signature length. */
const HEADER_BYTES = MAGIC.length + 8 + 1
const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

/**
 * In this process: values the validator refused for their signature (`invalid`), and valid values
 * refused or passed over for an older version (`stale`: a validator's replay refusals and the
 * selector's older answers), for tests and diagnostics.
 */
export const kadRecordCounters = { invalid: 0, stale: 0 }

export class RecordInputError extends Error {
  override readonly name = 'RecordInputError'
}

/** Checks a user key and value against the limits, throwing a RecordInputError that names the problem. */
export function checkKey (key: string): Uint8Array {
  if (key.length === 0) throw new RecordInputError('key must not be empty')
  const bytes = encoder.encode(key)
  if (bytes.byteLength > MAX_KEY_BYTES) {
    throw new RecordInputError(`key is ${bytes.byteLength} bytes, over the limit of ${MAX_KEY_BYTES}`)
  }
  return bytes
}

export function checkValue (value: Uint8Array): Uint8Array {
  if (value.byteLength > MAX_VALUE_BYTES) {
    throw new RecordInputError(`value is ${value.byteLength} bytes, over the limit of ${MAX_VALUE_BYTES}`)
  }
  return value
}

/** The DHT key for a full key (`<writer>/<name>`): the UTF-8 bytes of `/ov/<full key>`. */
export function kadKey (key: string): Uint8Array {
  checkKey(key)
  return encoder.encode(PREFIX + key)
}

/** A signed value for kad-dht: `name`'s value `value` at version `seq`, written under `fullKey`. */
export function encodeKadValue (privateKey: PrivateKey, fullKey: string, value: Uint8Array, seq: number): Uint8Array {
  checkValue(value)
  const signature = recordSigner(privateKey)(encoder.encode(fullKey), value, seq)
  const out = new Uint8Array(HEADER_BYTES + signature.length + value.length)
  out.set(MAGIC, 0)
  new DataView(out.buffer).setBigUint64(MAGIC.length, BigInt(seq))
  out[MAGIC.length + 8] = signature.length
  out.set(signature, HEADER_BYTES)
  out.set(value, HEADER_BYTES + signature.length)
  return out
}

/** The record a kad value holds under a DHT key, or a RecordInputError naming what is wrong. */
export function decodeKadRecord (dhtKey: Uint8Array, bytes: Uint8Array): DhtRecord {
  let text: string
  try {
    text = decoder.decode(dhtKey)
  } catch {
    throw new RecordInputError('record key is not UTF-8')
  }
  if (!text.startsWith(PREFIX)) throw new RecordInputError(`record key is not under ${PREFIX}`)
  const key = checkKey(text.slice(PREFIX.length))
  if (bytes.length < HEADER_BYTES || MAGIC.some((b, i) => bytes[i] !== b)) throw new RecordInputError('record value is not a signed overlay record')
  const seq = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(MAGIC.length)
  if (seq > BigInt(Number.MAX_SAFE_INTEGER)) throw new RecordInputError('record seq exceeds 2^53 - 1')
  const sigLength = bytes[MAGIC.length + 8]
  if (sigLength > MAX_SIGNATURE_BYTES || bytes.length < HEADER_BYTES + sigLength) throw new RecordInputError('record signature is malformed')
  const value = checkValue(bytes.slice(HEADER_BYTES + sigLength))
  return { key, value, seq: Number(seq), signature: bytes.slice(HEADER_BYTES, HEADER_BYTES + sigLength) }
}

const verify = recordVerifier()

export const validateOverlayRecord: ValidateFn = async (key, value) => {
  const record = decodeKadRecord(key, value)
  if (!verify(record)) {
    kadRecordCounters.invalid++
    throw new RecordInputError('record signature does not verify against the peer id in its key')
  }
}

/**
 * Where kad-dht keeps the record it holds for `dhtKey`: its PUT_VALUE handler writes the serialized
 * Libp2pRecord under `<datastorePrefix>/record/<base32 key>`, and we leave datastorePrefix at '/dht'.
 */
export function kadRecordKey (dhtKey: Uint8Array): Key {
  return new Key(`/dht/record/${uint8ArrayToString(dhtKey, 'base32')}`, false)
}

/** The valid version of `dhtKey` this node holds, if any. */
async function heldVersion (datastore: Datastore, dhtKey: Uint8Array): Promise<DhtRecord | undefined> {
  let held: DhtRecord
  try {
    held = decodeKadRecord(dhtKey, Libp2pRecord.deserialize(await datastore.get(kadRecordKey(dhtKey))).value)
  } catch {
    return undefined
  }
  return verify(held) ? held : undefined
}

/**
 * One node's /ov/ validator: `validateOverlayRecord`, and a version older than the one this node
 * holds is refused as a replay, as a Chord or Pastry holder refuses it. kad-dht gives a validator
 * only the new record, so the held one is read from the node's datastore. A get that meets an
 * older copy on another peer therefore discards it rather than repairs it; the other getters do.
 */
export function overlayRecordValidator (datastore: Datastore): ValidateFn {
  return async (key, value) => {
    await validateOverlayRecord(key, value)
    const held = await heldVersion(datastore, key)
    const offered = decodeKadRecord(key, value)
    if (held !== undefined && compareVersions(offered, held) < 0) {
      kadRecordCounters.stale++
      throw new RecordInputError(`record seq ${offered.seq} is older than the version held (seq ${held.seq})`)
    }
  }
}

/** The highest valid version wins (seq, then signature bytes, as every holder of a Chord or Pastry key decides). */
export const selectOverlayRecord: SelectFn = (key, records) => {
  const valid: Array<{ i: number, record: DhtRecord }> = []
  records.forEach((bytes, i) => {
    try {
      const record = decodeKadRecord(key, bytes)
      if (verify(record)) valid.push({ i, record })
    } catch {}
  })
  if (valid.length === 0) return 0
  let best = valid[0]
  for (const v of valid) if (compareVersions(v.record, best.record) > 0) best = v
  kadRecordCounters.stale += valid.filter(v => compareVersions(v.record, best.record) < 0).length
  return best.i
}
