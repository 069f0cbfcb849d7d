/**
 * `overlay-node p2pd`: our peer as a drop-in for go-libp2p-daemon's `p2pd` binary. It takes the
 * go-style flags (flags.ts), prints `Control socket: <multiaddr>`, `Peer ID:` and `Peer Addrs:`
 * as p2pd does once it is ready, and runs until SIGINT or SIGTERM.
 */
import { parseP2pdFlags } from './flags.js'
import type { Command } from '../cli/command.js'

/** A graceful stop that takes longer than this is cut short (the harness is waiting). */
const STOP_TIMEOUT_MS = 5_000
const HELP_WORDS = ['-h', '--h', '-help', '--help']

export const p2pdCommand: Command = {
  name: 'p2pd',
  args: '[-flag[=value] …]',
  summary: 'Run a peer behind the libp2p daemon control protocol, with go-libp2p-daemon\'s flags (for interop harnesses).',
  arity: [0, Number.MAX_SAFE_INTEGER],
  json: false,
  options: {},
  help: [
    '-listen MA          control protocol address, TCP on loopback (default /ip4/127.0.0.1/tcp/0)',
    '-hostAddrs MA,MA    addresses the peer listens on (default /ip4/127.0.0.1/tcp/0)',
    '-noListenAddrs      listen nowhere (dial out only)',
    '-noise -tls -plaintext',
    '                    connection encryptions offered, each =true|false (default: Noise alone)',
    '-muxer NAME,NAME    yamux or mplex (default yamux)',
    '-dhtServer          accepted: our peer always serves Kademlia',
    '-pubsub             accepted: our peer always runs pubsub',
    '-pubsubRouter NAME  gossipsub (default) or floodsub',
    '-relay              also serve as a circuit relay v2',
    '-id FILE            the peer\'s private key, protobuf-encoded (default: a fresh Ed25519 key)',
    '',
    'Flags take one dash or two, and a value after = or a space. The peer lives in memory.',
    'Prints "Control socket: <multiaddr>" when ready.'
  ],
  // Go's flag syntax is not node's: hand every word to run() as a positional, except a plea for help.
  rewriteArgs: (argv) => argv.some(a => HELP_WORDS.includes(a)) ? ['--help'] : ['--', ...argv],
  async run (ctx) {
    const options = parseP2pdFlags(ctx.positionals)
    const { startP2pd } = await import('./p2pd.js')
    const daemon = await startP2pd(options)
    const stopped = new Promise<void>(resolve => {
      const onSignal = (): void => {
        setTimeout(() => {
          process.stderr.write(`overlay-node: p2pd did not stop within ${STOP_TIMEOUT_MS} ms, exiting\n`)
          process.exit(1)
        }, STOP_TIMEOUT_MS).unref()
        void daemon.stop().then(resolve)
      }
      process.once('SIGINT', onSignal)
      process.once('SIGTERM', onSignal)
    })
    ctx.out([
      `Control socket: ${daemon.controlAddress}`,
      `Peer ID: ${daemon.libp2p.peerId.toString()}`,
      'Peer Addrs:',
      ...daemon.libp2p.getMultiaddrs().map(ma => ma.toString())
    ].join('\n'))
    await stopped
    // A stopped libp2p still holds a timer for about a second (measured); the harness that sent
    // the signal waits for our exit, over a hundred times a suite run.
    process.exit(0)
  }
}
