/**
 * Pastry's typed requests and responses, the only shapes the logic and the wire codec exchange
 * (protocols/pastry.md). Invariants: lists respect limits.ts; a peer's id is derived by the runtime
 * from its peer id, never read from a message. Routing is iterative: the originator asks each node
 * on the path for its next hop (Rowstron & Druschel 2001 §2.2, Fig. 3, run by the originator).
 */
import type { NodeId } from '../core/id.js'
import type { PeerRef } from '../core/port.js'
import type { DhtRecord, StorageRequest, StorageResponse } from '../dht/messages.js'

/** Pastry stores the storage layer's records (src/dht/messages.ts). */
export type PastryRecord = DhtRecord
export type { StoreRole } from '../dht/messages.js'

/** A holder's answer to a fetch carried by another exchange: its record for the key, if held. */
export interface FetchAnswer {
  readonly record: PastryRecord | undefined
}

/** A leaf set as it travels: each side nearest first (left counter-clockwise, right clockwise). */
export interface LeafSetView {
  readonly left: readonly PeerRef[]
  readonly right: readonly PeerRef[]
}

export type PastryRequest =
  /**
   * One step of a route: "deliver `key` if you are the closest, else name your next hop". With
   * `fetch` (a get's route, `key` the record's key id), a node that delivers also answers a fetch
   * of `key`, so the get need not ask the owner again.
   */
  | { readonly type: 'route', readonly key: NodeId, readonly fetch?: true }
  /**
   * One step of a join's route to the joiner's own id (§2.4): as `route`, and the answer carries
   * the responder's routing-table rows `fromRow` .. min(shared prefix, fromRow + 3). The sender is
   * not yet a member and is not learnt from.
   */
  | { readonly type: 'join-route', readonly key: NodeId, readonly fromRow: number }
  /**
   * Leaf-set exchange and liveness probe, push-pull: "here is my leaf set, send me yours" (the
   * sender is learnt; members the sender's leaf set should list but does not are probed).
   */
  | { readonly type: 'exchange', readonly leafSet: LeafSetView }
  /** A node that has joined tells the nodes in its state (§2.4); answered with the leaf set. */
  | { readonly type: 'announce' }
  /** Routing-table probe. */
  | { readonly type: 'ping' }
  /** Lazy routing-table repair (§2.4): "send me your row `row`". */
  | { readonly type: 'get-row', readonly row: number }
  /** Store, fetch and sync (src/dht/messages.ts): puts, handoffs, replica copies and digests. */
  | StorageRequest
  /** Graceful leave, to each leaf-set member: forget me; here is my leaf set to replace me from. */
  | { readonly type: 'leaving', readonly leafSet: LeafSetView }

export type PastryResponse =
  /**
   * The responder is numerically closest to the key by its leaf set: its leaf set, rows if a join,
   * and `fetched` if the route asked to fetch: the responder's record for the key, if held (its
   * leaf set is then cut to the members among the key's r holders).
   */
  | { readonly type: 'deliver', readonly leafSet: LeafSetView, readonly rows: readonly PeerRef[], readonly fetched?: FetchAnswer }
  /** The next hop first, then alternates to try if it fails; rows if a join. */
  | { readonly type: 'next', readonly nodes: readonly PeerRef[], readonly rows: readonly PeerRef[] }
  | { readonly type: 'leaf-set', readonly leafSet: LeafSetView }
  | { readonly type: 'row', readonly nodes: readonly PeerRef[] }
  | { readonly type: 'ack' }
  | StorageResponse

export type PastryRequestType = PastryRequest['type']
export type PastryResponseType = PastryResponse['type']

/** Pastry sends no fire-and-forget messages: every exchange is a request and its answer. */
export type PastryMessage = never
