/**
 * One node's rumors with their SIR state (Demers et al. 1987 §1.3): I (infected: spreading it) or
 * R (removed: knows it, stopped spreading); a rumor not here is S, unless its id is remembered.
 * Invariants: at most `maxRumors` stored (when full, the oldest is evicted), at most
 * `maxPerOrigin` per origin and `maxPerPeer` per relaying peer (more are refused); a rumor leaves
 * `ttlMs` after it was accepted; the id of a rumor that left is remembered (bounded LRU), so it is
 * never accepted twice while remembered, and once an id is forgotten, `forgottenUpToMs` says up to
 * which creation time a rumor may be a replay the store can no longer recognise. One Map in acceptance order holds everything: the simulator keeps 10^4–10^5 stores,
 * and each extra structure per store is one more cache miss per message.
 */
import { BoundedLru } from '../core/bounded.js'
import { toHex, type Rumor, type RumorId } from './rumor.js'

export type RumorState = 'S' | 'I' | 'R'

export interface StoredRumor {
  readonly id: RumorId
  readonly rumor: Rumor
  state: 'I' | 'R'
  /** Local time (ms) of acceptance; the rumor expires at acceptedAt + ttlMs. */
  readonly acceptedAt: number
  /** From this local time on the rumor is served to pullers (the node's next round slot). */
  readonly servedFrom: number
  readonly originKey: string
  /** The peer it was first received from; undefined for this node's own publications. */
  readonly peerKey: string | undefined
}

export interface RumorStoreLimits {
  maxRumors: number
  maxPerOrigin: number
  maxPerPeer: number
  ttlMs: number
  maxRememberedIds: number
}

/** `added` (perhaps after evicting the oldest), `known` (stored or remembered), or over a quota (origin's or peer's). */
export type AddOutcome = 'added' | 'known' | 'over-quota' | 'over-peer-quota'

export class RumorStore {
  /** Every stored rumor, in acceptance order (expiry and eviction take from the front). */
  private readonly all = new Map<RumorId, StoredRumor>()
  private readonly perOrigin = new Map<string, number>()
  private readonly perPeer = new Map<string, number>()
  /** Ids of rumors that left (evicted or expired), with their creation times; made on first use (most simulated nodes never need it). */
  private remembered: BoundedLru<RumorId, number> | undefined = undefined
  /** The latest creation time of a rumor whose id this store forgot (-Infinity: none forgotten). */
  private forgottenUpTo = -Infinity
  private infected = 0
  /** No stored rumor expires before this time (a lower bound: expire() is O(1) until then). */
  private nextExpiryAt = Infinity
  /** Rumors evicted to make room, since construction. */
  evicted = 0
  /** Rumors dropped at their TTL, since construction. */
  expired = 0

  constructor (private readonly limits: RumorStoreLimits) {}

  get size (): number { return this.all.size }
  get infectedCount (): number { return this.infected }
  get removedCount (): number { return this.all.size - this.infected }
  /** A rumor created at or before this time may be a replay of one whose id was forgotten. */
  get forgottenUpToMs (): number { return this.forgottenUpTo }

  get (id: RumorId): StoredRumor | undefined { return this.all.get(id) }

  state (id: RumorId): RumorState {
    return this.all.get(id)?.state ?? 'S'
  }

  /** Whether this node has seen the rumor: stored, or its id still remembered. */
  knows (id: RumorId): boolean {
    return this.all.has(id) || (this.remembered !== undefined && this.remembered.has(id))
  }

  /**
   * Stores a new rumor in `state`, received from `peerKey` (undefined: this node's own); evicts the
   * oldest to stay within maxRumors.
   */
  add (id: RumorId, rumor: Rumor, state: 'I' | 'R', now: number, servedFrom = now, peerKey?: string): AddOutcome {
    if (this.knows(id)) return 'known'
    const originKey = toHex(rumor.origin)
    const fromOrigin = this.perOrigin.get(originKey) ?? 0
    if (fromOrigin >= this.limits.maxPerOrigin) return 'over-quota'
    const fromPeer = peerKey === undefined ? 0 : this.perPeer.get(peerKey) ?? 0
    if (peerKey !== undefined && fromPeer >= this.limits.maxPerPeer) return 'over-peer-quota'
    while (this.all.size >= this.limits.maxRumors) {
      this.drop(this.oldest() as StoredRumor)
      this.evicted++
    }
    this.all.set(id, { id, rumor, state, acceptedAt: now, servedFrom, originKey, peerKey })
    if (state === 'I') this.infected++
    this.perOrigin.set(originKey, fromOrigin + 1)
    if (peerKey !== undefined) this.perPeer.set(peerKey, fromPeer + 1)
    if (now + this.limits.ttlMs < this.nextExpiryAt) this.nextExpiryAt = now + this.limits.ttlMs
    return 'added'
  }

  /** I -> R; false when the rumor is not stored as infected. */
  remove (id: RumorId): boolean {
    const entry = this.all.get(id)
    if (entry === undefined || entry.state !== 'I') return false
    entry.state = 'R'
    this.infected--
    return true
  }

  /** Drops rumors accepted `ttlMs` or more before `now`; returns how many. O(1) when none is due. */
  expire (now: number): number {
    if (now < this.nextExpiryAt) return 0
    let n = 0
    for (;;) {
      const oldest = this.oldest()
      if (oldest === undefined) { this.nextExpiryAt = Infinity; break }
      if (oldest.acceptedAt + this.limits.ttlMs > now) { this.nextExpiryAt = oldest.acceptedAt + this.limits.ttlMs; break }
      this.drop(oldest)
      n++
    }
    this.expired += n
    return n
  }

  /** Stored rumors, oldest first. */
  entries (): IterableIterator<StoredRumor> { return this.all.values() }

  /** Up to `limit` stored ids, newest first (what a digest carries). */
  digest (limit: number): RumorId[] {
    if (this.all.size === 0) return []
    const ids = [...this.all.keys()]
    const out: RumorId[] = []
    for (let i = ids.length - 1; i >= 0 && out.length < limit; i--) out.push(ids[i])
    return out
  }

  private oldest (): StoredRumor | undefined {
    return this.all.values().next().value
  }

  private drop (entry: StoredRumor): void {
    this.remembered ??= new BoundedLru(this.limits.maxRememberedIds)
    const forgotten = this.remembered.set(entry.id, entry.rumor.createdAtMs)
    if (forgotten !== undefined && forgotten[1] > this.forgottenUpTo) this.forgottenUpTo = forgotten[1]
    this.all.delete(entry.id)
    if (entry.state === 'I') this.infected--
    decrement(this.perOrigin, entry.originKey)
    if (entry.peerKey !== undefined) decrement(this.perPeer, entry.peerKey)
  }
}

function decrement (counts: Map<string, number>, key: string): void {
  const left = (counts.get(key) ?? 1) - 1
  if (left <= 0) counts.delete(key)
  else counts.set(key, left)
}
