/**
 * The four questions in which Chord's and Pastry's storage differ (issue 9): who owns a key id, who
 * holds its replicas, where a record this node should not own goes, and whether this node is among
 * a key's replica holders. Each DHT answers them from its own routing state; everything else about
 * storage (replication.ts, operations.ts) is the same code for both.
 */
import type { NodeId } from '../core/id.js'
import type { PeerRef } from '../core/port.js'

export interface Placement {
  /**
   * Whether this node owns `id` by its own view; undefined when it cannot tell yet (a Chord node
   * with successors but no predecessor): it then keeps serving and replicating what it holds as
   * owner, and drops nothing.
   */
  owns(id: NodeId): boolean | undefined
  /** The other holders of an owned key's replicas (r - 1 of them at most), nearest first. */
  replicaHolders(id: NodeId): readonly PeerRef[]
  /** The node a record held as owner but no longer owned goes to, if this node knows one. */
  handoffTarget(id: NodeId): PeerRef | undefined
  /** Whether this node is among the r holders of `id`; undefined when its view cannot tell (the lease decides). */
  inReplicaSet(id: NodeId): boolean | undefined
  /**
   * A number that changes whenever the placement may have changed (Pastry: its leaf-set version);
   * a step runs a full pass over the store when it changed. Absent: every step is a full pass.
   */
  layoutVersion?(): number
}
