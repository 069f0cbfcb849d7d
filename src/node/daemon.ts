/**
 * The daemon: one peer on a repo, with its control API. Start order: lock the repo, open the
 * datastore, start libp2p, start the API, publish the API address; stop in the reverse order,
 * so a crash at any step leaves neither a stale lock held by a live process nor an open store.
 * Failures name the flag (or config key) to change; peers gained and lost are told as notices.
 */
import { LevelDatastore } from 'datastore-level'
import { startApiServer } from './api-server.js'
import { InputError } from './errors.js'
import { createOverlayNode } from './overlay-node.js'
import { DATASTORE_DIR, parseApiAddress, Repo } from './repo.js'
import type { ApiServer } from './api-server.js'
import type { OverlayNode } from './overlay-node.js'
import type { RepoConfig } from './repo.js'

/** The control API's default address: Kubo's 5001 moved to 5101 so both can run on one host. */
export const DEFAULT_API = '/ip4/127.0.0.1/tcp/5101'
/** With `--local` several daemons share the host, so each takes a free port (the CLI reads it from the repo). */
export const DEFAULT_LOCAL_API = '/ip4/127.0.0.1/tcp/0'

export interface DaemonOptions {
  repo: string
  listen?: string[]
  announce?: string[]
  bootstrap?: string[]
  /** The API's address on 127.0.0.1: a multiaddr (/ip4/127.0.0.1/tcp/5101; tcp/0: any port) or a URL. */
  api?: string
  local?: boolean
  /** Keep the addresses given here (listen, announce, bootstrap, api, local) in config.json. @default false */
  save?: boolean
}

/** What the daemon tells its user after it is ready. */
export type DaemonNotice =
  | { notice: 'bootstrap-failed', address: string, reason: string }
  | { notice: 'no-peers' }
  | { notice: 'first-peer', peerId: string }

export interface Daemon {
  readonly node: OverlayNode
  readonly api: ApiServer
  readonly repo: Repo
  /** Resolves once the daemon has stopped (after `stop()` or an API shutdown). */
  readonly stopped: Promise<void>
  /**
   * Retries the bootstrap peers that did not answer at start (reporting those that still fail),
   * then reports being alone, and from then on each time the peer count falls to 0 or leaves it.
   */
  watchPeers(onNotice: (notice: DaemonNotice) => void): void
  stop(): Promise<void>
}

type AddressKey = 'listen' | 'api'

/** A dial error can quote whole nested errors; a notice is one line of at most this many characters. */
const MAX_REASON_CHARS = 300

/** Where a setting came from, as the user would change it: the flag, or the config key. */
function sourceOf (key: AddressKey, options: DaemonOptions, config: RepoConfig): string {
  if (options[key] === undefined && config[key] !== undefined) return `'${key}' in config.json (change it with 'overlay-node config ${key} …' or --${key})`
  return `--${key}`
}

function isAddressInUse (err: NodeJS.ErrnoException): boolean {
  return err.code === 'EADDRINUSE' || /EADDRINUSE|address already in use|already in use/i.test(err.message)
}

/** `/ip4/127.0.0.1/tcp/4001/p2p/Qm…` → `/ip4/127.0.0.1/tcp/4001`. */
const withoutPeerId = (address: string): string => address.replace(/\/p2p\/[^/]+$/, '')
const peerIdIn = (address: string): string | undefined => /\/p2p\/([^/]+)$/.exec(address)?.[1]

export async function startDaemon (options: DaemonOptions): Promise<Daemon> {
  const repo = new Repo(options.repo)
  if (!await repo.isInitialized()) await repo.init()
  const config = await repo.config()
  const privateKey = await repo.privateKey()
  const local = options.local ?? config.local ?? false
  const apiText = options.api ?? config.api ?? (local ? DEFAULT_LOCAL_API : DEFAULT_API)
  const api = parseApiAddress(apiText, { allowAnyPort: true })
  const listen = options.listen ?? config.listen
  const announce = options.announce ?? config.announce
  const bootstrap = options.bootstrap ?? config.bootstrap ?? []

  const releaseLock = await repo.lock()
  const cleanups: Array<() => Promise<void>> = [releaseLock]
  const unwind = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {})
  }
  try {
    const datastore = new LevelDatastore(repo.file(DATASTORE_DIR))
    await datastore.open()
    cleanups.push(async () => { await datastore.close() })

    const limits = config.inboundRateLimit === undefined ? {} : { chord: { inboundRateLimit: config.inboundRateLimit }, pastry: { inboundRateLimit: config.inboundRateLimit }, sir: { inboundRateLimit: config.inboundRateLimit } }
    const node = await createOverlayNode({ privateKey, datastore, local, listen, announce, bootstrap, ...limits }).catch((err: NodeJS.ErrnoException) => {
      if (!isAddressInUse(err)) throw err
      const addresses = listen ?? ['the default address']
      throw new InputError(`cannot listen on ${addresses.join(', ')}: address already in use; choose another with ${sourceOf('listen', options, config)}`)
    })
    cleanups.push(async () => { await node.stop() })

    let resolveStopped!: () => void
    const stopped = new Promise<void>(resolve => { resolveStopped = resolve })
    let stopping: Promise<void> | undefined
    const stop = async (): Promise<void> => {
      stopping ??= unwind().then(resolveStopped)
      await stopping
    }

    const server = await startApiServer(node, { host: api.host, port: api.port, onShutdown: () => { void stop() } }).catch((err: NodeJS.ErrnoException) => {
      if (!isAddressInUse(err)) throw err
      throw new InputError(`cannot serve the API on ${apiText}: address already in use; choose another with ${sourceOf('api', options, config)}`)
    })
    cleanups.push(async () => { await server.close() })
    await repo.writeApiAddress(server.url)
    cleanups.push(async () => { await repo.removeApiAddress() })

    const lasting = lastingConfig(config, options, { local, defaultListen: listen === undefined, defaultApi: options.api === undefined && config.api === undefined }, node, server)
    if (JSON.stringify(lasting) !== JSON.stringify(config)) await repo.writeConfig(lasting)
    return { node, api: server, repo, stopped, stop, watchPeers: (onNotice) => { watchPeers(node, bootstrap, () => stopping !== undefined, onNotice, cleanups) } }
  } catch (err) {
    await unwind()
    throw err
  }
}

/**
 * What config.json holds after a start: the flags given with `--save`, and for a `--local` repo
 * that used the default free ports, the ports it got, so the next start is reachable at the same
 * addresses (peers bootstrapped to it find it again).
 */
function lastingConfig (config: RepoConfig, options: DaemonOptions, profile: { local: boolean, defaultListen: boolean, defaultApi: boolean }, node: OverlayNode, server: ApiServer): RepoConfig {
  const next: RepoConfig = { ...config }
  if (options.save === true) {
    for (const key of ['listen', 'announce', 'bootstrap', 'api', 'local'] as const) {
      if (options[key] !== undefined) Object.assign(next, { [key]: options[key] })
    }
  }
  if (profile.local && profile.defaultListen && next.listen === undefined && (next.announce ?? []).length === 0) {
    next.listen = [...new Set(node.addresses().map(withoutPeerId))]
  }
  if (profile.local && profile.defaultApi && next.api === undefined) {
    next.api = `/ip4/127.0.0.1/tcp/${new URL(server.url).port}`
  }
  return next
}

function watchPeers (node: OverlayNode, bootstrap: string[], stopping: () => boolean, onNotice: (notice: DaemonNotice) => void, cleanups: Array<() => Promise<void>>): void {
  /** Whether the daemon had no peers when last looked at; undefined until the bootstrap retries end. */
  let alone: boolean | undefined
  const check = (): void => {
    if (alone === undefined || stopping()) return
    const peers = node.peers()
    if (peers.length === 0 && !alone) onNotice({ notice: 'no-peers' })
    if (peers.length > 0 && alone) onNotice({ notice: 'first-peer', peerId: peers[0].peerId })
    alone = peers.length === 0
  }
  node.libp2p.addEventListener('peer:connect', check)
  node.libp2p.addEventListener('peer:disconnect', check)
  cleanups.push(async () => {
    node.libp2p.removeEventListener('peer:connect', check)
    node.libp2p.removeEventListener('peer:disconnect', check)
  })

  const connected = new Set(node.peers().map(p => p.peerId))
  const missing = bootstrap.filter(address => !connected.has(peerIdIn(address) ?? ''))
  // The node dialled every bootstrap peer once already, logging failures only under DEBUG; a
  // second dial of those it is not connected to finds out why, and reports it.
  void Promise.all(missing.map(async address => {
    try {
      await node.connect(address)
    } catch (err) {
      const reason = (err as Error).message.replace(`cannot connect to ${address}: `, '').split('\n')[0].slice(0, MAX_REASON_CHARS)
      if (!stopping()) onNotice({ notice: 'bootstrap-failed', address, reason })
    }
  })).then(() => {
    alone = node.peers().length === 0
    if (alone && !stopping()) onNotice({ notice: 'no-peers' })
  })
}
