/**
 * The Chord wire codec (protocols/chord.md): protons messages <-> the typed unions of
 * src/chord/messages.ts. Invariants: protobuf types never leave this file; decoding returns a fully
 * checked typed value or throws WireError (field missing, id not 32 bytes, list or bytes over
 * its limit, unknown type); a peer's node id is derived here from its peer id bytes by the
 * runtime's PeerCodec, never read from the message.
 */
import { idToBytes, type NodeId } from '../core/id.js'
import type { PeerRef } from '../core/port.js'
import { checkFrame as checkFrameLimit, decodeId, decodeIds as decodeIdList, decodePeer, decodePeers, decodeRecord as decodeRecordLimited, malformed, protonsDecode } from './decode.js'
import { addressPeerCodec, MAX_PEER_ADDRS, WireError, type PeerCodec, type WirePeer } from './peer-codec.js'
import {
  MAX_CLOSER_NODES, MAX_SUCCESSORS_IN_CLOSER, MAX_KEY_BYTES_LIMIT, MAX_KEY_IDS_PER_MESSAGE,
  MAX_RECORDS_PER_MESSAGE, MAX_SUCCESSORS, MAX_VALUE_BYTES_LIMIT, MAX_FRAME_BYTES
} from '../chord/limits.js'
import type { ChordRecord, ChordRequest, ChordResponse } from '../chord/messages.js'
import { decodeStorageRequest, decodeStorageResponse, encodeStorageRequest, encodeStorageResponse } from './storage.js'
import * as pb from './pb/chord.js'

export { MAX_FRAME_BYTES }

export { addressPeerCodec, WireError }
export type { PeerCodec, WirePeer }

// ---- encode ----

function encodePeer (codec: PeerCodec, ref: PeerRef): pb.Peer {
  const w = codec.encode(ref)
  return { peerId: w.peerId as Uint8Array<ArrayBuffer>, addrs: w.addrs.slice(0, MAX_PEER_ADDRS) as Array<Uint8Array<ArrayBuffer>> }
}

function encodePeers (codec: PeerCodec, refs: readonly PeerRef[], limit: number): pb.Peer[] {
  if (refs.length > limit) throw new RangeError(`chord wire: ${refs.length} peers exceed the limit ${limit}`)
  return refs.map(r => encodePeer(codec, r))
}


const EMPTY = new Uint8Array(0)

export function encodeChordRequest (req: ChordRequest, codec: PeerCodec): Uint8Array {
  const m: pb.ChordRequest = { type: pb.ChordRequest.Type.UNKNOWN, key: EMPTY, primary: false, records: [], keyIds: [], seqs: [], successors: [] }
  switch (req.type) {
    case 'find-successor': m.type = pb.ChordRequest.Type.FIND_SUCCESSOR; m.key = idToBytes(req.key) as Uint8Array<ArrayBuffer>; break
    case 'get-neighbors': m.type = pb.ChordRequest.Type.GET_NEIGHBORS; break
    case 'notify': m.type = pb.ChordRequest.Type.NOTIFY; break
    case 'ping': m.type = pb.ChordRequest.Type.PING; break
    case 'store': m.type = pb.ChordRequest.Type.STORE; encodeStorageRequest(req, m, 'chord'); break
    case 'fetch': m.type = pb.ChordRequest.Type.FETCH; encodeStorageRequest(req, m, 'chord'); break
    case 'sync': m.type = pb.ChordRequest.Type.SYNC; encodeStorageRequest(req, m, 'chord'); break
    case 'leaving':
      m.type = pb.ChordRequest.Type.LEAVING
      if (req.predecessor !== undefined) m.predecessor = encodePeer(codec, req.predecessor)
      m.successors = encodePeers(codec, req.successors, MAX_SUCCESSORS)
      break
  }
  return pb.ChordRequest.encode(m)
}

export function encodeChordResponse (res: ChordResponse, codec: PeerCodec): Uint8Array {
  const m: pb.ChordResponse = { type: pb.ChordResponse.Type.UNKNOWN, peers: [], accepted: 0, keyIds: [], refused: [], newerKeyIds: [] }
  switch (res.type) {
    case 'found': m.type = pb.ChordResponse.Type.FOUND; m.peers = encodePeers(codec, res.successors, MAX_SUCCESSORS); break
    case 'closer': m.type = pb.ChordResponse.Type.CLOSER; m.peers = encodePeers(codec, res.nodes, MAX_CLOSER_NODES + MAX_SUCCESSORS_IN_CLOSER); break
    case 'neighbors':
      m.type = pb.ChordResponse.Type.NEIGHBORS
      m.peers = encodePeers(codec, res.successors, MAX_SUCCESSORS)
      if (res.predecessor !== undefined) m.predecessor = encodePeer(codec, res.predecessor)
      break
    case 'ack': m.type = pb.ChordResponse.Type.ACK; break
    case 'stored': m.type = pb.ChordResponse.Type.STORED; encodeStorageResponse(res, m, 'chord'); break
    case 'value': m.type = pb.ChordResponse.Type.VALUE; encodeStorageResponse(res, m, 'chord'); break
    case 'missing': m.type = pb.ChordResponse.Type.MISSING; encodeStorageResponse(res, m, 'chord'); break
  }
  return pb.ChordResponse.encode(m)
}

// ---- decode ----

const fail = malformed
const checkFrame = (bytes: Uint8Array): void => { checkFrameLimit(bytes, MAX_FRAME_BYTES) }

export function decodeChordRequest (bytes: Uint8Array, codec: PeerCodec): ChordRequest {
  checkFrame(bytes)
  const m = protonsDecode(() => pb.ChordRequest.decode(bytes))
  switch (m.type) {
    case pb.ChordRequest.Type.FIND_SUCCESSOR: return { type: 'find-successor', key: decodeId(m.key, 'key') }
    case pb.ChordRequest.Type.GET_NEIGHBORS: return { type: 'get-neighbors' }
    case pb.ChordRequest.Type.NOTIFY: return { type: 'notify' }
    case pb.ChordRequest.Type.PING: return { type: 'ping' }
    case pb.ChordRequest.Type.STORE: return decodeStorageRequest('store', m)
    case pb.ChordRequest.Type.FETCH: return decodeStorageRequest('fetch', m)
    case pb.ChordRequest.Type.SYNC: return decodeStorageRequest('sync', m)
    case pb.ChordRequest.Type.LEAVING:
      return {
        type: 'leaving',
        predecessor: m.predecessor === undefined ? undefined : decodePeer(codec, m.predecessor),
        successors: decodePeers(codec, m.successors, MAX_SUCCESSORS, 'successors')
      }
    default: return fail('unknown request type')
  }
}

export function decodeChordResponse (bytes: Uint8Array, codec: PeerCodec): ChordResponse {
  checkFrame(bytes)
  const m = protonsDecode(() => pb.ChordResponse.decode(bytes))
  switch (m.type) {
    case pb.ChordResponse.Type.FOUND: return { type: 'found', successors: decodePeers(codec, m.peers, MAX_SUCCESSORS, 'successors', false) }
    case pb.ChordResponse.Type.CLOSER: return { type: 'closer', nodes: decodePeers(codec, m.peers, MAX_CLOSER_NODES + MAX_SUCCESSORS_IN_CLOSER, 'closer nodes', false) }
    case pb.ChordResponse.Type.NEIGHBORS:
      return {
        type: 'neighbors',
        predecessor: m.predecessor === undefined ? undefined : decodePeer(codec, m.predecessor),
        successors: decodePeers(codec, m.peers, MAX_SUCCESSORS, 'successors')
      }
    case pb.ChordResponse.Type.ACK: return { type: 'ack' }
    case pb.ChordResponse.Type.STORED: return decodeStorageResponse('stored', m)
    case pb.ChordResponse.Type.VALUE: return decodeStorageResponse('value', m)
    case pb.ChordResponse.Type.MISSING: return decodeStorageResponse('missing', m)
    default: return fail('unknown response type')
  }
}
