/**
 * The Pastry wire codec (protocols/pastry.md): protons messages <-> the typed unions of
 * src/pastry/messages.ts. Invariants: protobuf types never leave this file; decoding returns a fully
 * checked typed value or throws WireError (field missing, id not 32 bytes, row out of range, list
 * or bytes over its limit, unknown type); a peer's node id is derived by the runtime's PeerCodec
 * from its peer id bytes, never read from the message. Encoding a list over its limit is a bug in
 * the caller and throws RangeError.
 */
import { idToBytes, ID_DIGITS, type NodeId } from '../core/id.js'
import type { PeerRef } from '../core/port.js'
import {
  MAX_FRAME_BYTES, MAX_KEY_BYTES_LIMIT, MAX_KEY_IDS_PER_MESSAGE, MAX_LEAVES_PER_SIDE, MAX_NEXT_NODES,
  MAX_RECORDS_PER_MESSAGE, MAX_ROW_NODES_PER_REPLY, MAX_VALUE_BYTES_LIMIT, ROUTING_COLUMNS
} from '../pastry/limits.js'
import type { LeafSetView, PastryRecord, PastryRequest, PastryResponse } from '../pastry/messages.js'
import { checkFrame as checkFrameLimit, decodeId, decodeIds as decodeIdList, decodePeers, decodeRecord as decodeRecordLimited, malformed, protonsDecode } from './decode.js'
import { WireError, type PeerCodec } from './peer-codec.js'
import { decodeStorageRequest, decodeStorageResponse, encodeStorageRequest, encodeStorageResponse } from './storage.js'
import * as pb from './pb/pastry.js'

export { MAX_FRAME_BYTES }

/** Entries of one routing-table row in a ROW answer (the 16 columns less our own digit's). */
const MAX_ROW_NODES = ROUTING_COLUMNS - 1

type Bytes = Uint8Array<ArrayBuffer>

// ---- encode ----

function encodePeers (codec: PeerCodec, refs: readonly PeerRef[], limit: number, what: string): pb.Peer[] {
  if (refs.length > limit) throw new RangeError(`pastry wire: ${refs.length} ${what} exceed the limit ${limit}`)
  return refs.map(ref => {
    const w = codec.encode(ref)
    return { peerId: w.peerId as Bytes, addrs: w.addrs.slice(0, 8) as Bytes[] }
  })
}


function encodeRow (row: number): number {
  if (!Number.isInteger(row) || row < 0 || row >= ID_DIGITS) throw new RangeError(`pastry wire: row ${row} out of range`)
  return row
}

const EMPTY = new Uint8Array(0)

export function encodePastryRequest (req: PastryRequest, codec: PeerCodec): Uint8Array {
  const m: pb.PastryRequest = { type: pb.PastryRequest.Type.UNKNOWN, key: EMPTY, row: 0, primary: false, records: [], keyIds: [], seqs: [], left: [], right: [], fetch: false }
  switch (req.type) {
    case 'route': m.type = pb.PastryRequest.Type.ROUTE; m.key = idToBytes(req.key) as Bytes; m.fetch = req.fetch === true; break
    case 'join-route': m.type = pb.PastryRequest.Type.JOIN_ROUTE; m.key = idToBytes(req.key) as Bytes; m.row = encodeRow(req.fromRow); break
    case 'exchange':
      m.type = pb.PastryRequest.Type.EXCHANGE
      m.left = encodePeers(codec, req.leafSet.left, MAX_LEAVES_PER_SIDE, 'leaves')
      m.right = encodePeers(codec, req.leafSet.right, MAX_LEAVES_PER_SIDE, 'leaves')
      break
    case 'announce': m.type = pb.PastryRequest.Type.ANNOUNCE; break
    case 'ping': m.type = pb.PastryRequest.Type.PING; break
    case 'get-row': m.type = pb.PastryRequest.Type.GET_ROW; m.row = encodeRow(req.row); break
    case 'store': m.type = pb.PastryRequest.Type.STORE; encodeStorageRequest(req, m, 'pastry'); break
    case 'fetch': m.type = pb.PastryRequest.Type.FETCH; encodeStorageRequest(req, m, 'pastry'); break
    case 'sync': m.type = pb.PastryRequest.Type.SYNC; encodeStorageRequest(req, m, 'pastry'); break
    case 'leaving':
      m.type = pb.PastryRequest.Type.LEAVING
      m.left = encodePeers(codec, req.leafSet.left, MAX_LEAVES_PER_SIDE, 'leaves')
      m.right = encodePeers(codec, req.leafSet.right, MAX_LEAVES_PER_SIDE, 'leaves')
      break
  }
  return pb.PastryRequest.encode(m)
}

export function encodePastryResponse (res: PastryResponse, codec: PeerCodec): Uint8Array {
  const m: pb.PastryResponse = { type: pb.PastryResponse.Type.UNKNOWN, nodes: [], left: [], right: [], rows: [], accepted: 0, keyIds: [], refused: [], newerKeyIds: [], fetched: false }
  const leaves = (view: LeafSetView): void => {
    m.left = encodePeers(codec, view.left, MAX_LEAVES_PER_SIDE, 'leaves')
    m.right = encodePeers(codec, view.right, MAX_LEAVES_PER_SIDE, 'leaves')
  }
  switch (res.type) {
    case 'deliver':
      m.type = pb.PastryResponse.Type.DELIVER
      leaves(res.leafSet)
      m.rows = encodePeers(codec, res.rows, MAX_ROW_NODES_PER_REPLY, 'row entries')
      if (res.fetched !== undefined) {
        m.fetched = true
        encodeStorageResponse({ type: 'value', record: res.fetched.record }, m, 'pastry')
      }
      break
    case 'next':
      if (res.nodes.length === 0) throw new RangeError('pastry wire: a next answer needs a next hop')
      m.type = pb.PastryResponse.Type.NEXT
      m.nodes = encodePeers(codec, res.nodes, MAX_NEXT_NODES, 'next hops')
      m.rows = encodePeers(codec, res.rows, MAX_ROW_NODES_PER_REPLY, 'row entries')
      break
    case 'leaf-set': m.type = pb.PastryResponse.Type.LEAF_SET; leaves(res.leafSet); break
    case 'row': m.type = pb.PastryResponse.Type.ROW; m.nodes = encodePeers(codec, res.nodes, MAX_ROW_NODES, 'row entries'); break
    case 'ack': m.type = pb.PastryResponse.Type.ACK; break
    case 'stored': m.type = pb.PastryResponse.Type.STORED; encodeStorageResponse(res, m, 'pastry'); break
    case 'value': m.type = pb.PastryResponse.Type.VALUE; encodeStorageResponse(res, m, 'pastry'); break
    case 'missing': m.type = pb.PastryResponse.Type.MISSING; encodeStorageResponse(res, m, 'pastry'); break
  }
  return pb.PastryResponse.encode(m)
}

// ---- decode ----

const fail = malformed
const checkFrame = (bytes: Uint8Array): void => { checkFrameLimit(bytes, MAX_FRAME_BYTES) }

function decodeRow (row: number): number {
  if (row >= ID_DIGITS) fail(`row ${row} out of range (0 to ${ID_DIGITS - 1})`)
  return row
}

function decodeLeafSet (codec: PeerCodec, left: readonly pb.Peer[], right: readonly pb.Peer[]): LeafSetView {
  return {
    left: decodePeers(codec, left, MAX_LEAVES_PER_SIDE, 'leaves'),
    right: decodePeers(codec, right, MAX_LEAVES_PER_SIDE, 'leaves')
  }
}

export function decodePastryRequest (bytes: Uint8Array, codec: PeerCodec): PastryRequest {
  checkFrame(bytes)
  const m = protonsDecode(() => pb.PastryRequest.decode(bytes))
  switch (m.type) {
    case pb.PastryRequest.Type.ROUTE: return m.fetch ? { type: 'route', key: decodeId(m.key, 'key'), fetch: true } : { type: 'route', key: decodeId(m.key, 'key') }
    case pb.PastryRequest.Type.JOIN_ROUTE: return { type: 'join-route', key: decodeId(m.key, 'key'), fromRow: decodeRow(m.row) }
    case pb.PastryRequest.Type.EXCHANGE: return { type: 'exchange', leafSet: decodeLeafSet(codec, m.left, m.right) }
    case pb.PastryRequest.Type.ANNOUNCE: return { type: 'announce' }
    case pb.PastryRequest.Type.PING: return { type: 'ping' }
    case pb.PastryRequest.Type.GET_ROW: return { type: 'get-row', row: decodeRow(m.row) }
    case pb.PastryRequest.Type.STORE: return decodeStorageRequest('store', m)
    case pb.PastryRequest.Type.FETCH: return decodeStorageRequest('fetch', m)
    case pb.PastryRequest.Type.SYNC: return decodeStorageRequest('sync', m)
    case pb.PastryRequest.Type.LEAVING: return { type: 'leaving', leafSet: decodeLeafSet(codec, m.left, m.right) }
    default: return fail('unknown request type')
  }
}

export function decodePastryResponse (bytes: Uint8Array, codec: PeerCodec): PastryResponse {
  checkFrame(bytes)
  const m = protonsDecode(() => pb.PastryResponse.decode(bytes))
  switch (m.type) {
    case pb.PastryResponse.Type.DELIVER: {
      const deliver = { type: 'deliver', leafSet: decodeLeafSet(codec, m.left, m.right), rows: decodePeers(codec, m.rows, MAX_ROW_NODES_PER_REPLY, 'row entries') } as const
      if (!m.fetched) return m.record === undefined ? deliver : fail('deliver with a record but no fetch answer')
      const value = decodeStorageResponse('value', m)
      return { ...deliver, fetched: { record: value.type === 'value' ? value.record : undefined } }
    }
    case pb.PastryResponse.Type.NEXT:
      if (m.nodes.length === 0) fail('next without a next hop')
      return { type: 'next', nodes: decodePeers(codec, m.nodes, MAX_NEXT_NODES, 'next hops'), rows: decodePeers(codec, m.rows, MAX_ROW_NODES_PER_REPLY, 'row entries') }
    case pb.PastryResponse.Type.LEAF_SET: return { type: 'leaf-set', leafSet: decodeLeafSet(codec, m.left, m.right) }
    case pb.PastryResponse.Type.ROW: return { type: 'row', nodes: decodePeers(codec, m.nodes, MAX_ROW_NODES, 'row entries') }
    case pb.PastryResponse.Type.ACK: return { type: 'ack' }
    case pb.PastryResponse.Type.STORED: return decodeStorageResponse('stored', m)
    case pb.PastryResponse.Type.VALUE: return decodeStorageResponse('value', m)
    case pb.PastryResponse.Type.MISSING: return decodeStorageResponse('missing', m)
    default: return fail('unknown response type')
  }
}
