/**
 * `overlay-node testnet --nodes N`: N local peers in one process (src/cli/testnet.ts), listed with
 * a header line, each peer's id, API, multiaddr and repo folder. Ctrl-C stops them all; so does
 * shutting down the last one. A temporary folder it made is removed when it ends.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { intFlag } from '../command.js'
import { MAX_LOCAL_NODES } from '../../node/local-limits.js'
import { progressWriter } from '../progress.js'
import type { Command } from '../command.js'

export const testnetCommand: Command = {
  name: 'testnet',
  args: '',
  summary: 'Start N local peers on 127.0.0.1 bootstrapped to each other; Ctrl-C stops them all.',
  arity: [0, 0],
  json: true,
  options: { nodes: { type: 'string' } },
  help: [
    `--nodes N         how many peers (default 4, at most ${MAX_LOCAL_NODES})`,
    '--repo DIR        where node-<i>/api files go (default: a new temporary folder, removed at the end)',
    '',
    "'overlay-node shutdown --repo DIR/node-<i>' stops peer i; the testnet ends with its last peer."
  ],
  async run (ctx) {
    const count = intFlag(ctx, 'nodes', 4, 1, MAX_LOCAL_NODES)
    const ownDir = typeof ctx.flags.repo !== 'string'
    const dir = ownDir ? await mkdtemp(join(tmpdir(), 'overlay-testnet-')) : ctx.flags.repo as string
    try {
      const progress = progressWriter()
      const { startTestnet } = await import('../testnet.js')
      let ended!: () => void
      const end = new Promise<void>(resolve => { ended = resolve })
      const net = await startTestnet(count, dir, {
        onNode: (i) => { if (!ctx.json) progress.line(`started ${i + 1}/${count} peers`) },
        onPeerStopped: (peer) => {
          ctx.print({ stopped: peer.index, peerId: peer.node.peerId.toString() }, `peer ${peer.index} stopped (shutdown through its API); ${net.running()} running`)
          if (net.running() === 0) ended()
        }
      })
      progress.end()
      // Before the listing: whoever reads it may signal at once.
      process.once('SIGINT', ended)
      process.once('SIGTERM', ended)
      const rows = net.peers.map(({ index, node, api, repo }) => ({ index, peerId: node.peerId.toString(), api: api.url, repo: repo.path, addresses: node.addresses() }))
      ctx.print({ dir, nodes: rows }, () => [
        `testnet of ${count} peers in ${dir}${ownDir ? ' (removed at the end)' : ''}`,
        ['#', 'peer id', 'API', 'multiaddr', 'repo'].join('\t'),
        ...rows.map(r => [r.index, r.peerId, r.api, r.addresses[0] ?? '', `--repo ${r.repo}`].join('\t')),
        `${count} peers running; Ctrl-C stops them all`
      ].join('\n'))
      await end
      process.off('SIGINT', ended)
      process.off('SIGTERM', ended)
      await net.stop()
      if (!ctx.json) ctx.out('testnet stopped')
      return 0
    } finally {
      if (ownDir) await rm(dir, { recursive: true, force: true })
    }
  }
}
