/**
 * What a SIR node counts, for metrics (the runtime exports them) and experiments. Invariant: every
 * counter only grows; each dropped input is counted under exactly one reason.
 */

export interface SirCounters {
  /** Rumors this node published. */
  published: number
  /** New, valid rumors accepted from peers (by push, pull or anti-entropy). */
  accepted: number
  /** Of those, accepted from an anti-entropy reply (they enter R: old news, not spread again). */
  acceptedBySync: number
  /** Rumors handed to subscribers (once per rumor, however many listeners its topic has). */
  delivered: number
  /** Copies received of rumors already known (stored or remembered). */
  duplicates: number
  /** Rumors whose signature did not verify: dropped. */
  forged: number
  /** Malformed inputs: a rumor without origin, topic or signature, a response that does not match its request, or a frame the runtime could not decode. */
  malformed: number
  /** Oversized inputs: payload, topic or signature over the limit, or a frame over the limit. */
  oversized: number
  /** Valid new rumors refused because their origin had maxRumorsPerOrigin stored. */
  overQuota: number
  /** Valid new rumors refused because the peer that relayed them had maxRumorsPerPeer stored. */
  overPeerQuota: number
  /**
   * Rumors refused as stale: created longer than maxRumorAgeMs ago, or no later than a rumor whose
   * id this node had to forget while it was still fresh (a replay could not be told apart).
   */
  stale: number
  /** Rumors refused because they were created more than maxClockSkewMs in this node's future. */
  fromFuture: number
  /** Rumors evicted to make room for new ones (store full). */
  evicted: number
  /** Rumors dropped at their TTL. */
  expired: number
  /** I -> R transitions by the coin (feedback from a push, or a pull digest showing the asker knew). */
  removedByCoin: number
  /** Requests sent (one per contact: push, pull, push-pull or sync). */
  requestsSent: number
  /** Requests that failed (timeout, unreachable, ...): no feedback, no state change. */
  requestsFailed: number
  /** Contacts skipped because MAX_IN_FLIGHT_REQUESTS were outstanding. */
  requestsSkipped: number
  /** Requests answered. */
  requestsServed: number
  /** Rumor copies sent, in requests and in responses. */
  rumorsSent: number
  /** Subscriber callbacks that threw (the error is swallowed; the protocol goes on). */
  listenerErrors: number
}

export function newSirCounters (): SirCounters {
  return {
    published: 0, accepted: 0, acceptedBySync: 0, delivered: 0, duplicates: 0, forged: 0, malformed: 0,
    oversized: 0, overQuota: 0, overPeerQuota: 0, stale: 0, fromFuture: 0, evicted: 0, expired: 0, removedByCoin: 0, requestsSent: 0, requestsFailed: 0,
    requestsSkipped: 0, requestsServed: 0, rumorsSent: 0, listenerErrors: 0
  }
}
