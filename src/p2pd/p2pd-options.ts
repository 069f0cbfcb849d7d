/**
 * libp2p options for `overlay-node p2pd`: exactly our peer (buildLibp2pOptions: kad-dht,
 * gossipsub, identify, ping and our Chord, Pastry and SIR overlays) with the transport security,
 * muxers, pubsub router and relay that the daemon flags ask for. The encrypters, muxers, floodsub
 * and the circuit relay beyond the main daemon's Noise + Yamux + gossipsub are the stock libp2p
 * modules, and exist only in this mode.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { circuitRelayServer, circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { multiaddr } from '@multiformats/multiaddr'
import { Registry } from 'prom-client'
import { buildLibp2pOptions, OVERLAY_NAMES } from '../node/libp2p-options.js'
import { UsageError } from '../cli/usage-error.js'
import type { Encryption, Muxer, P2pdOptions } from './flags.js'
import type { PrivateKey } from '@libp2p/interface'
import type { Libp2pOptions } from 'libp2p'

type Encrypter = NonNullable<Libp2pOptions['connectionEncrypters']>[number]
type MuxerFactory = NonNullable<Libp2pOptions['streamMuxers']>[number]

// The modules the main daemon lacks load only when named: TLS alone takes about a second to
// import (measured), and the interop suite starts this daemon over a hundred times.
const ENCRYPTERS: Record<Encryption, () => Promise<Encrypter>> = {
  noise: async () => noise(),
  tls: async () => (await import('@libp2p/tls')).tls(),
  plaintext: async () => (await import('@libp2p/plaintext')).plaintext()
}

const MUXER_FACTORIES: Record<Muxer, () => Promise<MuxerFactory>> = {
  yamux: async () => yamux(),
  mplex: async () => (await import('@libp2p/mplex')).mplex()
}

/** Whether a multiaddr's IP is loopback (127.0.0.0/8 or ::1). */
export function isLoopback (address: string): boolean {
  const ip = multiaddr(address).getComponents().find(c => c.name === 'ip4' || c.name === 'ip6')
  return ip !== undefined && (ip.name === 'ip4' ? ip.value?.startsWith('127.') === true : ip.value === '::1')
}

/** The protocol names of a multiaddr (`['ip4', 'tcp']`); a malformed one is a UsageError naming `flag`. */
function componentNames (flag: string, address: string): string[] {
  try {
    return multiaddr(address).getComponents().map(c => c.name)
  } catch (err) {
    throw new UsageError(`p2pd: -${flag}: malformed multiaddr '${address.slice(0, 64)}': ${(err as Error).message}`)
  }
}

/**
 * The control address: TCP on loopback only, since the control protocol has no authentication
 * and lets whoever reaches it dial, open streams and write DHT records as this peer.
 */
export function checkControlAddress (address: string): void {
  const names = componentNames('listen', address)
  if (names.length !== 2 || names[1] !== 'tcp' || !isLoopback(address)) {
    throw new UsageError(`p2pd: -listen must be a TCP address on loopback such as /ip4/127.0.0.1/tcp/0, got '${address.slice(0, 64)}'`)
  }
}

/** Host addresses: TCP (the transport we have) or a /p2p-circuit relay address. */
export function checkHostAddress (address: string): void {
  const names = componentNames('hostAddrs', address)
  if (!names.includes('p2p-circuit') && names[1] !== 'tcp') {
    throw new UsageError(`p2pd: -hostAddrs: only TCP and /p2p-circuit addresses are served, got '${address.slice(0, 64)}'`)
  }
}

export async function buildP2pdOptions (options: P2pdOptions, privateKey: PrivateKey): Promise<Libp2pOptions<any>> {
  options.hostAddresses.forEach(checkHostAddress)
  // The loopback profile when every address is on this host, as in every interop harness.
  const local = options.hostAddresses.every(isLoopback)
  const base = buildLibp2pOptions({
    privateKey,
    listen: options.hostAddresses,
    announce: [],
    local,
    metricsRegistry: new Registry(),
    bootstrapPeers: [],
    overlays: new Set(OVERLAY_NAMES)
  })
  const services = { ...base.services }
  if (options.pubsubRouter === 'floodsub') services.pubsub = (await import('@libp2p/floodsub')).floodsub()
  if (options.relay) services.relay = circuitRelayServer()
  return {
    ...base,
    transports: [...(base.transports ?? []), circuitRelayTransport()],
    connectionEncrypters: await Promise.all(options.encryptions.map(async e => await ENCRYPTERS[e]())),
    streamMuxers: await Promise.all(options.muxers.map(async m => await MUXER_FACTORIES[m]())),
    services
  }
}
