/**
 * The record part of the Chord and Pastry wire codecs (protocols/chord.md and pastry.md,
 * "Records"): records, store refusals and versioned digests, the same fields in both schemas.
 * Invariants: decoded keys, values and signatures are copies, never views into the frame (a small
 * record must not keep a large frame alive, issue 10); a seq beyond 2^53 - 1, a signature over
 * MAX_SIGNATURE_BYTES, a digest whose seqs do not pair with its ids, or an unknown refusal reason is
 * malformed.
 */
import { idToBytes, type NodeId } from '../core/id.js'
import { MAX_KEY_BYTES_LIMIT, MAX_KEY_IDS_PER_MESSAGE, MAX_RECORDS_PER_MESSAGE, MAX_SIGNATURE_BYTES, MAX_VALUE_BYTES_LIMIT } from '../dht/limits.js'
import type { DhtRecord, KeyVersion, Refusal, RefusalReason, StorageRequest, StorageResponse } from '../dht/messages.js'
import { copyBytes, decodeId, decodeIds, decodeRecord as decodeKeyValue, malformed, oversize } from './decode.js'

type Bytes = Uint8Array<ArrayBuffer>

/** A record as both schemas carry it. */
export interface PbRecord { key: Bytes, value: Bytes, seq: bigint, signature: Bytes }
/** A refusal as both schemas carry it (the reason is the enum's name, the same in both). */
export interface PbRefusal { index: number, reason: string }

/** The refusal reasons by their enum name on the wire (UNKNOWN, or anything else, is malformed). */
const REASONS: Readonly<Record<string, RefusalReason>> = { STALE: 'stale', INVALID: 'invalid', TOO_LARGE: 'too-large', FULL: 'full', QUOTA: 'quota', LEAVING: 'leaving' }
const REASON_NAMES = Object.fromEntries(Object.entries(REASONS).map(([name, reason]) => [reason, name])) as Record<RefusalReason, string>

function encodeRecords (records: readonly DhtRecord[], what: string): PbRecord[] {
  if (records.length > MAX_RECORDS_PER_MESSAGE) throw new RangeError(`${what} wire: ${records.length} records exceed the limit ${MAX_RECORDS_PER_MESSAGE}`)
  return records.map(r => ({ key: r.key as Bytes, value: r.value as Bytes, seq: BigInt(r.seq), signature: r.signature as Bytes }))
}

function encodeIds (ids: readonly NodeId[], what: string): Bytes[] {
  if (ids.length > MAX_KEY_IDS_PER_MESSAGE) throw new RangeError(`${what} wire: ${ids.length} key ids exceed the limit ${MAX_KEY_IDS_PER_MESSAGE}`)
  return ids.map(id => idToBytes(id) as Bytes)
}

/** A digest's key ids and their seqs, as two lists of the same length. */
function encodeKeyVersions (keys: readonly KeyVersion[], what: string): { keyIds: Bytes[], seqs: bigint[] } {
  return { keyIds: encodeIds(keys.map(k => k.keyId), what), seqs: keys.map(k => BigInt(k.seq)) }
}

function encodeRefusals (refused: readonly Refusal[]): PbRefusal[] {
  return refused.map(f => ({ index: f.index, reason: REASON_NAMES[f.reason] }))
}

function decodeSeq (seq: bigint): number {
  if (seq > BigInt(Number.MAX_SAFE_INTEGER)) malformed(`record seq ${seq} exceeds 2^53 - 1`)
  return Number(seq)
}

/** A record within the limits, its bytes copied out of the frame. */
function decodeRecord (r: PbRecord): DhtRecord {
  const { key, value } = decodeKeyValue(r, MAX_KEY_BYTES_LIMIT, MAX_VALUE_BYTES_LIMIT)
  if (r.signature.length > MAX_SIGNATURE_BYTES) oversize(`signature of ${r.signature.length} bytes (at most ${MAX_SIGNATURE_BYTES})`)
  return { key: copyBytes(key), value: copyBytes(value), seq: decodeSeq(r.seq), signature: copyBytes(r.signature) }
}

function decodeRecords (records: readonly PbRecord[]): DhtRecord[] {
  if (records.length === 0) malformed('store without records')
  if (records.length > MAX_RECORDS_PER_MESSAGE) oversize(`${records.length} records (at most ${MAX_RECORDS_PER_MESSAGE})`)
  return records.map(decodeRecord)
}

function decodeKeyVersions (keyIds: readonly Uint8Array[], seqs: readonly bigint[]): KeyVersion[] {
  const ids = decodeIds(keyIds, MAX_KEY_IDS_PER_MESSAGE)
  if (seqs.length !== ids.length) malformed(`a sync lists ${ids.length} key ids but ${seqs.length} seqs`)
  return ids.map((keyId, i) => ({ keyId, seq: decodeSeq(seqs[i]) }))
}

function decodeRefusals (refused: readonly PbRefusal[], accepted: number): Refusal[] {
  if (accepted + refused.length > MAX_RECORDS_PER_MESSAGE) malformed('accepted and refused records exceed the records a store may carry')
  return refused.map(f => {
    const reason = Object.hasOwn(REASONS, f.reason) ? REASONS[f.reason] : undefined
    if (reason === undefined) return malformed(`unknown refusal reason ${f.reason}`)
    if (f.index >= MAX_RECORDS_PER_MESSAGE) return malformed(`refusal index ${f.index} out of range`)
    return { index: f.index, reason }
  })
}

/** The storage fields of a Chord or Pastry request. */
export interface PbStorageRequest { key: Bytes, primary: boolean, records: PbRecord[], keyIds: Bytes[], seqs: bigint[] }
/** The storage fields of a Chord or Pastry response. */
export interface PbStorageResponse { accepted: number, refused: PbRefusal[], record?: PbRecord, keyIds: Bytes[], newerKeyIds: Bytes[] }

/** Fills the storage fields of `m` for `req` (the caller sets the type). */
export function encodeStorageRequest (req: StorageRequest, m: PbStorageRequest, what: string): void {
  switch (req.type) {
    case 'store':
      if (req.records.length === 0) throw new RangeError(`${what} wire: a store needs at least one record`)
      m.primary = req.role === 'primary'; m.records = encodeRecords(req.records, what); break
    case 'fetch': m.key = idToBytes(req.keyId) as Bytes; break
    case 'sync': Object.assign(m, encodeKeyVersions(req.keys, what)); break
  }
}

/** Fills the storage fields of `m` for `res` (the caller sets the type). */
export function encodeStorageResponse (res: StorageResponse, m: PbStorageResponse, what: string): void {
  switch (res.type) {
    case 'stored': m.accepted = res.accepted; m.refused = encodeRefusals(res.refused); break
    case 'value': if (res.record !== undefined) m.record = encodeRecords([res.record], what)[0]; break
    case 'missing': m.keyIds = encodeIds(res.keyIds, what); m.newerKeyIds = encodeIds(res.newer, what); break
  }
}

/** Decodes the storage request of type `type` from its fields. */
export function decodeStorageRequest (type: StorageRequest['type'], m: PbStorageRequest): StorageRequest {
  switch (type) {
    case 'store': return { type, role: m.primary ? 'primary' : 'replica', records: decodeRecords(m.records) }
    case 'fetch': return { type, keyId: decodeId(m.key, 'key id') }
    case 'sync': return { type, keys: decodeKeyVersions(m.keyIds, m.seqs) }
  }
}

/** Decodes the storage response of type `type` from its fields. */
export function decodeStorageResponse (type: StorageResponse['type'], m: PbStorageResponse): StorageResponse {
  switch (type) {
    case 'stored': return { type, accepted: m.accepted, refused: decodeRefusals(m.refused, m.accepted) }
    case 'value': return { type, record: m.record === undefined ? undefined : decodeRecord(m.record) }
    case 'missing': return { type, keyIds: decodeIds(m.keyIds, MAX_KEY_IDS_PER_MESSAGE), newer: decodeIds(m.newerKeyIds, MAX_KEY_IDS_PER_MESSAGE) }
  }
}
