/**
 * Chord's typed requests and responses, the only shapes the logic and the wire codec exchange
 * (protocols/chord.md). Invariant: lists respect limits.ts; a peer's id is derived by the runtime
 * from its peer id, never read from a message. Steps follow Stoica et al. 2001 Fig. 5 and 7.
 */
import type { NodeId } from '../core/id.js'
import type { PeerRef } from '../core/port.js'

/** A stored key/value pair; `keyId` = SHA-256(key) is recomputed on receipt, never trusted. */
export interface ChordRecord {
  readonly key: Uint8Array
  readonly value: Uint8Array
}

/** Whether a store makes the receiver the owner of the records or one of their r-1 replicas. */
export type StoreRole = 'primary' | 'replica'

export type ChordRequest =
  /** One step of an iterative lookup: "is key yours to answer, or whom should I ask next?" */
  | { readonly type: 'find-successor', readonly key: NodeId }
  /** Stabilize: "tell me your predecessor and successor list". */
  | { readonly type: 'get-neighbors' }
  /** "I think I might be your predecessor" (the sender is the runtime-authenticated `from`). */
  | { readonly type: 'notify' }
  /** Check-predecessor liveness probe. */
  | { readonly type: 'ping' }
  /** Put (role primary), owner handoff on join/leave (primary), or replica copy (replica). */
  | { readonly type: 'store', readonly role: StoreRole, readonly records: readonly ChordRecord[] }
  /** Get: the record for a key id, if held. */
  | { readonly type: 'fetch', readonly keyId: NodeId }
  /** Replica digest from an owner: "which of these do you lack?" Also refreshes their lease. */
  | { readonly type: 'sync', readonly keyIds: readonly NodeId[] }
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
  /** How many records of a store were kept; the rest were refused (too large, or store full). */
  | { readonly type: 'stored', readonly accepted: number }
  | { readonly type: 'value', readonly record: ChordRecord | undefined }
  | { readonly type: 'missing', readonly keyIds: readonly NodeId[] }

export type ChordRequestType = ChordRequest['type']
export type ChordResponseType = ChordResponse['type']

/** Chord sends no fire-and-forget messages. */
export type ChordMessage = never
