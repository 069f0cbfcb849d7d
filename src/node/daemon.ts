/**
 * The daemon: one peer on a repo, with its control API. Start order: lock the repo, open the
 * datastore, start libp2p, start the API, publish the API address; stop in the reverse order,
 * so a crash at any step leaves neither a stale lock held by a live process nor an open store.
 */
import { LevelDatastore } from 'datastore-level'
import { startApiServer } from './api-server.js'
import { InputError } from './errors.js'
import { createOverlayNode, parseMultiaddr } from './overlay-node.js'
import { DATASTORE_DIR, Repo } from './repo.js'
import type { ApiServer } from './api-server.js'
import type { OverlayNode } from './overlay-node.js'

/** The control API's default address: Kubo's 5001 moved to 5101 so both can run on one host. */
export const DEFAULT_API = '/ip4/127.0.0.1/tcp/5101'
/** With `--local` several daemons share the host, so each takes a free port (the CLI reads it from the repo). */
export const DEFAULT_LOCAL_API = '/ip4/127.0.0.1/tcp/0'

export interface DaemonOptions {
  repo: string
  listen?: string[]
  announce?: string[]
  bootstrap?: string[]
  /** The API's address as a multiaddr on 127.0.0.1, e.g. /ip4/127.0.0.1/tcp/5101 (tcp/0: any port). */
  api?: string
  local?: boolean
}

export interface Daemon {
  readonly node: OverlayNode
  readonly api: ApiServer
  readonly repo: Repo
  /** Resolves once the daemon has stopped (after `stop()` or an API shutdown). */
  readonly stopped: Promise<void>
  stop(): Promise<void>
}

/** Splits `/ip4/127.0.0.1/tcp/5101` into host and port; the API is loopback-only TCP. */
export function parseApiAddress (text: string): { host: string, port: number } {
  const components = parseMultiaddr(text).getComponents()
  const [ip, tcp] = components
  if (components.length !== 2 || (ip.name !== 'ip4' && ip.name !== 'ip6') || tcp.name !== 'tcp' || ip.value === undefined || tcp.value === undefined) {
    throw new InputError(`API address '${text}' must look like /ip4/127.0.0.1/tcp/<port>`)
  }
  return { host: ip.value, port: Number(tcp.value) }
}

export async function startDaemon (options: DaemonOptions): Promise<Daemon> {
  const repo = new Repo(options.repo)
  if (!await repo.isInitialized()) await repo.init()
  const config = await repo.config()
  const privateKey = await repo.privateKey()
  const local = options.local ?? config.local ?? false
  const api = parseApiAddress(options.api ?? config.api ?? (local ? DEFAULT_LOCAL_API : DEFAULT_API))

  const releaseLock = await repo.lock()
  const cleanups: Array<() => Promise<void>> = [releaseLock]
  const unwind = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {})
  }
  try {
    const datastore = new LevelDatastore(repo.file(DATASTORE_DIR))
    await datastore.open()
    cleanups.push(async () => { await datastore.close() })

    const node = await createOverlayNode({
      privateKey,
      datastore,
      local,
      listen: options.listen ?? config.listen,
      announce: options.announce ?? config.announce,
      bootstrap: options.bootstrap ?? config.bootstrap
    }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE' || /EADDRINUSE|address already in use/i.test(err.message)) {
        throw new InputError(`cannot listen: address already in use (${err.message})`)
      }
      throw err
    })
    cleanups.push(async () => { await node.stop() })

    let resolveStopped!: () => void
    const stopped = new Promise<void>(resolve => { resolveStopped = resolve })
    let stopping: Promise<void> | undefined
    const stop = async (): Promise<void> => {
      stopping ??= unwind().then(resolveStopped)
      await stopping
    }

    const server = await startApiServer(node, { host: api.host, port: api.port, onShutdown: () => { void stop() } })
    cleanups.push(async () => { await server.close() })
    await repo.writeApiAddress(server.url)
    cleanups.push(async () => { await repo.removeApiAddress() })

    return { node, api: server, repo, stopped, stop }
  } catch (err) {
    await unwind()
    throw err
  }
}
