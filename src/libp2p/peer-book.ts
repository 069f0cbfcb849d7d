/**
 * The libp2p PeerCodec: maps PeerRefs (address = peer id string) to the wire (peer id multihash
 * bytes plus dial hints) and back. It remembers a few listen addresses per peer, learned from
 * identify and from peers named on the wire, so a reference can be passed on with a way to dial it.
 * Invariant: a node id is always SHA-256 of the peer id's multihash bytes, never a claimed value.
 */
import { peerIdFromMultihash, peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import * as Digest from 'multiformats/hashes/digest'
import { BoundedLru } from '../core/bounded.js'
import { nodeIdFromPeerIdBytes } from '../core/id.js'
import { checkWirePeer, MAX_PEER_ADDRS, WireError } from '../wire/peer-codec.js'
import type { PeerRef } from '../core/port.js'
import type { PeerCodec, WirePeer } from '../wire/peer-codec.js'
import type { PeerId, PeerStore } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** Peers whose addresses are remembered; older ones fall back to the peer store or peer routing. */
export const MAX_REMEMBERED_PEERS = 4096

export class PeerBook implements PeerCodec {
  private readonly self: PeerId
  private readonly selfAddrs: () => Multiaddr[]
  private readonly peerStore: PeerStore
  private readonly addrs = new BoundedLru<string, Uint8Array[]>(MAX_REMEMBERED_PEERS)
  private readonly refs = new BoundedLru<string, PeerRef>(MAX_REMEMBERED_PEERS)

  constructor (self: PeerId, selfAddrs: () => Multiaddr[], peerStore: PeerStore) {
    this.self = self
    this.selfAddrs = selfAddrs
    this.peerStore = peerStore
  }

  /** The PeerRef of a libp2p peer (cached: the SHA-256 is paid once per peer). */
  ref (peerId: PeerId): PeerRef {
    const address = peerId.toString()
    let ref = this.refs.get(address)
    if (ref === undefined) {
      ref = { id: nodeIdFromPeerIdBytes(peerId.toMultihash().bytes), address }
      this.refs.set(address, ref)
    }
    return ref
  }

  /** Records listen addresses of a peer (from identify). */
  learn (peerId: PeerId, listenAddrs: Multiaddr[]): void {
    if (listenAddrs.length === 0) return
    this.addrs.set(peerId.toString(), listenAddrs.slice(0, MAX_PEER_ADDRS).map(ma => ma.bytes))
  }

  encode (ref: PeerRef): WirePeer {
    const peerId = peerIdFromString(ref.address)
    const addrs = ref.address === this.self.toString()
      ? this.selfAddrs().slice(0, MAX_PEER_ADDRS).map(ma => ma.bytes)
      : this.addrs.get(ref.address) ?? []
    return { peerId: peerId.toMultihash().bytes, addrs }
  }

  decode (peer: WirePeer): PeerRef {
    checkWirePeer(peer)
    let peerId: PeerId
    try {
      peerId = peerIdFromMultihash(Digest.decode(peer.peerId))
    } catch (err) {
      throw new WireError('malformed', `bad peer id: ${(err as Error).message}`)
    }
    const ref = this.ref(peerId)
    if (peer.addrs.length > 0 && !peerId.equals(this.self) && !this.addrs.has(ref.address)) {
      const multiaddrs: Multiaddr[] = []
      for (const bytes of peer.addrs) {
        try {
          multiaddrs.push(multiaddr(bytes))
        } catch {
          throw new WireError('malformed', 'a peer address is not a multiaddr')
        }
      }
      this.addrs.set(ref.address, peer.addrs.map(a => a.slice()))
      // Dial hints only; the peer store keeps them beside what identify learns later.
      this.peerStore.merge(peerId, { multiaddrs }).catch(() => {})
    }
    return ref
  }
}
