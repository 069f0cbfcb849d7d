/**
 * Record signatures at the libp2p edge (protocols/chord.md, "Records"): the pure storage layer
 * (src/dht/record.ts) asks a RecordVerifier and a RecordSigner; these check and make Ed25519
 * signatures with the writer's libp2p key. A key is `<writer peer id>/<name>`; the writer's public
 * key is read from its peer id (Ed25519 and secp256k1 peer ids carry it inline), so no key travels
 * with the record. Invariants: a record whose key names no such peer id never verifies; parsed
 * public keys are cached (bounded).
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { BoundedLru } from '../core/bounded.js'
import { keyWriter, signedPayload, type RecordSigner, type RecordVerifier } from '../dht/record.js'
import type { PrivateKey, PublicKey } from '@libp2p/interface'

/**
 * Writers' public keys kept parsed: a holder sees the writers of the keys it holds again and again
 * (every replica copy, digest fetch and get), and parsing one costs more than a verify.
 */
const MAX_WRITER_KEYS_CACHED = 4096

const decoder = new TextDecoder('utf-8', { fatal: true })

/** The full key of `name` written by `peerId`. */
export function fullKey (peerId: string, name: string): string {
  return `${peerId}/${name}`
}

/** The writer's public key that a full key names, or undefined if it names none. */
export function writerKey (key: string): PublicKey | undefined {
  const writer = keyWriter(key)
  if (writer === undefined) return undefined
  try {
    return peerIdFromString(writer).publicKey
  } catch {
    return undefined
  }
}

/** Whether `key` is a full key: its writer part is a peer id with an inline public key. */
export function isFullKey (key: string): boolean {
  return writerKey(key) !== undefined
}

/** Signs as `privateKey`'s peer; libp2p's Ed25519 signing on Node is synchronous. */
export function recordSigner (privateKey: PrivateKey): RecordSigner {
  return (key, value, seq) => {
    const signature = privateKey.sign(signedPayload(key, value, seq))
    if (signature instanceof Uint8Array) return signature
    throw new Error(`record signing with a ${privateKey.type} key is not synchronous`)
  }
}

/** Checks a record's signature against the public key of the peer its key names. */
export function recordVerifier (): RecordVerifier {
  const keys = new BoundedLru<string, PublicKey | null>(MAX_WRITER_KEYS_CACHED)
  return record => {
    let text: string
    try {
      text = decoder.decode(record.key)
    } catch {
      return false
    }
    const writer = keyWriter(text)
    if (writer === undefined) return false
    let publicKey = keys.get(writer)
    if (publicKey === undefined) {
      publicKey = writerKey(text) ?? null
      keys.set(writer, publicKey)
    }
    if (publicKey === null) return false
    try {
      return publicKey.verify(signedPayload(record.key, record.value, record.seq), record.signature) === true
    } catch {
      return false
    }
  }
}
