/**
 * `overlay-node daemon`: runs a peer on a repo until SIGINT/SIGTERM or `overlay-node shutdown`.
 * A graceful stop closes the API, libp2p and the datastore; if that takes longer than
 * STOP_TIMEOUT_MS the process exits anyway (non-zero), so a stuck peer never outlives Ctrl-C.
 */
import { startDaemon } from '../../node/daemon.js'
import { listFlag, stringFlag } from '../command.js'
import type { Command } from '../command.js'

/** A graceful stop that takes longer than this is cut short. */
const STOP_TIMEOUT_MS = 10_000

export const daemonCommand: Command = {
  name: 'daemon',
  args: '',
  summary: 'Run a peer on the repo (created if missing) with its control API, until interrupted.',
  arity: [0, 0],
  json: true,
  options: {
    listen: { type: 'string', multiple: true },
    announce: { type: 'string', multiple: true },
    bootstrap: { type: 'string', multiple: true },
    api: { type: 'string' },
    local: { type: 'boolean' }
  },
  help: [
    '--listen MA       listen multiaddr, repeatable (default /ip4/0.0.0.0/tcp/4001; --local: /ip4/127.0.0.1/tcp/0)',
    '--announce MA     multiaddr to announce instead, repeatable',
    '--bootstrap MA    peer to dial at start (…/p2p/<id>), repeatable',
    '--api MA          control API address on 127.0.0.1 (default /ip4/127.0.0.1/tcp/5101; --local: tcp/0)',
    '--local           profile for networks on 127.0.0.1: no per-IP rate limits, no gossipsub',
    '                  IP colocation penalty, kad-dht keeps private addresses'
  ],
  async run (ctx) {
    const daemon = await startDaemon({
      repo: ctx.repo,
      listen: listFlag(ctx, 'listen'),
      announce: listFlag(ctx, 'announce'),
      bootstrap: listFlag(ctx, 'bootstrap'),
      api: stringFlag(ctx, 'api'),
      local: ctx.flags.local === true ? true : undefined
    })
    const info = { peerId: daemon.node.peerId.toString(), addresses: daemon.node.addresses(), api: daemon.api.url, repo: daemon.repo.path }
    ctx.print(info, () => [
      `peer id: ${info.peerId}`,
      'listening on:',
      ...info.addresses.map(a => `  ${a}`),
      `API: ${info.api}`,
      `repo: ${info.repo}`,
      'daemon is ready'
    ].join('\n'))

    let signals = 0
    const onSignal = (signal: NodeJS.Signals): void => {
      if (++signals > 1) process.exit(130)
      if (!ctx.json) ctx.out(`received ${signal}, stopping`)
      setTimeout(() => {
        process.stderr.write(`overlay-node: the daemon did not stop within ${STOP_TIMEOUT_MS} ms, exiting\n`)
        process.exit(1)
      }, STOP_TIMEOUT_MS).unref()
      void daemon.stop()
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
    await daemon.stopped
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    if (!ctx.json) ctx.out('daemon stopped')
    return 0
  }
}
