import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface Peer {
  peerId: Uint8Array<ArrayBuffer>
  addrs: Uint8Array<ArrayBuffer>[]
}

export namespace Peer {
  let _codec: Codec<Peer>

  export const codec = (): Codec<Peer> => {
    if (_codec == null) {
      _codec = message<Peer>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.peerId != null && obj.peerId.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.peerId)
        }

        if (obj.addrs != null && obj.addrs.length > 0) {
          for (const value of obj.addrs) {
            w.uint32(18)
            w.bytes(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          peerId: uint8ArrayAlloc(0),
          addrs: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.peerId = reader.bytes()
              break
            }
            case 2: {
              if (opts.limits?.addrs != null && obj.addrs.length === opts.limits.addrs) {
                throw new MaxLengthError('Decode error - repeated field "addrs" had too many elements')
              }

              if (obj.addrs.length === 8) {
                throw new MaxLengthError('Decode error - repeated field "addrs" had too many elements')
              }

              obj.addrs.push(reader.bytes())
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          addrs: 8
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.peerId`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              if (opts.limits?.addrs != null && obj.addrs === opts.limits.addrs) {
                throw new MaxLengthError('Streaming decode error - repeated field "addrs" had too many elements')
              }

              if (obj.addrs === 8) {
                throw new MaxLengthError('Streaming decode error - repeated field "addrs" had too many elements')
              }

              yield {
                field: `${prefix}.addrs[]`,
                index: obj.addrs,
                value: reader.bytes()
              }

              obj.addrs++

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface PeerPeerIdFieldEvent {
    field: '$.peerId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PeerAddrsFieldEvent {
    field: '$.addrs[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Peer>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Peer.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Peer>): Peer {
    return decodeMessage(buf, Peer.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Peer>): Generator<PeerPeerIdFieldEvent | PeerAddrsFieldEvent> {
    return streamMessage(buf, Peer.codec(), opts)
  }
}

export interface Record {
  key: Uint8Array<ArrayBuffer>
  value: Uint8Array<ArrayBuffer>
  seq: bigint
  signature: Uint8Array<ArrayBuffer>
}

export namespace Record {
  let _codec: Codec<Record>

  export const codec = (): Codec<Record> => {
    if (_codec == null) {
      _codec = message<Record>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.key != null && obj.key.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.key)
        }

        if ((obj.value != null && obj.value.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.value)
        }

        if ((obj.seq != null && obj.seq !== 0n)) {
          w.uint32(24)
          w.uint64(obj.seq)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          key: uint8ArrayAlloc(0),
          value: uint8ArrayAlloc(0),
          seq: 0n,
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.key = reader.bytes()
              break
            }
            case 2: {
              obj.value = reader.bytes()
              break
            }
            case 3: {
              obj.seq = reader.uint64()
              break
            }
            case 4: {
              obj.signature = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.key`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.value`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.seq`,
                value: reader.uint64()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface RecordKeyFieldEvent {
    field: '$.key'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RecordValueFieldEvent {
    field: '$.value'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RecordSeqFieldEvent {
    field: '$.seq'
    value: bigint
  }

  export interface RecordSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Record>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Record.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Record>): Record {
    return decodeMessage(buf, Record.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Record>): Generator<RecordKeyFieldEvent | RecordValueFieldEvent | RecordSeqFieldEvent | RecordSignatureFieldEvent> {
    return streamMessage(buf, Record.codec(), opts)
  }
}

export interface Refusal {
  index: number
  reason: Refusal.Reason
}

export namespace Refusal {
  export enum Reason {
    UNKNOWN = 'UNKNOWN',
    STALE = 'STALE',
    INVALID = 'INVALID',
    TOO_LARGE = 'TOO_LARGE',
    FULL = 'FULL',
    QUOTA = 'QUOTA',
    LEAVING = 'LEAVING'
  }

  enum __ReasonValues {
    UNKNOWN = 0,
    STALE = 1,
    INVALID = 2,
    TOO_LARGE = 3,
    FULL = 4,
    QUOTA = 5,
    LEAVING = 6
  }

  export namespace Reason {
    export const codec = (): Codec<Reason> => {
      return enumeration<Reason>(__ReasonValues)
    }
  }

  let _codec: Codec<Refusal>

  export const codec = (): Codec<Refusal> => {
    if (_codec == null) {
      _codec = message<Refusal>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.index != null && obj.index !== 0)) {
          w.uint32(8)
          w.uint32(obj.index)
        }

        if (obj.reason != null && __ReasonValues[obj.reason] !== 0) {
          w.uint32(16)
          Refusal.Reason.codec().encode(obj.reason, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          index: 0,
          reason: Reason.UNKNOWN
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.index = reader.uint32()
              break
            }
            case 2: {
              obj.reason = Refusal.Reason.codec().decode(reader)
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.index`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.reason`,
                value: Refusal.Reason.codec().decode(reader)
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface RefusalIndexFieldEvent {
    field: '$.index'
    value: number
  }

  export interface RefusalReasonFieldEvent {
    field: '$.reason'
    value: Refusal.Reason
  }

  export function encode (obj: Partial<Refusal>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Refusal.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Refusal>): Refusal {
    return decodeMessage(buf, Refusal.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Refusal>): Generator<RefusalIndexFieldEvent | RefusalReasonFieldEvent> {
    return streamMessage(buf, Refusal.codec(), opts)
  }
}

export interface ChordRequest {
  type: ChordRequest.Type
  key: Uint8Array<ArrayBuffer>
  primary: boolean
  records: Record[]
  keyIds: Uint8Array<ArrayBuffer>[]
  predecessor?: Peer
  successors: Peer[]
  seqs: bigint[]
}

export namespace ChordRequest {
  export enum Type {
    UNKNOWN = 'UNKNOWN',
    FIND_SUCCESSOR = 'FIND_SUCCESSOR',
    GET_NEIGHBORS = 'GET_NEIGHBORS',
    NOTIFY = 'NOTIFY',
    PING = 'PING',
    STORE = 'STORE',
    FETCH = 'FETCH',
    SYNC = 'SYNC',
    LEAVING = 'LEAVING'
  }

  enum __TypeValues {
    UNKNOWN = 0,
    FIND_SUCCESSOR = 1,
    GET_NEIGHBORS = 2,
    NOTIFY = 3,
    PING = 4,
    STORE = 5,
    FETCH = 6,
    SYNC = 7,
    LEAVING = 8
  }

  export namespace Type {
    export const codec = (): Codec<Type> => {
      return enumeration<Type>(__TypeValues)
    }
  }

  let _codec: Codec<ChordRequest>

  export const codec = (): Codec<ChordRequest> => {
    if (_codec == null) {
      _codec = message<ChordRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.type != null && __TypeValues[obj.type] !== 0) {
          w.uint32(8)
          ChordRequest.Type.codec().encode(obj.type, w)
        }

        if ((obj.key != null && obj.key.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.key)
        }

        if ((obj.primary != null && obj.primary !== false)) {
          w.uint32(24)
          w.bool(obj.primary)
        }

        if (obj.records != null && obj.records.length > 0) {
          for (const value of obj.records) {
            w.uint32(34)
            Record.codec().encode(value, w)
          }
        }

        if (obj.keyIds != null && obj.keyIds.length > 0) {
          for (const value of obj.keyIds) {
            w.uint32(42)
            w.bytes(value)
          }
        }

        if (obj.predecessor != null) {
          w.uint32(50)
          Peer.codec().encode(obj.predecessor, w)
        }

        if (obj.successors != null && obj.successors.length > 0) {
          for (const value of obj.successors) {
            w.uint32(58)
            Peer.codec().encode(value, w)
          }
        }

        if (obj.seqs != null && obj.seqs.length > 0) {
          for (const value of obj.seqs) {
            w.uint32(64)
            w.uint64(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          type: Type.UNKNOWN,
          key: uint8ArrayAlloc(0),
          primary: false,
          records: [],
          keyIds: [],
          successors: [],
          seqs: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.type = ChordRequest.Type.codec().decode(reader)
              break
            }
            case 2: {
              obj.key = reader.bytes()
              break
            }
            case 3: {
              obj.primary = reader.bool()
              break
            }
            case 4: {
              if (opts.limits?.records != null && obj.records.length === opts.limits.records) {
                throw new MaxLengthError('Decode error - repeated field "records" had too many elements')
              }

              if (obj.records.length === 64) {
                throw new MaxLengthError('Decode error - repeated field "records" had too many elements')
              }

              obj.records.push(Record.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.records$
              }))
              break
            }
            case 5: {
              if (opts.limits?.keyIds != null && obj.keyIds.length === opts.limits.keyIds) {
                throw new MaxLengthError('Decode error - repeated field "keyIds" had too many elements')
              }

              if (obj.keyIds.length === 1024) {
                throw new MaxLengthError('Decode error - repeated field "keyIds" had too many elements')
              }

              obj.keyIds.push(reader.bytes())
              break
            }
            case 6: {
              obj.predecessor = Peer.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.predecessor
              })
              break
            }
            case 7: {
              if (opts.limits?.successors != null && obj.successors.length === opts.limits.successors) {
                throw new MaxLengthError('Decode error - repeated field "successors" had too many elements')
              }

              if (obj.successors.length === 32) {
                throw new MaxLengthError('Decode error - repeated field "successors" had too many elements')
              }

              obj.successors.push(Peer.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.successors$
              }))
              break
            }
            case 8: {
              if (opts.limits?.seqs != null && obj.seqs.length === opts.limits.seqs) {
                throw new MaxLengthError('Decode error - repeated field "seqs" had too many elements')
              }

              if (obj.seqs.length === 1024) {
                throw new MaxLengthError('Decode error - repeated field "seqs" had too many elements')
              }

              obj.seqs.push(reader.uint64())
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          records: 64,
          keyIds: 1024,
          successors: 32,
          seqs: 1024
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.type`,
                value: ChordRequest.Type.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.key`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.primary`,
                value: reader.bool()
              }
              break
            }
            case 4: {
              if (opts.limits?.records != null && obj.records === opts.limits.records) {
                throw new MaxLengthError('Streaming decode error - repeated field "records" had too many elements')
              }

              if (obj.records === 64) {
                throw new MaxLengthError('Streaming decode error - repeated field "records" had too many elements')
              }

              for (const evt of Record.codec().stream(reader, reader.uint32(), `${prefix}.records[]`, {
                limits: opts.limits?.records$
              })) {
                yield {
                  ...evt,
                  index: obj.records
                }
              }

              obj.records++

              break
            }
            case 5: {
              if (opts.limits?.keyIds != null && obj.keyIds === opts.limits.keyIds) {
                throw new MaxLengthError('Streaming decode error - repeated field "keyIds" had too many elements')
              }

              if (obj.keyIds === 1024) {
                throw new MaxLengthError('Streaming decode error - repeated field "keyIds" had too many elements')
              }

              yield {
                field: `${prefix}.keyIds[]`,
                index: obj.keyIds,
                value: reader.bytes()
              }

              obj.keyIds++

              break
            }
            case 6: {
              yield * Peer.codec().stream(reader, reader.uint32(), `${prefix}.predecessor`, {
                limits: opts.limits?.predecessor
              })

              break
            }
            case 7: {
              if (opts.limits?.successors != null && obj.successors === opts.limits.successors) {
                throw new MaxLengthError('Streaming decode error - repeated field "successors" had too many elements')
              }

              if (obj.successors === 32) {
                throw new MaxLengthError('Streaming decode error - repeated field "successors" had too many elements')
              }

              for (const evt of Peer.codec().stream(reader, reader.uint32(), `${prefix}.successors[]`, {
                limits: opts.limits?.successors$
              })) {
                yield {
                  ...evt,
                  index: obj.successors
                }
              }

              obj.successors++

              break
            }
            case 8: {
              if (opts.limits?.seqs != null && obj.seqs === opts.limits.seqs) {
                throw new MaxLengthError('Streaming decode error - repeated field "seqs" had too many elements')
              }

              if (obj.seqs === 1024) {
                throw new MaxLengthError('Streaming decode error - repeated field "seqs" had too many elements')
              }

              yield {
                field: `${prefix}.seqs[]`,
                index: obj.seqs,
                value: reader.uint64()
              }

              obj.seqs++

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ChordRequestTypeFieldEvent {
    field: '$.type'
    value: ChordRequest.Type
  }

  export interface ChordRequestKeyFieldEvent {
    field: '$.key'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChordRequestPrimaryFieldEvent {
    field: '$.primary'
    value: boolean
  }

  export interface ChordRequestRecordsKeyFieldEvent {
    field: '$.records[].key'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ChordRequestRecordsValueFieldEvent {
    field: '$.records[].value'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ChordRequestRecordsSeqFieldEvent {
    field: '$.records[].seq'
    value: bigint
    index: number
  }

  export interface ChordRequestRecordsSignatureFieldEvent {
    field: '$.records[].signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ChordRequestKeyIdsFieldEvent {
    field: '$.keyIds[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChordRequestPredecessorPeerIdFieldEvent {
    field: '$.predecessor.peerId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChordRequestPredecessorAddrsFieldEvent {
    field: '$.predecessor.addrs[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChordRequestSuccessorsPeerIdFieldEvent {
    field: '$.successors[].peerId'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ChordRequestSuccessorsAddrsFieldEvent {
    field: '$.successors[].addrs[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChordRequestSeqsFieldEvent {
    field: '$.seqs[]'
    index: number
    value: bigint
  }

  export function encode (obj: Partial<ChordRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ChordRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChordRequest>): ChordRequest {
    return decodeMessage(buf, ChordRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChordRequest>): Generator<ChordRequestTypeFieldEvent | ChordRequestKeyFieldEvent | ChordRequestPrimaryFieldEvent | ChordRequestRecordsKeyFieldEvent | ChordRequestRecordsValueFieldEvent | ChordRequestRecordsSeqFieldEvent | ChordRequestRecordsSignatureFieldEvent | ChordRequestKeyIdsFieldEvent | ChordRequestPredecessorPeerIdFieldEvent | ChordRequestPredecessorAddrsFieldEvent | ChordRequestSuccessorsPeerIdFieldEvent | ChordRequestSuccessorsAddrsFieldEvent | ChordRequestSeqsFieldEvent> {
    return streamMessage(buf, ChordRequest.codec(), opts)
  }
}

export interface ChordResponse {
  type: ChordResponse.Type
  peers: Peer[]
  predecessor?: Peer
  accepted: number
  record?: Record
  keyIds: Uint8Array<ArrayBuffer>[]
  refused: Refusal[]
  newerKeyIds: Uint8Array<ArrayBuffer>[]
}

export namespace ChordResponse {
  export enum Type {
    UNKNOWN = 'UNKNOWN',
    FOUND = 'FOUND',
    CLOSER = 'CLOSER',
    NEIGHBORS = 'NEIGHBORS',
    ACK = 'ACK',
    STORED = 'STORED',
    VALUE = 'VALUE',
    MISSING = 'MISSING'
  }

  enum __TypeValues {
    UNKNOWN = 0,
    FOUND = 1,
    CLOSER = 2,
    NEIGHBORS = 3,
    ACK = 4,
    STORED = 5,
    VALUE = 6,
    MISSING = 7
  }

  export namespace Type {
    export const codec = (): Codec<Type> => {
      return enumeration<Type>(__TypeValues)
    }
  }

  let _codec: Codec<ChordResponse>

  export const codec = (): Codec<ChordResponse> => {
    if (_codec == null) {
      _codec = message<ChordResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.type != null && __TypeValues[obj.type] !== 0) {
          w.uint32(8)
          ChordResponse.Type.codec().encode(obj.type, w)
        }

        if (obj.peers != null && obj.peers.length > 0) {
          for (const value of obj.peers) {
            w.uint32(18)
            Peer.codec().encode(value, w)
          }
        }

        if (obj.predecessor != null) {
          w.uint32(26)
          Peer.codec().encode(obj.predecessor, w)
        }

        if ((obj.accepted != null && obj.accepted !== 0)) {
          w.uint32(32)
          w.uint32(obj.accepted)
        }

        if (obj.record != null) {
          w.uint32(42)
          Record.codec().encode(obj.record, w)
        }

        if (obj.keyIds != null && obj.keyIds.length > 0) {
          for (const value of obj.keyIds) {
            w.uint32(50)
            w.bytes(value)
          }
        }

        if (obj.refused != null && obj.refused.length > 0) {
          for (const value of obj.refused) {
            w.uint32(58)
            Refusal.codec().encode(value, w)
          }
        }

        if (obj.newerKeyIds != null && obj.newerKeyIds.length > 0) {
          for (const value of obj.newerKeyIds) {
            w.uint32(66)
            w.bytes(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          type: Type.UNKNOWN,
          peers: [],
          accepted: 0,
          keyIds: [],
          refused: [],
          newerKeyIds: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.type = ChordResponse.Type.codec().decode(reader)
              break
            }
            case 2: {
              if (opts.limits?.peers != null && obj.peers.length === opts.limits.peers) {
                throw new MaxLengthError('Decode error - repeated field "peers" had too many elements')
              }

              if (obj.peers.length === 32) {
                throw new MaxLengthError('Decode error - repeated field "peers" had too many elements')
              }

              obj.peers.push(Peer.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.peers$
              }))
              break
            }
            case 3: {
              obj.predecessor = Peer.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.predecessor
              })
              break
            }
            case 4: {
              obj.accepted = reader.uint32()
              break
            }
            case 5: {
              obj.record = Record.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.record
              })
              break
            }
            case 6: {
              if (opts.limits?.keyIds != null && obj.keyIds.length === opts.limits.keyIds) {
                throw new MaxLengthError('Decode error - repeated field "keyIds" had too many elements')
              }

              if (obj.keyIds.length === 1024) {
                throw new MaxLengthError('Decode error - repeated field "keyIds" had too many elements')
              }

              obj.keyIds.push(reader.bytes())
              break
            }
            case 7: {
              if (opts.limits?.refused != null && obj.refused.length === opts.limits.refused) {
                throw new MaxLengthError('Decode error - repeated field "refused" had too many elements')
              }

              if (obj.refused.length === 64) {
                throw new MaxLengthError('Decode error - repeated field "refused" had too many elements')
              }

              obj.refused.push(Refusal.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.refused$
              }))
              break
            }
            case 8: {
              if (opts.limits?.newerKeyIds != null && obj.newerKeyIds.length === opts.limits.newerKeyIds) {
                throw new MaxLengthError('Decode error - repeated field "newerKeyIds" had too many elements')
              }

              if (obj.newerKeyIds.length === 1024) {
                throw new MaxLengthError('Decode error - repeated field "newerKeyIds" had too many elements')
              }

              obj.newerKeyIds.push(reader.bytes())
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          peers: 32,
          keyIds: 1024,
          refused: 64,
          newerKeyIds: 1024
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.type`,
                value: ChordResponse.Type.codec().decode(reader)
              }
              break
            }
            case 2: {
              if (opts.limits?.peers != null && obj.peers === opts.limits.peers) {
                throw new MaxLengthError('Streaming decode error - repeated field "peers" had too many elements')
              }

              if (obj.peers === 32) {
                throw new MaxLengthError('Streaming decode error - repeated field "peers" had too many elements')
              }

              for (const evt of Peer.codec().stream(reader, reader.uint32(), `${prefix}.peers[]`, {
                limits: opts.limits?.peers$
              })) {
                yield {
                  ...evt,
                  index: obj.peers
                }
              }

              obj.peers++

              break
            }
            case 3: {
              yield * Peer.codec().stream(reader, reader.uint32(), `${prefix}.predecessor`, {
                limits: opts.limits?.predecessor
              })

              break
            }
            case 4: {
              yield {
                field: `${prefix}.accepted`,
                value: reader.uint32()
              }
              break
            }
            case 5: {
              yield * Record.codec().stream(reader, reader.uint32(), `${prefix}.record`, {
                limits: opts.limits?.record
              })

              break
            }
            case 6: {
              if (opts.limits?.keyIds != null && obj.keyIds === opts.limits.keyIds) {
                throw new MaxLengthError('Streaming decode error - repeated field "keyIds" had too many elements')
              }

              if (obj.keyIds === 1024) {
                throw new MaxLengthError('Streaming decode error - repeated field "keyIds" had too many elements')
              }

              yield {
                field: `${prefix}.keyIds[]`,
                index: obj.keyIds,
                value: reader.bytes()
              }

              obj.keyIds++

              break
            }
            case 7: {
              if (opts.limits?.refused != null && obj.refused === opts.limits.refused) {
                throw new MaxLengthError('Streaming decode error - repeated field "refused" had too many elements')
              }

              if (obj.refused === 64) {
                throw new MaxLengthError('Streaming decode error - repeated field "refused" had too many elements')
              }

              for (const evt of Refusal.codec().stream(reader, reader.uint32(), `${prefix}.refused[]`, {
                limits: opts.limits?.refused$
              })) {
                yield {
                  ...evt,
                  index: obj.refused
                }
              }

              obj.refused++

              break
            }
            case 8: {
              if (opts.limits?.newerKeyIds != null && obj.newerKeyIds === opts.limits.newerKeyIds) {
                throw new MaxLengthError('Streaming decode error - repeated field "newerKeyIds" had too many elements')
              }

              if (obj.newerKeyIds === 1024) {
                throw new MaxLengthError('Streaming decode error - repeated field "newerKeyIds" had too many elements')
              }

              yield {
                field: `${prefix}.newerKeyIds[]`,
                index: obj.newerKeyIds,
                value: reader.bytes()
              }

              obj.newerKeyIds++

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ChordResponseTypeFieldEvent {
    field: '$.type'
    value: ChordResponse.Type
  }

  export interface ChordResponsePeersPeerIdFieldEvent {
    field: '$.peers[].peerId'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ChordResponsePeersAddrsFieldEvent {
    field: '$.peers[].addrs[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChordResponsePredecessorPeerIdFieldEvent {
    field: '$.predecessor.peerId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChordResponsePredecessorAddrsFieldEvent {
    field: '$.predecessor.addrs[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChordResponseAcceptedFieldEvent {
    field: '$.accepted'
    value: number
  }

  export interface ChordResponseRecordKeyFieldEvent {
    field: '$.record.key'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChordResponseRecordValueFieldEvent {
    field: '$.record.value'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChordResponseRecordSeqFieldEvent {
    field: '$.record.seq'
    value: bigint
  }

  export interface ChordResponseRecordSignatureFieldEvent {
    field: '$.record.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChordResponseKeyIdsFieldEvent {
    field: '$.keyIds[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChordResponseRefusedIndexFieldEvent {
    field: '$.refused[].index'
    value: number
    index: number
  }

  export interface ChordResponseRefusedReasonFieldEvent {
    field: '$.refused[].reason'
    value: Refusal.Reason
    index: number
  }

  export interface ChordResponseNewerKeyIdsFieldEvent {
    field: '$.newerKeyIds[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<ChordResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ChordResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChordResponse>): ChordResponse {
    return decodeMessage(buf, ChordResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChordResponse>): Generator<ChordResponseTypeFieldEvent | ChordResponsePeersPeerIdFieldEvent | ChordResponsePeersAddrsFieldEvent | ChordResponsePredecessorPeerIdFieldEvent | ChordResponsePredecessorAddrsFieldEvent | ChordResponseAcceptedFieldEvent | ChordResponseRecordKeyFieldEvent | ChordResponseRecordValueFieldEvent | ChordResponseRecordSeqFieldEvent | ChordResponseRecordSignatureFieldEvent | ChordResponseKeyIdsFieldEvent | ChordResponseRefusedIndexFieldEvent | ChordResponseRefusedReasonFieldEvent | ChordResponseNewerKeyIdsFieldEvent> {
    return streamMessage(buf, ChordResponse.codec(), opts)
  }
}
