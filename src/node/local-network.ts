/**
 * Many overlay nodes in one process on 127.0.0.1: node 0 seeds the network and the others
 * bootstrap to it (and dial EXTRA_LINKS earlier nodes), JOIN_BATCH at a time (joining 100 at once
 * overloads loopback on 2 cores).
 * Used by `testnet`, the real-network benchmarks and the tests. Invariant: `stop()` stops every
 * node this network started, including those of a batch that failed half-way.
 */
import { MAX_LOCAL_NODES } from './local-limits.js'
import { createOverlayNode } from './overlay-node.js'
import type { OverlayNode, OverlayNodeConfig } from './overlay-node.js'

/** Peers started at once. */
export const JOIN_BATCH = 4
/**
 * Besides node 0, each new node dials this many random earlier nodes, so the network is not a star
 * around node 0 (gossipsub's mesh needs neighbours other than node 0; THEORY.md's GossipSub figures
 * were measured with peers bootstrapped to 3 others). Our DHTs still join through node 0 alone.
 */
export const EXTRA_LINKS = 2

export { MAX_LOCAL_NODES }

export class LocalNetwork {
  readonly nodes: OverlayNode[] = []
  private readonly stopped = new Set<OverlayNode>()
  private readonly config: OverlayNodeConfig

  constructor (config: OverlayNodeConfig = {}) {
    this.config = { ...config, local: true }
  }

  /** Starts `count` more nodes; calls `onNode` with each one's index as it comes up. */
  async grow (count: number, onNode?: (index: number, node: OverlayNode) => void): Promise<OverlayNode[]> {
    if (this.nodes.length + count > MAX_LOCAL_NODES) throw new RangeError(`at most ${MAX_LOCAL_NODES} nodes in one process`)
    const added: OverlayNode[] = []
    const startOne = async (): Promise<void> => {
      const bootstrap = this.nodes.length === 0 ? [] : [this.nodes[0].addresses()[0]]
      const node = await createOverlayNode({ ...this.config, bootstrap })
      const earlier = this.nodes.slice(1)
      for (let i = 0; i < EXTRA_LINKS && earlier.length > 0; i++) {
        const [peer] = earlier.splice(Math.floor(Math.random() * earlier.length), 1)
        await node.connect(peer.addresses()[0]).catch(() => {})
      }
      this.nodes.push(node)
      added.push(node)
      onNode?.(this.nodes.length - 1, node)
    }
    if (this.nodes.length === 0 && count > 0) await startOne()
    while (added.length < count) {
      const size = Math.min(JOIN_BATCH, count - added.length)
      const results = await Promise.allSettled(Array.from({ length: size }, startOne))
      const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
      if (failure !== undefined) throw failure.reason
    }
    return added
  }

  live (): OverlayNode[] {
    return this.nodes.filter(n => !this.stopped.has(n))
  }

  /** Stops one node without a goodbye from our DHTs (a crash, as far as they can tell). */
  async stop (node: OverlayNode): Promise<void> {
    if (this.stopped.has(node)) return
    this.stopped.add(node)
    await node.crash()
  }

  /** Stops one node gracefully: Chord and Pastry hand their records on and tell their neighbours. */
  async leave (node: OverlayNode): Promise<void> {
    if (this.stopped.has(node)) return
    this.stopped.add(node)
    await node.stop()
  }

  /** Stops every node at once, without goodbyes (nobody is left to hand records to). */
  async stopAll (): Promise<void> {
    await Promise.all(this.live().map(async n => { await this.stop(n) }))
  }
}
