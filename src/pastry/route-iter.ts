/**
 * An iterative Pastry route as an explicit state machine (shape after rust-libp2p's
 * ClosestPeersIter): the originator asks each node on the path for its next hop (Rowstron &
 * Druschel 2001 §2.2's rule, applied by each node to its own state) until one answers `deliver`.
 * Invariants: no node is asked twice; at most `maxHops` nodes are asked, so a route always ends:
 * `delivered`, or a named failure. The latest answer's next hop is asked first, its alternates and
 * older ones are fallbacks for failed nodes. A node whose every next hop has already failed is
 * the destination: in a recursive route it would find them dead and deliver itself (§2.4), and
 * before it notices, only the originator knows. The hop count is the number of nodes asked in
 * sequence, which equals the number of forwards of the recursive route (failed ones included).
 * A node the originator suppresses (it failed lately: FailedPeers) is asked only when no other
 * candidate is left: suppression keeps a route from dialling a dead node again, but must never
 * make a route fail while a live node it would have reached is merely under a backoff.
 */
import type { NodeId } from '../core/id.js'
import type { PeerRef } from '../core/port.js'
import type { FetchAnswer, LeafSetView, PastryResponse } from './messages.js'

/** Why a route ended without a node to deliver to. */
export type RouteFailure = 'no-live-node' | 'hop-limit' | 'stopped'

export interface RouteResult {
  /** The node that delivered: numerically closest to the key by its own leaf set. */
  readonly owner: PeerRef
  /** The owner's leaf set, as it answered (where the key's replicas live): on a get's route only
   * the members among the key's holders; empty when the owner was found by elimination (its next
   * hops had all failed). */
  readonly leafSet: LeafSetView
  /** Nodes asked in sequence (failed ones included). */
  readonly hops: number
  /** Of those, how many failed (timeout, unreachable, malformed, or a wrong answer). */
  readonly failures: number
  /** The owner's answer to the fetch a get's route carried (absent when not asked or not answered). */
  readonly fetched?: FetchAnswer
}

export type RouteStep =
  | { readonly kind: 'ask', readonly peer: PeerRef }
  | { readonly kind: 'delivered', readonly result: RouteResult }
  | { readonly kind: 'failed', readonly failure: RouteFailure }

const NO_LEAVES: LeafSetView = { left: [], right: [] }

export class RouteIter {
  /** Nodes to ask, next first. */
  private candidates: PeerRef[] = []
  private readonly asked = new Set<string>()
  private readonly failed = new Set<string>()
  private hops = 0
  private failures = 0
  private waiting: PeerRef | undefined = undefined
  private result: RouteStep | undefined = undefined

  /**
   * @param key the id routed to
   * @param selfAddress the originator, never asked
   * @param initial the originator's own next hop and alternates
   * @param maxHops nodes asked before failing with `hop-limit`
   * @param suppressed whether the originator holds a node back (asked last, as a last resort)
   */
  constructor (readonly key: NodeId, selfAddress: string, initial: readonly PeerRef[], private readonly maxHops: number, private readonly suppressed: (peer: PeerRef) => boolean = () => false) {
    this.asked.add(selfAddress)
    this.prepend(initial)
  }

  get hopCount (): number { return this.hops }

  /** The next action: ask a peer (then report with onResponse/onFailure), or the final outcome. */
  next (): RouteStep {
    if (this.result !== undefined) return this.result
    if (this.waiting !== undefined) throw new Error('route: next() while a request is outstanding')
    if (this.candidates.length === 0) return this.finish({ kind: 'failed', failure: 'no-live-node' })
    const at = this.candidates.findIndex(p => !this.suppressed(p))
    const [peer] = this.candidates.splice(at < 0 ? 0 : at, 1)
    if (this.hops >= this.maxHops) return this.finish({ kind: 'failed', failure: 'hop-limit' })
    this.hops++
    this.asked.add(peer.address)
    this.waiting = peer
    return { kind: 'ask', peer }
  }

  /** The asked peer answered. An answer of the wrong kind counts as a failure. */
  onResponse (peer: PeerRef, res: PastryResponse): void {
    this.expect(peer)
    if (res.type === 'deliver') {
      const result: RouteResult = { owner: peer, leafSet: res.leafSet, hops: this.hops, failures: this.failures }
      this.finish({ kind: 'delivered', result: res.fetched === undefined ? result : { ...result, fetched: res.fetched } })
      return
    }
    if (res.type !== 'next') { this.failures++; this.failed.add(peer.address); return }
    if (res.nodes.every(p => this.failed.has(p.address))) {
      this.finish({ kind: 'delivered', result: { owner: peer, leafSet: NO_LEAVES, hops: this.hops, failures: this.failures } })
      return
    }
    this.prepend(res.nodes)
  }

  /** The asked peer failed: fall back to the next candidate. */
  onFailure (peer: PeerRef): void {
    this.expect(peer)
    this.failures++
    this.failed.add(peer.address)
  }

  /** Ends the route from outside (the node stopped). */
  stop (): void {
    if (this.result === undefined) this.finish({ kind: 'failed', failure: 'stopped' })
  }

  private expect (peer: PeerRef): void {
    if (this.waiting === undefined || this.waiting.address !== peer.address) throw new Error('route: result for a peer not asked')
    this.waiting = undefined
  }

  private finish (step: RouteStep): RouteStep {
    this.result = step
    this.waiting = undefined
    return step
  }

  /** Puts `nodes` (in order) before the older candidates; asked nodes and duplicates are skipped. */
  private prepend (nodes: readonly PeerRef[]): void {
    const fresh: PeerRef[] = []
    for (const p of nodes) {
      if (this.asked.has(p.address) || fresh.some(q => q.address === p.address)) continue
      fresh.push(p)
    }
    if (fresh.length === 0) return
    this.candidates = [...fresh, ...this.candidates.filter(c => !fresh.some(q => q.address === c.address))]
  }
}
