/**
 * What in-process tests on real peers wait for before they act: each node's Chord successor is the
 * next node clockwise, and each Pastry leaf set holds the 8 nearest nodes on each side.
 */
import { idFromHex } from '../../src/core/id.js'
import type { ChordServiceStatus } from '../../src/libp2p/chord-service.js'
import type { PastryServiceStatus } from '../../src/libp2p/pastry-service.js'
import type { OverlayNode } from '../../src/node/overlay-node.js'

export const chordOf = (n: OverlayNode): ChordServiceStatus => n.libp2p.services.chord!.status()
export const pastryOf = (n: OverlayNode): PastryServiceStatus => n.libp2p.services.pastry!.status()
export const leaves = (s: PastryServiceStatus): string[] => [...s.leafSet.left, ...s.leafSet.right].map(p => p.peerId)

/** Each node's successor is the next node clockwise. */
export function chordRing (nodes: OverlayNode[]): boolean {
  const byId = nodes.map(n => ({ n, id: idFromHex(chordOf(n).self.id) })).sort((a, b) => (a.id < b.id ? -1 : 1))
  return byId.every(({ n }, i) => chordOf(n).successors[0]?.peerId === byId[(i + 1) % byId.length].n.peerId.toString())
}

/** Each node's leaf set holds its 8 nearest nodes on each side. */
export function pastryLeafSets (nodes: OverlayNode[]): boolean {
  const ids = nodes.map(n => ({ peer: n.peerId.toString(), id: idFromHex(pastryOf(n).self.id) })).sort((a, b) => (a.id < b.id ? -1 : 1))
  return ids.every(({ peer }, i) => {
    const node = nodes.find(n => n.peerId.toString() === peer) as OverlayNode
    const want = new Set<string>()
    for (let d = 1; d <= 8; d++) {
      want.add(ids[(i + d) % ids.length].peer)
      want.add(ids[(i - d + ids.length) % ids.length].peer)
    }
    const have = new Set(leaves(pastryOf(node)))
    return [...want].every(p => have.has(p))
  })
}
