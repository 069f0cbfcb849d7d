/**
 * Inbound request rate limits of one protocol (issue 10, item 6): a token bucket per remote peer
 * and one for all peers together; a frame passes only when both have a token. Invariants: a bucket
 * never holds more than its burst; a refused frame takes no token from either bucket; at most
 * MAX_RATE_LIMITED_PEERS peer buckets are kept (the least recently used goes, and the total bucket
 * still bounds what fresh peer ids can buy). Time comes in as an argument, so the arithmetic is
 * tested without a clock.
 */
import { BoundedLru } from '../core/bounded.js'

/**
 * Inbound frames (requests and messages) one peer may send per second on one protocol: 100. An
 * honest peer's maintenance sends a few a second, and a lookup asks a node once; the flood issue 10
 * measured was about 215 a second from one connection.
 */
export const INBOUND_FRAMES_PER_PEER_PER_S = 100
/** Frames one peer may send at once before its rate applies: 500 (a hand-off or a burst of gets). */
export const INBOUND_FRAME_BURST_PER_PEER = 500
/**
 * Inbound frames all peers together may send per second on one protocol: 2000, twenty peers at
 * their full rate; on 2 cores a node serves a few thousand small requests a second.
 */
export const INBOUND_FRAMES_TOTAL_PER_S = 2000
/** Frames all peers together may send at once on one protocol: 5000. */
export const INBOUND_FRAME_BURST_TOTAL = 5000
/** Peer buckets kept per protocol: 4096, as many peers as the peer book remembers. */
export const MAX_RATE_LIMITED_PEERS = 4096

/** The inbound rate limits of one protocol; each field has the default named above. */
export interface RateLimitInit {
  /** @default INBOUND_FRAMES_PER_PEER_PER_S (100) */
  perPeerPerSecond?: number
  /** @default INBOUND_FRAME_BURST_PER_PEER (500) */
  perPeerBurst?: number
  /** @default INBOUND_FRAMES_TOTAL_PER_S (2000) */
  totalPerSecond?: number
  /** @default INBOUND_FRAME_BURST_TOTAL (5000) */
  totalBurst?: number
}

export type RateLimitConfig = Readonly<Required<RateLimitInit>>

/** Fills the defaults and checks each limit once (a RangeError names the bad one). */
export function rateLimitConfig (init: RateLimitInit = {}): RateLimitConfig {
  const config = {
    perPeerPerSecond: init.perPeerPerSecond ?? INBOUND_FRAMES_PER_PEER_PER_S,
    perPeerBurst: init.perPeerBurst ?? INBOUND_FRAME_BURST_PER_PEER,
    totalPerSecond: init.totalPerSecond ?? INBOUND_FRAMES_TOTAL_PER_S,
    totalBurst: init.totalBurst ?? INBOUND_FRAME_BURST_TOTAL
  }
  for (const [name, value] of Object.entries(config)) {
    if (!(Number.isFinite(value) && value > 0)) throw new RangeError(`rate limit: ${name} must be a positive number, got ${value}`)
  }
  for (const name of ['perPeerBurst', 'totalBurst'] as const) {
    if (config[name] < 1) throw new RangeError(`rate limit: ${name} must be at least 1, got ${config[name]}`)
  }
  return Object.freeze(config)
}

/** A token bucket: `ratePerS` tokens a second, at most `burst` saved up; it starts full. */
export class TokenBucket {
  private tokens: number
  private updatedMs: number

  constructor (private readonly ratePerS: number, private readonly burst: number, nowMs: number) {
    this.tokens = burst
    this.updatedMs = nowMs
  }

  /** Whether a token is there at `nowMs` (without taking it). */
  has (nowMs: number): boolean {
    this.refill(nowMs)
    return this.tokens >= 1
  }

  /** Takes one token; call only after `has` said yes at the same time. */
  take (): void {
    this.tokens -= 1
  }

  private refill (nowMs: number): void {
    const elapsedMs = Math.max(0, nowMs - this.updatedMs)
    this.updatedMs = Math.max(this.updatedMs, nowMs)
    this.tokens = Math.min(this.burst, this.tokens + elapsedMs * this.ratePerS / 1000)
  }
}

/** The buckets of one protocol: one per peer and one in total. */
export class InboundRateLimiter {
  readonly config: RateLimitConfig
  private readonly peers = new BoundedLru<string, TokenBucket>(MAX_RATE_LIMITED_PEERS)
  private total: TokenBucket | undefined

  constructor (init: RateLimitInit = {}) {
    this.config = rateLimitConfig(init)
  }

  /** Takes a token for one frame from `peer` at `nowMs`: 'ok', or which limit refused it. */
  admit (peer: string, nowMs: number): 'ok' | 'peer' | 'total' {
    let bucket = this.peers.get(peer)
    if (bucket === undefined) {
      bucket = new TokenBucket(this.config.perPeerPerSecond, this.config.perPeerBurst, nowMs)
      this.peers.set(peer, bucket)
    }
    this.total ??= new TokenBucket(this.config.totalPerSecond, this.config.totalBurst, nowMs)
    if (!bucket.has(nowMs)) return 'peer'
    if (!this.total.has(nowMs)) return 'total'
    bucket.take()
    this.total.take()
    return 'ok'
  }
}
