/**
 * `overlay-node daemon`: runs a peer on a repo until SIGINT/SIGTERM or `overlay-node shutdown`.
 * Its addresses are checked before anything starts (exit 2). A graceful stop closes the API,
 * libp2p and the datastore; if that takes longer than STOP_TIMEOUT_MS the process exits anyway
 * (non-zero), so a stuck peer never outlives Ctrl-C.
 */
import { parseApiAddress } from '../../node/repo.js'
import { API_OPTION, listFlag, stringFlag } from '../command.js'
import { checkMultiaddr, peerIdInMultiaddr } from '../input-check.js'
import { UsageError } from '../usage-error.js'
import type { Command, CommandContext } from '../command.js'
import type { DaemonNotice } from '../../node/daemon.js'

/** A graceful stop that takes longer than this is cut short. */
const STOP_TIMEOUT_MS = 10_000

async function checkAddresses (ctx: CommandContext): Promise<void> {
  for (const flag of ['listen', 'announce', 'bootstrap']) {
    for (const address of listFlag(ctx, flag) ?? []) {
      await checkMultiaddr(`--${flag}`, address)
      if (flag === 'bootstrap' && peerIdInMultiaddr(address) === undefined) {
        throw new UsageError(`--bootstrap takes a multiaddr ending in /p2p/<peer id>, got '${address.slice(0, 200)}'`)
      }
    }
  }
  const api = stringFlag(ctx, 'api')
  if (api !== undefined) {
    try {
      parseApiAddress(api, { allowAnyPort: true })
    } catch (err) {
      throw new UsageError(`--api: ${(err as Error).message}`)
    }
  }
}

/** A notice for people; `bootstrapSource` names where the bootstrap list came from, to change it. */
function noticeText (n: DaemonNotice, bootstrapSource: string): string {
  switch (n.notice) {
    case 'bootstrap-failed': return `bootstrap peer ${n.address} did not answer: ${n.reason} (check it, or change ${bootstrapSource})`
    case 'no-peers': return 'no peers: this daemon is alone (start others with --bootstrap set to one of its addresses, or run \'overlay-node connect\')'
    case 'first-peer': return `connected to a first peer: ${n.peerId}`
  }
}

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
    ...API_OPTION,
    local: { type: 'boolean' },
    save: { type: 'boolean' }
  },
  help: [
    '--listen MA       listen multiaddr, repeatable (default /ip4/0.0.0.0/tcp/4001; --local: /ip4/127.0.0.1/tcp/0,',
    '                  then the ports a --local repo got first)',
    '--announce MA     multiaddr to announce instead, repeatable',
    '--bootstrap MA    peer to dial at start (…/p2p/<id>), repeatable',
    '--api ADDR        control API address on 127.0.0.1: /ip4/127.0.0.1/tcp/5101 or http://127.0.0.1:5101',
    '                  (default /ip4/127.0.0.1/tcp/5101; --local: a free port, then the one it got first)',
    '--local           profile for networks on 127.0.0.1: no per-IP rate limits, no gossipsub',
    '                  IP colocation penalty, kad-dht keeps private addresses',
    '--save            keep the flags above in the repo\'s config.json for the next starts',
    '',
    'Bootstrap peers that do not answer are printed, and so is being without peers (and gaining the',
    'first again): on stderr, or as JSON lines on stdout with --json.'
  ],
  async run (ctx) {
    await checkAddresses(ctx)
    const { startDaemon } = await import('../../node/daemon.js')
    const daemon = await startDaemon({
      repo: ctx.repo,
      listen: listFlag(ctx, 'listen'),
      announce: listFlag(ctx, 'announce'),
      bootstrap: listFlag(ctx, 'bootstrap'),
      api: stringFlag(ctx, 'api'),
      local: ctx.flags.local === true ? true : undefined,
      save: ctx.flags.save === true
    })
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
    // Before the ready line: whoever reads it may signal at once.
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
    const info = { peerId: daemon.node.peerId.toString(), addresses: daemon.node.addresses(), api: daemon.api.url, repo: daemon.repo.path }
    ctx.print(info, () => [
      `peer id: ${info.peerId}`,
      'listening on:',
      ...info.addresses.map(a => `  ${a}`),
      `API: ${info.api}`,
      `repo: ${info.repo}`,
      'daemon is ready'
    ].join('\n'))
    const bootstrapSource = listFlag(ctx, 'bootstrap') !== undefined ? '--bootstrap' : "'bootstrap' in config.json ('overlay-node config bootstrap …')"
    daemon.watchPeers(notice => {
      if (ctx.json) ctx.out(JSON.stringify(notice))
      else process.stderr.write(noticeText(notice, bootstrapSource) + '\n')
    })

    await daemon.stopped
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    if (!ctx.json) ctx.out('daemon stopped')
    return 0
  }
}
