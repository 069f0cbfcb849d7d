/**
 * Chord's typed requests and responses, the only shapes the logic and the wire codec exchange
 * (protocols/chord.md). Invariant: lists respect limits.ts; a peer's id is derived by the runtime
 * from its peer id, never read from a message. Steps follow Stoica et al. 2001 Fig. 5 and 7.
 */
import type { NodeId } from '../core/id.js'
import type { PeerRef } from '../core/port.js'
import type { DhtRecord, StorageRequest, StorageResponse } from '../dht/messages.js'

/** Chord stores the storage layer's records (src/dht/messages.ts). */
export type ChordRecord = DhtRecord
export type { StoreRole } from '../dht/messages.js'

export type ChordRequest =
  /** One step of an iterative lookup: "is key yours to answer, or whom should I ask next?" */
  | { readonly type: 'find-successor', readonly key: NodeId }
  /** Stabilize: "tell me your predecessor and successor list". */
  | { readonly type: 'get-neighbors' }
  /** "I think I might be your predecessor" (the sender is the runtime-authenticated `from`). */
  | { readonly type: 'notify' }
  /** Check-predecessor liveness probe. */
  | { readonly type: 'ping' }
  /** Store, fetch and sync (src/dht/messages.ts): puts, handoffs, replica copies and digests. */
  | StorageRequest
  /**
   * Graceful leave (ToN 2003 §IV-E): to the successor with the leaver's predecessor, to the
   * predecessor with the leaver's successor list.
   */
  | { readonly type: 'leaving', readonly predecessor: PeerRef | undefined, readonly successors: readonly PeerRef[] }

export type ChordResponse =
  /** The key is in (responder, successors[0]]: owner and the nodes after it. */
  | { readonly type: 'found', readonly successors: readonly PeerRef[] }
  /** Nodes closer to the key than the responder, best (closest preceding) first. */
  | { readonly type: 'closer', readonly nodes: readonly PeerRef[] }
  | { readonly type: 'neighbors', readonly predecessor: PeerRef | undefined, readonly successors: readonly PeerRef[] }
  | { readonly type: 'ack' }
  | StorageResponse

export type ChordRequestType = ChordRequest['type']
export type ChordResponseType = ChordResponse['type']

/** Chord sends no fire-and-forget messages. */
export type ChordMessage = never
