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

export interface PastryRequest {
  type: PastryRequest.Type
  key: Uint8Array<ArrayBuffer>
  row: number
  primary: boolean
  records: Record[]
  keyIds: Uint8Array<ArrayBuffer>[]
  left: Peer[]
  right: Peer[]
  seqs: bigint[]
}

export namespace PastryRequest {
  export enum Type {
    UNKNOWN = 'UNKNOWN',
    ROUTE = 'ROUTE',
    JOIN_ROUTE = 'JOIN_ROUTE',
    EXCHANGE = 'EXCHANGE',
    ANNOUNCE = 'ANNOUNCE',
    PING = 'PING',
    GET_ROW = 'GET_ROW',
    STORE = 'STORE',
    FETCH = 'FETCH',
    SYNC = 'SYNC',
    LEAVING = 'LEAVING'
  }

  enum __TypeValues {
    UNKNOWN = 0,
    ROUTE = 1,
    JOIN_ROUTE = 2,
    EXCHANGE = 3,
    ANNOUNCE = 4,
    PING = 5,
    GET_ROW = 6,
    STORE = 7,
    FETCH = 8,
    SYNC = 9,
    LEAVING = 10
  }

  export namespace Type {
    export const codec = (): Codec<Type> => {
      return enumeration<Type>(__TypeValues)
    }
  }

  let _codec: Codec<PastryRequest>

  export const codec = (): Codec<PastryRequest> => {
    if (_codec == null) {
      _codec = message<PastryRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.type != null && __TypeValues[obj.type] !== 0) {
          w.uint32(8)
          PastryRequest.Type.codec().encode(obj.type, w)
        }

        if ((obj.key != null && obj.key.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.key)
        }

        if ((obj.row != null && obj.row !== 0)) {
          w.uint32(24)
          w.uint32(obj.row)
        }

        if ((obj.primary != null && obj.primary !== false)) {
          w.uint32(32)
          w.bool(obj.primary)
        }

        if (obj.records != null && obj.records.length > 0) {
          for (const value of obj.records) {
            w.uint32(42)
            Record.codec().encode(value, w)
          }
        }

        if (obj.keyIds != null && obj.keyIds.length > 0) {
          for (const value of obj.keyIds) {
            w.uint32(50)
            w.bytes(value)
          }
        }

        if (obj.left != null && obj.left.length > 0) {
          for (const value of obj.left) {
            w.uint32(58)
            Peer.codec().encode(value, w)
          }
        }

        if (obj.right != null && obj.right.length > 0) {
          for (const value of obj.right) {
            w.uint32(66)
            Peer.codec().encode(value, w)
          }
        }

        if (obj.seqs != null && obj.seqs.length > 0) {
          for (const value of obj.seqs) {
            w.uint32(72)
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
          row: 0,
          primary: false,
          records: [],
          keyIds: [],
          left: [],
          right: [],
          seqs: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.type = PastryRequest.Type.codec().decode(reader)
              break
            }
            case 2: {
              obj.key = reader.bytes()
              break
            }
            case 3: {
              obj.row = reader.uint32()
              break
            }
            case 4: {
              obj.primary = reader.bool()
              break
            }
            case 5: {
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
              if (opts.limits?.left != null && obj.left.length === opts.limits.left) {
                throw new MaxLengthError('Decode error - repeated field "left" had too many elements')
              }

              if (obj.left.length === 32) {
                throw new MaxLengthError('Decode error - repeated field "left" had too many elements')
              }

              obj.left.push(Peer.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.left$
              }))
              break
            }
            case 8: {
              if (opts.limits?.right != null && obj.right.length === opts.limits.right) {
                throw new MaxLengthError('Decode error - repeated field "right" had too many elements')
              }

              if (obj.right.length === 32) {
                throw new MaxLengthError('Decode error - repeated field "right" had too many elements')
              }

              obj.right.push(Peer.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.right$
              }))
              break
            }
            case 9: {
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
          left: 32,
          right: 32,
          seqs: 1024
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.type`,
                value: PastryRequest.Type.codec().decode(reader)
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
                field: `${prefix}.row`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.primary`,
                value: reader.bool()
              }
              break
            }
            case 5: {
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
              if (opts.limits?.left != null && obj.left === opts.limits.left) {
                throw new MaxLengthError('Streaming decode error - repeated field "left" had too many elements')
              }

              if (obj.left === 32) {
                throw new MaxLengthError('Streaming decode error - repeated field "left" had too many elements')
              }

              for (const evt of Peer.codec().stream(reader, reader.uint32(), `${prefix}.left[]`, {
                limits: opts.limits?.left$
              })) {
                yield {
                  ...evt,
                  index: obj.left
                }
              }

              obj.left++

              break
            }
            case 8: {
              if (opts.limits?.right != null && obj.right === opts.limits.right) {
                throw new MaxLengthError('Streaming decode error - repeated field "right" had too many elements')
              }

              if (obj.right === 32) {
                throw new MaxLengthError('Streaming decode error - repeated field "right" had too many elements')
              }

              for (const evt of Peer.codec().stream(reader, reader.uint32(), `${prefix}.right[]`, {
                limits: opts.limits?.right$
              })) {
                yield {
                  ...evt,
                  index: obj.right
                }
              }

              obj.right++

              break
            }
            case 9: {
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

  export interface PastryRequestTypeFieldEvent {
    field: '$.type'
    value: PastryRequest.Type
  }

  export interface PastryRequestKeyFieldEvent {
    field: '$.key'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PastryRequestRowFieldEvent {
    field: '$.row'
    value: number
  }

  export interface PastryRequestPrimaryFieldEvent {
    field: '$.primary'
    value: boolean
  }

  export interface PastryRequestRecordsKeyFieldEvent {
    field: '$.records[].key'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface PastryRequestRecordsValueFieldEvent {
    field: '$.records[].value'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface PastryRequestRecordsSeqFieldEvent {
    field: '$.records[].seq'
    value: bigint
    index: number
  }

  export interface PastryRequestRecordsSignatureFieldEvent {
    field: '$.records[].signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface PastryRequestKeyIdsFieldEvent {
    field: '$.keyIds[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface PastryRequestLeftPeerIdFieldEvent {
    field: '$.left[].peerId'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface PastryRequestLeftAddrsFieldEvent {
    field: '$.left[].addrs[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface PastryRequestRightPeerIdFieldEvent {
    field: '$.right[].peerId'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface PastryRequestRightAddrsFieldEvent {
    field: '$.right[].addrs[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface PastryRequestSeqsFieldEvent {
    field: '$.seqs[]'
    index: number
    value: bigint
  }

  export function encode (obj: Partial<PastryRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, PastryRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PastryRequest>): PastryRequest {
    return decodeMessage(buf, PastryRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PastryRequest>): Generator<PastryRequestTypeFieldEvent | PastryRequestKeyFieldEvent | PastryRequestRowFieldEvent | PastryRequestPrimaryFieldEvent | PastryRequestRecordsKeyFieldEvent | PastryRequestRecordsValueFieldEvent | PastryRequestRecordsSeqFieldEvent | PastryRequestRecordsSignatureFieldEvent | PastryRequestKeyIdsFieldEvent | PastryRequestLeftPeerIdFieldEvent | PastryRequestLeftAddrsFieldEvent | PastryRequestRightPeerIdFieldEvent | PastryRequestRightAddrsFieldEvent | PastryRequestSeqsFieldEvent> {
    return streamMessage(buf, PastryRequest.codec(), opts)
  }
}

export interface PastryResponse {
  type: PastryResponse.Type
  nodes: Peer[]
  left: Peer[]
  right: Peer[]
  rows: Peer[]
  accepted: number
  record?: Record
  keyIds: Uint8Array<ArrayBuffer>[]
  refused: Refusal[]
  newerKeyIds: Uint8Array<ArrayBuffer>[]
}

export namespace PastryResponse {
  export enum Type {
    UNKNOWN = 'UNKNOWN',
    DELIVER = 'DELIVER',
    NEXT = 'NEXT',
    LEAF_SET = 'LEAF_SET',
    ROW = 'ROW',
    ACK = 'ACK',
    STORED = 'STORED',
    VALUE = 'VALUE',
    MISSING = 'MISSING'
  }

  enum __TypeValues {
    UNKNOWN = 0,
    DELIVER = 1,
    NEXT = 2,
    LEAF_SET = 3,
    ROW = 4,
    ACK = 5,
    STORED = 6,
    VALUE = 7,
    MISSING = 8
  }

  export namespace Type {
    export const codec = (): Codec<Type> => {
      return enumeration<Type>(__TypeValues)
    }
  }

  let _codec: Codec<PastryResponse>

  export const codec = (): Codec<PastryResponse> => {
    if (_codec == null) {
      _codec = message<PastryResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.type != null && __TypeValues[obj.type] !== 0) {
          w.uint32(8)
          PastryResponse.Type.codec().encode(obj.type, w)
        }

        if (obj.nodes != null && obj.nodes.length > 0) {
          for (const value of obj.nodes) {
            w.uint32(18)
            Peer.codec().encode(value, w)
          }
        }

        if (obj.left != null && obj.left.length > 0) {
          for (const value of obj.left) {
            w.uint32(26)
            Peer.codec().encode(value, w)
          }
        }

        if (obj.right != null && obj.right.length > 0) {
          for (const value of obj.right) {
            w.uint32(34)
            Peer.codec().encode(value, w)
          }
        }

        if (obj.rows != null && obj.rows.length > 0) {
          for (const value of obj.rows) {
            w.uint32(42)
            Peer.codec().encode(value, w)
          }
        }

        if ((obj.accepted != null && obj.accepted !== 0)) {
          w.uint32(48)
          w.uint32(obj.accepted)
        }

        if (obj.record != null) {
          w.uint32(58)
          Record.codec().encode(obj.record, w)
        }

        if (obj.keyIds != null && obj.keyIds.length > 0) {
          for (const value of obj.keyIds) {
            w.uint32(66)
            w.bytes(value)
          }
        }

        if (obj.refused != null && obj.refused.length > 0) {
          for (const value of obj.refused) {
            w.uint32(74)
            Refusal.codec().encode(value, w)
          }
        }

        if (obj.newerKeyIds != null && obj.newerKeyIds.length > 0) {
          for (const value of obj.newerKeyIds) {
            w.uint32(82)
            w.bytes(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          type: Type.UNKNOWN,
          nodes: [],
          left: [],
          right: [],
          rows: [],
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
              obj.type = PastryResponse.Type.codec().decode(reader)
              break
            }
            case 2: {
              if (opts.limits?.nodes != null && obj.nodes.length === opts.limits.nodes) {
                throw new MaxLengthError('Decode error - repeated field "nodes" had too many elements')
              }

              if (obj.nodes.length === 15) {
                throw new MaxLengthError('Decode error - repeated field "nodes" had too many elements')
              }

              obj.nodes.push(Peer.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.nodes$
              }))
              break
            }
            case 3: {
              if (opts.limits?.left != null && obj.left.length === opts.limits.left) {
                throw new MaxLengthError('Decode error - repeated field "left" had too many elements')
              }

              if (obj.left.length === 32) {
                throw new MaxLengthError('Decode error - repeated field "left" had too many elements')
              }

              obj.left.push(Peer.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.left$
              }))
              break
            }
            case 4: {
              if (opts.limits?.right != null && obj.right.length === opts.limits.right) {
                throw new MaxLengthError('Decode error - repeated field "right" had too many elements')
              }

              if (obj.right.length === 32) {
                throw new MaxLengthError('Decode error - repeated field "right" had too many elements')
              }

              obj.right.push(Peer.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.right$
              }))
              break
            }
            case 5: {
              if (opts.limits?.rows != null && obj.rows.length === opts.limits.rows) {
                throw new MaxLengthError('Decode error - repeated field "rows" had too many elements')
              }

              if (obj.rows.length === 60) {
                throw new MaxLengthError('Decode error - repeated field "rows" had too many elements')
              }

              obj.rows.push(Peer.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.rows$
              }))
              break
            }
            case 6: {
              obj.accepted = reader.uint32()
              break
            }
            case 7: {
              obj.record = Record.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.record
              })
              break
            }
            case 8: {
              if (opts.limits?.keyIds != null && obj.keyIds.length === opts.limits.keyIds) {
                throw new MaxLengthError('Decode error - repeated field "keyIds" had too many elements')
              }

              if (obj.keyIds.length === 1024) {
                throw new MaxLengthError('Decode error - repeated field "keyIds" had too many elements')
              }

              obj.keyIds.push(reader.bytes())
              break
            }
            case 9: {
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
            case 10: {
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
          nodes: 15,
          left: 32,
          right: 32,
          rows: 60,
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
                value: PastryResponse.Type.codec().decode(reader)
              }
              break
            }
            case 2: {
              if (opts.limits?.nodes != null && obj.nodes === opts.limits.nodes) {
                throw new MaxLengthError('Streaming decode error - repeated field "nodes" had too many elements')
              }

              if (obj.nodes === 15) {
                throw new MaxLengthError('Streaming decode error - repeated field "nodes" had too many elements')
              }

              for (const evt of Peer.codec().stream(reader, reader.uint32(), `${prefix}.nodes[]`, {
                limits: opts.limits?.nodes$
              })) {
                yield {
                  ...evt,
                  index: obj.nodes
                }
              }

              obj.nodes++

              break
            }
            case 3: {
              if (opts.limits?.left != null && obj.left === opts.limits.left) {
                throw new MaxLengthError('Streaming decode error - repeated field "left" had too many elements')
              }

              if (obj.left === 32) {
                throw new MaxLengthError('Streaming decode error - repeated field "left" had too many elements')
              }

              for (const evt of Peer.codec().stream(reader, reader.uint32(), `${prefix}.left[]`, {
                limits: opts.limits?.left$
              })) {
                yield {
                  ...evt,
                  index: obj.left
                }
              }

              obj.left++

              break
            }
            case 4: {
              if (opts.limits?.right != null && obj.right === opts.limits.right) {
                throw new MaxLengthError('Streaming decode error - repeated field "right" had too many elements')
              }

              if (obj.right === 32) {
                throw new MaxLengthError('Streaming decode error - repeated field "right" had too many elements')
              }

              for (const evt of Peer.codec().stream(reader, reader.uint32(), `${prefix}.right[]`, {
                limits: opts.limits?.right$
              })) {
                yield {
                  ...evt,
                  index: obj.right
                }
              }

              obj.right++

              break
            }
            case 5: {
              if (opts.limits?.rows != null && obj.rows === opts.limits.rows) {
                throw new MaxLengthError('Streaming decode error - repeated field "rows" had too many elements')
              }

              if (obj.rows === 60) {
                throw new MaxLengthError('Streaming decode error - repeated field "rows" had too many elements')
              }

              for (const evt of Peer.codec().stream(reader, reader.uint32(), `${prefix}.rows[]`, {
                limits: opts.limits?.rows$
              })) {
                yield {
                  ...evt,
                  index: obj.rows
                }
              }

              obj.rows++

              break
            }
            case 6: {
              yield {
                field: `${prefix}.accepted`,
                value: reader.uint32()
              }
              break
            }
            case 7: {
              yield * Record.codec().stream(reader, reader.uint32(), `${prefix}.record`, {
                limits: opts.limits?.record
              })

              break
            }
            case 8: {
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
            case 9: {
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
            case 10: {
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

  export interface PastryResponseTypeFieldEvent {
    field: '$.type'
    value: PastryResponse.Type
  }

  export interface PastryResponseNodesPeerIdFieldEvent {
    field: '$.nodes[].peerId'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface PastryResponseNodesAddrsFieldEvent {
    field: '$.nodes[].addrs[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface PastryResponseLeftPeerIdFieldEvent {
    field: '$.left[].peerId'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface PastryResponseLeftAddrsFieldEvent {
    field: '$.left[].addrs[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface PastryResponseRightPeerIdFieldEvent {
    field: '$.right[].peerId'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface PastryResponseRightAddrsFieldEvent {
    field: '$.right[].addrs[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface PastryResponseRowsPeerIdFieldEvent {
    field: '$.rows[].peerId'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface PastryResponseRowsAddrsFieldEvent {
    field: '$.rows[].addrs[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface PastryResponseAcceptedFieldEvent {
    field: '$.accepted'
    value: number
  }

  export interface PastryResponseRecordKeyFieldEvent {
    field: '$.record.key'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PastryResponseRecordValueFieldEvent {
    field: '$.record.value'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PastryResponseRecordSeqFieldEvent {
    field: '$.record.seq'
    value: bigint
  }

  export interface PastryResponseRecordSignatureFieldEvent {
    field: '$.record.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PastryResponseKeyIdsFieldEvent {
    field: '$.keyIds[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface PastryResponseRefusedIndexFieldEvent {
    field: '$.refused[].index'
    value: number
    index: number
  }

  export interface PastryResponseRefusedReasonFieldEvent {
    field: '$.refused[].reason'
    value: Refusal.Reason
    index: number
  }

  export interface PastryResponseNewerKeyIdsFieldEvent {
    field: '$.newerKeyIds[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<PastryResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, PastryResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PastryResponse>): PastryResponse {
    return decodeMessage(buf, PastryResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PastryResponse>): Generator<PastryResponseTypeFieldEvent | PastryResponseNodesPeerIdFieldEvent | PastryResponseNodesAddrsFieldEvent | PastryResponseLeftPeerIdFieldEvent | PastryResponseLeftAddrsFieldEvent | PastryResponseRightPeerIdFieldEvent | PastryResponseRightAddrsFieldEvent | PastryResponseRowsPeerIdFieldEvent | PastryResponseRowsAddrsFieldEvent | PastryResponseAcceptedFieldEvent | PastryResponseRecordKeyFieldEvent | PastryResponseRecordValueFieldEvent | PastryResponseRecordSeqFieldEvent | PastryResponseRecordSignatureFieldEvent | PastryResponseKeyIdsFieldEvent | PastryResponseRefusedIndexFieldEvent | PastryResponseRefusedReasonFieldEvent | PastryResponseNewerKeyIdsFieldEvent> {
    return streamMessage(buf, PastryResponse.codec(), opts)
  }
}
