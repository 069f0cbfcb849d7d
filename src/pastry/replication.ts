/**
 * Pastry's answers to the storage layer's four questions (src/dht/placement.ts; PAST, Rowstron &
 * Druschel SOSP 2001 §2.2): a key lives at the node numerically closest to it and on the next
 * closest nodes, r in all, all within the owner's leaf set. This node owns the keys it is closest
 * to by its leaf set; a record it no longer owns goes to the closest node its leaf set shows; it is
 * a replica holder of a key if it is among the r closest of itself and its leaves. The leaf-set
 * version tells the engine when a full pass over the store is due.
 */
import { storageContext, type DhtComponents, type StorageContext } from '../dht/context.js'
import type { Placement } from '../dht/placement.js'
import type { RecordStore } from '../dht/store.js'
import type { PastryContext } from './context.js'

export function pastryPlacement (ctx: PastryContext): Placement {
  const { state, config, io } = ctx
  const self = io.self.address
  return {
    owns: id => state.leaves.owns(id),
    replicaHolders: id => config.replicas === 1 ? [] : state.leaves.ownedKeyHolders(id, config.replicas).filter(h => h.address !== self),
    handoffTarget: id => state.leaves.closest(id),
    inReplicaSet: id => state.leaves.closestSet(id, config.replicas).some(p => p.address === self),
    layoutVersion: () => state.leafVersion
  }
}

/**
 * The storage context of a Pastry node: its store, its placement and its one request path (an
 * answer counts as hearing from the peer; a failure forgets it).
 */
export function pastryStorage (ctx: PastryContext, store: RecordStore, components: DhtComponents): StorageContext {
  return storageContext(ctx, store, pastryPlacement(ctx), (to, req, done) => {
    ctx.io.request(to, req, { timeoutMs: ctx.config.requestTimeoutMs }, result => {
      if (result.ok) ctx.heardFrom(to)
      else if (ctx.isRunning()) ctx.peerFailed(to)
      done(result.ok ? result.value : undefined)
    })
  }, components)
}
