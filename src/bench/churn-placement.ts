/**
 * Where each key belongs among a set of live peers, by the global view the churn bench has (issue
 * 11): Chord's owner is the key's successor on the ring (Stoica et al. 2001 §4.2), Pastry's the
 * numerically closest id (Rowstron & Druschel 2001 §2), kad-dht's holders the k peers closest by
 * XOR (Maymounkov & Mazières 2002 §2.3). Pure functions of the ids given.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { keyId, nodeIdFromPeerIdBytes, type NodeId } from '../core/id.js'
import { isCloser } from '../pastry/closeness.js'
import { kadKey } from '../node/kad-records.js'

const utf8 = new TextEncoder()

/** A live peer as the placement sees it: its network index and its id in one DHT. */
export interface PlacedPeer {
  index: number
  id: NodeId
}

/** Chord's and Pastry's key id of a full key (`<writer>/<name>`). */
export const overlayKeyId = (fullKey: string): NodeId => keyId(utf8.encode(fullKey))

/** kad-dht's XOR-space id of a full key: SHA-256 of the DHT key it is stored under. */
export const kadKeyId = (fullKey: string): NodeId => keyId(kadKey(fullKey))

/** kad-dht's XOR-space id of a peer: SHA-256 of its peer id's multihash. */
export const kadPeerId = (peerId: string): NodeId => nodeIdFromPeerIdBytes(peerIdFromString(peerId).toMultihash().bytes)

/** Index of the first id in `sorted` (ascending) at or above `key`, wrapping to 0. */
function successorAt (sorted: readonly PlacedPeer[], key: NodeId): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (sorted[mid].id < key) lo = mid + 1
    else hi = mid
  }
  return lo % sorted.length
}

/** The owner (network index) of each key id among `peers`: Chord's successor, or Pastry's numerically closest. */
export function owners (dht: 'chord' | 'pastry', peers: readonly PlacedPeer[], keys: readonly NodeId[]): number[] {
  if (peers.length === 0) return keys.map(() => -1)
  const sorted = peers.slice().sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  return keys.map(key => {
    const s = successorAt(sorted, key)
    if (dht === 'chord') return sorted[s].index
    const p = sorted[(s + sorted.length - 1) % sorted.length]
    return isCloser(key, p.id, sorted[s].id) ? p.index : sorted[s].index
  })
}

/** The `k` peers (network indices) closest to `key` by XOR distance. */
export function closestByXor (peers: readonly PlacedPeer[], key: NodeId, k: number): number[] {
  return peers.map(p => ({ index: p.index, d: p.id ^ key }))
    .sort((a, b) => (a.d < b.d ? -1 : a.d > b.d ? 1 : 0))
    .slice(0, k)
    .map(p => p.index)
}
