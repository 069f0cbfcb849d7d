/**
 * The node's own record namespace on the stock Kademlia DHT: keys `/ov/<utf-8 key>`, raw values.
 * kad-dht only stores keys whose namespace has a validator; ours bounds key and value sizes.
 * Invariant: every record this node stores or returns passed `validateOverlayRecord`.
 */
import type { SelectFn, ValidateFn } from '@libp2p/kad-dht'

/** The kad-dht namespace under which `put --dht kad` stores records. */
export const KAD_NAMESPACE = 'ov'

/** Largest user key, in UTF-8 bytes. Generous for names and paths; keeps DHT keys small. */
export const MAX_KEY_BYTES = 512

/** Largest value, in bytes. 16 KiB, well inside kad-dht's 4 MiB message cap and one Noise frame per 4 records. */
export const MAX_VALUE_BYTES = 16 * 1024

const PREFIX = `/${KAD_NAMESPACE}/`
const encoder = new TextEncoder()

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

/** The DHT key for a user key: the UTF-8 bytes of `/ov/<key>`. */
export function kadKey (key: string): Uint8Array {
  checkKey(key)
  return encoder.encode(PREFIX + key)
}

export const validateOverlayRecord: ValidateFn = async (key, value) => {
  if (key.byteLength > PREFIX.length + MAX_KEY_BYTES) {
    throw new RecordInputError(`record key is ${key.byteLength} bytes, over the limit`)
  }
  if (value.byteLength > MAX_VALUE_BYTES) {
    throw new RecordInputError(`record value is ${value.byteLength} bytes, over the limit of ${MAX_VALUE_BYTES}`)
  }
}

/** Values are opaque bytes without versions, so the first record found is as good as any. */
export const selectOverlayRecord: SelectFn = () => 0
