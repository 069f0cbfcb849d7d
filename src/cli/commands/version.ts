/**
 * `overlay-node version` (and `--version`): this package's version, the libp2p it runs on, Node.js,
 * and the git commit when the code runs from a checkout. The lookups load only on this command.
 */
import type { Command } from '../command.js'

export const versionCommand: Command = {
  name: 'version',
  args: '',
  summary: 'Print the versions of overlay-node, libp2p and Node.js, and the git commit if known.',
  arity: [0, 0],
  json: true,
  options: {},
  help: [],
  async run (ctx) {
    const { benchEnvironment } = await import('../../bench/environment.js')
    const env = benchEnvironment() as { overlayNode: string, commit: string, node: string, packages: Record<string, string> }
    const info = { version: env.overlayNode, libp2p: env.packages.libp2p, node: env.node, commit: env.commit }
    ctx.print(info, () => [
      `overlay-node ${info.version}`,
      `libp2p ${info.libp2p}`,
      `node ${info.node}`,
      `commit ${info.commit}`
    ].join('\n'))
    return 0
  }
}
