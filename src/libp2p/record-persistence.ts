/**
 * Chord's and Pastry's records in the node's datastore (LevelDB in the daemon, memory otherwise),
 * behind the storage layer's RecordPersistence (src/dht/store.ts): the store reports each change,
 * this batches them and writes them within FLUSH_DELAY_MS; `flush` writes the rest and is awaited
 * when the service stops, so a graceful shutdown loses nothing the store held. A crash loses at
 * most the last FLUSH_DELAY_MS of changes (their replicas keep them). Keys:
 * `/overlay/<dht>/records/<key id hex>`. Value layout (version 1): u8 version ‖ u8 flags (bit 0:
 * primary) ‖ u64be seq ‖ u16be key length ‖ key ‖ u8 signature length ‖ signature ‖ u8 sender
 * length ‖ sender (UTF-8 peer id, empty: this node) ‖ value.
 */
import { Key, type Datastore } from 'interface-datastore'
import { idToHex, type NodeId } from '../core/id.js'
import type { SavedRecord } from '../dht/replication.js'
import type { RecordPersistence, StoredRecord } from '../dht/store.js'

/** Changes are written this long after the first of a burst, in one batch (ms). */
const FLUSH_DELAY_MS = 200
/** Changes written in one datastore batch; a larger burst takes several. */
const MAX_WRITES_PER_BATCH = 1024
const FORMAT_VERSION = 1

const utf8 = new TextEncoder()
const text = new TextDecoder()

export function encodeSaved (s: Pick<StoredRecord, 'record' | 'primary' | 'from'>): Uint8Array {
  const { key, value, seq, signature } = s.record
  const from = utf8.encode(s.from ?? '')
  if (key.length > 0xffff || signature.length > 0xff || from.length > 0xff) throw new RangeError('record too large to save')
  const out = new Uint8Array(1 + 1 + 8 + 2 + key.length + 1 + signature.length + 1 + from.length + value.length)
  const view = new DataView(out.buffer)
  let at = 0
  out[at++] = FORMAT_VERSION
  out[at++] = s.primary ? 1 : 0
  view.setBigUint64(at, BigInt(seq)); at += 8
  view.setUint16(at, key.length); at += 2
  out.set(key, at); at += key.length
  out[at++] = signature.length
  out.set(signature, at); at += signature.length
  out[at++] = from.length
  out.set(from, at); at += from.length
  out.set(value, at)
  return out
}

/** A saved record, or undefined if the bytes are not one (a record in an unknown format is skipped). */
export function decodeSaved (bytes: Uint8Array): SavedRecord | undefined {
  if (bytes.length < 14 || bytes[0] !== FORMAT_VERSION) return undefined
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let at = 1
  const primary = (bytes[at++] & 1) === 1
  const seq = view.getBigUint64(at); at += 8
  const keyLength = view.getUint16(at); at += 2
  if (seq > BigInt(Number.MAX_SAFE_INTEGER) || at + keyLength + 1 > bytes.length) return undefined
  const key = bytes.slice(at, at += keyLength)
  const sigLength = bytes[at++]
  if (at + sigLength + 1 > bytes.length) return undefined
  const signature = bytes.slice(at, at += sigLength)
  const fromLength = bytes[at++]
  if (at + fromLength > bytes.length) return undefined
  const from = text.decode(bytes.subarray(at, at += fromLength))
  return { record: { key, value: bytes.slice(at), seq: Number(seq), signature }, primary, from: from === '' ? undefined : from }
}

export class DatastoreRecords implements RecordPersistence {
  private readonly prefix: string
  /** Key id hex -> the bytes to write, or null to delete; the latest change of each key wins. */
  private pending = new Map<string, Uint8Array | null>()
  private timer: ReturnType<typeof setTimeout> | undefined
  private writing: Promise<void> = Promise.resolve()

  constructor (private readonly datastore: Datastore, dht: string, private readonly onError: (err: Error) => void) {
    this.prefix = `/overlay/${dht}/records`
  }

  saved (keyId: NodeId, s: StoredRecord): void { this.change(keyId, encodeSaved(s)) }
  deleted (keyId: NodeId): void { this.change(keyId, null) }

  /** Every record saved before (those that do not decode are skipped). */
  async load (): Promise<SavedRecord[]> {
    const out: SavedRecord[] = []
    for await (const { value } of this.datastore.query({ prefix: this.prefix })) {
      const saved = decodeSaved(value)
      if (saved !== undefined) out.push(saved)
    }
    return out
  }

  /** Writes every change reported so far. */
  async flush (): Promise<void> {
    clearTimeout(this.timer)
    this.timer = undefined
    const changes = [...this.pending]
    this.pending = new Map()
    this.writing = this.writing.then(async () => {
      for (let i = 0; i < changes.length; i += MAX_WRITES_PER_BATCH) {
        const batch = this.datastore.batch()
        for (const [hex, bytes] of changes.slice(i, i + MAX_WRITES_PER_BATCH)) {
          const key = new Key(`${this.prefix}/${hex}`)
          if (bytes === null) batch.delete(key)
          else batch.put(key, bytes)
        }
        await batch.commit()
      }
    }).catch((err: Error) => { this.onError(err) })
    await this.writing
  }

  private change (keyId: NodeId, bytes: Uint8Array | null): void {
    this.pending.set(idToHex(keyId), bytes)
    this.timer ??= setTimeout(() => { void this.flush() }, FLUSH_DELAY_MS)
  }
}
