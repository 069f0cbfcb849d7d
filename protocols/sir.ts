import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface Rumor {
  origin: Uint8Array<ArrayBuffer>
  seq: bigint
  topic: Uint8Array<ArrayBuffer>
  payload: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
  createdMs: bigint
}

export namespace Rumor {
  let _codec: Codec<Rumor>

  export const codec = (): Codec<Rumor> => {
    if (_codec == null) {
      _codec = message<Rumor>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.origin != null && obj.origin.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.origin)
        }

        if ((obj.seq != null && obj.seq !== 0n)) {
          w.uint32(16)
          w.uint64(obj.seq)
        }

        if ((obj.topic != null && obj.topic.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.topic)
        }

        if ((obj.payload != null && obj.payload.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.payload)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.signature)
        }

        if ((obj.createdMs != null && obj.createdMs !== 0n)) {
          w.uint32(48)
          w.uint64(obj.createdMs)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          origin: uint8ArrayAlloc(0),
          seq: 0n,
          topic: uint8ArrayAlloc(0),
          payload: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0),
          createdMs: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.origin = reader.bytes()
              break
            }
            case 2: {
              obj.seq = reader.uint64()
              break
            }
            case 3: {
              obj.topic = reader.bytes()
              break
            }
            case 4: {
              obj.payload = reader.bytes()
              break
            }
            case 5: {
              obj.signature = reader.bytes()
              break
            }
            case 6: {
              obj.createdMs = reader.uint64()
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
                field: `${prefix}.origin`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.seq`,
                value: reader.uint64()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.topic`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.payload`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.createdMs`,
                value: reader.uint64()
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

  export interface RumorOriginFieldEvent {
    field: '$.origin'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RumorSeqFieldEvent {
    field: '$.seq'
    value: bigint
  }

  export interface RumorTopicFieldEvent {
    field: '$.topic'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RumorPayloadFieldEvent {
    field: '$.payload'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RumorSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RumorCreatedMsFieldEvent {
    field: '$.createdMs'
    value: bigint
  }

  export function encode (obj: Partial<Rumor>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Rumor.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Rumor>): Rumor {
    return decodeMessage(buf, Rumor.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Rumor>): Generator<RumorOriginFieldEvent | RumorSeqFieldEvent | RumorTopicFieldEvent | RumorPayloadFieldEvent | RumorSignatureFieldEvent | RumorCreatedMsFieldEvent> {
    return streamMessage(buf, Rumor.codec(), opts)
  }
}

export interface SirRequest {
  type: SirRequest.Type
  rumors: Rumor[]
  digest: Uint8Array<ArrayBuffer>[]
}

export namespace SirRequest {
  export enum Type {
    UNKNOWN = 'UNKNOWN',
    PUSH = 'PUSH',
    PULL = 'PULL',
    PUSHPULL = 'PUSHPULL',
    SYNC = 'SYNC'
  }

  enum __TypeValues {
    UNKNOWN = 0,
    PUSH = 1,
    PULL = 2,
    PUSHPULL = 3,
    SYNC = 4
  }

  export namespace Type {
    export const codec = (): Codec<Type> => {
      return enumeration<Type>(__TypeValues)
    }
  }

  let _codec: Codec<SirRequest>

  export const codec = (): Codec<SirRequest> => {
    if (_codec == null) {
      _codec = message<SirRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.type != null && __TypeValues[obj.type] !== 0) {
          w.uint32(8)
          SirRequest.Type.codec().encode(obj.type, w)
        }

        if (obj.rumors != null && obj.rumors.length > 0) {
          for (const value of obj.rumors) {
            w.uint32(18)
            Rumor.codec().encode(value, w)
          }
        }

        if (obj.digest != null && obj.digest.length > 0) {
          for (const value of obj.digest) {
            w.uint32(26)
            w.bytes(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          type: Type.UNKNOWN,
          rumors: [],
          digest: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.type = SirRequest.Type.codec().decode(reader)
              break
            }
            case 2: {
              if (opts.limits?.rumors != null && obj.rumors.length === opts.limits.rumors) {
                throw new MaxLengthError('Decode error - repeated field "rumors" had too many elements')
              }

              if (obj.rumors.length === 64) {
                throw new MaxLengthError('Decode error - repeated field "rumors" had too many elements')
              }

              obj.rumors.push(Rumor.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.rumors$
              }))
              break
            }
            case 3: {
              if (opts.limits?.digest != null && obj.digest.length === opts.limits.digest) {
                throw new MaxLengthError('Decode error - repeated field "digest" had too many elements')
              }

              if (obj.digest.length === 1024) {
                throw new MaxLengthError('Decode error - repeated field "digest" had too many elements')
              }

              obj.digest.push(reader.bytes())
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
          rumors: 64,
          digest: 1024
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.type`,
                value: SirRequest.Type.codec().decode(reader)
              }
              break
            }
            case 2: {
              if (opts.limits?.rumors != null && obj.rumors === opts.limits.rumors) {
                throw new MaxLengthError('Streaming decode error - repeated field "rumors" had too many elements')
              }

              if (obj.rumors === 64) {
                throw new MaxLengthError('Streaming decode error - repeated field "rumors" had too many elements')
              }

              for (const evt of Rumor.codec().stream(reader, reader.uint32(), `${prefix}.rumors[]`, {
                limits: opts.limits?.rumors$
              })) {
                yield {
                  ...evt,
                  index: obj.rumors
                }
              }

              obj.rumors++

              break
            }
            case 3: {
              if (opts.limits?.digest != null && obj.digest === opts.limits.digest) {
                throw new MaxLengthError('Streaming decode error - repeated field "digest" had too many elements')
              }

              if (obj.digest === 1024) {
                throw new MaxLengthError('Streaming decode error - repeated field "digest" had too many elements')
              }

              yield {
                field: `${prefix}.digest[]`,
                index: obj.digest,
                value: reader.bytes()
              }

              obj.digest++

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

  export interface SirRequestTypeFieldEvent {
    field: '$.type'
    value: SirRequest.Type
  }

  export interface SirRequestRumorsOriginFieldEvent {
    field: '$.rumors[].origin'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface SirRequestRumorsSeqFieldEvent {
    field: '$.rumors[].seq'
    value: bigint
    index: number
  }

  export interface SirRequestRumorsTopicFieldEvent {
    field: '$.rumors[].topic'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface SirRequestRumorsPayloadFieldEvent {
    field: '$.rumors[].payload'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface SirRequestRumorsSignatureFieldEvent {
    field: '$.rumors[].signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface SirRequestRumorsCreatedMsFieldEvent {
    field: '$.rumors[].createdMs'
    value: bigint
    index: number
  }

  export interface SirRequestDigestFieldEvent {
    field: '$.digest[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SirRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SirRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SirRequest>): SirRequest {
    return decodeMessage(buf, SirRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SirRequest>): Generator<SirRequestTypeFieldEvent | SirRequestRumorsOriginFieldEvent | SirRequestRumorsSeqFieldEvent | SirRequestRumorsTopicFieldEvent | SirRequestRumorsPayloadFieldEvent | SirRequestRumorsSignatureFieldEvent | SirRequestRumorsCreatedMsFieldEvent | SirRequestDigestFieldEvent> {
    return streamMessage(buf, SirRequest.codec(), opts)
  }
}

export interface SirResponse {
  type: SirResponse.Type
  known: Uint8Array<ArrayBuffer>
  rumors: Rumor[]
}

export namespace SirResponse {
  export enum Type {
    UNKNOWN = 'UNKNOWN',
    PUSH_ACK = 'PUSH_ACK',
    RUMORS = 'RUMORS',
    PUSHPULL_ACK = 'PUSHPULL_ACK'
  }

  enum __TypeValues {
    UNKNOWN = 0,
    PUSH_ACK = 1,
    RUMORS = 2,
    PUSHPULL_ACK = 3
  }

  export namespace Type {
    export const codec = (): Codec<Type> => {
      return enumeration<Type>(__TypeValues)
    }
  }

  let _codec: Codec<SirResponse>

  export const codec = (): Codec<SirResponse> => {
    if (_codec == null) {
      _codec = message<SirResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.type != null && __TypeValues[obj.type] !== 0) {
          w.uint32(8)
          SirResponse.Type.codec().encode(obj.type, w)
        }

        if ((obj.known != null && obj.known.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.known)
        }

        if (obj.rumors != null && obj.rumors.length > 0) {
          for (const value of obj.rumors) {
            w.uint32(26)
            Rumor.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          type: Type.UNKNOWN,
          known: uint8ArrayAlloc(0),
          rumors: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.type = SirResponse.Type.codec().decode(reader)
              break
            }
            case 2: {
              obj.known = reader.bytes()
              break
            }
            case 3: {
              if (opts.limits?.rumors != null && obj.rumors.length === opts.limits.rumors) {
                throw new MaxLengthError('Decode error - repeated field "rumors" had too many elements')
              }

              if (obj.rumors.length === 64) {
                throw new MaxLengthError('Decode error - repeated field "rumors" had too many elements')
              }

              obj.rumors.push(Rumor.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.rumors$
              }))
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
          rumors: 64
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.type`,
                value: SirResponse.Type.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.known`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              if (opts.limits?.rumors != null && obj.rumors === opts.limits.rumors) {
                throw new MaxLengthError('Streaming decode error - repeated field "rumors" had too many elements')
              }

              if (obj.rumors === 64) {
                throw new MaxLengthError('Streaming decode error - repeated field "rumors" had too many elements')
              }

              for (const evt of Rumor.codec().stream(reader, reader.uint32(), `${prefix}.rumors[]`, {
                limits: opts.limits?.rumors$
              })) {
                yield {
                  ...evt,
                  index: obj.rumors
                }
              }

              obj.rumors++

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

  export interface SirResponseTypeFieldEvent {
    field: '$.type'
    value: SirResponse.Type
  }

  export interface SirResponseKnownFieldEvent {
    field: '$.known'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SirResponseRumorsOriginFieldEvent {
    field: '$.rumors[].origin'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface SirResponseRumorsSeqFieldEvent {
    field: '$.rumors[].seq'
    value: bigint
    index: number
  }

  export interface SirResponseRumorsTopicFieldEvent {
    field: '$.rumors[].topic'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface SirResponseRumorsPayloadFieldEvent {
    field: '$.rumors[].payload'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface SirResponseRumorsSignatureFieldEvent {
    field: '$.rumors[].signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface SirResponseRumorsCreatedMsFieldEvent {
    field: '$.rumors[].createdMs'
    value: bigint
    index: number
  }

  export function encode (obj: Partial<SirResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SirResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SirResponse>): SirResponse {
    return decodeMessage(buf, SirResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SirResponse>): Generator<SirResponseTypeFieldEvent | SirResponseKnownFieldEvent | SirResponseRumorsOriginFieldEvent | SirResponseRumorsSeqFieldEvent | SirResponseRumorsTopicFieldEvent | SirResponseRumorsPayloadFieldEvent | SirResponseRumorsSignatureFieldEvent | SirResponseRumorsCreatedMsFieldEvent> {
    return streamMessage(buf, SirResponse.codec(), opts)
  }
}
