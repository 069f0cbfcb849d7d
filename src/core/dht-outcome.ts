/**
 * The one result type of the DHTs' operations (lookup, route, join, put, get, leave), shared by
 * Chord, Pastry and the storage layer so that the runtime, the experiments and the CLI read them
 * all the same way. A remote failure is a value (`failure`); only the Promise API at the runtime
 * turns a final one into a named Error, through `failureText`, whose switch the compiler checks
 * for every kind.
 */

/** Why a DHT operation failed. */
export type DhtFailure =
  /** No node answered the lookup or route. */
  | 'no-live-node'
  /** The lookup or route asked its limit of nodes without an owner. */
  | 'hop-limit'
  /** The node is stopped, leaving or still joining. */
  | 'stopped'
  /** The key or value is over the node's limits. */
  | 'too-large'
  /** A newer version of the key is held (or this one was replayed). */
  | 'stale'
  /** The record's signature does not verify against the writer its key names. */
  | 'invalid'
  /** The owner's store is full. */
  | 'store-full'
  /** This writer's peer has used its quota at the owner. */
  | 'over-quota'
  /** The owner answered and refused the record for another reason (it is leaving). */
  | 'refused'
  /** No holder of the key answered. */
  | 'unreachable'

/**
 * A value, or the reason there is none; `F` narrows the failures an operation can end with (a DHT
 * operation's DhtFailure, or a single request's port Failure: core/port.ts `Result`).
 */
export type Outcome<T, F extends string = DhtFailure> = { readonly ok: true, readonly value: T } | { readonly ok: false, readonly failure: F }

/** What a failure means, for an error message (`what`: "chord put 'k'"; `name`: "Chord"). */
export function failureText (failure: DhtFailure, what: string, name: string): string {
  switch (failure) {
    case 'too-large': return `${what}: key or value over the node's limits`
    case 'stale': return `${what}: a newer version of the key is stored`
    case 'invalid': return `${what}: the record's signature does not verify against the key's writer`
    case 'store-full': return `${what}: the owner's store is full`
    case 'over-quota': return `${what}: this peer has used its storage quota at the owner`
    case 'refused': return `${what}: the owner refused the record (it is leaving)`
    case 'no-live-node': return `${what}: no live ${name} node answered`
    case 'hop-limit': return `${what}: the lookup exceeded its hop limit`
    case 'stopped': return `${what}: the ${name} service is stopped or still joining`
    case 'unreachable': return `${what}: no holder of the key answered`
    default: return unreachableFailure(failure)
  }
}

function unreachableFailure (failure: never): never {
  throw new Error(`unknown DHT failure ${String(failure)}`)
}
