/**
 * The repo folder: config file, private key (mode 0600), persistent datastore, daemon lock and the
 * running daemon's API address. Invariant: at most one daemon holds a repo's lock; a lock left by a
 * process that is gone is taken over, a live one is refused with a RepoLockedError. The CLI loads
 * this module for every command, so the key code (@libp2p/crypto) is imported only where a key is
 * made or read.
 */
import { constants } from 'node:fs'
import { chmod, mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { rateLimitConfig, type RateLimitInit } from '../libp2p/rate-limit.js'
import { InputError } from './errors.js'
import type { PrivateKey } from '@libp2p/interface'

export const CONFIG_FILE = 'config.json'
export const KEY_FILE = 'identity.key'
export const LOCK_FILE = 'repo.lock'
export const API_FILE = 'api'
export const DATASTORE_DIR = 'datastore'

/** Where the repo lives when neither `--repo` nor OVERLAY_NODE_REPO says otherwise. */
export function defaultRepoPath (): string {
  return process.env.OVERLAY_NODE_REPO ?? join(homedir(), '.overlay-node')
}

/**
 * What config.json holds. A field left out takes the profile's default at start (see daemon.ts),
 * and a command-line flag overrides it for one run.
 */
export interface RepoConfig {
  /** Written at init for people reading the file; the key file is the source of truth. */
  peerId: string
  listen?: string[]
  announce?: string[]
  bootstrap?: string[]
  /** Control API address on 127.0.0.1: a multiaddr (`/ip4/127.0.0.1/tcp/5101`) or a URL. */
  api?: string
  local?: boolean
  /** Inbound requests per second and burst, per peer and in total, for each of Chord, Pastry and SIR (rate-limit.ts). */
  inboundRateLimit?: RateLimitInit
}

/** The keys config.json may hold, each with what it takes (for `config` and for the error that lists them). */
export const CONFIG_KEYS: Readonly<Record<keyof RepoConfig, string>> = {
  peerId: 'the peer id, written at init from the key (read-only)',
  listen: 'array of multiaddrs to listen on',
  announce: 'array of multiaddrs to announce instead',
  bootstrap: 'array of multiaddrs (…/p2p/<id>) to dial at start',
  api: 'the control API address: /ip4/127.0.0.1/tcp/<port> or http://127.0.0.1:<port>',
  local: 'true or false: the profile for networks on 127.0.0.1',
  inboundRateLimit: 'object with any of perPeerPerSecond (100), perPeerBurst (500), totalPerSecond (2000), totalBurst (5000): inbound requests per second and burst, per peer and in total, for each of Chord, Pastry and SIR'
}

const RATE_LIMIT_FIELDS = ['perPeerPerSecond', 'perPeerBurst', 'totalPerSecond', 'totalBurst'] as const

/**
 * Checks an `inboundRateLimit` value as the services will read it: an object of the four known
 * fields, each a positive number (bursts at least 1). Throws an Error that names the bad field.
 */
export function checkInboundRateLimit (value: unknown): RateLimitInit {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`takes an object with any of ${RATE_LIMIT_FIELDS.join(', ')}`)
  const unknown = Object.keys(value).filter(k => !(RATE_LIMIT_FIELDS as readonly string[]).includes(k))
  if (unknown.length > 0) throw new Error(`unknown field '${unknown[0].slice(0, 64)}' (known: ${RATE_LIMIT_FIELDS.join(', ')})`)
  const init = value as Record<string, unknown>
  for (const field of RATE_LIMIT_FIELDS) {
    if (init[field] !== undefined && typeof init[field] !== 'number') throw new Error(`${field} must be a number`)
  }
  try {
    rateLimitConfig(init as RateLimitInit)
  } catch (err) {
    throw new Error((err as Error).message.replace(/^rate limit: /, ''))
  }
  return { ...init } as RateLimitInit
}

/** Where an API is reached: the host and port it listens on and the URL clients call. */
export interface ApiEndpoint {
  host: string
  port: number
  url: string
}

const API_MULTIADDR = /^\/(ip4|ip6|dns|dns4|dns6)\/([^/]+)\/tcp\/(\d{1,5})\/?$/
const API_URL = /^http:\/\/(\[[0-9a-fA-F:.]+\]|[^/:[\]]+):(\d{1,5})\/?$/

/**
 * Reads an API address in either form every command takes: a multiaddr `/ip4/127.0.0.1/tcp/5101`
 * or a URL `http://127.0.0.1:5101`. Port 0 ("any free port") only makes sense to a daemon.
 */
export function parseApiAddress (text: string, { allowAnyPort = false } = {}): ApiEndpoint {
  const ma = API_MULTIADDR.exec(text)
  const url = ma === null ? API_URL.exec(text) : null
  const host = ma !== null ? ma[2] : url?.[1].replace(/^\[|\]$/g, '')
  const port = Number(ma !== null ? ma[3] : url?.[2])
  if (host === undefined || !Number.isInteger(port) || port > 65_535 || (port === 0 && !allowAnyPort)) {
    throw new InputError(`API address '${text}' must look like /ip4/127.0.0.1/tcp/<port> or http://127.0.0.1:<port>`)
  }
  return { host, port, url: `http://${host.includes(':') ? `[${host}]` : host}:${port}` }
}

/** The repo is missing or not initialized, or is locked by a live daemon. */
export class RepoError extends InputError {
  override readonly name: string = 'RepoError'
}

export class RepoLockedError extends RepoError {
  override readonly name = 'RepoLockedError'
}

export class Repo {
  readonly path: string

  constructor (path: string) {
    this.path = resolve(path)
  }

  file (name: string): string {
    return join(this.path, name)
  }

  async isInitialized (): Promise<boolean> {
    return await exists(this.file(KEY_FILE)) && await exists(this.file(CONFIG_FILE))
  }

  /** Creates the folder, a new key pair and the config. Refuses an initialized repo. */
  async init (overrides: Partial<RepoConfig> = {}): Promise<{ peerId: string, config: RepoConfig }> {
    if (await this.isInitialized()) throw new RepoError(`repo ${this.path} is already initialized (choose another --repo for a new identity)`)
    await mkdir(this.path, { recursive: true, mode: 0o700 })
    const { generateKeyPair, privateKeyToProtobuf } = await import('@libp2p/crypto/keys')
    const { peerIdFromPrivateKey } = await import('@libp2p/peer-id')
    const key = await generateKeyPair('Ed25519')
    const keyFile = this.file(KEY_FILE)
    await writeFile(keyFile, privateKeyToProtobuf(key), { mode: 0o600, flag: 'wx' })
    await chmod(keyFile, 0o600)
    const peerId = peerIdFromPrivateKey(key).toString()
    const config: RepoConfig = { ...overrides, peerId }
    await this.writeConfig(config)
    return { peerId, config }
  }

  /** Writes the whole config (checked first), through a temporary file so a crash never leaves half a file. */
  async writeConfig (config: RepoConfig): Promise<void> {
    const file = this.file(CONFIG_FILE)
    const checked = validateConfig(JSON.parse(JSON.stringify(config)), file)
    const temporary = `${file}.${process.pid}.tmp`
    await writeFile(temporary, JSON.stringify(checked, null, 2) + '\n', { mode: 0o600 })
    await rename(temporary, file)
  }

  /** Sets one key (`undefined` removes it, so the default applies again); returns the new config. */
  async setConfig<K extends keyof RepoConfig> (key: K, value: RepoConfig[K] | undefined): Promise<RepoConfig> {
    if (key === 'peerId') throw new RepoError(`'peerId' is read-only: it is derived from ${KEY_FILE}`)
    const config = { ...await this.config(), [key]: value }
    await this.writeConfig(config)
    return await this.config()
  }

  async privateKey (): Promise<PrivateKey> {
    const keyFile = this.file(KEY_FILE)
    const info = await statOrThrow(keyFile, `repo ${this.path} is not initialized (run 'overlay-node init --repo ${this.path}')`)
    if ((info.mode & 0o077) !== 0) {
      throw new RepoError(`key file ${keyFile} is readable by others (mode ${(info.mode & 0o777).toString(8)}); run 'chmod 600 ${keyFile}'`)
    }
    const { privateKeyFromProtobuf } = await import('@libp2p/crypto/keys')
    try {
      return privateKeyFromProtobuf(await readFile(keyFile))
    } catch (err) {
      throw new RepoError(`key file ${keyFile} is corrupt: ${(err as Error).message}`)
    }
  }

  async config (): Promise<RepoConfig> {
    const file = this.file(CONFIG_FILE)
    await statOrThrow(file, `repo ${this.path} is not initialized (run 'overlay-node init --repo ${this.path}')`)
    let parsed: unknown
    try {
      parsed = JSON.parse(await readFile(file, 'utf8'))
    } catch (err) {
      throw new RepoError(`config ${file} is not valid JSON: ${(err as Error).message}`)
    }
    return validateConfig(parsed, file)
  }

  /**
   * Takes the daemon lock (O_EXCL on repo.lock holding our pid). A lock whose pid is no longer
   * running is stale and taken over. Returns the function that releases it.
   */
  async lock (): Promise<() => Promise<void>> {
    const file = this.file(LOCK_FILE)
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const handle = await open(file, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600)
        await handle.writeFile(String(process.pid))
        await handle.close()
        return async () => { await rm(file, { force: true }) }
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
        const holder = Number.parseInt(await readFile(file, 'utf8').catch(() => ''), 10)
        if (Number.isInteger(holder) && holder !== process.pid && isRunning(holder)) {
          throw new RepoLockedError(`repo ${this.path} is in use by a running daemon (pid ${holder}); stop it with 'overlay-node shutdown --repo ${this.path}', or choose another --repo`)
        }
        await rm(file, { force: true })
      }
    }
    throw new RepoLockedError(`cannot take the lock ${file}`)
  }

  async writeApiAddress (url: string): Promise<void> {
    await writeFile(this.file(API_FILE), url + '\n', { mode: 0o600 })
  }

  async removeApiAddress (): Promise<void> {
    await rm(this.file(API_FILE), { force: true })
  }

  /** The running daemon's API URL, or undefined if no daemon has written one. */
  async apiAddress (): Promise<string | undefined> {
    try {
      const text = (await readFile(this.file(API_FILE), 'utf8')).trim()
      return text === '' ? undefined : text
    } catch {
      return undefined
    }
  }
}

function isRunning (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function exists (path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch {
    return false
  }
}

async function statOrThrow (path: string, message: string): Promise<import('node:fs').Stats> {
  try {
    return await stat(path)
  } catch {
    throw new RepoError(message)
  }
}

function optionalStrings (value: unknown, field: string, file: string): string[] | undefined {
  if (value === undefined) return undefined
  if (!Array.isArray(value) || !value.every(v => typeof v === 'string')) {
    throw new RepoError(`config ${file}: '${field}' must be an array of strings`)
  }
  return value
}

const knownKeys = (): string => Object.keys(CONFIG_KEYS).join(', ')

/** Checks a parsed config: an object of known keys only (a typo such as `lisen` is refused, not ignored). */
export function validateConfig (value: unknown, file: string): RepoConfig {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RepoError(`config ${file} must be a JSON object (known keys: ${knownKeys()})`)
  }
  const v = value as Record<string, unknown>
  const unknown = Object.keys(v).filter(key => !Object.hasOwn(CONFIG_KEYS, key))
  if (unknown.length > 0) {
    throw new RepoError(`config ${file}: unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map(k => `'${k.slice(0, 64)}'`).join(', ')} (known keys: ${knownKeys()})`)
  }
  if (v.peerId !== undefined && typeof v.peerId !== 'string') throw new RepoError(`config ${file}: 'peerId' must be a string`)
  if (v.api !== undefined) {
    if (typeof v.api !== 'string') throw new RepoError(`config ${file}: 'api' must be a string`)
    try {
      parseApiAddress(v.api, { allowAnyPort: true })
    } catch (err) {
      throw new RepoError(`config ${file}: ${(err as Error).message}`)
    }
  }
  if (v.local !== undefined && typeof v.local !== 'boolean') throw new RepoError(`config ${file}: 'local' must be true or false`)
  let inboundRateLimit: RateLimitInit | undefined
  try {
    inboundRateLimit = v.inboundRateLimit === undefined ? undefined : checkInboundRateLimit(v.inboundRateLimit)
  } catch (err) {
    throw new RepoError(`config ${file}: 'inboundRateLimit' ${(err as Error).message}`)
  }
  const config: RepoConfig = {
    peerId: typeof v.peerId === 'string' ? v.peerId : '',
    listen: optionalStrings(v.listen, 'listen', file),
    announce: optionalStrings(v.announce, 'announce', file),
    bootstrap: optionalStrings(v.bootstrap, 'bootstrap', file),
    api: v.api as string | undefined,
    local: v.local as boolean | undefined,
    inboundRateLimit
  }
  for (const key of Object.keys(config) as Array<keyof RepoConfig>) if (config[key] === undefined) delete config[key]
  return config
}
