/**
 * A network of in-process overlay nodes on 127.0.0.1 for tests, joined a few at a time (joining
 * many at once overloads loopback). `stopAll` stops every node started, whatever happened.
 */
import { createOverlayNode } from '../../src/node/overlay-node.js'
import type { OverlayNode } from '../../src/node/overlay-node.js'

const JOIN_BATCH = 4

export class LocalNet {
  readonly nodes: OverlayNode[] = []
  private readonly stopped = new Set<OverlayNode>()

  /** Starts `count` nodes, each bootstrapped to the first node of the network. */
  async grow (count: number): Promise<OverlayNode[]> {
    const added: OverlayNode[] = []
    if (this.nodes.length === 0 && count > 0) {
      added.push(await createOverlayNode({ local: true }))
      this.nodes.push(added[0])
    }
    while (added.length < count) {
      const size = Math.min(JOIN_BATCH, count - added.length)
      const bootstrap = [this.nodes[0].addresses()[0]]
      const batch = await Promise.all(Array.from({ length: size }, async () => await createOverlayNode({ local: true, bootstrap })))
      added.push(...batch)
      this.nodes.push(...batch)
    }
    return added
  }

  live (): OverlayNode[] {
    return this.nodes.filter(n => !this.stopped.has(n))
  }

  async stop (node: OverlayNode): Promise<void> {
    this.stopped.add(node)
    await node.stop()
  }

  async stopAll (): Promise<void> {
    await Promise.all(this.live().map(async n => { await this.stop(n) }))
  }
}
