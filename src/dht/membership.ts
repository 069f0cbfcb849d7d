/**
 * The join and membership policy of a Chord or Pastry node: which peer to join through, when to
 * retry, and when to check that a joined node is still in its network. Pure: its timers, clock and
 * random draws come through the node's `Io`; the libp2p service and the simulator both feed it the
 * peers they meet (`onPeer`) and drive it through `withMembership`.
 * Policy: a node is a network of one until it joins through a member. With `bootstrapPeers` it
 * joins only through those (a peer met by chance, say through kad-dht, may be a newcomer on its
 * own, and two such would make a network apart); without, through any peer of the protocol it
 * meets. Two lone nodes that meet must not join through each other at once (for Chord that can tie
 * the ring into a loop stabilization never undoes), so the one with the larger id joins at once and
 * the other only if it is still alone JOIN_DEFER_MS later. A lone node retries every
 * MEMBERSHIP_CHECK_INTERVAL_MS through a random candidate; a joined node without bootstrap peers
 * sets no timer until a connection changes (a neighbour gone may leave it alone), so a simulated
 * network of N members costs no N ticks per interval. A node with bootstrap peers also asks
 * one of them now and then who owns its own id, and rejoins if the answer is not itself (when the
 * protocol offers that check): timeouts under load can cut a newcomer off into a network apart.
 * Invariants: at most one join or check in flight; nothing is joined or armed after `stop`.
 */
import type { Outcome } from '../core/dht-outcome.js'
import type { Io, PeerRef, ProtocolHandler } from '../core/port.js'
import type { Random } from '../core/random.js'

/** How long the smaller of two lone nodes waits for the larger to join it before joining itself (ms). */
export const JOIN_DEFER_MS = 2_000
/** How often a lone node retries joining, and the tick of the joined node's membership check (ms). */
export const MEMBERSHIP_CHECK_INTERVAL_MS = 5_000
/**
 * A joined node checks its membership every this many ticks (30 s): one lookup through a bootstrap
 * peer each, which all land on the few bootstrap peers of a network.
 */
export const JOINED_CHECK_EVERY_TICKS = 6
/**
 * Each membership check that is answered doubles the ticks to the next one, up to this many
 * (6 → 48 ticks: 30 s → 4 min); one that fails starts again from 6. A network
 * of N nodes then sends N lookups per 4 min to its bootstrap peers while nothing changes.
 */
export const JOINED_CHECK_MAX_TICKS = 48
/**
 * Peers kept as join candidates (and deferred joins waiting): more than the connections a node
 * keeps open (the connection manager's default maximum is 300), so on libp2p none is turned away.
 */
export const MAX_JOIN_CANDIDATES = 512

/** The membership's timer names; a node's own timers must not use them. */
export const MEMBERSHIP_CHECK_TIMER = 'membership-check'
export const MEMBERSHIP_DEFER_TIMER = 'membership-join-defer'

/** What the policy calls on a Chord or Pastry node. */
export interface MemberNode {
  /** True while the node knows no other member. */
  alone(): boolean
  join(via: PeerRef, done: (o: Outcome<PeerRef>) => void): void
  /** Optional membership check: rejoin through `via` if its network does not place us at our id. */
  rejoinIfApart?(via: PeerRef, done: (o: Outcome<PeerRef>) => void): void
}

/** The part of the node's port the policy uses. */
export type MembershipIo = Pick<Io<unknown, unknown, unknown>, 'self' | 'now' | 'random' | 'setTimer' | 'cancelTimer'>

export interface MembershipInit {
  /** Addresses (peer ids) to join through; empty: any peer of the protocol met. @default [] */
  bootstrapPeers?: readonly string[]
  /** Told every join's outcome (not the membership checks'). @default nothing */
  onJoin?: (o: Outcome<PeerRef>) => void
}

export class Membership {
  private readonly io: MembershipIo
  private readonly node: MemberNode
  private readonly bootstrapPeers: ReadonlySet<string>
  private readonly onJoin: (o: Outcome<PeerRef>) => void
  /** Forked at the first draw: a node that never meets a candidate (a seeded simulator node) pays nothing. */
  private random: Random | undefined
  private readonly candidates = new Map<string, PeerRef>()
  /** Deferred joins: the peer and when its join is due, in due order (each is due JOIN_DEFER_MS after it was met). */
  private readonly deferred: Array<{ peer: PeerRef, dueMs: number }> = []
  private checkArmed = false
  private busy = false
  private stopped = false
  private ticks = 0
  private checkEveryTicks = JOINED_CHECK_EVERY_TICKS

  constructor (io: MembershipIo, node: MemberNode, init: MembershipInit = {}) {
    this.io = io
    this.node = node
    this.bootstrapPeers = new Set(init.bootstrapPeers ?? [])
    this.onJoin = init.onJoin ?? (() => {})
  }

  /** A peer of the protocol connected (true) or went away (false). */
  onPeer (peer: PeerRef, up: boolean): void {
    if (this.stopped || peer.id === this.io.self.id) return
    const eligible = this.bootstrapPeers.size === 0 || this.bootstrapPeers.has(peer.address)
    if (!eligible) return
    if (!up) {
      this.candidates.delete(peer.address)
      // A joined node whose tick had stopped: a neighbour gone may have left it alone.
      this.armCheck()
      return
    }
    if (!this.candidates.has(peer.address) && this.candidates.size >= MAX_JOIN_CANDIDATES) return
    this.candidates.set(peer.address, peer)
    this.armCheck()
    if (peer.id < this.io.self.id) {
      this.join(peer)
      return
    }
    if (this.deferred.length >= MAX_JOIN_CANDIDATES) return
    this.deferred.push({ peer, dueMs: this.io.now() + JOIN_DEFER_MS })
    if (this.deferred.length === 1) this.io.setTimer(MEMBERSHIP_DEFER_TIMER, JOIN_DEFER_MS)
  }

  /** Handles the policy's own timers; false for any other name (the node's). */
  onTimer (name: string): boolean {
    if (name === MEMBERSHIP_CHECK_TIMER) {
      this.checkArmed = false
      if (!this.stopped) this.check()
      return true
    }
    if (name === MEMBERSHIP_DEFER_TIMER) {
      if (!this.stopped) this.joinDeferred()
      return true
    }
    return false
  }

  /** Cancels the timers; nothing is joined afterwards. */
  stop (): void {
    this.stopped = true
    this.deferred.length = 0
    this.io.cancelTimer(MEMBERSHIP_CHECK_TIMER)
    this.io.cancelTimer(MEMBERSHIP_DEFER_TIMER)
  }

  /**
   * The check ticks only while it has work: candidates to join through while alone, or, with
   * bootstrap peers, the membership check. Any connection change arms it again.
   */
  private armCheck (): void {
    if (this.checkArmed || this.stopped) return
    this.checkArmed = true
    this.io.setTimer(MEMBERSHIP_CHECK_TIMER, MEMBERSHIP_CHECK_INTERVAL_MS)
  }

  private check (): void {
    const peers = [...this.candidates.values()]
    if (peers.length === 0) return
    const checks = this.bootstrapPeers.size > 0 && this.node.rejoinIfApart !== undefined
    // Joined, and nothing to check: no tick until a connection changes (a join in flight ticks on).
    if (!this.busy && !checks && !this.node.alone()) return
    this.armCheck()
    if (this.busy) return
    this.random ??= this.io.random.fork('membership')
    const via = this.random.pick(peers)
    if (this.node.alone()) {
      this.join(via)
    } else if (this.bootstrapPeers.size > 0 && this.node.rejoinIfApart !== undefined && ++this.ticks >= this.checkEveryTicks) {
      this.ticks = 0
      this.busy = true
      this.node.rejoinIfApart(via, (o) => {
        this.busy = false
        // Answered (in place, or rejoined): check less often; failed: as often as at first.
        this.checkEveryTicks = o.ok ? Math.min(JOINED_CHECK_MAX_TICKS, this.checkEveryTicks * 2) : JOINED_CHECK_EVERY_TICKS
      })
    }
  }

  private joinDeferred (): void {
    const now = this.io.now()
    while (this.deferred.length > 0 && this.deferred[0].dueMs <= now) {
      const { peer } = this.deferred.shift() as { peer: PeerRef }
      this.join(peer)
    }
    if (this.deferred.length > 0) this.io.setTimer(MEMBERSHIP_DEFER_TIMER, this.deferred[0].dueMs - now)
  }

  /** Joins through `peer` if this node is still alone and no join or check is under way. */
  private join (peer: PeerRef): void {
    if (this.stopped || this.busy || !this.node.alone()) return
    this.busy = true
    this.node.join(peer, (o) => {
      this.busy = false
      this.onJoin(o)
    })
  }
}

/**
 * The handler a runtime drives: the node's, with the membership policy beside it (connection news
 * and the policy's timers go to both; stop stops the policy first).
 */
export function withMembership<Req, Res, Msg> (node: ProtocolHandler<Req, Res, Msg>, membership: Membership): ProtocolHandler<Req, Res, Msg> {
  return {
    start: () => { node.start() },
    stop: () => { membership.stop(); node.stop() },
    onRequest: (from, req) => node.onRequest(from, req),
    onMessage: (from, msg) => { node.onMessage(from, msg) },
    onTimer: (name) => { if (!membership.onTimer(name)) node.onTimer(name) },
    onPeer: (peer, up) => {
      // The node verifies for itself what a connection change means for its tables (first-hand).
      node.onPeer?.(peer, up)
      membership.onPeer(peer, up)
    }
  }
}
