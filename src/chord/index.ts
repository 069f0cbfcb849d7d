/**
 * Chord's public face for runtimes: construct `new ChordNode(io, init)`, drive it as a
 * `ProtocolHandler`, call join/lookup/put/get/leave/status. Everything else in src/chord is internal.
 */
export { ChordNode, type ChordStatus, type SeedRouting } from './chord-node.js'
export { chordConfig, CHORD_DEFAULTS, type ChordConfig, type ChordInit } from './config.js'
export type { ChordCounters, ChordIo, LookupOutcome } from './context.js'
export type { LookupFailure, LookupResult } from './lookup.js'
export type { ChordMessage, ChordRecord, ChordRequest, ChordResponse, StoreRole } from './messages.js'
export type { GetResult, PutResult } from './operations.js'
export type { DhtFailure, Outcome } from '../core/dht-outcome.js'
export * from './limits.js'
