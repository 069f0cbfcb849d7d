/**
 * The iterative lookup as an explicit state machine (Stoica et al. 2001 §4.3, Fig. 5, run by the
 * originator as in §4.3's iterative variant; shape after rust-libp2p's ClosestPeersIter).
 * Invariants: a node learned from an answer is strictly closer (clockwise) to the key than the
 * node that named it, no node is asked twice, and at most `maxSteps` nodes are asked, so a lookup
 * always ends: `found`, or a named failure. Candidates are asked closest-to-the-key first; older,
 * farther ones stay as fallbacks. A failed node is a value: the next candidate is
 * asked. The hop count is the number of nodes asked in sequence.
 */
import { ringDistance, type NodeId } from '../core/id.js'
import type { PeerRef } from '../core/port.js'
import type { ChordResponse } from './messages.js'

/** Why a lookup ended without an owner. */
export type LookupFailure = 'no-live-node' | 'hop-limit' | 'stopped'

export interface LookupResult {
  /** successor(key). */
  readonly owner: PeerRef
  /** The owner, then the nodes after it as its predecessor knew them. */
  readonly successors: readonly PeerRef[]
  /** Nodes asked in sequence (failed ones included). */
  readonly hops: number
  /** Of those, how many failed (timeout, unreachable, malformed). */
  readonly failures: number
}

export type LookupStep =
  | { readonly kind: 'ask', readonly peer: PeerRef }
  | { readonly kind: 'found', readonly result: LookupResult }
  | { readonly kind: 'failed', readonly failure: LookupFailure }

interface Candidate {
  readonly peer: PeerRef
  /** Clockwise distance from the candidate to the key: smaller is closer. */
  readonly distance: bigint
}

export class LookupIter {
  /** Known candidates, closest to the key first; asked ones are removed. */
  private candidates: Candidate[] = []
  /**
   * Nodes named by answerers that lie at or after the key, nearest first: the possible owners. Asked
   * only when no closer-preceding candidate is left, which happens when the closest preceding node
   * has died and the answerers do not know it yet (their successor lists name the node after it).
   */
  private followers: Candidate[] = []
  /** Addresses in `candidates` and in `followers`: a duplicate is found without a scan of either. */
  private readonly queued = new Set<string>()
  private readonly following = new Set<string>()
  private readonly asked = new Set<string>()
  private hops = 0
  private failures = 0
  private waiting: PeerRef | undefined = undefined
  private result: LookupStep | undefined = undefined

  /**
   * @param key the id looked up
   * @param selfAddress the originator, never asked
   * @param initial first candidates (the originator's closest preceding nodes, or a bootstrap)
   * @param maxSteps nodes asked before failing with `hop-limit`
   * @param possibleOwners nodes that may lie at or after the key (the originator's successor list)
   * @param usable whether a node may be asked or returned (false for a node that failed lately:
   *   an answerer that still names it is stale)
   */
  constructor (readonly key: NodeId, selfAddress: string, initial: readonly PeerRef[], private readonly maxSteps: number, possibleOwners: readonly PeerRef[] = [], private readonly usable: (peer: PeerRef) => boolean = () => true) {
    this.asked.add(selfAddress)
    for (const p of initial) this.addCandidate(p)
    for (const p of possibleOwners) if (!initial.includes(p)) this.addFollower(p)
  }

  get hopCount (): number { return this.hops }

  /** The next action: ask a peer (then report with onResponse/onFailure), or the final outcome. */
  next (): LookupStep {
    if (this.result !== undefined) return this.result
    if (this.waiting !== undefined) throw new Error('lookup: next() while a request is outstanding')
    let c = this.candidates.shift()
    if (c !== undefined) this.queued.delete(c.peer.address)
    else c = this.nextFollower()
    if (c === undefined) return this.finish({ kind: 'failed', failure: 'no-live-node' })
    if (this.hops >= this.maxSteps) return this.finish({ kind: 'failed', failure: 'hop-limit' })
    this.hops++
    this.asked.add(c.peer.address)
    this.waiting = c.peer
    return { kind: 'ask', peer: c.peer }
  }

  /** The asked peer answered. A response of the wrong kind counts as a failure. */
  onResponse (peer: PeerRef, res: ChordResponse): void {
    this.expect(peer)
    if (res.type === 'found') {
      const successors = res.successors.filter(p => this.usable(p))
      if (successors.length > 0) {
        this.finish({ kind: 'found', result: { owner: successors[0], successors, hops: this.hops, failures: this.failures } })
        return
      }
    }
    if (res.type !== 'closer') { this.failures++; return }
    const d = ringDistance(peer.id, this.key)
    for (const p of res.nodes) {
      const pd = ringDistance(p.id, this.key)
      if (pd < d) this.addCandidate(p, pd)
      else this.addFollower(p)
    }
  }

  private nextFollower (): Candidate | undefined {
    let c = this.followers.shift()
    while (c !== undefined && this.asked.has(c.peer.address)) {
      this.following.delete(c.peer.address)
      c = this.followers.shift()
    }
    if (c !== undefined) this.following.delete(c.peer.address)
    return c
  }

  /** Keeps a node that lies at or after the key, ordered by its clockwise distance from the key. */
  private addFollower (peer: PeerRef): void {
    if (this.asked.has(peer.address) || !this.usable(peer) || this.following.has(peer.address)) return
    const distance = ringDistance(this.key, peer.id)
    this.followers.splice(insertionPoint(this.followers, distance), 0, { peer, distance })
    this.following.add(peer.address)
  }

  /** The asked peer failed: fall back to the next candidate. */
  onFailure (peer: PeerRef): void {
    this.expect(peer)
    this.failures++
  }

  /** Ends the lookup from outside (the node stopped). */
  stop (): void {
    if (this.result === undefined) this.finish({ kind: 'failed', failure: 'stopped' })
  }

  private expect (peer: PeerRef): void {
    if (this.waiting === undefined || this.waiting.address !== peer.address) throw new Error('lookup: result for a peer not asked')
    this.waiting = undefined
  }

  private finish (step: LookupStep): LookupStep {
    this.result = step
    this.waiting = undefined
    return step
  }

  /** Adds a candidate unless asked already; `distance` is its clockwise distance to the key. */
  private addCandidate (peer: PeerRef, distance = ringDistance(peer.id, this.key)): void {
    if (this.asked.has(peer.address) || !this.usable(peer) || this.queued.has(peer.address)) return
    this.candidates.splice(insertionPoint(this.candidates, distance), 0, { peer, distance })
    this.queued.add(peer.address)
  }
}

/** Where `distance` goes in a list sorted by distance: after every entry not farther (a binary search). */
function insertionPoint (sorted: readonly Candidate[], distance: bigint): number {
  let lo = 0; let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (sorted[mid].distance <= distance) lo = mid + 1
    else hi = mid
  }
  return lo
}
