/**
 * What the ring wait of bench dht and churn says every 30 s (src/bench/dht.ts): how many first
 * successors are wrong, missing, and how many peers no peer names as successor; and what Chord's
 * counters did meanwhile.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { chordActivity, ringClosed, ringProblems } from '../../src/bench/dht.js'

const peer = (name: string, id: string, successor: string | null): { peerId: string, id: string, successor: string | null } => ({ peerId: name, id: id.padStart(64, '0'), successor })

test('a closed ring has nothing wrong', () => {
  const ring = [peer('a', '10', 'b'), peer('b', '20', 'c'), peer('c', '30', 'a')]
  assert.equal(ringClosed(ring), true)
  assert.equal(ringProblems(ring), '0 of 3 first successors wrong (0 missing; 0 peers no peer names as its successor)')
})

test('a peer left outside the ring, and one without a successor', () => {
  // b joined but a still points past it to c; d has no successor yet.
  const ring = [peer('a', '10', 'c'), peer('b', '20', 'c'), peer('c', '30', 'a'), peer('d', '40', null)]
  assert.equal(ringClosed(ring), false)
  assert.equal(ringProblems(ring), '3 of 4 first successors wrong (1 missing; 2 peers no peer names as its successor)')
})

test('Chord activity between two readings of its counters', () => {
  const before = { candidateProbes: 10, candidateProbesFailed: 1, candidatesDropped: 0, outboundFailed_timeout: 5 }
  const after = { candidateProbes: 25, candidateProbesFailed: 4, candidatesDropped: 2, outboundFailed_timeout: 9, outboundFailed_unreachable: 1 }
  assert.equal(chordActivity(before, after), 'probes of named peers 15 (3 failed), candidates dropped 2, failed requests: timeout 4, unreachable 1')
  assert.equal(chordActivity(after, after), 'probes of named peers 0 (0 failed), candidates dropped 0, failed requests: none')
})
