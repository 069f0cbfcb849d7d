/**
 * The peers of `overlay-node testnet`: N local peers in this process on 127.0.0.1, each with its
 * own control API, joined a few at a time (joining 100 at once overloads loopback). Node i's API
 * address is written to <dir>/node-<i>/api, so `--repo <dir>/node-<i>` reaches it from the CLI,
 * and `overlay-node shutdown` on that repo stops that one peer gracefully.
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { startApiServer } from '../node/api-server.js'
import { LocalNetwork } from '../node/local-network.js'
import { Repo } from '../node/repo.js'
import type { ApiServer } from '../node/api-server.js'
import type { OverlayNode } from '../node/overlay-node.js'

export interface TestnetPeer {
  index: number
  node: OverlayNode
  api: ApiServer
  repo: Repo
}

export interface TestnetInit {
  /** Called with each peer's index as it comes up. */
  onNode?: (index: number) => void
  /** Called once a peer has stopped after a `shutdown` through its API. */
  onPeerStopped?: (peer: TestnetPeer) => void
}

export interface Testnet {
  peers: TestnetPeer[]
  /** Peers still running. */
  running(): number
  stop(): Promise<void>
}

/** Starts `count` local peers, each with its own API, whose address goes to <dir>/node-<i>/api. */
export async function startTestnet (count: number, dir: string, init: TestnetInit = {}): Promise<Testnet> {
  const network = new LocalNetwork()
  const peers: TestnetPeer[] = []
  const stopped = new Set<TestnetPeer>()
  const closeApi = async (peer: TestnetPeer): Promise<void> => {
    await peer.api.close()
    await peer.repo.removeApiAddress()
  }
  const stopOne = async (peer: TestnetPeer): Promise<void> => {
    if (stopped.has(peer)) return
    stopped.add(peer)
    await closeApi(peer)
    await network.leave(peer.node)
    init.onPeerStopped?.(peer)
  }
  const stop = async (): Promise<void> => {
    await Promise.all(peers.filter(p => !stopped.has(p)).map(closeApi))
    await network.stopAll()
  }
  try {
    await network.grow(count, (index) => init.onNode?.(index))
    for (const [index, node] of network.nodes.entries()) {
      const repo = new Repo(join(dir, `node-${index}`))
      await mkdir(repo.path, { recursive: true })
      let peer: TestnetPeer | undefined
      const api = await startApiServer(node, { port: 0, onShutdown: () => { if (peer !== undefined) void stopOne(peer) } })
      peer = { index, node, repo, api }
      peers.push(peer)
      await repo.writeApiAddress(api.url)
    }
  } catch (err) {
    await stop()
    throw err
  }
  return { peers, running: () => peers.length - stopped.size, stop }
}
