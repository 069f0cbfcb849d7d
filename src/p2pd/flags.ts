/**
 * The command line of go-libp2p-daemon's `p2pd`, as @libp2p/interop and other harnesses write it:
 * Go's flag syntax (`-name`, `-name=value`, `--name value`, booleans as `-name=true|false`) read
 * into typed options. Only the flags of the daemon contract are known; any other is refused, so a
 * harness never believes a setting took effect when it did not.
 */
import { UsageError } from '../cli/usage-error.js'

export const ENCRYPTIONS = ['noise', 'tls', 'plaintext'] as const
export type Encryption = typeof ENCRYPTIONS[number]
export const MUXERS = ['yamux', 'mplex'] as const
export type Muxer = typeof MUXERS[number]
export const PUBSUB_ROUTERS = ['gossipsub', 'floodsub'] as const
export type PubsubRouter = typeof PUBSUB_ROUTERS[number]

/**
 * Boolean flags of the contract (Go's `flag.Bool`), in Go's spelling. `-dhtServer` and `-pubsub`
 * are accepted and change nothing: our peer always serves Kademlia and always runs pubsub.
 */
export const BOOLEAN_FLAGS = ['noListenAddrs', 'noise', 'tls', 'plaintext', 'dhtServer', 'pubsub', 'relay'] as const
/** Flags that take a value (Go's `flag.String`). */
export const STRING_FLAGS = ['listen', 'hostAddrs', 'muxer', 'pubsubRouter', 'id'] as const

type BooleanFlag = typeof BOOLEAN_FLAGS[number]
type StringFlag = typeof STRING_FLAGS[number]

/** The loopback control address used when `-listen` is not given: any free port. */
export const DEFAULT_CONTROL_ADDRESS = '/ip4/127.0.0.1/tcp/0'
/** Host addresses used when `-hostAddrs` is not given: TCP on loopback, any free port. */
export const DEFAULT_HOST_ADDRESSES = ['/ip4/127.0.0.1/tcp/0']
/** Longest flag value quoted back in an error. */
const MAX_ECHO_CHARS = 64

export interface P2pdOptions {
  /** Where the control protocol listens (a /ip4/127.0.0.1/tcp/N multiaddr). */
  controlAddress: string
  /** Addresses the peer listens on; empty with `-noListenAddrs`. */
  hostAddresses: string[]
  /** Connection encrypters in preference order; Noise alone unless some are named. */
  encryptions: Encryption[]
  /** Stream muxers in preference order. */
  muxers: Muxer[]
  /** The publish/subscribe router behind the control protocol. */
  pubsubRouter: PubsubRouter
  /** Run a circuit relay v2 server (`-relay`). */
  relay: boolean
  /** A file holding a protobuf-encoded private key (`-id`); a fresh Ed25519 key when absent. */
  keyFile?: string
}

const quote = (text: string): string => text.length <= MAX_ECHO_CHARS ? `'${text}'` : `(${text.length} characters)`

function parseBoolean (name: string, value: string): boolean {
  // Go's strconv.ParseBool
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value)) return true
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(value)) return false
  throw new UsageError(`p2pd: -${name} takes true or false, got ${quote(value)}`)
}

function oneOf<T extends string> (name: string, value: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(value)) throw new UsageError(`p2pd: -${name} must be one of ${choices.join(', ')}, got ${quote(value)}`)
  return value as T
}

/** A comma-separated list, empty items dropped (Go's p2pd splits -hostAddrs and -muxer this way). */
const list = (value: string): string[] => value.split(',').map(s => s.trim()).filter(s => s !== '')

/** Reads a go-style command line; a malformed or unknown flag is a UsageError (exit 2). */
export function parseP2pdFlags (argv: string[]): P2pdOptions {
  const booleans = new Map<BooleanFlag, boolean>()
  const strings = new Map<StringFlag, string>()
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    const match = /^--?([A-Za-z][A-Za-z0-9]*)(?:=(.*))?$/s.exec(arg)
    if (match === null) throw new UsageError(`p2pd takes only flags, got ${quote(arg)} (see 'overlay-node p2pd --help')`)
    const [, name, inline] = match
    if ((BOOLEAN_FLAGS as readonly string[]).includes(name)) {
      booleans.set(name as BooleanFlag, inline === undefined ? true : parseBoolean(name, inline))
    } else if ((STRING_FLAGS as readonly string[]).includes(name)) {
      const value = inline ?? argv[++i]
      if (value === undefined) throw new UsageError(`p2pd: -${name} needs a value`)
      strings.set(name as StringFlag, value)
    } else {
      throw new UsageError(`p2pd: unknown flag ${quote(arg)} (see 'overlay-node p2pd --help')`)
    }
  }

  const named = ENCRYPTIONS.filter(e => booleans.get(e) === true)
  const muxers = list(strings.get('muxer') ?? 'yamux').map(m => oneOf('muxer', m, MUXERS))
  if (muxers.length === 0) throw new UsageError('p2pd: -muxer names no muxer')
  const noListen = booleans.get('noListenAddrs') === true
  const hostAddrs = strings.get('hostAddrs')
  if (noListen && hostAddrs !== undefined) throw new UsageError('p2pd: -noListenAddrs and -hostAddrs exclude each other')
  const keyFile = strings.get('id')
  if (keyFile === '') throw new UsageError('p2pd: -id needs a file name')

  return {
    controlAddress: strings.get('listen') ?? DEFAULT_CONTROL_ADDRESS,
    hostAddresses: noListen ? [] : hostAddrs === undefined ? [...DEFAULT_HOST_ADDRESSES] : list(hostAddrs),
    encryptions: named.length === 0 ? ['noise'] : named,
    muxers: [...new Set(muxers)],
    pubsubRouter: oneOf('pubsubRouter', strings.get('pubsubRouter') ?? 'gossipsub', PUBSUB_ROUTERS),
    relay: booleans.get('relay') === true,
    keyFile
  }
}
