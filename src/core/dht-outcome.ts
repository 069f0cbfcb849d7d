/**
 * The results of a DHT node's public operations, shared by Chord and Pastry so that the runtime,
 * the experiments and the CLI read both the same way. A remote failure is a value (`failure`);
 * only the Promise API at the runtime turns a final one into a named Error.
 */
import type { PeerRef } from './port.js'

export type DhtFailure = 'no-live-node' | 'hop-limit' | 'stopped' | 'too-large' | 'refused' | 'unreachable'

export type DhtOutcome<T> = { readonly ok: true, readonly value: T } | { readonly ok: false, readonly failure: DhtFailure }

export interface PutResult {
  /** The node that stored the record as owner. */
  readonly holder: PeerRef
  readonly hops: number
}

export interface GetResult {
  /** The value, or undefined when no holder asked has the key. */
  readonly value: Uint8Array | undefined
  /** The node that answered with the value. */
  readonly holder: PeerRef | undefined
  readonly hops: number
}
