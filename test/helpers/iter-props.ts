/**
 * Shared parts of the seeded property tests of Chord's LookupIter and Pastry's RouteIter: random
 * rings of peers, and a driver that plays the network for an iterator and checks, step by step,
 * the invariants both promise (self never asked, no node asked twice, at most `maxSteps` asked,
 * the hop count equals the nodes asked in sequence, and the run ends).
 */
import assert from 'node:assert/strict'
import type { NodeId } from '../../src/core/id.js'
import type { PeerRef } from '../../src/core/port.js'
import type { Random } from '../../src/core/random.js'

export const PROPERTY_SEED = process.env.PROPERTY_SEED ?? 'iter-props-1'

export function randomId (random: Random): NodeId {
  let x = 0n
  for (let i = 0; i < 8; i++) x = (x << 32n) | BigInt(random.int(0x100000000))
  return x
}

/** `n` peers with distinct random ids, sorted by id. */
export function randomRing (random: Random, n: number): PeerRef[] {
  const peers = new Map<NodeId, PeerRef>()
  while (peers.size < n) {
    const id = randomId(random)
    peers.set(id, { id, address: `p${peers.size}` })
  }
  return [...peers.values()].sort((a, b) => (a.id < b.id ? -1 : 1))
}

/** What both iterators offer a driver. */
export interface Iter<R> {
  next(): { readonly kind: 'ask', readonly peer: PeerRef } | { readonly kind: string }
  onResponse(peer: PeerRef, res: R): void
  onFailure(peer: PeerRef): void
  readonly hopCount: number
}

/** The answer a peer gives, or undefined when it fails (timeout, unreachable). */
export type Answer<R> = (peer: PeerRef) => R | undefined

/** Runs `iter` to its end against `answer`; returns the final step and the peers asked, in order. */
export function drive<R, S extends { readonly kind: string }> (iter: Iter<R>, self: PeerRef, maxSteps: number, answer: Answer<R>): { end: S, asked: PeerRef[] } {
  const asked: PeerRef[] = []
  for (let i = 0; i <= maxSteps + 1; i++) {
    const step = iter.next()
    if (step.kind !== 'ask') {
      assert.equal(iter.hopCount, asked.length, 'the hop count equals the nodes asked in sequence')
      return { end: step as unknown as S, asked }
    }
    const { peer } = step as { readonly peer: PeerRef }
    assert.notEqual(peer.address, self.address, 'the originator is never asked')
    assert.ok(!asked.some(p => p.address === peer.address), `${peer.address} asked twice`)
    asked.push(peer)
    assert.ok(asked.length <= maxSteps, `more than ${maxSteps} nodes asked`)
    const res = answer(peer)
    if (res === undefined) iter.onFailure(peer)
    else iter.onResponse(peer, res)
  }
  assert.fail(`no end after ${maxSteps + 2} steps`)
}
