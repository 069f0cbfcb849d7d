/**
 * Candidates to probe: peers that others name (a neighbour's successor list or leaf set, a
 * LEAVING's replacements, a join's rows) are never routing state; they wait here until this node
 * has reached each one itself and it answered for the protocol (Castro et al., OSDI 2002 §4: routing
 * state is verified first-hand). Invariants: a candidate is queued once (de-duplicated by address);
 * at most `maxPerMessage` are taken from one message, `maxPerNamer` wait per naming peer and
 * `maxPending` in total (the rest are dropped and counted); at most `maxInFlight` probes are out at
 * once, so probing runs at most that many per round trip; a peer probed lately is not probed again
 * (an answer stands for `verifiedForMs`, a failure for `reprobeAfterMs`), so no address named over
 * and over is dialled over and over (a request from the peer itself clears a failure: it is no
 * hearsay, and it is alive); a candidate that fails costs its namer standing
 * (peer-standing.ts), and a namer without standing is not heard at all. Pure: the probe and the
 * clock come in through the constructor; the probe's `done` fires later, never inside the call.
 */
import { BoundedLru } from './bounded.js'
import { PENALTY_FALSE_NAME, type PeerStanding } from './peer-standing.js'

export interface CandidateProbesInit {
  /** Candidates taken from one message; the rest of it is dropped. */
  maxPerMessage: number
  /** Candidates waiting for a probe, or being probed, that one peer named. */
  maxPerNamer: number
  /** Candidates waiting for a probe, in total. */
  maxPending: number
  /** Probes in flight at once. */
  maxInFlight: number
  /** How long an answer to a probe (or any first-hand answer) counts as verification, in ms. */
  verifiedForMs: number
  /** How long a peer that failed its probe is not probed again, in ms. */
  reprobeAfterMs: number
  /** Probe outcomes remembered (least recent forgotten). */
  maxRemembered: number
}

/** Monotonic counters, part of each DHT node's counters. */
export interface CandidateCounters {
  /** Candidates queued for a probe. */
  candidatesQueued: number
  /** Candidates dropped: over a limit, or named by a peer without standing. */
  candidatesDropped: number
  /** Probes sent. */
  candidateProbes: number
  /** Probes that failed (the candidate was not there, or did not speak the protocol). */
  candidateProbesFailed: number
}

export function newCandidateCounters (): CandidateCounters {
  return { candidatesQueued: 0, candidatesDropped: 0, candidateProbes: 0, candidateProbesFailed: 0 }
}

export interface CandidatePort<P> {
  now(): number
  /** One request to `peer` that only a live node of the protocol answers; `done` fires later. */
  probe(peer: P, done: (ok: boolean) => void): void
  /** `peer` answered its probe: the protocol may now adopt it where it fits. */
  verified(peer: P): void
  /** `address` has just lost standing: the protocol drops it from its routing state. */
  lostStanding(address: string): void
}

interface Pending<P> { readonly peer: P, readonly namedBy: string | undefined }
interface Outcome { readonly ok: boolean, readonly at: number }

export class CandidateProbes<P extends { readonly address: string }> {
  private readonly init: CandidateProbesInit
  private readonly port: CandidatePort<P>
  private readonly standing: PeerStanding
  readonly counters: CandidateCounters
  /** Waiting candidates, oldest first. */
  private readonly queue = new Map<string, Pending<P>>()
  /** Naming peer -> its candidates waiting or being probed. */
  private readonly perNamer = new Map<string, number>()
  private readonly inFlight = new Set<string>()
  private readonly outcomes: BoundedLru<string, Outcome>

  constructor (init: CandidateProbesInit, port: CandidatePort<P>, standing: PeerStanding, counters: CandidateCounters) {
    for (const [name, v] of Object.entries(init)) {
      if (!(Number.isInteger(v) && v > 0)) throw new RangeError(`candidate probes: ${name} must be a positive integer, got ${String(v)}`)
    }
    this.init = init
    this.port = port
    this.standing = standing
    this.counters = counters
    this.outcomes = new BoundedLru(init.maxRemembered)
  }

  get pending (): number { return this.queue.size }
  get probing (): number { return this.inFlight.size }

  /** Whether `address` answered a probe (or another request of ours) within verifiedForMs. */
  verified (address: string): boolean {
    const o = this.outcomes.peek(address)
    return o !== undefined && o.ok && this.port.now() - o.at < this.init.verifiedForMs
  }

  /** First-hand: `address` answered a request of ours. */
  answered (address: string): void {
    this.outcomes.set(address, { ok: true, at: this.port.now() })
  }

  /**
   * `address` itself sent us a request of the protocol: it is alive, so a probe it failed no longer
   * holds it back (as an answer or a request from the peer clears FailedPeers). Under load a probe
   * times out now and then; without this a peer that keeps talking to us would wait reprobeAfterMs.
   */
  spoke (address: string): void {
    if (this.outcomes.peek(address)?.ok === false) this.outcomes.delete(address)
  }

  /** `address` failed a request of ours (or left): it no longer counts as verified. */
  failed (address: string): void {
    const o = this.outcomes.peek(address)
    if (o?.ok === true) this.outcomes.delete(address)
  }

  /** Whether `address` is in good standing. */
  trusted (address: string): boolean {
    return this.standing.trusted(address, this.port.now())
  }

  /** Lowers the standing of `address` (see peer-standing.ts for the amounts); tells the port if it is lost. */
  penalize (address: string, amount: number): void {
    const wasTrusted = this.standing.trusted(address, this.port.now())
    if (this.standing.penalize(address, amount, this.port.now()) && wasTrusted) this.port.lostStanding(address)
  }

  /**
   * Queues the peers `namedBy` named (undefined: this node's own lookup) that are not verified yet;
   * verified ones are the caller's to adopt. Returns how many were queued.
   */
  offer (peers: Iterable<P>, namedBy: string | undefined): number {
    const now = this.port.now()
    if (namedBy !== undefined && !this.standing.trusted(namedBy, now)) {
      for (const _ of peers) this.counters.candidatesDropped++
      return 0
    }
    let taken = 0
    for (const peer of peers) {
      const a = peer.address
      if (a === namedBy || this.queue.has(a) || this.inFlight.has(a) || this.recentlyProbed(a, now)) continue
      const named = namedBy === undefined ? 0 : this.perNamer.get(namedBy) ?? 0
      if (taken >= this.init.maxPerMessage || this.queue.size >= this.init.maxPending || named >= this.init.maxPerNamer) {
        this.counters.candidatesDropped++
        continue
      }
      this.queue.set(a, { peer, namedBy })
      if (namedBy !== undefined) this.perNamer.set(namedBy, named + 1)
      taken++
      this.counters.candidatesQueued++
    }
    this.pump()
    return taken
  }

  /** Drops every waiting candidate (the node stops); probes in flight settle as usual. */
  clear (): void {
    for (const c of this.queue.values()) this.release(c.namedBy)
    this.queue.clear()
  }

  /** One candidate of `namedBy` is no longer waiting nor being probed. */
  private release (namedBy: string | undefined): void {
    if (namedBy === undefined) return
    const n = (this.perNamer.get(namedBy) ?? 1) - 1
    if (n > 0) this.perNamer.set(namedBy, n); else this.perNamer.delete(namedBy)
  }

  private recentlyProbed (address: string, now: number): boolean {
    const o = this.outcomes.peek(address)
    if (o === undefined) return false
    return now - o.at < (o.ok ? this.init.verifiedForMs : this.init.reprobeAfterMs)
  }

  private pump (): void {
    while (this.inFlight.size < this.init.maxInFlight && this.queue.size > 0) {
      const [address, c] = this.queue.entries().next().value as [string, Pending<P>]
      this.queue.delete(address)
      this.inFlight.add(address)
      this.counters.candidateProbes++
      this.port.probe(c.peer, ok => { this.settle(c, ok) })
    }
  }

  private settle (c: Pending<P>, ok: boolean): void {
    const address = c.peer.address
    this.inFlight.delete(address)
    this.release(c.namedBy)
    this.outcomes.set(address, { ok, at: this.port.now() })
    if (ok) {
      if (this.standing.trusted(address, this.port.now())) this.port.verified(c.peer)
    } else {
      this.counters.candidateProbesFailed++
      if (c.namedBy !== undefined) this.penalize(c.namedBy, PENALTY_FALSE_NAME)
    }
    this.pump()
  }
}

/**
 * Candidates taken from one message: a whole 16-entry leaf set (|L| = 16), or a successor list of
 * up to 16; a forged message naming 32 + 32 costs at most this many probes.
 */
export const MAX_CANDIDATES_PER_MESSAGE = 16
/** Candidates one peer may have waiting at once: one message's worth. */
export const MAX_CANDIDATES_PER_NAMER = MAX_CANDIDATES_PER_MESSAGE
/** Candidates waiting in total: four namers' worth (a join or a repair names about one message's). */
export const MAX_PENDING_CANDIDATES = 64
/** Probes out at once: a leaf side or a successor list verified within one round trip. */
export const MAX_CANDIDATE_PROBES_IN_FLIGHT = 8
/**
 * How long an answer counts as verification (ms): about one replica lease; a peer that died since
 * is found by the usual failure detection, as any member is.
 */
export const CANDIDATE_VERIFIED_FOR_MS = 60_000
/** A peer that failed its probe is not dialled again as a candidate for this long (ms). */
export const CANDIDATE_REPROBE_AFTER_MS = 30_000
/** Probe outcomes remembered: the peers of a node's neighbourhood and a few lookups. */
export const MAX_PROBE_OUTCOMES = 256

export function candidateProbes<P extends { readonly address: string }> (port: CandidatePort<P>, standing: PeerStanding, counters: CandidateCounters): CandidateProbes<P> {
  return new CandidateProbes({
    maxPerMessage: MAX_CANDIDATES_PER_MESSAGE,
    maxPerNamer: MAX_CANDIDATES_PER_NAMER,
    maxPending: MAX_PENDING_CANDIDATES,
    maxInFlight: MAX_CANDIDATE_PROBES_IN_FLIGHT,
    verifiedForMs: CANDIDATE_VERIFIED_FOR_MS,
    reprobeAfterMs: CANDIDATE_REPROBE_AFTER_MS,
    maxRemembered: MAX_PROBE_OUTCOMES
  }, port, standing, counters)
}
