/**
 * Well-formed frames of every message type of Chord, Pastry and SIR (with their storage fields),
 * built by our own encoders from fast-check values, for the fuzzer to mutate (fuzz-frames.ts): a
 * flipped byte in a valid frame reaches checks that random bytes almost never do. Peers are
 * generated as they travel (peer id bytes of every kind a decoder meets, and multiaddrs), and
 * handed to the encoders through a codec that names them by index.
 */
import fc from 'fast-check'
import { encodeChordRequest, encodeChordResponse } from '../../src/wire/chord.js'
import { encodePastryRequest, encodePastryResponse } from '../../src/wire/pastry.js'
import { encodeSirRequest, encodeSirResponse } from '../../src/wire/sir.js'
import { toHex, type Rumor } from '../../src/sir/rumor.js'
import type { ChordRequest, ChordResponse } from '../../src/chord/messages.js'
import type { PeerRef } from '../../src/core/port.js'
import type { DhtRecord, RefusalReason, StorageRequest, StorageResponse } from '../../src/dht/messages.js'
import type { PastryRequest, PastryResponse } from '../../src/pastry/messages.js'
import type { SirRequest, SirResponse } from '../../src/sir/messages.js'
import type { PeerCodec, WirePeer } from '../../src/wire/peer-codec.js'

const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 })
/** Peer id bytes: an inlined Ed25519 key, a SHA-256 multihash, or a simulator address. */
const peerIdBytes = fc.oneof(
  bytes32.map(key => Uint8Array.from([0x00, 0x24, 0x08, 0x01, 0x12, 0x20, ...key])),
  bytes32.map(digest => Uint8Array.from([0x12, 0x20, ...digest])),
  fc.string({ minLength: 1, maxLength: 20 }).map(s => new TextEncoder().encode(s))
)
const multiaddrBytes = fc.integer({ min: 0, max: 65535 }).map(port => Uint8Array.from([0x04, 127, 0, 0, 1, 0x06, port >> 8, port & 0xff]))
const wirePeer: fc.Arbitrary<WirePeer> = fc.record({ peerId: peerIdBytes, addrs: fc.array(multiaddrBytes, { maxLength: 2 }) })
const id = fc.bigInt({ min: 0n, max: (1n << 256n) - 1n })
const seq = fc.oneof(fc.nat(), fc.constant(Number.MAX_SAFE_INTEGER))
const record: fc.Arbitrary<DhtRecord> = fc.record({
  key: fc.uint8Array({ minLength: 1, maxLength: 48 }),
  value: fc.uint8Array({ maxLength: 48 }),
  seq,
  signature: fc.uint8Array({ minLength: 1, maxLength: 72 })
})
const REASONS: RefusalReason[] = ['stale', 'invalid', 'too-large', 'full', 'quota', 'leaving']

const storageRequest: fc.Arbitrary<StorageRequest> = fc.oneof(
  fc.record({ type: fc.constant('store' as const), role: fc.constantFrom('primary' as const, 'replica' as const), records: fc.array(record, { minLength: 1, maxLength: 3 }) }),
  fc.record({ type: fc.constant('fetch' as const), keyId: id }),
  fc.record({ type: fc.constant('sync' as const), keys: fc.array(fc.record({ keyId: id, seq }), { maxLength: 3 }) })
)
const storageResponse: fc.Arbitrary<StorageResponse> = fc.oneof(
  fc.record({ type: fc.constant('stored' as const), accepted: fc.integer({ min: 0, max: 8 }), refused: fc.array(fc.record({ index: fc.integer({ min: 0, max: 63 }), reason: fc.constantFrom(...REASONS) }), { maxLength: 3 }) }),
  fc.record({ type: fc.constant('value' as const), record: fc.option(record, { nil: undefined }) }),
  fc.record({ type: fc.constant('missing' as const), keyIds: fc.array(id, { maxLength: 3 }), newer: fc.array(id, { maxLength: 3 }) })
)

/** Messages over up to 8 generated peers, encoded by `encode` with a codec that names them by index. */
function encoded<M> (pick: (refs: PeerRef[]) => fc.Arbitrary<M>, encode: (message: M, codec: PeerCodec) => Uint8Array): fc.Arbitrary<Uint8Array> {
  return fc.array(wirePeer, { minLength: 1, maxLength: 8 }).chain(peers => {
    const codec: PeerCodec = { encode: ref => peers[Number(ref.address)], decode: () => { throw new Error('encode only') } }
    const refs = peers.map((_, i) => ({ id: BigInt(i), address: String(i) }))
    return pick(refs).map(message => encode(message, codec))
  })
}

const some = (refs: PeerRef[], min = 0): fc.Arbitrary<PeerRef[]> => fc.subarray(refs, { minLength: Math.min(min, refs.length) })
const maybe = (refs: PeerRef[]): fc.Arbitrary<PeerRef | undefined> => fc.option(fc.constantFrom(...refs), { nil: undefined })
const leafSet = (refs: PeerRef[]): fc.Arbitrary<{ left: PeerRef[], right: PeerRef[] }> => fc.record({ left: some(refs), right: some(refs) })

export const chordRequestFrames = encoded<ChordRequest>(refs => fc.oneof(
  fc.record({ type: fc.constant('find-successor' as const), key: id }),
  fc.constantFrom({ type: 'get-neighbors' as const }, { type: 'notify' as const }, { type: 'ping' as const }),
  storageRequest,
  fc.record({ type: fc.constant('leaving' as const), predecessor: maybe(refs), successors: some(refs) })
), encodeChordRequest)

export const chordResponseFrames = encoded<ChordResponse>(refs => fc.oneof(
  fc.record({ type: fc.constant('found' as const), successors: some(refs, 1) }),
  fc.record({ type: fc.constant('closer' as const), nodes: some(refs, 1) }),
  fc.record({ type: fc.constant('neighbors' as const), predecessor: maybe(refs), successors: some(refs) }),
  fc.constant({ type: 'ack' as const }),
  storageResponse
), encodeChordResponse)

export const pastryRequestFrames = encoded<PastryRequest>(refs => fc.oneof(
  fc.record({ type: fc.constant('route' as const), key: id }),
  fc.record({ type: fc.constant('route' as const), key: id, fetch: fc.constant(true as const) }),
  fc.record({ type: fc.constant('join-route' as const), key: id, fromRow: fc.integer({ min: 0, max: 63 }) }),
  fc.record({ type: fc.constantFrom('exchange' as const, 'leaving' as const), leafSet: leafSet(refs) }),
  fc.constantFrom({ type: 'announce' as const }, { type: 'ping' as const }),
  fc.record({ type: fc.constant('get-row' as const), row: fc.integer({ min: 0, max: 63 }) }),
  storageRequest
), encodePastryRequest)

export const pastryResponseFrames = encoded<PastryResponse>(refs => fc.oneof(
  fc.record({ type: fc.constant('deliver' as const), leafSet: leafSet(refs), rows: some(refs) }),
  fc.record({ type: fc.constant('deliver' as const), leafSet: leafSet(refs), rows: some(refs), fetched: fc.record({ record: fc.option(record, { nil: undefined }) }) }),
  fc.record({ type: fc.constant('next' as const), nodes: some(refs, 1), rows: some(refs) }),
  fc.record({ type: fc.constant('leaf-set' as const), leafSet: leafSet(refs) }),
  fc.record({ type: fc.constant('row' as const), nodes: some(refs) }),
  fc.constant({ type: 'ack' as const }),
  storageResponse
), encodePastryResponse)

const rumor: fc.Arbitrary<Rumor> = fc.record({
  origin: peerIdBytes,
  seq: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  createdAtMs: fc.oneof(fc.nat(), fc.constant(Number.MAX_SAFE_INTEGER)),
  topic: fc.string({ minLength: 1, maxLength: 24 }),
  payload: fc.uint8Array({ maxLength: 64 }),
  signature: fc.uint8Array({ minLength: 1, maxLength: 72 })
})
const rumors = fc.array(rumor, { maxLength: 3 })
const digest = fc.array(bytes32.map(toHex), { maxLength: 4 })
const known = fc.array(fc.boolean(), { maxLength: 4 })

export const sirRequestFrames: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.record({ type: fc.constant('push' as const), rumors }),
  fc.record({ type: fc.constantFrom('pull' as const, 'sync' as const), digest }),
  fc.record({ type: fc.constant('pushpull' as const), rumors, digest })
).map((req: SirRequest) => encodeSirRequest(req))

export const sirResponseFrames: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.record({ type: fc.constant('push-ack' as const), known }),
  fc.record({ type: fc.constant('rumors' as const), rumors }),
  fc.record({ type: fc.constant('pushpull-ack' as const), known, rumors })
).map((res: SirResponse) => encodeSirResponse(res))
