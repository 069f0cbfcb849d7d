/**
 * The libp2p PeerCodec: maps PeerRefs (address = peer id string) to the wire (peer id multihash
 * bytes plus dial hints) and back, and says how to dial a peer.
 * Invariants: a node id is always SHA-256 of the peer id's multihash bytes, never a claimed value;
 * nothing a frame names is written to libp2p's persistent peer store (issue 10, item 5): dial
 * hints from the wire live only in a bounded in-memory book, at most MAX_PEERS_LEARNED_PER_FRAME
 * of them per frame, apart from the addresses identify gave first-hand, which they never displace.
 * Encoding and decoding a peer are cached per peer (route and lookup answers carry up to 32 each).
 */
import { peerIdFromMultihash, peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import * as Digest from 'multiformats/hashes/digest'
import { BoundedLru } from '../core/bounded.js'
import { nodeIdFromPeerIdBytes } from '../core/id.js'
import { copyBytes } from '../wire/decode.js'
import { checkWirePeer, MAX_PEER_ADDRS, WireError } from '../wire/peer-codec.js'
import type { PeerRef } from '../core/port.js'
import type { PeerCodec, WirePeer } from '../wire/peer-codec.js'
import type { PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** Peers whose identify addresses (first-hand) are remembered, and peers whose refs are cached. */
export const MAX_REMEMBERED_PEERS = 4096
/**
 * Peers whose dial hints from the wire are remembered: 1024, more than the routing state of one
 * node (32 successors and fingers, or 64 leaves and 64×15 routing entries) ever names.
 */
export const MAX_PEER_HINTS = 1024
/**
 * Peers of one frame whose dial hints are taken: 32, the longest peer list an honest Chord or
 * Pastry frame carries on one side (successor list, closer nodes, one leaf-set side); a frame
 * naming more still decodes, but the rest are remembered without addresses.
 */
export const MAX_PEERS_LEARNED_PER_FRAME = 32
/** The multiaddr protocol code of `/p2p/<peer id>`. */
const P2P_CODE = 421
/** How long this node's own wire form is reused before its listen addresses are read again. */
const SELF_ADDRS_TTL_MS = 1_000

export interface PeerBookCounters {
  /** Peers whose dial hints were taken from a frame. */
  hintsLearned: number
  /** Peers named with dial hints beyond MAX_PEERS_LEARNED_PER_FRAME in one frame (hints ignored). */
  hintsOverFrameLimit: number
}

/** A byte string as a Map key (latin1: one char per byte, no encoding work). */
const bytesKey = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')

export class PeerBook implements PeerCodec {
  readonly counters: PeerBookCounters = { hintsLearned: 0, hintsOverFrameLimit: 0 }
  private readonly self: PeerId
  private readonly selfAddress: string
  private readonly selfAddrs: () => Multiaddr[]
  /** Listen addresses from identify: first-hand. */
  private readonly listenAddrs = new BoundedLru<string, Uint8Array[]>(MAX_REMEMBERED_PEERS)
  /** Dial hints from frames: what others claim, kept apart and bounded. */
  private readonly hints = new BoundedLru<string, Uint8Array[]>(MAX_PEER_HINTS)
  /** By peer id string. */
  private readonly refs = new BoundedLru<string, PeerRef>(MAX_REMEMBERED_PEERS)
  /** By peer id multihash bytes (bytesKey): a decode that hits pays no multihash parse, no SHA-256. */
  private readonly refsByBytes = new BoundedLru<string, PeerRef>(MAX_REMEMBERED_PEERS)
  /** Wire forms by peer id string; dropped when the peer's addresses change. */
  private readonly wire = new BoundedLru<string, WirePeer>(MAX_REMEMBERED_PEERS)
  private selfWire: { peer: WirePeer, atMs: number } | undefined
  private learnedThisFrame = 0

  constructor (self: PeerId, selfAddrs: () => Multiaddr[]) {
    this.self = self
    this.selfAddress = self.toString()
    this.selfAddrs = selfAddrs
  }

  /** The PeerRef of a libp2p peer (cached: the SHA-256 is paid once per peer). */
  ref (peerId: PeerId): PeerRef {
    const address = peerId.toString()
    let ref = this.refs.get(address)
    if (ref === undefined) {
      const bytes = peerId.toMultihash().bytes
      ref = { id: nodeIdFromPeerIdBytes(bytes), address }
      this.refs.set(address, ref)
      this.refsByBytes.set(bytesKey(bytes), ref)
    }
    return ref
  }

  /** Records listen addresses of a peer (from identify: first-hand). */
  learn (peerId: PeerId, listenAddrs: Multiaddr[]): void {
    if (listenAddrs.length === 0) return
    const address = peerId.toString()
    this.listenAddrs.set(address, listenAddrs.slice(0, MAX_PEER_ADDRS).map(ma => ma.bytes))
    this.hints.delete(address)
    this.wire.delete(address)
  }

  /** Starts a new frame: the per-frame budget of peers whose hints are taken is full again. */
  startFrame (): void {
    this.learnedThisFrame = 0
  }

  /**
   * Dial hints for a peer no connection or first-hand address reaches: the addresses a frame named
   * for it, without any peer id (the dialer must not record a peer it has never met; the caller
   * checks who answered), or undefined when there are none.
   */
  dialHints (address: string): Multiaddr[] | undefined {
    if (this.listenAddrs.has(address)) return undefined
    const hints = this.hints.get(address)
    if (hints === undefined || hints.length === 0) return undefined
    return hints.map(bytes => multiaddr(bytes).decapsulateCode(P2P_CODE))
  }

  /** Forgets the dial hints of a peer (they led to another peer, or to nobody). */
  forgetHints (address: string): void {
    if (this.hints.delete(address)) this.wire.delete(address)
  }

  encode (ref: PeerRef): WirePeer {
    if (ref.address === this.selfAddress) return this.encodeSelf()
    let peer = this.wire.get(ref.address)
    if (peer === undefined) {
      const peerId = peerIdFromString(ref.address)
      peer = { peerId: peerId.toMultihash().bytes, addrs: this.listenAddrs.peek(ref.address) ?? this.hints.peek(ref.address) ?? [] }
      this.wire.set(ref.address, peer)
    }
    return peer
  }

  decode (peer: WirePeer): PeerRef {
    checkWirePeer(peer)
    const key = bytesKey(peer.peerId)
    let ref = this.refsByBytes.get(key)
    if (ref === undefined) {
      let peerId: PeerId
      try {
        peerId = peerIdFromMultihash(Digest.decode(peer.peerId))
      } catch (err) {
        throw new WireError('malformed', `bad peer id: ${(err as Error).message}`)
      }
      ref = this.ref(peerId)
    }
    if (peer.addrs.length > 0 && ref.address !== this.selfAddress && !this.listenAddrs.has(ref.address) && !this.hints.has(ref.address)) {
      this.takeHints(ref.address, peer.addrs)
    }
    return ref
  }

  private takeHints (address: string, addrs: readonly Uint8Array[]): void {
    for (const bytes of addrs) {
      try {
        multiaddr(bytes)
      } catch {
        throw new WireError('malformed', 'a peer address is not a multiaddr')
      }
    }
    if (this.learnedThisFrame >= MAX_PEERS_LEARNED_PER_FRAME) {
      this.counters.hintsOverFrameLimit++
      return
    }
    this.learnedThisFrame++
    this.counters.hintsLearned++
    // Copies: a hint must not pin the frame it came in.
    this.hints.set(address, addrs.map(copyBytes))
    this.wire.delete(address)
  }

  private encodeSelf (): WirePeer {
    const now = performance.now()
    if (this.selfWire === undefined || now - this.selfWire.atMs > SELF_ADDRS_TTL_MS) {
      const peer = { peerId: this.self.toMultihash().bytes, addrs: this.selfAddrs().slice(0, MAX_PEER_ADDRS).map(ma => ma.bytes) }
      this.selfWire = { peer, atMs: now }
    }
    return this.selfWire.peer
  }
}
