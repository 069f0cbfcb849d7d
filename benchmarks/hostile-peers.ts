/**
 * Hostile peers at full size (issue 10, items 1, 5, 6 and 7), against `--peers` honest peers in
 * one process on 127.0.0.1 with the default limits: a stock libp2p node (test/helpers/hostile-peer.ts)
 * floods valid STOREs of `--record-bytes` records to one victim on Chord and on Pastry, names
 * `--names` fake peers in LEAVING and EXCHANGE frames, floods lookups, and pushes rumors from fresh
 * origin keys. During and after each attack honest peers put and get (or publish), and the report
 * gives what was refused, the honest failures and the process's RSS. test/libp2p/hostile.test.ts
 * runs the same attacks at small sizes, with assertions.
 *
 *   node dist/benchmarks/hostile-peers.js --peers 8 --store-records 20000 --record-bytes 16384
 *
 * `--attacks store,names,lookups,rumors` picks the attacks (all by default); the honest rumor may
 * take up to 120 s.
 *
 * Writes benchmarks/results/hostile-peers-<peers>.json; exits 1 if an honest put, get or rumor failed.
 */
import '../src/polyfill.js'
import { writeFile } from 'node:fs/promises'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { benchEnvironment, benchFlags } from '../src/bench/environment.js'
import { signRecord } from '../src/dht/record.js'
import { CHORD_PROTOCOL } from '../src/libp2p/chord-service.js'
import { PASTRY_PROTOCOL } from '../src/libp2p/pastry-service.js'
import { recordSigner } from '../src/libp2p/record-keys.js'
import { SIR_PROTOCOL } from '../src/libp2p/sir-service.js'
import { LocalNetwork } from '../src/node/local-network.js'
import { createRumor } from '../src/sir/rumor.js'
import { decodeChordResponse, encodeChordRequest } from '../src/wire/chord.js'
import { addressPeerCodec } from '../src/wire/peer-codec.js'
import { decodePastryResponse, encodePastryRequest } from '../src/wire/pastry.js'
import { encodeSirRequest } from '../src/wire/sir.js'
import { fakePeers, HostilePeer, liarCodec } from '../test/helpers/hostile-peer.js'
import type { OverlayNode } from '../src/node/overlay-node.js'

const flags = benchFlags(process.argv.slice(2), { peers: '8', 'store-records': '20000', 'record-bytes': '16384', names: '1000', lookups: '20000', origins: '12', rumors: '1000', attacks: 'store,names,lookups,rumors', out: 'benchmarks/results' })
const num = (name: string, min: number, max: number): number => {
  const v = Number(flags[name])
  if (!Number.isInteger(v) || v < min || v > max) {
    process.stderr.write(`--${name} must be an integer in [${min}, ${max}], got '${flags[name]}'\n`)
    process.exit(2)
  }
  return v
}
const PEERS = num('peers', 3, 64)
const STORE_RECORDS = num('store-records', 1, 1_000_000)
const RECORD_BYTES = num('record-bytes', 1, 65_536)
const NAMES = num('names', 1, 100_000)
const LOOKUPS = num('lookups', 1, 1_000_000)
const ORIGINS = num('origins', 1, 1000)
const RUMORS = num('rumors', 1, 10_000)
/** Records per STORE: within a frame's 1 MiB batch. */
const BATCH = Math.max(1, Math.min(64, Math.floor(1_000_000 / (RECORD_BYTES + 200))))
const HONEST_OPS = 20
/** How long the honest rumor published after the rumor flood may take to reach the victim. */
const RUMOR_WAIT_MS = 120_000
const ATTACKS = new Set(flags.attacks.split(','))
for (const a of ATTACKS) {
  if (!['store', 'names', 'lookups', 'rumors'].includes(a)) {
    process.stderr.write(`--attacks takes a comma-separated subset of store,names,lookups,rumors, got '${flags.attacks}'\n`)
    process.exit(2)
  }
}

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void
const rssMiB = (): number => { gc(); gc(); return Math.round(process.memoryUsage().rss / 2 ** 20) }
const log = (line: string): void => { process.stderr.write(line + '\n') }
const encoder = new TextEncoder()

const net = new LocalNetwork()
const hostiles: HostilePeer[] = []
const report: Record<string, unknown> = { benchmark: 'hostile-peers', environment: benchEnvironment(), parameters: { ...flags } }
let honestFailures = 0

/** `HONEST_OPS` puts to `dht` from honest peers other than the victim, then a get of each from another. */
async function honestRound (dht: 'chord' | 'pastry', tag: string, victim: OverlayNode): Promise<{ ok: number, failed: number, errors: string[] }> {
  const others = net.live().filter(n => n !== victim)
  let ok = 0
  const errors: string[] = []
  for (let i = 0; i < HONEST_OPS; i++) {
    try {
      const { key } = await others[i % others.length].dht(dht).put(`${tag}-${i}`, encoder.encode(`${tag}-${i}`))
      const { value } = await others[(i + 1) % others.length].dht(dht).get(key)
      if (new TextDecoder().decode(value) === `${tag}-${i}`) ok++
      else errors.push(`${key}: wrong value`)
    } catch (err) {
      if (errors.length < 5) errors.push((err as Error).message.slice(0, 200))
    }
  }
  honestFailures += HONEST_OPS - ok
  return { ok, failed: HONEST_OPS - ok, errors }
}

try {
  const t0 = performance.now()
  await net.grow(PEERS)
  const victim = net.live()[1]
  const live = (): boolean => net.live().every(n => n.libp2p.services.chord!.joined && n.libp2p.services.pastry!.joined)
  while (!live() && performance.now() - t0 < 120_000) await new Promise(resolve => setTimeout(resolve, 500))
  log(`${PEERS} peers up in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
  report.rssStartMiB = rssMiB()

  // Item 1: valid STOREs flooding one victim, on each DHT; honest puts and gets run meanwhile.
  for (const [dht, protocol, encode, decode] of ATTACKS.has('store') ? [['chord', CHORD_PROTOCOL, encodeChordRequest, decodeChordResponse], ['pastry', PASTRY_PROTOCOL, encodePastryRequest, decodePastryResponse]] as const : []) {
    const flooder = await HostilePeer.create()
    hostiles.push(flooder)
    const stream = await flooder.open(multiaddr(victim.addresses()[0]), protocol)
    const sign = recordSigner(flooder.privateKey)
    const before = rssMiB()
    const t = performance.now()
    const honest = honestRound(dht, `during-store-${dht}`, victim)
    const refused: Record<string, number> = {}
    let accepted = 0
    for (let sent = 0; sent < STORE_RECORDS; sent += BATCH) {
      const records = Array.from({ length: Math.min(BATCH, STORE_RECORDS - sent) }, (_, i) => signRecord(encoder.encode(`${flooder.libp2p.peerId.toString()}/flood-${sent + i}`), new Uint8Array(RECORD_BYTES).fill(i), 1, sign))
      const answer = await stream.request((encode as typeof encodeChordRequest)({ type: 'store', role: 'primary', records }, addressPeerCodec), 60_000).catch(() => undefined)
      if (answer?.kind !== 'response') { refused[answer?.kind ?? 'no answer'] = (refused[answer?.kind ?? 'no answer'] ?? 0) + records.length; continue }
      const res = decode(answer.body, addressPeerCodec)
      if (res.type !== 'stored') continue
      accepted += res.accepted
      for (const r of res.refused) refused[r.reason] = (refused[r.reason] ?? 0) + 1
    }
    const status = victim.libp2p.services[dht]!.status()
    const figures = { records: STORE_RECORDS, recordBytes: RECORD_BYTES, accepted, refused, victimStoredRecords: status.storedRecords, seconds: Math.round((performance.now() - t) / 100) / 10, honestDuring: await honest, honestAfter: await honestRound(dht, `after-store-${dht}`, victim), rssMiB: [before, rssMiB()] }
    report[`store-flood-${dht}`] = figures
    log(`store flood ${dht}: ${JSON.stringify(figures)}`)
    await flooder.stop()
  }

  // Item 5: LEAVING and EXCHANGE frames naming peers that do not exist.
  if (ATTACKS.has('names')) {
    const liar = await HostilePeer.create()
    hostiles.push(liar)
    const target = multiaddr(victim.addresses()[0])
    const chord = await liar.open(target, CHORD_PROTOCOL)
    const pastry = await liar.open(target, PASTRY_PROTOCOL)
    const before = { peers: (await victim.libp2p.peerStore.all()).length, rss: rssMiB() }
    for (let i = 0; i < NAMES; i++) {
      const { codec, refs } = liarCodec(fakePeers(33 + 64))
      await Promise.all([
        chord.request(encodeChordRequest({ type: 'leaving', predecessor: refs[0], successors: refs.slice(1, 33) }, codec), 60_000).catch(() => undefined),
        pastry.request(encodePastryRequest({ type: 'exchange', leafSet: { left: refs.slice(33, 65), right: refs.slice(65) } }, codec), 60_000).catch(() => undefined)
      ])
    }
    const figures = { frames: 2 * NAMES, peersNamed: NAMES * (33 + 64), peerStore: [before.peers, (await victim.libp2p.peerStore.all()).length], honestAfter: [await honestRound('chord', 'after-names', victim), await honestRound('pastry', 'after-names', victim)], rssMiB: [before.rss, rssMiB()] }
    report.names = figures
    log(`names: ${JSON.stringify(figures)}`)
    await liar.stop()
  }

  // Item 6: a flood of lookups on one connection.
  if (ATTACKS.has('lookups')) {
    const flooder = await HostilePeer.create()
    hostiles.push(flooder)
    const stream = await flooder.open(multiaddr(victim.addresses()[0]), CHORD_PROTOCOL)
    const body = encodeChordRequest({ type: 'find-successor', key: 12345n }, addressPeerCodec)
    const t = performance.now()
    const honest = honestRound('chord', 'during-lookups', victim)
    const kinds: Record<string, number> = {}
    for (let sent = 0; sent < LOOKUPS; sent += 1000) {
      const answers = await Promise.all(Array.from({ length: Math.min(1000, LOOKUPS - sent) }, async () => (await stream.request(body, 60_000).catch(() => undefined))?.kind ?? 'no answer'))
      for (const k of answers) kinds[k] = (kinds[k] ?? 0) + 1
    }
    const figures = { lookups: LOOKUPS, answers: kinds, seconds: Math.round((performance.now() - t) / 100) / 10, honestDuring: await honest }
    report.lookupFlood = figures
    log(`lookup flood: ${JSON.stringify(figures)}`)
    await flooder.stop()
  }

  // Item 7: rumors from fresh origin keys, then an honest rumor.
  if (ATTACKS.has('rumors')) {
    const flooder = await HostilePeer.create()
    hostiles.push(flooder)
    const stream = await flooder.open(multiaddr(victim.addresses()[0]), SIR_PROTOCOL)
    const sir = victim.libp2p.services.sir!
    const before = { counters: sir.status().counters, rss: rssMiB() }
    for (let o = 0; o < ORIGINS; o++) {
      const key = await generateKeyPair('Ed25519')
      const signer = { origin: peerIdFromPrivateKey(key).toMultihash().bytes, sign: (m: Uint8Array) => key.sign(m) as Uint8Array }
      for (let sent = 0; sent < RUMORS; sent += 16) {
        const rumors = Array.from({ length: Math.min(16, RUMORS - sent) }, (_, i) => createRumor(signer, BigInt(sent + i + 1), 'flooded', new Uint8Array(16_000).fill(i), Date.now()))
        await stream.request(encodeSirRequest({ type: 'push', rumors }), 60_000).catch(() => undefined)
      }
    }
    const delivered: string[] = []
    const unsubscribe = victim.pubsub('sir').subscribe('after-flood', (m) => { delivered.push(new TextDecoder().decode(m.data)) })
    await net.live()[2].pubsub('sir').publish('after-flood', encoder.encode('honest'))
    const t = performance.now()
    while (!delivered.includes('honest') && performance.now() - t < RUMOR_WAIT_MS) await new Promise(resolve => setTimeout(resolve, 100))
    unsubscribe()
    const after = sir.status()
    if (!delivered.includes('honest')) honestFailures++
    const figures = { rumors: ORIGINS * RUMORS, origins: ORIGINS, overPeerQuota: after.counters.overPeerQuota - before.counters.overPeerQuota, overQuota: after.counters.overQuota - before.counters.overQuota, storedRumors: after.storedRumors, honestDeliveredMs: delivered.includes('honest') ? Math.round(performance.now() - t) : null, rssMiB: [before.rss, rssMiB()] }
    report.rumorFlood = figures
    log(`rumor flood: ${JSON.stringify(figures)}`)
    await flooder.stop()
  }
  report.honestFailures = honestFailures
  report.rssEndMiB = rssMiB()
} finally {
  await Promise.all(hostiles.map(async h => { await h.stop().catch(() => {}) }))
  await net.stopAll()
}
await writeFile(`${flags.out}/hostile-peers-${PEERS}${ATTACKS.size < 4 ? `-${[...ATTACKS].join('-')}` : ''}.json`, JSON.stringify(report, null, 2) + '\n')
process.stdout.write(`honest failures: ${honestFailures}\n`)
process.exit(honestFailures === 0 ? 0 : 1)
