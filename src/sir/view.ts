/**
 * The peers a SIR node gossips with: those that speak SIR (the runtime's protocol id), as the runtime reports
 * them (onPeer). The analysis (Demers et al. 1987 §1.1) assumes each contact is a uniformly random
 * other site; `sample` draws uniformly from the view. Invariants: self is never in a view; a
 * BoundedView holds at most `maxPeers` (a newcomer to a full view replaces a random member).
 */
import type { PeerRef } from '../core/port.js'
import type { Random } from '../core/random.js'

export interface SirView {
  /** Peers that may be drawn. */
  readonly size: number
  /** Up to `count` distinct peers, uniformly drawn; never self. Fewer when the view is smaller. */
  sample(random: Random, count: number): PeerRef[]
  /** A peer that speaks the protocol connected (true) or went away (false). */
  onPeer(peer: PeerRef, up: boolean): void
}

/** Draws `count` distinct indices of [0, n) uniformly (all of them, shuffled, when count >= n). */
export function sampleIndices (random: Random, n: number, count: number): number[] {
  if (count >= n) return random.shuffle(Array.from({ length: n }, (_, i) => i))
  if (count === 1) return [random.int(n)]
  const chosen = new Set<number>()
  // Floyd's algorithm: exactly `count` draws, no retries.
  for (let j = n - count; j < n; j++) {
    const t = random.int(j + 1)
    chosen.add(chosen.has(t) ? j : t)
  }
  return [...chosen]
}

/** The view a runtime feeds through onPeer, bounded in size. */
export class BoundedView implements SirView {
  private readonly peers: PeerRef[] = []
  private readonly index = new Map<string, number>()

  constructor (private readonly self: PeerRef, readonly maxPeers: number, private readonly random: Random) {
    if (!Number.isInteger(maxPeers) || maxPeers < 1) throw new RangeError('a view holds at least one peer')
  }

  get size (): number { return this.peers.length }

  has (address: string): boolean { return this.index.has(address) }

  /** The peers in view (a copy). */
  list (): PeerRef[] { return this.peers.slice() }

  sample (random: Random, count: number): PeerRef[] {
    return sampleIndices(random, this.peers.length, count).map(i => this.peers[i])
  }

  onPeer (peer: PeerRef, up: boolean): void {
    if (peer.address === this.self.address) return
    const at = this.index.get(peer.address)
    if (up) {
      if (at !== undefined) { this.peers[at] = peer; return }
      if (this.peers.length < this.maxPeers) {
        this.index.set(peer.address, this.peers.length)
        this.peers.push(peer)
        return
      }
      // Full: replace a random member, so the view keeps sampling the peers that come and go.
      const victim = this.random.int(this.peers.length)
      this.index.delete(this.peers[victim].address)
      this.peers[victim] = peer
      this.index.set(peer.address, victim)
      return
    }
    if (at === undefined) return
    const last = this.peers.pop() as PeerRef
    this.index.delete(peer.address)
    if (at < this.peers.length) {
      this.peers[at] = last
      this.index.set(last.address, at)
    }
  }
}
