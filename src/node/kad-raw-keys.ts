/**
 * Raw Kademlia keys as a user types them (`put`/`get --dht kad --raw`): `/<namespace>/<rest>`,
 * read as Kubo's `routing get` reads them (its escapeDhtKey): when `<rest>` is a peer id, the key
 * is `/<namespace>/` followed by that peer id's multihash bytes, which is how `/pk/` (and IPNS)
 * keys are formed; otherwise it is the UTF-8 bytes of the text. The typed text obeys the node's
 * key limit (input-limits.ts) and so does the key it becomes. Loaded by the CLI only on `--raw`.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { inputProblem, quote, sizeProblem } from './input-limits.js'

export class RawKeyError extends Error {
  override readonly name = 'RawKeyError'
}

export interface RawKadKey {
  /** The DHT key's bytes. */
  bytes: Uint8Array
  /** Its namespace, which picks the kad-dht validator and selector (`pk` for `/pk/…`). */
  namespace: string
}

const SHAPE = /^\/([^/]+)\/(.+)$/s
const encoder = new TextEncoder()

/** The DHT key `text` names, or a RawKeyError saying what is wrong with it. */
export function rawKadKey (text: string): RawKadKey {
  const problem = inputProblem('key', text)
  if (problem !== undefined) throw new RawKeyError(problem)
  const shape = SHAPE.exec(text)
  if (shape === null) throw new RawKeyError(`a raw kad key is /<namespace>/<rest> (e.g. /pk/<peer id>), got ${quote(text)}`)
  const [, namespace, rest] = shape
  const prefix = encoder.encode(`/${namespace}/`)
  let bytes: Uint8Array
  try {
    const multihash = peerIdFromString(rest).toMultihash().bytes
    bytes = new Uint8Array(prefix.byteLength + multihash.byteLength)
    bytes.set(prefix)
    bytes.set(multihash, prefix.byteLength)
  } catch {
    bytes = encoder.encode(text)
  }
  const size = sizeProblem('key', bytes.byteLength)
  if (size !== undefined) throw new RawKeyError(size)
  return { bytes, namespace }
}
