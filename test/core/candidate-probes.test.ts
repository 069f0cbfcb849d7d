/**
 * The candidate queue and peer standing (src/core/candidate-probes.ts, peer-standing.ts) driven by
 * hand: probes are recorded and answered by the test; time is a variable.
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { CandidateProbes, newCandidateCounters, type CandidateProbesInit } from '../../src/core/candidate-probes.js'
import { PeerStanding } from '../../src/core/peer-standing.js'

interface Peer { readonly address: string }

const INIT: CandidateProbesInit = { maxPerMessage: 4, maxPerNamer: 4, maxPending: 6, maxInFlight: 2, verifiedForMs: 60_000, reprobeAfterMs: 30_000, maxRemembered: 64 }

function setup (init: CandidateProbesInit = INIT): {
  probes: CandidateProbes<Peer>, sent: Array<{ peer: Peer, done: (ok: boolean) => void }>, verified: string[], lost: string[], clock: { now: number }, standing: PeerStanding
} {
  const clock = { now: 0 }
  const sent: Array<{ peer: Peer, done: (ok: boolean) => void }> = []
  const verified: string[] = []
  const lost: string[] = []
  const standing = new PeerStanding({ threshold: -3, floor: -10, recoveryPerMs: 1 / 1000, maxEntries: 16 })
  const probes = new CandidateProbes<Peer>(init, {
    now: () => clock.now,
    probe: (peer, done) => { sent.push({ peer, done }) },
    verified: peer => { verified.push(peer.address) },
    lostStanding: address => { lost.push(address) }
  }, standing, newCandidateCounters())
  return { probes, sent, verified, lost, clock, standing }
}

const peers = (prefix: string, n: number): Peer[] => Array.from({ length: n }, (_, i) => ({ address: `${prefix}${i}` }))

describe('candidate probes', () => {
  test('limits: per message, per namer (waiting or in flight), in total, in flight; duplicates queue once', () => {
    const { probes, sent } = setup()
    assert.equal(probes.offer([...peers('a', 10), { address: 'a0' }], 'x'), 4, 'four from one message')
    assert.equal(sent.length, 2, 'two in flight')
    assert.equal(probes.offer(peers('b', 3), 'x'), 0, 'x has four waiting or in flight')
    assert.equal(probes.offer(peers('a', 4), 'y'), 0, 'already queued or in flight')
    assert.equal(probes.offer(peers('c', 4), 'y'), 4)
    assert.equal(probes.pending + probes.probing, 8)
    assert.equal(probes.offer(peers('d', 4), 'z'), 0, 'six waiting in total')
    assert.equal(probes.counters.candidatesDropped, 6 + 3 + 4)
    sent[0].done(true)
    assert.equal(sent.length, 3, 'a settled probe lets the next one go')
  })

  test('an answer verifies and adopts; a failure costs the namer standing, and no address is probed twice in its window', () => {
    const { probes, sent, verified, lost, clock } = setup()
    probes.offer([{ address: 'good' }, { address: 'ghost1' }], 'liar')
    sent[0].done(true)
    sent[1].done(false)
    assert.deepEqual(verified, ['good'])
    assert.ok(probes.verified('good'))
    assert.equal(probes.counters.candidateProbesFailed, 1)
    // Named again: neither is probed again (verified, or failed within reprobeAfterMs).
    probes.offer([{ address: 'good' }, { address: 'ghost1' }], 'other')
    assert.equal(sent.length, 2)
    clock.now += 30_000
    probes.offer([{ address: 'ghost1' }], 'other')
    assert.equal(sent.length, 3, 'after the window it may be probed again')
    // Three more false names (its first has been forgiven by now): the liar is at -3, the threshold.
    probes.offer(peers('ghost-', 3), 'liar')
    for (let i = 2; i < sent.length; i++) sent[i].done(false)
    assert.equal(sent.length, 6)
    assert.deepEqual(lost, ['liar'])
    assert.ok(!probes.trusted('liar'))
    assert.equal(probes.offer(peers('more-', 2), 'liar'), 0, 'a namer without standing is not heard')
    clock.now += 2_000
    assert.ok(probes.trusted('liar'), 'standing recovers with time')
  })

  test('a peer that failed its probe and then sends us a request itself may be probed again at once; a verified one stays verified', () => {
    const { probes, sent } = setup()
    probes.offer([{ address: 'slow' }, { address: 'good' }], undefined)
    sent[0].done(false) // timed out under load
    sent[1].done(true)
    probes.offer([{ address: 'slow' }], undefined)
    assert.equal(sent.length, 2, 'hearsay within reprobeAfterMs is not probed')
    probes.spoke('slow')
    probes.spoke('good')
    assert.ok(probes.verified('good'))
    probes.offer([{ address: 'slow' }], undefined)
    assert.deepEqual(sent.map(s => s.peer.address), ['slow', 'good', 'slow'])
  })

  test('a verified candidate without standing is not adopted', () => {
    const { probes, sent, verified, standing, clock } = setup()
    probes.offer([{ address: 'sybil' }], undefined)
    standing.penalize('sybil', 5, clock.now)
    sent[0].done(true)
    assert.deepEqual(verified, [])
  })

  test('options are validated', () => {
    assert.throws(() => setup({ ...INIT, maxInFlight: 0 }))
    assert.throws(() => new PeerStanding({ threshold: 1, floor: -1, recoveryPerMs: 1, maxEntries: 1 }))
  })
})
