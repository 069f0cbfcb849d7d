/** `init` and `id`: the commands that work on the repo itself, with or without a daemon. */
import { Repo } from '../../node/repo.js'
import { callApi, DaemonNotRunningError, findApi } from '../api-client.js'
import { API_HELP, API_OPTION, stringFlag } from '../command.js'
import type { Command } from '../command.js'

export const initCommand: Command = {
  name: 'init',
  args: '',
  summary: 'Create a repo: a new Ed25519 identity (key file mode 0600) and a config file.',
  arity: [0, 0],
  json: true,
  options: { local: { type: 'boolean' } },
  help: ['--local           write the local profile into the config (see daemon --help)'],
  async run (ctx) {
    const repo = new Repo(ctx.repo)
    const { peerId } = await repo.init(ctx.flags.local === true ? { local: true } : {})
    ctx.print({ peerId, repo: repo.path }, `initialized repo ${repo.path}\npeer id: ${peerId}`)
    return 0
  }
}

export const idCommand: Command = {
  name: 'id',
  args: '',
  summary: "Show this peer's id (and, with a running daemon, its addresses and protocols).",
  arity: [0, 0],
  json: true,
  options: API_OPTION,
  help: [API_HELP],
  async run (ctx) {
    try {
      const url = await findApi(ctx.repo, stringFlag(ctx, 'api'))
      const id = await callApi(url, 'GET', '/api/v0/id')
      ctx.print({ ...id, online: true }, () => [`peer id: ${id.peerId}`, `agent: ${id.agentVersion}`, 'addresses:', ...id.addresses.map((a: string) => `  ${a}`), 'protocols:', ...id.protocols.map((p: string) => `  ${p}`)].join('\n'))
    } catch (err) {
      if (!(err instanceof DaemonNotRunningError)) throw err
      const { peerIdFromPrivateKey } = await import('@libp2p/peer-id')
      const peerId = peerIdFromPrivateKey(await new Repo(ctx.repo).privateKey()).toString()
      ctx.print({ peerId, addresses: [], online: false }, `peer id: ${peerId}\n(no daemon running)`)
    }
    return 0
  }
}
