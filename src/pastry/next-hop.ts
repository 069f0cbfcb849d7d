/**
 * The routing rule (Rowstron & Druschel 2001 §2.2, Fig. 3), pure: where a node sends a message for
 * `key` given its leaf set L and routing table R.
 * 1. key within L's range: the numerically closest of L and self (self: deliver);
 * 2. else R[p][key's digit p], p = shared prefix of key and self;
 * 3. else (the rare case) a known node sharing at least p digits with the key and numerically
 *    closer than self; none: deliver here.
 * Invariant: every node forwarded to is numerically closer to the key than self, or shares a longer
 * prefix with it (the paper's progress argument); alternates follow the chosen hop for when it has
 * failed, ordered by the same rule.
 */
import { absDistance, digit, sharedPrefixLength, type NodeId } from '../core/id.js'
import type { PeerRef } from '../core/port.js'
import type { LeafSet } from './leaf-set.js'
import type { RoutingTable } from './routing-table.js'

/** Which case of the rule chose the hop (for tests and counters). */
export type HopRule = 'leaf' | 'table' | 'rare'

export type NextHop =
  | { readonly kind: 'deliver' }
  | { readonly kind: 'forward', readonly rule: HopRule, readonly nodes: readonly PeerRef[] }

const DELIVER: NextHop = { kind: 'deliver' }

/** The next hop for `key` and up to `maxNodes - 1` alternates, best first. */
export function nextHop (leaves: LeafSet, table: RoutingTable, key: NodeId, maxNodes: number): NextHop {
  const self = leaves.self
  if (key === self.id) return DELIVER
  const selfDistance = absDistance(self.id, key)
  if (leaves.covers(key)) {
    // The closest leaf first; if it has failed, the next closest is the owner in its place.
    const found: Ranked[] = []
    for (const q of leaves.members()) {
      const d = absDistance(q.id, key)
      if (d < selfDistance || (d === selfDistance && q.id < self.id)) found.push({ peer: q, distance: d, shared: 0 })
    }
    if (found.length === 0) return DELIVER // self is the closest
    found.sort(byRank)
    return { kind: 'forward', rule: 'leaf', nodes: found.slice(0, maxNodes).map(f => f.peer) }
  }
  const p = sharedPrefixLength(self.id, key)
  const entry = table.get(p, digit(key, p))
  const rare = rareCandidates(leaves, table, key, p, selfDistance)
  if (entry !== undefined) {
    const nodes = [entry]
    for (const q of rare) if (nodes.length < maxNodes && q.address !== entry.address) nodes.push(q)
    return { kind: 'forward', rule: 'table', nodes }
  }
  if (rare.length === 0) return DELIVER
  return { kind: 'forward', rule: 'rare', nodes: rare.slice(0, maxNodes) }
}

/** A candidate with its distance to the key (computed once: bigint arithmetic dominates routing). */
interface Ranked { readonly peer: PeerRef, readonly distance: bigint, readonly shared: number }

/** Longest shared prefix first, then closest (Pastry's total order: a tie goes to the lower id). */
function byRank (a: Ranked, b: Ranked): number {
  if (a.shared !== b.shared) return b.shared - a.shared
  if (a.distance !== b.distance) return a.distance < b.distance ? -1 : 1
  return a.peer.id < b.peer.id ? -1 : a.peer.id > b.peer.id ? 1 : 0
}

/**
 * Known nodes (L, and R's rows p and above: the only rows sharing p digits with self and so
 * possibly with the key) that share at least `p` digits with the key and are numerically closer
 * than self: longest shared prefix first, then closest.
 */
function rareCandidates (leaves: LeafSet, table: RoutingTable, key: NodeId, p: number, selfDistance: bigint): PeerRef[] {
  const selfId = leaves.self.id
  const keyDigit = digit(key, p)
  const found: Ranked[] = []
  const seen = new Set<string>()
  const consider = (q: PeerRef, row: number): void => {
    if (seen.has(q.address)) return
    seen.add(q.address)
    const d = absDistance(q.id, key)
    if (!(d < selfDistance || (d === selfDistance && q.id < selfId))) return
    // An entry of row r >= p shares exactly r digits with self, and self exactly p with the key:
    // it shares exactly p with the key unless it is the key's own slot (row p, the key's digit).
    const shared = row >= p && (row > p || digit(q.id, p) !== keyDigit) ? p : sharedPrefixLength(q.id, key)
    if (shared >= p) found.push({ peer: q, distance: d, shared })
  }
  for (const q of leaves.members()) consider(q, -1)
  table.forEachFrom(p, consider)
  found.sort(byRank)
  return found.map(f => f.peer)
}
