/**
 * Record signatures at the libp2p edge (protocols/chord.md, "Records"): the pure storage layer
 * (src/dht/record.ts) asks a RecordVerifier and a RecordSigner; these check and make Ed25519
 * signatures with the writer's libp2p key. A key is `<writer peer id>/<name>`; the writer's public
 * key is read from its peer id (Ed25519 and secp256k1 peer ids carry it inline), so no key travels
 * with the record. Invariants: a record whose key names no such peer id never verifies; parsed
 * public keys are cached (bounded), an Ed25519 one as the KeyObject that Node's verify takes.
 */
import { createPublicKey, verify as verifySignature } from 'node:crypto'
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

/** Ed25519 signature length (RFC 8032). */
const ED25519_SIGNATURE_BYTES = 64

type SignatureCheck = (payload: Uint8Array, signature: Uint8Array) => boolean

/**
 * How a writer's signatures are checked. For Ed25519 the key is made a Node KeyObject once:
 * libp2p's `verify` builds one from the raw key on every call, which costs about a third of the
 * verify. Other key types use libp2p's `verify`.
 */
function signatureCheck (publicKey: PublicKey): SignatureCheck {
  if (publicKey.type !== 'Ed25519') return (payload, signature) => publicKey.verify(payload, signature) === true
  const keyObject = createPublicKey({ format: 'jwk', key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey.raw).toString('base64url') } })
  return (payload, signature) => signature.length === ED25519_SIGNATURE_BYTES && verifySignature(null, payload, keyObject, signature)
}

/** Checks a record's signature against the public key of the peer its key names. */
export function recordVerifier (): RecordVerifier {
  const keys = new BoundedLru<string, SignatureCheck | null>(MAX_WRITER_KEYS_CACHED)
  return record => {
    let text: string
    try {
      text = decoder.decode(record.key)
    } catch {
      return false
    }
    const writer = keyWriter(text)
    if (writer === undefined) return false
    let check = keys.get(writer)
    if (check === undefined) {
      const publicKey = writerKey(text)
      try {
        check = publicKey === undefined ? null : signatureCheck(publicKey)
      } catch {
        check = null
      }
      keys.set(writer, check)
    }
    if (check === null) return false
    try {
      return check(signedPayload(record.key, record.value, record.seq), record.signature)
    } catch {
      return false
    }
  }
}
