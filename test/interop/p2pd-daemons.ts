/**
 * The two slots of @libp2p/interop's DaemonFactory. "go": our binary, `overlay-node p2pd`, in a
 * child process, told the go-libp2p-daemon flags and read for its `Control socket:` line. "js":
 * stock js-libp2p 3 in this process behind @libp2p/daemon-server, configured as js-libp2p's own
 * interop runner configures it. Both listen on 127.0.0.1 only; transports other than TCP are
 * refused with UnsupportedError, which the suite reports as pending.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { circuitRelayServer, circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { privateKeyFromProtobuf } from '@libp2p/crypto/keys'
import { createClient } from '@libp2p/daemon-client'
import { createServer } from '@libp2p/daemon-server'
import { floodsub } from '@libp2p/floodsub'
import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { UnsupportedError } from '@libp2p/interop'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { mplex } from '@libp2p/mplex'
import { ping } from '@libp2p/ping'
import { plaintext } from '@libp2p/plaintext'
import { tcp } from '@libp2p/tcp'
import { tls } from '@libp2p/tls'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import type { Daemon, DaemonFactory, SpawnOptions } from '@libp2p/interop'
import type { Libp2pOptions } from 'libp2p'

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url))
/** Our daemon loads libp2p and four overlays; on a busy 2-core host that has taken a few seconds. */
const START_TIMEOUT_MS = 15_000
/** After SIGTERM the daemon stops itself within 5 s (command.ts); then it is killed. */
const STOP_GRACE_MS = 6_000
/** Lines of the child's stderr kept for the error of a failed start. */
const STDERR_TAIL_LINES = 20

/** The go-libp2p-daemon flags for `options`, as js-libp2p's interop runner writes them. */
export function p2pdFlags (options: SpawnOptions): string[] {
  const flags = ['-listen=/ip4/127.0.0.1/tcp/0']
  flags.push(options.noListen === true ? '-noListenAddrs' : '-hostAddrs=/ip4/127.0.0.1/tcp/0')
  if (options.encryption != null) flags.push(`-${options.encryption}=true`)
  if (options.dht === true) flags.push('-dhtServer')
  if (options.relay === true) flags.push('-relay')
  if (options.pubsub === true) flags.push('-pubsub')
  if (options.pubsubRouter != null) flags.push(`-pubsubRouter=${options.pubsubRouter}`)
  if (options.key != null) flags.push(`-id=${options.key}`)
  flags.push(`-muxer=${options.muxer ?? 'yamux'}`)
  return flags
}

/** Starts `overlay-node p2pd` and resolves once it prints its control address. */
export async function spawnOverlayP2pd (options: SpawnOptions): Promise<Daemon> {
  if (options.transport != null && options.transport !== 'tcp') throw new UnsupportedError(`overlay-node serves TCP only, not ${options.transport}`)
  const child = spawn(process.execPath, [CLI, 'p2pd', ...p2pdFlags(options)], { stdio: ['ignore', 'pipe', 'pipe'] })
  const exited = once(child, 'exit')
  const stderr: string[] = []
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr.push(...chunk.split('\n'))
    stderr.splice(0, Math.max(0, stderr.length - STDERR_TAIL_LINES))
  })
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS)
    await exited
    clearTimeout(timer)
  }
  try {
    const control = await new Promise<string>((resolve, reject) => {
      let out = ''
      const timer = setTimeout(() => { reject(new Error(`p2pd printed no control socket within ${START_TIMEOUT_MS} ms`)) }, START_TIMEOUT_MS)
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk
        const found = /^Control socket: (\S+)$/m.exec(out)
        if (found !== null) { clearTimeout(timer); resolve(found[1]) }
      })
      void exited.then(([code, signal]) => {
        clearTimeout(timer)
        reject(new Error(`p2pd exited (${String(code ?? signal)}) before it was ready: ${stderr.join('\n').trim()}`))
      })
    })
    // Keep draining stdout so the child never blocks on a full pipe.
    child.stdout.resume()
    return { client: createClient(multiaddr(control)), stop }
  } catch (err) {
    await stop()
    throw err
  }
}

/** Stock js-libp2p 3, as js-libp2p's own interop runner builds it. */
export async function spawnStockJs (options: SpawnOptions): Promise<Daemon> {
  if (options.transport != null && options.transport !== 'tcp') throw new UnsupportedError(`this harness has only TCP, not ${options.transport}`)
  const privateKey = options.key == null ? undefined : privateKeyFromProtobuf(await readFile(options.key))
  const services: Record<string, any> = { identify: identify(), ping: ping() }
  if (options.pubsub === true) services.pubsub = options.pubsubRouter === 'floodsub' ? floodsub() : gossipsub()
  if (options.relay === true) services.relay = circuitRelayServer()
  if (options.dht === true) services.dht = kadDHT({ protocol: '/ipfs/kad/1.0.0', peerInfoMapper: passthroughMapper, clientMode: false })
  const config: Libp2pOptions<any> = {
    privateKey,
    addresses: { listen: options.noListen === true ? [] : ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp(), circuitRelayTransport()],
    connectionEncrypters: [options.encryption === 'tls' ? tls() : options.encryption === 'plaintext' ? plaintext() : noise()],
    streamMuxers: [options.muxer === 'mplex' ? mplex() : yamux()],
    services
  }
  const node = await createLibp2p(config)
  const server = createServer(multiaddr('/ip4/127.0.0.1/tcp/0'), node as any)
  await server.start()
  return {
    client: createClient(server.getMultiaddr()),
    stop: async () => {
      await server.stop()
      await node.stop()
    }
  }
}

export const daemonFactory: DaemonFactory = {
  async spawn (options) {
    return options.type === 'go' ? await spawnOverlayP2pd(options) : await spawnStockJs(options)
  }
}
