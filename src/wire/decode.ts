/**
 * The checks every wire codec makes on what it receives (STYLE.md #4: parse at the boundary).
 * Invariant: anything wrong in a received frame is the sender's fault and becomes a WireError
 * ('malformed' or 'oversize'), which the runtime answers by resetting that stream only.
 */
import { idFromDigest, ID_BYTES, type NodeId } from '../core/id.js'
import { checkWirePeer, WireError, type PeerCodec, type WirePeer } from './peer-codec.js'
import type { PeerRef } from '../core/port.js'

export function malformed (message: string): never { throw new WireError('malformed', message) }
export function oversize (message: string): never { throw new WireError('oversize', message) }

/**
 * A copy of `bytes` in a buffer of its own: what a decoder keeps must never be a view into the
 * frame (a Buffer's `slice` is a view; this never is), or a small field pins a large frame.
 */
export function copyBytes (bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(bytes.byteLength)
  out.set(bytes)
  return out
}

/** Refuses a frame over `maxBytes` before it is parsed. */
export function checkFrame (bytes: Uint8Array, maxBytes: number): void {
  if (bytes.length > maxBytes) oversize(`frame of ${bytes.length} bytes exceeds ${maxBytes}`)
}

/** Runs a protons decoder; its errors (a field over its `limit`, bad varints, truncation) become WireErrors. */
export function protonsDecode<T> (decode: () => T): T {
  try {
    return decode()
  } catch (err) {
    if ((err as Error).name === 'MaxLengthError') oversize(`protobuf: ${(err as Error).message}`)
    return malformed(`protobuf: ${(err as Error).message}`)
  }
}

/** A 32-byte id (node or key id). */
export function decodeId (bytes: Uint8Array, what: string): NodeId {
  if (bytes.length !== ID_BYTES) malformed(`${what} must be ${ID_BYTES} bytes, got ${bytes.length}`)
  return idFromDigest(bytes)
}

/** A list of at most `limit` 32-byte key ids. */
export function decodeIds (ids: readonly Uint8Array[], limit: number): NodeId[] {
  if (ids.length > limit) oversize(`${ids.length} key ids (at most ${limit})`)
  return ids.map(b => decodeId(b, 'key id'))
}

/** A peer as received; its node id is derived by the runtime's PeerCodec, never read. */
export function decodePeer (codec: PeerCodec, peer: WirePeer): PeerRef {
  const wire = { peerId: peer.peerId, addrs: peer.addrs }
  checkWirePeer(wire)
  try {
    return codec.decode(wire)
  } catch (err) {
    if (err instanceof WireError) throw err
    return malformed(`bad peer id: ${(err as Error).message}`)
  }
}

/** A list of at most `limit` peers (`what` names them in the error), empty only when allowed. */
export function decodePeers (codec: PeerCodec, peers: readonly WirePeer[], limit: number, what: string, allowEmpty = true): PeerRef[] {
  if (peers.length > limit) oversize(`${peers.length} ${what} (at most ${limit})`)
  if (!allowEmpty && peers.length === 0) malformed(`the list of ${what} must not be empty`)
  return peers.map(p => decodePeer(codec, p))
}

/** A key/value record within the given byte limits. */
export function decodeRecord (record: { key: Uint8Array, value: Uint8Array }, maxKeyBytes: number, maxValueBytes: number): { key: Uint8Array, value: Uint8Array } {
  if (record.key.length === 0) malformed('record without a key')
  if (record.key.length > maxKeyBytes) oversize(`key of ${record.key.length} bytes (at most ${maxKeyBytes})`)
  if (record.value.length > maxValueBytes) oversize(`value of ${record.value.length} bytes (at most ${maxValueBytes})`)
  return { key: record.key, value: record.value }
}
