/**
 * A hostile peer for tests (issue 10): a stock libp2p 3 node (TCP, Noise, Yamux, identify) that
 * speaks our overlays' framing correctly and lies in what it says. It opens raw streams of our
 * protocols, writes length-prefixed envelopes with any body, and reads the answers by id; it names
 * peers that do not exist (`fakePeers`). It runs none of our protocol logic; it may answer our
 * requests with whatever a test's `respond` says (`answer`), so it passes our probes and then lies.
 */
import { randomBytes } from 'node:crypto'
import { noise } from '@chainsafe/libp2p-noise'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { FrameReader, frameOf } from '../../src/libp2p/frames.js'
import { decodeEnvelope, encodeEnvelopeHeader } from '../../src/wire/envelope.js'
import type { PeerRef } from '../../src/core/port.js'
import type { Envelope, EnvelopeKind } from '../../src/wire/envelope.js'
import type { PeerCodec, WirePeer } from '../../src/wire/peer-codec.js'
import type { Libp2p, PrivateKey, Stream } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** Our largest frame (Chord's and Pastry's 2 MiB + 64 KiB): the hostile reader accepts any answer. */
const MAX_ANSWER_BYTES = 2 * 1024 * 1024 + 64 * 1024

/**
 * `n` peers that do not exist: SHA-256 multihash peer ids (valid, as RSA peer ids are) of random
 * bytes, each with `addrsEach` loopback addresses on ports nobody listens on.
 */
export function fakePeers (n: number, addrsEach = 2): WirePeer[] {
  return Array.from({ length: n }, () => ({
    peerId: Uint8Array.from([0x12, 0x20, ...randomBytes(32)]),
    addrs: Array.from({ length: addrsEach }, (_, i) => multiaddr(`/ip4/127.0.0.1/tcp/${9 + i}`).bytes)
  }))
}

/**
 * A PeerCodec that encodes the PeerRef whose address is `String(i)` as `peers[i]`, so our own wire
 * encoders build frames naming whatever the liar wants.
 */
export function liarCodec (peers: readonly WirePeer[]): { codec: PeerCodec, refs: PeerRef[] } {
  return {
    codec: {
      encode: ref => peers[Number(ref.address)],
      decode: () => { throw new Error('the liar decodes nothing') }
    },
    refs: peers.map((_, i) => ({ id: BigInt(i), address: String(i) }))
  }
}

/** A hostile's answer to one request body: a response body, or undefined for a refusal. */
export type Responder = (body: Uint8Array) => Uint8Array | undefined

/**
 * One raw stream of one of our protocols, with answers matched to requests by id; requests that
 * arrive on it are answered by `respond` (none: left unanswered).
 */
export class HostileStream {
  readonly stream: Stream
  private readonly pending = new Map<number, (envelope: Envelope) => void>()
  private lastId = 0

  constructor (stream: Stream, respond?: Responder) {
    this.stream = stream
    const reader = new FrameReader(MAX_ANSWER_BYTES)
    stream.addEventListener('message', (event) => {
      reader.push(event.data)
      for (let frame = reader.next(); frame !== undefined; frame = reader.next()) {
        const envelope = decodeEnvelope(frame)
        if (envelope.kind === 'request') {
          if (respond === undefined) continue
          const body = respond(envelope.body)
          if (body === undefined) this.frame('refused', envelope.id, new Uint8Array(0))
          else this.frame('response', envelope.id, body)
          continue
        }
        this.pending.get(envelope.id)?.(envelope)
        this.pending.delete(envelope.id)
      }
    })
  }

  /** Writes a raw frame (already length-prefixed, or not: the hostile may write anything). */
  write (bytes: Uint8Array): void {
    this.stream.send(bytes)
  }

  /** Writes one well-framed envelope. */
  frame (kind: EnvelopeKind, id: number, body: Uint8Array): void {
    this.stream.send(frameOf(encodeEnvelopeHeader(kind, id), body))
  }

  /** Sends a request body and resolves with the answer's envelope (a response or a refusal). */
  async request (body: Uint8Array, timeoutMs = 10_000): Promise<Envelope> {
    const id = ++this.lastId
    return await new Promise<Envelope>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        reject(new Error(`no answer to request ${id} within ${timeoutMs} ms`))
      }, timeoutMs)
      this.pending.set(id, (envelope) => { clearTimeout(timer); resolve(envelope) })
      this.frame('request', id, body)
    })
  }

  /** Sends a fire-and-forget message body. */
  message (body: Uint8Array): void {
    this.frame('message', 0, body)
  }

  close (): void {
    this.stream.abort(new Error('the hostile peer is done'))
  }
}

export class HostilePeer {
  readonly libp2p: Libp2p
  /** Its own key: it signs the records and rumors it sends, as any writer may. */
  readonly privateKey: PrivateKey

  private constructor (libp2p: Libp2p, privateKey: PrivateKey) {
    this.libp2p = libp2p
    this.privateKey = privateKey
  }

  /** A hostile with a new key, or with `privateKey` (one ground for a chosen node id). */
  static async create (privateKey?: PrivateKey): Promise<HostilePeer> {
    privateKey ??= await generateKeyPair('Ed25519')
    return new HostilePeer(await createLibp2p({
      privateKey,
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      connectionMonitor: { enabled: false },
      services: { identify: identify() }
    }), privateKey)
  }

  /** Opens a raw stream of `protocol` to `target`. */
  async open (target: Multiaddr, protocol: string): Promise<HostileStream> {
    return new HostileStream(await this.libp2p.dialProtocol(target, protocol))
  }

  /** Answers every request on inbound streams of `protocol` with `respond`. */
  async answer (protocol: string, respond: Responder): Promise<void> {
    await this.libp2p.handle(protocol, (stream) => { new HostileStream(stream, respond) }, { maxInboundStreams: 64 })
  }

  async stop (): Promise<void> {
    await this.libp2p.stop()
  }
}
