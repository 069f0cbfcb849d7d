/**
 * Chord's answers to the storage layer's four questions (src/dht/placement.ts; Stoica et al. 2001
 * §6, replication after CFS/DHash): a key lives at successor(key) and on the next r-1 successors.
 * This node owns (predecessor, self]; its replica holders are its first r-1 successors; a record it
 * no longer owns goes to its predecessor (a join takes over exactly (predecessor, self]). A Chord
 * node cannot tell from its own state whether it holds a replica of a key it does not own (that
 * needs the predecessors' predecessors), so the replica lease decides. A predecessor that refuses
 * a hand-off loses standing (first-hand.ts).
 */
import { asStorageResponse, storageContext, type DhtComponents, type StorageContext } from '../dht/context.js'
import type { Placement } from '../dht/placement.js'
import type { RecordStore } from '../dht/store.js'
import type { ChordContext } from './context.js'
import { checkHandoffAnswer } from './first-hand.js'

export function chordPlacement (ctx: ChordContext): Placement {
  const { routing, config } = ctx
  return {
    owns: id => routing.owns(id) ? true : routing.predecessor === undefined ? undefined : false,
    replicaHolders: () => routing.successors.slice(0, config.replicas - 1),
    handoffTarget: () => routing.predecessor,
    inReplicaSet: () => undefined
  }
}

/** The storage context of a Chord node: its store, its placement and its one request path. */
export function chordStorage (ctx: ChordContext, store: RecordStore, components: DhtComponents): StorageContext {
  return storageContext(ctx, store, chordPlacement(ctx), (to, req, done) => {
    ctx.request(to, req, result => {
      const res = result.ok ? asStorageResponse(result.value) : undefined
      done(res !== undefined && req.type === 'store' && req.role === 'primary' ? checkHandoffAnswer(ctx, to, req.records.length, res) : res)
    })
  }, components)
}
