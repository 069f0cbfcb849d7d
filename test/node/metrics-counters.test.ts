/**
 * Where each counter an overlay's `status()` keeps lands on /metrics (src/node/metrics.ts), with a
 * stand-in service whose counters the test sets: stale reads and first-hand candidates in series of
 * their own, bad frames by kind, repairs, refusals split by reason, and a scrape that sets values
 * rather than adding to them. The end-to-end test (metrics.test.ts) runs the real daemons.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Registry } from 'prom-client'
import { registerOverlaySeries } from '../../src/node/metrics.js'
import type { ChordService } from '../../src/libp2p/chord-service.js'
import type { SirService } from '../../src/libp2p/sir-service.js'

/** One scrape as `name{labels}` → value, and the HELP text of each series. */
async function scrape (registry: Registry): Promise<{ samples: Map<string, number>, help: Map<string, string> }> {
  const samples = new Map<string, number>()
  const help = new Map<string, string>()
  for (const line of (await registry.metrics()).split('\n')) {
    const described = /^# HELP (\S+) (.*)$/.exec(line)
    if (described !== null) help.set(described[1], described[2])
    const sample = /^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?) (\S+)$/.exec(line)
    if (sample !== null) samples.set(sample[1], Number(sample[2]))
  }
  return { samples, help }
}

test('each Chord counter lands in its series, set at each scrape and never added to', async () => {
  const counters: Record<string, number> = {
    staleReads: 3,
    candidatesQueued: 7,
    candidatesDropped: 2,
    candidateProbes: 5,
    candidateProbesFailed: 1,
    inboundMalformed: 4,
    inboundOversize: 1,
    outboundBadFrames: 2,
    replicaCopiesMade: 6,
    storesRefused: 5,
    storesRefusedFull: 1,
    storesRefusedQuota: 3,
    outboundFailed_timeout: 2,
    lookups: 9
  }
  const chord = { joined: true, status: () => ({ storedRecords: 10, primaryRecords: 4, counters }) } as unknown as ChordService
  const registry = new Registry()
  registerOverlaySeries(registry, { chord })

  const expected: Array<[string, number]> = [
    ['overlay_chord_stale_reads_total', 3],
    ['overlay_chord_candidates_total{event="queued"}', 7],
    ['overlay_chord_candidates_total{event="dropped"}', 2],
    ['overlay_chord_candidates_total{event="probed"}', 5],
    ['overlay_chord_candidates_total{event="probe_failed"}', 1],
    ['overlay_chord_bad_frames_total{kind="inbound_malformed"}', 4],
    ['overlay_chord_bad_frames_total{kind="inbound_oversize"}', 1],
    ['overlay_chord_bad_frames_total{kind="outbound_bad"}', 2],
    ['overlay_chord_repairs_total{kind="replica_copy_made"}', 6],
    ['overlay_chord_stores_refused_total{reason="store_full"}', 1],
    ['overlay_chord_stores_refused_total{reason="peer_quota"}', 3],
    ['overlay_chord_stores_refused_total{reason="other"}', 1],
    ['overlay_chord_requests_failed_total{reason="timeout"}', 2],
    ['overlay_chord_events_total{event="lookups"}', 9],
    ['overlay_chord_records{role="primary"}', 4],
    ['overlay_chord_records{role="replica"}', 6],
    ['overlay_chord_joined', 1]
  ]
  for (let round = 0; round < 2; round++) {
    const { samples } = await scrape(registry)
    for (const [series, value] of expected) assert.equal(samples.get(series), value, `scrape ${round + 1}: ${series}`)
    for (const key of samples.keys()) assert.doesNotMatch(key, /stale_reads"|"candidate/, `${key} left in events_total`)
  }
  counters.staleReads = 4
  assert.equal((await scrape(registry)).samples.get('overlay_chord_stale_reads_total'), 4)

  const { help } = await scrape(registry)
  for (const name of ['overlay_chord_stale_reads_total', 'overlay_chord_candidates_total']) {
    assert.ok((help.get(name) ?? '').split(' ').length > 5, `${name} has a HELP text of its own`)
  }
})

test('SIR counters: rumors by event and state, bad frames by kind', async () => {
  const counters = { published: 2, accepted: 5, duplicates: 3, forged: 1, malformed: 2, oversized: 1, inboundMalformed: 1 }
  const sir = { status: () => ({ infectedRumors: 2, removedRumors: 3, viewSize: 4, counters }) } as unknown as SirService
  const registry = new Registry()
  registerOverlaySeries(registry, { sir })
  const { samples } = await scrape(registry)
  for (const [series, value] of [
    ['overlay_sir_rumors_total{event="published"}', 2],
    ['overlay_sir_rumors_total{event="accepted"}', 5],
    ['overlay_sir_rumors_total{event="duplicate"}', 3],
    ['overlay_sir_rumors{state="infective"}', 2],
    ['overlay_sir_rumors{state="removed"}', 3],
    ['overlay_sir_view_peers', 4],
    ['overlay_sir_bad_frames_total{kind="bad_signature"}', 1],
    ['overlay_sir_bad_frames_total{kind="malformed"}', 2],
    ['overlay_sir_bad_frames_total{kind="oversized"}', 1],
    ['overlay_sir_bad_frames_total{kind="inbound_malformed"}', 1]
  ] as Array<[string, number]>) assert.equal(samples.get(series), value, series)
})
