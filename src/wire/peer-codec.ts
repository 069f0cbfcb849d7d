/**
 * How every overlay's wire codec carries a peer: its peer id multihash bytes and a few dial hints.
 * Invariant: the receiver derives the node id from the peer id bytes (DESIGN.md §2), never from
 * anything the sender claims; the runtime supplies the PeerCodec (libp2p peer ids, or simulator
 * addresses), so protocol codecs stay runtime-agnostic.
 */
import { nodeIdFromPeerIdBytes } from '../core/id.js'
import type { PeerRef } from '../core/port.js'

/** Longest peer id multihash accepted: an inlined Ed25519/secp256k1 key is 38 bytes, a SHA-256 one 34. */
export const MAX_PEER_ID_BYTES = 128
/** Dial hints kept per peer; a node rarely listens on more. */
export const MAX_PEER_ADDRS = 8
/** Longest binary multiaddr accepted as a dial hint. */
export const MAX_MULTIADDR_BYTES = 256

/** A frame that does not decode to a valid message. The runtime resets that stream only. */
export class WireError extends Error {
  override readonly name: string = 'WireError'
  constructor (readonly code: 'malformed' | 'oversize', message: string) {
    super(message)
  }
}

/** A peer reference as it travels: peer id multihash bytes and dial hints (binary multiaddrs). */
export interface WirePeer {
  readonly peerId: Uint8Array
  readonly addrs: readonly Uint8Array[]
}

/**
 * How a runtime maps its peers to and from the wire. `decode` derives the node id from the peer id
 * bytes and may record the addrs for dialing; it throws WireError on a bad peer id.
 */
export interface PeerCodec {
  encode(ref: PeerRef): WirePeer
  decode(peer: WirePeer): PeerRef
}

/** Checks the sizes of a peer as received, before any use of it. */
export function checkWirePeer (peer: WirePeer): void {
  if (peer.peerId.byteLength === 0 || peer.peerId.byteLength > MAX_PEER_ID_BYTES) {
    throw new WireError('malformed', `peer id of ${peer.peerId.byteLength} bytes (1 to ${MAX_PEER_ID_BYTES})`)
  }
  if (peer.addrs.length > MAX_PEER_ADDRS) throw new WireError('oversize', `${peer.addrs.length} addresses (at most ${MAX_PEER_ADDRS})`)
  for (const addr of peer.addrs) {
    if (addr.byteLength > MAX_MULTIADDR_BYTES) throw new WireError('oversize', `an address of ${addr.byteLength} bytes (at most ${MAX_MULTIADDR_BYTES})`)
  }
}

const utf8Encoder = new TextEncoder()
const utf8Decoder = new TextDecoder('utf-8', { fatal: true })

/**
 * The PeerCodec of the simulator and of tests: the address's UTF-8 bytes stand for the peer id,
 * and the id is derived from them as for a real peer (so it matches the simulator's node ids).
 */
export const addressPeerCodec: PeerCodec = {
  encode: ref => ({ peerId: utf8Encoder.encode(ref.address), addrs: [] }),
  decode: peer => {
    checkWirePeer(peer)
    let address: string
    try {
      address = utf8Decoder.decode(peer.peerId)
    } catch {
      throw new WireError('malformed', 'peer id is not UTF-8')
    }
    return { id: nodeIdFromPeerIdBytes(peer.peerId), address }
  }
}
