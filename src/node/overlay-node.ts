/**
 * Assembles one peer: libp2p 3 with the stock Kademlia and GossipSub services and our own
 * overlays, each exposed as a DhtBackend or PubsubBackend. This is the one place a new overlay is
 * added. Public methods turn final failures into the named errors of errors.ts.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { MemoryDatastore } from 'datastore-core'
import { ConnectionTrimmer } from '../libp2p/connection-trimmer.js'
import { BootstrapRedial } from './bootstrap-redial.js'
import type { ConnectionTrimmerInit } from '../libp2p/connection-trimmer.js'
import { Registry } from 'prom-client'
import { InputError, NetworkError, NotFoundError } from './errors.js'
import { gossipsubBackend } from './gossipsub-backend.js'
import { kadBackend, kadRawBackend } from './kad-backend.js'
import { sirBackend } from './sir-backend.js'
import { buildLibp2pOptions, OVERLAY_NAMES } from './libp2p-options.js'
import { registerOverlaySeries } from './metrics.js'
import type { OverlayName, PeerOptionsInit } from './libp2p-options.js'
import type { DhtBackend, PubsubBackend } from './backends.js'
import type { KadRawBackend } from './kad-backend.js'
import type { ChordService } from '../libp2p/chord-service.js'
import type { PastryService } from '../libp2p/pastry-service.js'
import type { SirService, SirServiceInit } from '../libp2p/sir-service.js'
import type { GossipSub } from '@libp2p/gossipsub'
import type { Identify } from '@libp2p/identify'
import type { PrivateKey, PeerId, Libp2p } from '@libp2p/interface'
import type { KadDHT } from '@libp2p/kad-dht'
import type { Ping } from '@libp2p/ping'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Datastore } from 'interface-datastore'

export interface OverlayServices {
  identify: Identify
  ping: Ping
  dht: KadDHT
  pubsub: GossipSub
  /** Absent when the node runs without Chord (`overlays`). */
  chord?: ChordService
  pastry?: PastryService
  sir?: SirService
  [key: string]: unknown
}

export interface OverlayNodeConfig {
  /** The node's identity. @default a new Ed25519 key (an ephemeral peer) */
  privateKey?: PrivateKey
  /**
   * Addresses to listen on.
   * @default ['/ip4/0.0.0.0/tcp/4001'], or ['/ip4/127.0.0.1/tcp/0'] when `local`
   */
  listen?: string[]
  /** Addresses to announce instead of the listen addresses. @default [] */
  announce?: string[]
  /** Peers (multiaddrs ending in /p2p/<id>) to dial at start. @default [] */
  bootstrap?: string[]
  /** Persistent store for the peer store and DHT records. @default in memory */
  datastore?: Datastore
  /** The profile for networks where every peer is on 127.0.0.1. @default false */
  local?: boolean
  /** How long a DHT operation, dial or ping may take before it fails. @default 30_000 */
  queryTimeoutMs?: number
  /** Our overlays to run beside the stock Kademlia and GossipSub. @default ['chord', 'pastry', 'sir'] */
  overlays?: readonly OverlayName[]
  /** Connection water marks and grace period (src/libp2p/connection-trimmer.ts). @default TRIMMER_DEFAULTS */
  connections?: ConnectionTrimmerInit
  /** SIR's options, when SIR runs. @default the service's defaults */
  sir?: SirServiceInit
  /** Chord's options (store quotas, inbound rate limit), when Chord runs. @default the service's defaults */
  chord?: PeerOptionsInit['chord']
  /** Pastry's options, when Pastry runs. @default the service's defaults */
  pastry?: PeerOptionsInit['pastry']
}

export interface PeerSummary {
  peerId: string
  addresses: string[]
}

export interface FoundPeer extends PeerSummary {
  latencyMs: number
}

export const DEFAULT_LISTEN = ['/ip4/0.0.0.0/tcp/4001']
export const DEFAULT_LOCAL_LISTEN = ['/ip4/127.0.0.1/tcp/0']
export const DEFAULT_QUERY_TIMEOUT_MS = 30_000
/** Bootstrap dials in flight at once: joining many peers at once overloads loopback (measured). */
const BOOTSTRAP_DIAL_CONCURRENCY = 4
/** One bootstrap dial may take this long before the peer is skipped. */
const BOOTSTRAP_DIAL_TIMEOUT_MS = 10_000

export interface OverlayNode {
  readonly libp2p: Libp2p<OverlayServices>
  readonly peerId: PeerId
  /** This node's Prometheus registry (one per node, so several nodes can share a process). */
  readonly metricsRegistry: Registry
  /** Where libp2p and kad-dht keep their state (kad's records under /dht/record); the one given, or a memory one. */
  readonly datastore: Datastore
  addresses(): string[]
  peers(): PeerSummary[]
  /** Connections the trimmer closed since start (src/libp2p/connection-trimmer.ts). */
  connectionCounters(): Readonly<ConnectionTrimmer['counters']>
  connect(address: string): Promise<PeerSummary>
  /** Round-trip time in milliseconds. */
  ping(peer: string): Promise<number>
  /**
   * A peer's addresses through libp2p's peer routing (kad-dht's findPeer: this node's peer store
   * and routing table first, then a FIND_NODE walk). NotFoundError when no peer knows one.
   */
  findPeer(peer: string): Promise<FoundPeer>
  /** The named DHT (`kad`, `chord`, `pastry`); InputError for an unknown name. */
  dht(name: string): DhtBackend
  /** kad-dht records under raw keys in any namespace this node validates (`/pk/…`, `/ov/…`). */
  readonly kadRaw: KadRawBackend
  /** The named publish/subscribe overlay (`gossipsub`, `sir`); InputError for an unknown name. */
  pubsub(name: string): PubsubBackend
  /** The state of one of our overlays (`chord`, `pastry`, `sir`), as plain JSON. */
  status(overlay: string): unknown
  /** Stops the peer; Chord and Pastry first leave gracefully (records handed on, neighbours told). */
  stop(): Promise<void>
  /** Stops the peer without a goodbye from Chord or Pastry, as a crash would (for tests and benchmarks). */
  crash(): Promise<void>
}

/** Parses a multiaddr string, turning the library's error into an InputError that quotes it. */
export function parseMultiaddr (text: string): Multiaddr {
  try {
    return multiaddr(text)
  } catch (err) {
    throw new InputError(`malformed multiaddr '${text}': ${(err as Error).message}`)
  }
}

/** The peer id in a multiaddr's /p2p/ component, if it has one. */
function peerIdOf (ma: Multiaddr): string | undefined {
  return ma.getComponents().findLast(c => c.name === 'p2p')?.value
}

function parsePeer (text: string): PeerId | Multiaddr {
  if (text.startsWith('/')) return parseMultiaddr(text)
  try {
    return peerIdFromString(text)
  } catch {
    throw new InputError(`'${text}' is neither a peer id nor a multiaddr`)
  }
}

function pick<T> (table: Map<string, T>, kind: string, name: string): T {
  const found = table.get(name)
  if (found === undefined) throw new InputError(`unknown ${kind} '${name}' (known: ${[...table.keys()].join(', ')})`)
  return found
}

export async function createOverlayNode (config: OverlayNodeConfig = {}): Promise<OverlayNode> {
  const local = config.local ?? false
  const queryTimeoutMs = config.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS
  if (!Number.isInteger(queryTimeoutMs) || queryTimeoutMs <= 0) {
    throw new InputError(`queryTimeoutMs must be a positive integer, got ${queryTimeoutMs}`)
  }
  const bootstrap = (config.bootstrap ?? []).map(parseMultiaddr)
  const bootstrapIds = bootstrap.map(peerIdOf).filter((id): id is string => id !== undefined)
  const listen = config.listen ?? (local ? DEFAULT_LOCAL_LISTEN : DEFAULT_LISTEN)
  listen.forEach(parseMultiaddr)
  const announce = config.announce ?? []
  announce.forEach(parseMultiaddr)

  const overlays = new Set(config.overlays ?? OVERLAY_NAMES)
  for (const name of overlays) {
    if (!(OVERLAY_NAMES as readonly string[]).includes(name)) throw new InputError(`unknown overlay '${name}' (known: ${OVERLAY_NAMES.join(', ')})`)
  }

  const metricsRegistry = new Registry()
  const datastore = config.datastore ?? new MemoryDatastore()
  const privateKey = config.privateKey ?? await generateKeyPair('Ed25519')
  const libp2p = await createLibp2p(buildLibp2pOptions({
    privateKey,
    listen,
    announce,
    datastore,
    local,
    metricsRegistry,
    bootstrapPeers: bootstrapIds,
    overlays,
    sir: config.sir,
    chord: config.chord,
    pastry: config.pastry
  })) as unknown as Libp2p<OverlayServices>

  const { chord, pastry, sir } = libp2p.services
  const dhts = new Map<string, DhtBackend>([['kad', kadBackend(libp2p.services.dht, libp2p.peerId, queryTimeoutMs, privateKey)]])
  const statuses = new Map<string, () => unknown>()
  const pubsubs = new Map<string, PubsubBackend>([['gossipsub', gossipsubBackend(libp2p.services.pubsub)]])
  if (chord !== undefined) { dhts.set('chord', chord); statuses.set('chord', () => chord.status()) }
  if (pastry !== undefined) { dhts.set('pastry', pastry); statuses.set('pastry', () => pastry.status()) }
  if (sir !== undefined) { pubsubs.set('sir', sirBackend(sir)); statuses.set('sir', () => sir.status()) }
  const overlayMetrics = registerOverlaySeries(metricsRegistry, { chord, pastry, sir })
  for (const [name, backend] of dhts) dhts.set(name, overlayMetrics.instrumentDht(name, backend))

  const trimmer = new ConnectionTrimmer({
    self: libp2p.peerId.toString(),
    getConnections: () => libp2p.getConnections(),
    peerStore: libp2p.peerStore,
    log: libp2p.logger.forComponent('overlay:connections')
  }, [chord, pastry, sir].filter(k => k !== undefined), config.connections)
  trimmer.start()

  await dialAll(libp2p, bootstrap)
  const redial = new BootstrapRedial({
    needed: () => [chord, pastry].some(d => d !== undefined && !d.joined) || libp2p.getConnections().length === 0,
    connected: () => libp2p.getConnections().some(c => bootstrapIds.includes(c.remotePeer.toString())),
    dial: async () => { await dialAll(libp2p, bootstrap) },
    // Unreferenced: a node stopped through libp2p alone must not keep its process alive.
    setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
    clearTimeout: (timer) => { clearTimeout(timer as ReturnType<typeof setTimeout>) },
    random: Math.random
  })
  if (bootstrap.length > 0) redial.start()

  const summary = (peerId: PeerId): PeerSummary => ({
    peerId: peerId.toString(),
    addresses: libp2p.getConnections(peerId).map(c => c.remoteAddr.toString())
  })

  return {
    libp2p,
    peerId: libp2p.peerId,
    metricsRegistry,
    datastore,
    addresses: () => libp2p.getMultiaddrs().map(ma => ma.toString()),
    peers: () => libp2p.getPeers().map(summary),
    connectionCounters: () => ({ ...trimmer.counters }),

    async connect (address) {
      const target = parseMultiaddr(address)
      try {
        const connection = await libp2p.dial(target, { signal: AbortSignal.timeout(queryTimeoutMs) })
        return summary(connection.remotePeer)
      } catch (err) {
        throw new NetworkError(`cannot connect to ${address}: ${(err as Error).message}`)
      }
    },

    async ping (peer) {
      const target = parsePeer(peer)
      try {
        return await libp2p.services.ping.ping(target as Multiaddr, { signal: AbortSignal.timeout(queryTimeoutMs) })
      } catch (err) {
        throw new NetworkError(`cannot ping ${peer}: ${(err as Error).message}`)
      }
    },

    async findPeer (peer) {
      let id: PeerId
      try {
        id = peerIdFromString(peer)
      } catch {
        throw new InputError(`'${peer}' is not a peer id`)
      }
      if (id.equals(libp2p.peerId)) throw new InputError(`cannot find ${peer}: it is this node's own peer id`)
      const started = performance.now()
      let found
      try {
        found = await libp2p.peerRouting.findPeer(id, { signal: AbortSignal.timeout(queryTimeoutMs) })
      } catch (err) {
        // libp2p's peer routing logs each router's failure and then reports NotFoundError.
        if ((err as Error).name === 'NotFoundError') throw new NotFoundError(`no peer knows an address of ${peer} (kad-dht findPeer)`)
        throw new NetworkError(`cannot find ${peer}: ${(err as Error).message}`)
      }
      if (found.multiaddrs.length === 0) throw new NotFoundError(`no peer knows an address of ${peer} (kad-dht findPeer)`)
      return { peerId: found.id.toString(), addresses: found.multiaddrs.map(ma => ma.toString()), latencyMs: performance.now() - started }
    },

    dht: (name) => pick(dhts, 'DHT', name),
    kadRaw: kadRawBackend(libp2p.services.dht, libp2p.peerId, queryTimeoutMs),
    pubsub: (name) => pick(pubsubs, 'pubsub overlay', name),
    status: (overlay) => pick(statuses, 'overlay', overlay)(),

    async stop () {
      trimmer.stop()
      redial.stop()
      await libp2p.stop()
    },

    async crash () {
      trimmer.stop()
      redial.stop()
      for (const dht of [chord, pastry]) if (dht !== undefined) dht.leaveOnStop = false
      await libp2p.stop()
    }
  }
}

/** Dials the bootstrap peers a few at a time; a peer that does not answer is logged, not fatal. */
async function dialAll (libp2p: Libp2p<OverlayServices>, targets: Multiaddr[]): Promise<void> {
  const log = libp2p.logger.forComponent('overlay:node')
  const queue = [...targets]
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      try {
        await libp2p.dial(next, { signal: AbortSignal.timeout(BOOTSTRAP_DIAL_TIMEOUT_MS) })
      } catch (err) {
        log.error('bootstrap dial to %s failed: %s', next.toString(), (err as Error).message)
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(BOOTSTRAP_DIAL_CONCURRENCY, queue.length) }, worker))
}
