/**
 * The SIR gossip libp2p service, `/overlay/sir/3.0.0`: `services: { sir: sir(init) }`. It runs the
 * pure SirNode (src/sir) on a StreamRuntime, signs the rumors it publishes with the node's own key
 * and verifies every rumor received against the key its origin's peer id names. Its view is the
 * set of connected peers that speak the protocol (the registrar topology), bounded by the node.
 */
import { publicKeyFromMultihash } from '@libp2p/crypto/keys'
import { peerIdFromMultihash } from '@libp2p/peer-id'
import * as Digest from 'multiformats/hashes/digest'
import { BoundedLru } from '../core/bounded.js'
import { SirNode, type SirSpreading } from '../sir/sir-node.js'
import { decodeSirRequest, decodeSirResponse, encodeSirRequest, encodeSirResponse, MAX_FRAME_BYTES } from '../wire/sir.js'
import { InputError, NetworkError } from './errors.js'
import { REUSED_MAX_INBOUND_STREAMS, REUSED_MAX_OUTBOUND_STREAMS, StreamRuntime } from './stream-runtime.js'
import type { ConnectionKeeper } from './connection-trimmer.js'
import type { OverlayComponents } from './overlay-service.js'
import type { RateLimitInit } from './rate-limit.js'
import type { FrameCodec } from './stream-runtime.js'
import type { SirInit } from '../sir/config.js'
import type { SirMessage, SirRequest, SirResponse } from '../sir/messages.js'
import type { RumorSigner, RumorVerifier } from '../sir/rumor.js'
import type { PrivateKey, PublicKey, Startable } from '@libp2p/interface'

export const SIR_PROTOCOL = '/overlay/sir/3.0.0'

/** Origins whose public keys are kept decoded; a miss costs one multihash parse. */
const MAX_CACHED_KEYS = 4096

export interface SirServiceInit extends SirInit {
  /** @default '/overlay/sir/3.0.0' */
  protocol?: string
  /** Concurrent inbound SIR streams per connection; a peer reuses one. @default 4 (REUSED_MAX_INBOUND_STREAMS) */
  maxInboundStreams?: number
  /** Concurrent outbound SIR streams per connection; we reuse one per peer. @default 4 (REUSED_MAX_OUTBOUND_STREAMS) */
  maxOutboundStreams?: number
  /** Time to finish an inbound frame once begun, and to drain its answer. @default 10_000 */
  inboundTimeoutMs?: number
  /** Inbound requests per second and burst, per peer and in total (rate-limit.ts). @default 100/s, burst 500 per peer; 2000/s, burst 5000 in total */
  inboundRateLimit?: RateLimitInit
}

export interface SirComponentsLibp2p extends OverlayComponents {
  privateKey: PrivateKey
}

export interface SirDelivery {
  id: string
  topic: string
  /** The origin's peer id (signature verified). */
  origin: string
  /** The peer that passed it on. */
  from: string
  payload: Uint8Array
}

export interface SirServiceStatus {
  self: string
  viewSize: number
  storedRumors: number
  infectedRumors: number
  removedRumors: number
  counters: Record<string, number>
}

export interface SirService extends Startable, ConnectionKeeper {
  readonly protocol: string
  /** Publishes a rumor; returns its id and the number of peers in the view it will spread to. */
  publish(topic: string, payload: Uint8Array): { id: string, peers: number }
  /** Calls `onRumor` for each new rumor on `topic` received from a peer, until unsubscribed. */
  subscribe(topic: string, onRumor: (rumor: SirDelivery) => void): () => void
  status(): SirServiceStatus
  /** Changes k and/or mode on the running node (SirNode.reconfigure); InputError for a bad value. */
  reconfigure(change: SirSpreading): void
  /** The k and mode in force (what `reconfigure` last set, or the init's). */
  spreading(): Required<SirSpreading>
}

const sirCodec: FrameCodec<SirRequest, SirResponse, SirMessage> = {
  maxFrameBytes: MAX_FRAME_BYTES,
  encodeRequest: (req) => encodeSirRequest(req),
  encodeResponse: (res) => encodeSirResponse(res),
  decodeResponse: decodeSirResponse,
  decodeInbound: (bytes, peers) => ({ request: decodeSirRequest(bytes, peers) })
}

/** Ed25519 (and secp256k1) signing is synchronous in @libp2p/crypto on Node; SIR's port needs that. */
function signerFor (key: PrivateKey, origin: Uint8Array): RumorSigner {
  return {
    origin,
    sign (message) {
      const signature = key.sign(message)
      if (signature instanceof Promise) throw new Error(`SIR needs a key type that signs synchronously (Ed25519 or secp256k1), not ${key.type}`)
      return signature
    }
  }
}

function verifier (): RumorVerifier {
  const keys = new BoundedLru<string, PublicKey | null>(MAX_CACHED_KEYS)
  const keyOf = (origin: Uint8Array): PublicKey | null => {
    const cacheKey = Buffer.from(origin).toString('base64')
    let key = keys.get(cacheKey)
    if (key === undefined) {
      try {
        key = publicKeyFromMultihash(Digest.decode(origin) as Parameters<typeof publicKeyFromMultihash>[0])
      } catch {
        // A peer id that does not inline its key (RSA) cannot be checked here: treat as forged.
        key = null
      }
      keys.set(cacheKey, key)
    }
    return key
  }
  return {
    verify (origin, message, signature) {
      const key = keyOf(origin)
      if (key === null) return false
      try {
        const ok = key.verify(message, signature)
        return ok === true
      } catch {
        return false
      }
    }
  }
}

class SirLibp2pService implements SirService {
  readonly protocol: string
  private readonly runtime: StreamRuntime<SirRequest, SirResponse, SirMessage>
  private readonly components: SirComponentsLibp2p
  private readonly init: SirServiceInit
  private node: SirNode | undefined

  constructor (components: SirComponentsLibp2p, init: SirServiceInit) {
    this.components = components
    this.init = init
    this.protocol = init.protocol ?? SIR_PROTOCOL
    this.runtime = new StreamRuntime(components, {
      protocol: this.protocol,
      codec: sirCodec,
      maxInboundStreams: init.maxInboundStreams ?? REUSED_MAX_INBOUND_STREAMS,
      maxOutboundStreams: init.maxOutboundStreams ?? REUSED_MAX_OUTBOUND_STREAMS,
      inboundTimeoutMs: init.inboundTimeoutMs ?? 10_000,
      inboundRateLimit: init.inboundRateLimit,
      logName: 'overlay:sir',
      onBadFrame: (from, code) => { this.node?.noteRejectedFrame(from, code) }
    })
  }

  async start (): Promise<void> {
    const { protocol: _p, maxInboundStreams: _i, maxOutboundStreams: _o, inboundTimeoutMs: _t, inboundRateLimit: _r, ...sirInit } = this.init
    const origin = this.components.peerId.toMultihash().bytes
    await this.runtime.start(io => {
      this.node = new SirNode(io, { signer: signerFor(this.components.privateKey, origin), verifier: verifier() }, sirInit)
      return this.node
    })
  }

  async stop (): Promise<void> {
    await this.runtime.stop()
  }

  private running (): SirNode {
    if (this.node === undefined) throw new NetworkError('the SIR service is not started')
    return this.node
  }

  publish (topic: string, payload: Uint8Array): { id: string, peers: number } {
    const node = this.running()
    try {
      const id = node.publish(topic, payload)
      return { id, peers: node.status().viewSize }
    } catch (err) {
      if (err instanceof RangeError) throw new InputError(err.message)
      throw err
    }
  }

  subscribe (topic: string, onRumor: (rumor: SirDelivery) => void): () => void {
    try {
      return this.running().subscribe(topic, (rumor) => {
        onRumor({
          id: rumor.id,
          topic: rumor.topic,
          origin: peerIdFromMultihash(Digest.decode(rumor.origin)).toString(),
          from: rumor.from.address,
          payload: rumor.payload
        })
      })
    } catch (err) {
      if (err instanceof RangeError) throw new InputError(err.message)
      throw err
    }
  }

  /** SIR keeps no routing state: its view is whatever is connected. */
  keptPeers (): string[] {
    return []
  }

  busyWith (peerId: string): boolean {
    return this.runtime.busyWith(peerId)
  }

  reconfigure (change: SirSpreading): void {
    try {
      this.running().reconfigure(change)
    } catch (err) {
      if (err instanceof RangeError) throw new InputError(err.message)
      throw err
    }
  }

  spreading (): Required<SirSpreading> {
    const { k, mode } = this.running().config
    return { k, mode }
  }

  status (): SirServiceStatus {
    const s = this.running().status()
    return {
      self: s.self.address,
      viewSize: s.viewSize,
      storedRumors: s.storedRumors,
      infectedRumors: s.infectedRumors,
      removedRumors: s.removedRumors,
      counters: { ...s.counters, ...Object.fromEntries(Object.entries(this.runtime.counters).filter(([, v]) => typeof v === 'number')) }
    }
  }
}

/** The SIR gossip service factory: `services: { sir: sir() }`. */
export function sir (init: SirServiceInit = {}): (components: SirComponentsLibp2p) => SirService {
  return (components) => new SirLibp2pService(components, init)
}

