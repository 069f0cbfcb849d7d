/**
 * `overlay-node testnet --nodes N`: N local peers in this process on 127.0.0.1, each with its own
 * control API, joined a few at a time (joining 100 at once overloads loopback). Node i's API
 * address is written to <dir>/node-<i>/api, so `--repo <dir>/node-<i>` reaches it from the CLI.
 */
import { mkdir, mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startApiServer } from '../../node/api-server.js'
import { LocalNetwork, MAX_LOCAL_NODES } from '../../node/local-network.js'
import { Repo } from '../../node/repo.js'
import { intFlag } from '../command.js'
import type { ApiServer } from '../../node/api-server.js'
import type { OverlayNode } from '../../node/overlay-node.js'
import type { Command } from '../command.js'

export interface Testnet {
  nodes: Array<{ node: OverlayNode, api: ApiServer, repo: Repo }>
  stop(): Promise<void>
}

/** Starts `count` local peers, each with its own API, whose address goes to <dir>/node-<i>/api. */
export async function startTestnet (count: number, dir: string, onNode?: (index: number) => void): Promise<Testnet> {
  const network = new LocalNetwork()
  const nodes: Testnet['nodes'] = []
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map(async ({ api, repo }) => {
      await api.close()
      await repo.removeApiAddress()
    }))
    await network.stopAll()
  }
  try {
    await network.grow(count, (index) => onNode?.(index))
    for (const [index, node] of network.nodes.entries()) {
      const repo = new Repo(join(dir, `node-${index}`))
      await mkdir(repo.path, { recursive: true })
      const api = await startApiServer(node, { port: 0 })
      nodes.push({ node, api, repo })
      await repo.writeApiAddress(api.url)
    }
  } catch (err) {
    await stop()
    throw err
  }
  return { nodes, stop }
}

export const testnetCommand: Command = {
  name: 'testnet',
  args: '',
  summary: 'Start N local peers on 127.0.0.1 bootstrapped to each other; Ctrl-C stops them all.',
  arity: [0, 0],
  json: true,
  options: { nodes: { type: 'string' } },
  help: [
    `--nodes N         how many peers (default 4, at most ${MAX_LOCAL_NODES})`,
    '--repo DIR        where node-<i>/api files go (default: a new temporary folder)'
  ],
  async run (ctx) {
    const count = intFlag(ctx, 'nodes', 4, 1, MAX_LOCAL_NODES)
    const dir = typeof ctx.flags.repo === 'string' ? ctx.flags.repo : await mkdtemp(join(tmpdir(), 'overlay-testnet-'))
    const net = await startTestnet(count, dir, (i) => { if (!ctx.json && count > 8) process.stderr.write(`\rstarted ${i + 1}/${count}`) })
    if (!ctx.json && count > 8) process.stderr.write('\n')
    const rows = net.nodes.map(({ node, api, repo }, index) => ({ index, peerId: node.peerId.toString(), api: api.url, repo: repo.path, addresses: node.addresses() }))
    ctx.print({ nodes: rows }, () => [
      ...rows.map(r => `${r.index}\t${r.peerId}\t${r.api}\t--repo ${r.repo}`),
      `${count} peers running; Ctrl-C stops them all`
    ].join('\n'))
    await new Promise<void>(resolve => {
      process.once('SIGINT', resolve)
      process.once('SIGTERM', resolve)
    })
    await net.stop()
    if (!ctx.json) ctx.out('testnet stopped')
    return 0
  }
}
