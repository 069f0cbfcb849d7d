/**
 * The one port between pure protocol logic (chord/, pastry/, sir/) and a runtime (libp2p/ or sim/).
 * Invariants: a protocol never reads the wall clock, never draws from a global random source and never does
 * I/O; everything it needs arrives through `Io`, and everything it does leaves through `Io`.
 * Callbacks handed to the port (`request`'s `done`) fire later, never inside the call that set them.
 */
import type { Outcome } from './dht-outcome.js'
import type { NodeId } from './id.js'
import type { Random } from './random.js'

/** A remote node as the protocols see it: its 256-bit id and the runtime's address for it. */
export interface PeerRef {
  /** SHA-256 of the peer id's multihash bytes (DESIGN.md §2); never taken from what a peer says. */
  readonly id: NodeId
  /** The runtime's address: a libp2p peer id string, or a simulator address. */
  readonly address: string
}

/** Why a request did not produce a response. */
export type Failure = 'timeout' | 'unreachable' | 'rejected' | 'malformed' | 'stopped'

/** The outcome of one request: the same Outcome shape as every DHT operation, with the port's failures. */
export type Result<T> = Outcome<T, Failure>

export interface RequestOptions {
  /** Give up and report `timeout` after this many (virtual or real) milliseconds. */
  timeoutMs: number
}

/**
 * What a protocol instance may do. `Req`/`Res` are the protocol's typed request and response
 * unions, `Msg` its fire-and-forget messages.
 */
export interface Io<Req, Res, Msg = never> {
  /** This node. */
  readonly self: PeerRef
  /** Current time in milliseconds (virtual in the simulator). */
  now(): number
  /** This node's own seeded random source (forked per node; fork again per purpose). */
  readonly random: Random
  /** Sends `req` to `to`; `done` is called exactly once, later, with the response or a failure. */
  request(to: PeerRef, req: Req, options: RequestOptions, done: (result: Result<Res>) => void): void
  /** Fire and forget; delivery is not guaranteed. */
  send(to: PeerRef, msg: Msg): void
  /** (Re)arms the named timer: `onTimer(name)` fires after `delayMs`. Re-arming replaces it. */
  setTimer(name: string, delayMs: number): void
  cancelTimer(name: string): void
}

/** What a runtime drives: the inbound side of a protocol instance. */
export interface ProtocolHandler<Req, Res, Msg = never> {
  /** Arms the first timers; called once, after the runtime is ready to carry requests. */
  start(): void
  /** Cancels timers and fails pending operations with `stopped`. */
  stop(): void
  /** Answers an inbound request from a remote node (identity authenticated by the runtime). */
  onRequest(from: PeerRef, req: Req): Res
  /** Handles an inbound fire-and-forget message. */
  onMessage(from: PeerRef, msg: Msg): void
  /** A timer armed with `setTimer(name, ...)` has fired. */
  onTimer(name: string): void
  /** A peer that speaks this protocol connected (true) or went away (false). Optional. */
  onPeer?(peer: PeerRef, up: boolean): void
}
