/**
 * The stream runtime on real libp2p nodes on 127.0.0.1: requests to a peer share one long-lived
 * stream; a timeout fails only its request and a late answer is dropped and counted; a hostile
 * frame resets only its own stream; a dead stream fails what it carried and is replaced; the
 * in-flight bound refuses as a value; stop ends pending requests `stopped`.
 * The server is either a StreamRuntime (echo handler) or a raw handler that answers as told.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { lpStream } from '@libp2p/utils'
import { FrameReader, frameOf } from '../../src/libp2p/frames.js'
import { StreamRuntime } from '../../src/libp2p/stream-runtime.js'
import { decodeEnvelope, encodeEnvelope, encodeEnvelopeHeader } from '../../src/wire/envelope.js'
import { WireError } from '../../src/wire/peer-codec.js'
import { createBareNode } from '../helpers/bare-node.js'
import { waitFor } from '../helpers/wait-for.js'
import type { BareNode } from '../helpers/bare-node.js'
import type { StreamRuntimeInit } from '../../src/libp2p/stream-runtime.js'
import type { Io, PeerRef, Result } from '../../src/core/port.js'
import type { PeerId, Stream } from '@libp2p/interface'

const PROTOCOL = '/overlay/test-runtime/1.0.0'
/** Test frames are small; a cap this low lets the oversize test stay small too. */
const MAX_FRAME_BYTES = 4096
/** A slow frame is given this long before its stream is reset. */
const INBOUND_TIMEOUT_MS = 500

/** Request bodies start with an opcode that the raw server obeys. */
const ECHO = 1
const SILENT = 2
const LATE = 3
const DIE = 4
/** Message bodies start with this byte, so the codec can tell them from requests. */
const MESSAGE = 0x4d

type Bytes = Uint8Array

const codec: StreamRuntimeInit<Bytes, Bytes, Bytes>['codec'] = {
  maxFrameBytes: MAX_FRAME_BYTES,
  encodeRequest: (req) => req,
  encodeResponse: (res) => res,
  decodeResponse: (bytes) => bytes,
  decodeInbound: (bytes) => {
    if (bytes.length === 0) throw new WireError('malformed', 'empty body')
    return bytes[0] === MESSAGE ? { message: bytes } : { request: bytes }
  },
  encodeMessage: (msg) => msg
}

interface Peer {
  libp2p: BareNode
  runtime?: StreamRuntime<Bytes, Bytes, Bytes>
  io?: Io<Bytes, Bytes, Bytes>
  messages: Bytes[]
  badFrames: string[]
  /** Names of the timers that fired, in order. */
  timers: string[]
}

async function createPeer (): Promise<Peer> {
  return { libp2p: await createBareNode(), messages: [], badFrames: [], timers: [] }
}

/** Starts a StreamRuntime with an echo handler on `peer`. */
async function startRuntime (peer: Peer, limits: Partial<StreamRuntimeInit<Bytes, Bytes, Bytes>> = {}): Promise<void> {
  const runtime = new StreamRuntime<Bytes, Bytes, Bytes>(peer.libp2p.services.capture.components, {
    protocol: PROTOCOL,
    codec,
    maxInboundStreams: 4,
    maxOutboundStreams: 4,
    inboundTimeoutMs: INBOUND_TIMEOUT_MS,
    logName: 'overlay:test-runtime',
    onBadFrame: (_from, code) => { peer.badFrames.push(code) },
    ...limits
  })
  await runtime.start(io => {
    peer.io = io
    return {
      start () {},
      stop () {},
      onRequest: (_from, req) => req,
      onMessage: (_from, msg) => { peer.messages.push(msg) },
      onTimer: (name) => { peer.timers.push(name) }
    }
  })
  peer.runtime = runtime
}

/**
 * A raw server: answers ECHO at once, SILENT never, LATE after `lateMs`, and resets the stream on
 * DIE. It counts the inbound streams it has seen.
 */
async function serveRaw (peer: Peer, lateMs: number): Promise<{ streams: number }> {
  const seen = { streams: 0 }
  await peer.libp2p.handle(PROTOCOL, (stream: Stream) => {
    seen.streams++
    const reader = new FrameReader(MAX_FRAME_BYTES)
    const answer = (id: number, body: Bytes): void => {
      if (stream.status === 'open') stream.send(frameOf(encodeEnvelopeHeader('response', id), body))
    }
    stream.addEventListener('message', (event) => {
      reader.push(event.data)
      for (let frame = reader.next(); frame !== undefined; frame = reader.next()) {
        const { id, body } = decodeEnvelope(frame)
        if (body[0] === ECHO) answer(id, body)
        else if (body[0] === LATE) setTimeout(() => { answer(id, body) }, lateMs)
        else if (body[0] === DIE) stream.abort(new Error('told to die'))
      }
    })
    stream.addEventListener('remoteCloseWrite', () => { void stream.close() })
  }, { maxInboundStreams: 4 })
  return seen
}

function ask (peer: Peer, to: PeerRef, body: Bytes, timeoutMs = 5_000): Promise<Result<Bytes>> {
  return new Promise((resolve, reject) => {
    let returned = false
    peer.io!.request(to, body, { timeoutMs }, (result) => {
      if (!returned) reject(new Error('done called inside request()'))
      // Compare bytes as plain Uint8Arrays (the runtime may hand out Buffers).
      resolve(result.ok ? { ok: true, value: Uint8Array.from(result.value) } : result)
    })
    returned = true
  })
}

const body = (op: number, n: number): Bytes => Uint8Array.from([op, n & 0xff, (n >> 8) & 0xff])

function openStreams (from: Peer, to: PeerId, direction: 'inbound' | 'outbound'): Stream[] {
  return from.libp2p.getConnections(to).flatMap(c => c.streams).filter(s => s.protocol === PROTOCOL && s.direction === direction && s.status === 'open')
}

describe('stream runtime on libp2p, 127.0.0.1', { timeout: 60_000 }, () => {
  const peers: Peer[] = []
  let client: Peer
  let server: Peer
  let raw: Peer
  let rawSeen: { streams: number }
  let serverRef: PeerRef
  let rawRef: PeerRef
  const LATE_MS = 300

  before(async () => {
    for (let i = 0; i < 3; i++) peers.push(await createPeer())
    ;[client, server, raw] = peers
    await startRuntime(client, { maxInFlightPerPeer: 8 })
    await startRuntime(server)
    rawSeen = await serveRaw(raw, LATE_MS)
    await client.libp2p.dial(server.libp2p.getMultiaddrs()[0])
    await client.libp2p.dial(raw.libp2p.getMultiaddrs()[0])
    serverRef = client.runtime!.peers.ref(server.libp2p.peerId)
    rawRef = client.runtime!.peers.ref(raw.libp2p.peerId)
  })
  after(async () => {
    await Promise.all(peers.map(async p => { await p.runtime?.stop(); await p.libp2p.stop() }))
  })

  it('carries many requests and messages to one peer on one stream', async () => {
    for (let i = 0; i < 100; i++) {
      const result = await ask(client, serverRef, body(ECHO, i))
      assert.deepEqual(result, { ok: true, value: body(ECHO, i) })
    }
    const results = await Promise.all(Array.from({ length: 8 }, async (_, i) => await ask(client, serverRef, body(ECHO, 1000 + i))))
    results.forEach((r, i) => { assert.deepEqual(r, { ok: true, value: body(ECHO, 1000 + i) }) })
    client.io!.send(serverRef, Uint8Array.from([MESSAGE, 7]))
    await waitFor(() => server.messages.length === 1, { timeoutMs: 5_000, what: 'the message delivered' })
    assert.deepEqual(server.messages[0], Uint8Array.from([MESSAGE, 7]))
    assert.equal(openStreams(client, server.libp2p.peerId, 'outbound').length, 1, 'one outbound stream on the connection')
    assert.equal(openStreams(server, client.libp2p.peerId, 'inbound').length, 1, 'one inbound stream at the server')
    assert.equal(client.runtime!.counters.streamsOpened, 1)
    assert.equal(server.runtime!.counters.inboundStreams, 1)
    assert.equal(server.runtime!.counters.inboundRequests, 108)
    assert.equal(client.runtime!.counters.framesOnOpenStream, 108, 'every frame after the first found the stream open')
  })

  it('fails only the request that timed out, and drops its late answer', async () => {
    const late = ask(client, rawRef, body(LATE, 1), 50)
    const silent = ask(client, rawRef, body(SILENT, 2), 100)
    const echo = ask(client, rawRef, body(ECHO, 3), 5_000)
    assert.deepEqual(await late, { ok: false, failure: 'timeout' })
    assert.deepEqual(await silent, { ok: false, failure: 'timeout' })
    assert.deepEqual(await echo, { ok: true, value: body(ECHO, 3) })
    await waitFor(() => client.runtime!.counters.lateResponses === 1, { timeoutMs: 5_000, what: 'the late answer counted' })
    assert.deepEqual(await ask(client, rawRef, body(ECHO, 4)), { ok: true, value: body(ECHO, 4) }, 'the stream goes on')
    assert.equal(rawSeen.streams, 1, 'all on one stream')
  })

  it('a late answer stretches the next timeouts to that peer (never past 4 times the asked one)', async () => {
    // The answers come LATE_MS after the request, later than the 200 ms asked for: each late one
    // is a round-trip sample (the test above left one too), so the timeout soon fits them.
    const outcomes: boolean[] = []
    for (let i = 0; i < 4 && !outcomes.includes(true); i++) {
      const late = client.runtime!.counters.lateResponses
      const result = await ask(client, rawRef, body(LATE, 2 + i), 200)
      outcomes.push(result.ok)
      if (!result.ok) await waitFor(() => client.runtime!.counters.lateResponses === late + 1, { timeoutMs: 5_000, what: 'the late answer counted' })
    }
    assert.ok(outcomes.includes(true), `the same ${LATE_MS} ms answer fits a stretched 200 ms timeout: ${JSON.stringify(outcomes)}`)
    assert.deepEqual(await ask(client, rawRef, body(SILENT, 9), 50), { ok: false, failure: 'timeout' }, 'a silent peer still times out')
  })

  it('gives a request its time again, once, when its timeout fires late on a stalled event loop', async () => {
    const blockLoop = (ms: number): void => { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms) }
    const graced = client.runtime!.counters.timeoutsGracedForStall
    // Asked with 100 ms; then the whole process, the answering peer too, stalls for 400 ms. The
    // timer fires 300 ms late, before anyone could read the request: the peer is not to blame.
    const echo = ask(client, serverRef, body(ECHO, 77), 100)
    for (let i = 0; i < 3; i++) await Promise.resolve()
    blockLoop(400)
    assert.deepEqual(await echo, { ok: true, value: body(ECHO, 77) }, 'answered after the stall')
    assert.equal(client.runtime!.counters.timeoutsGracedForStall, graced + 1)
    // A silent peer still fails: the grace is given once. (Its timeout may be stretched to 400 ms
    // by the late answers above, so the stall is longer.)
    const silent = ask(client, rawRef, body(SILENT, 78), 100)
    for (let i = 0; i < 3; i++) await Promise.resolve()
    blockLoop(1_000)
    assert.deepEqual(await silent, { ok: false, failure: 'timeout' })
    assert.equal(client.runtime!.counters.timeoutsGracedForStall, graced + 2)
  })

  it('refuses a request over the in-flight bound at once, as a value; a dead stream fails the rest and is replaced', async () => {
    const opened = client.runtime!.counters.streamsOpened
    let settled = 0
    const hanging = Array.from({ length: 8 }, async (_, i) => {
      const result = await ask(client, rawRef, body(SILENT, i), 30_000)
      settled++
      return result
    })
    assert.deepEqual(await ask(client, rawRef, body(ECHO, 9)), { ok: false, failure: 'unreachable' }, 'the 9th request is refused')
    assert.equal(settled, 0, 'refused while the other 8 still wait')
    assert.equal(client.runtime!.counters.outboundRefused, 1)
    // The stream dies under them (as when the connection goes away).
    client.runtime!.outboundStream(rawRef.address)!.abort(new Error('the connection went away'))
    for (const result of await Promise.all(hanging)) assert.deepEqual(result, { ok: false, failure: 'unreachable' })
    assert.deepEqual(await ask(client, rawRef, body(ECHO, 10)), { ok: true, value: body(ECHO, 10) }, 'a new stream carries the next request')
    assert.equal(client.runtime!.counters.streamsOpened, opened + 1)
  })

  it('fails every in-flight request unreachable when the remote resets the stream, then opens a new one', async () => {
    const opened = client.runtime!.counters.streamsOpened
    const hanging = Array.from({ length: 4 }, async (_, i) => await ask(client, rawRef, body(SILENT, i), 30_000))
    const died = ask(client, rawRef, body(DIE, 0), 30_000)
    for (const result of [await died, ...await Promise.all(hanging)]) assert.deepEqual(result, { ok: false, failure: 'unreachable' })
    assert.deepEqual(await ask(client, rawRef, body(ECHO, 11)), { ok: true, value: body(ECHO, 11) })
    assert.equal(client.runtime!.counters.streamsOpened, opened + 1)
    assert.equal(openStreams(client, raw.libp2p.peerId, 'outbound').length, 1, 'one live stream, the new one')
  })

  it('resets a stream with a malformed, oversized or unfinished frame, and counts it; honest requests go on', async () => {
    const [hostile] = peers.slice(2) // the raw peer's libp2p doubles as an attacker of the server
    const counters = server.runtime!.counters
    const before = { ...counters }
    const attacks = [
      encodeEnvelope('request', 1, Uint8Array.from([])), // an empty body: the codec refuses it
      Uint8Array.from([0x09]) // an envelope of unknown kind
    ]
    for (const frame of attacks) {
      const stream = await hostile.libp2p.dialProtocol(server.libp2p.getMultiaddrs()[0], PROTOCOL)
      const lp = lpStream(stream)
      await lp.write(frame)
      await assert.rejects(lp.read({ signal: AbortSignal.timeout(5_000) }), 'the stream is reset')
    }
    const oversized = await hostile.libp2p.dialProtocol(server.libp2p.getMultiaddrs()[0], PROTOCOL)
    oversized.send(Uint8Array.from([0x80, 0x80, 0x04])) // a length of 64 KiB, over the 4 KiB cap
    await assert.rejects(lpStream(oversized).read({ signal: AbortSignal.timeout(5_000) }))
    const slow = await hostile.libp2p.dialProtocol(server.libp2p.getMultiaddrs()[0], PROTOCOL)
    slow.send(Uint8Array.from([0x10, 0x01])) // a 16-byte frame, of which 1 byte ever comes
    await assert.rejects(lpStream(slow).read({ signal: AbortSignal.timeout(5_000) }), 'the slow frame is cut off')
    assert.equal(counters.inboundMalformed, before.inboundMalformed + 2)
    assert.equal(counters.inboundOversize, before.inboundOversize + 1)
    await waitFor(() => counters.inboundFailed === before.inboundFailed + 1, { timeoutMs: 5_000, what: 'the slow frame counted' })
    assert.deepEqual(server.badFrames.slice(-3), ['malformed', 'malformed', 'oversize'])
    const opened = client.runtime!.counters.streamsOpened
    assert.deepEqual(await ask(client, serverRef, body(ECHO, 12)), { ok: true, value: body(ECHO, 12) })
    assert.equal(client.runtime!.counters.streamsOpened, opened, 'the honest stream was untouched')
    assert.ok(hostile.libp2p.getConnections(server.libp2p.peerId).length > 0, 'the connection survives')
  })

  it('answers requests over a peer\'s or the total rate limit with a refusal, counted; the stream goes on', async () => {
    // Rates this low refill nothing during the test, so what passes is exactly the bursts.
    const limited = await createPeer()
    const flooder = await createPeer()
    const honest = await createPeer()
    peers.push(limited, flooder, honest)
    await startRuntime(limited, { inboundRateLimit: { perPeerPerSecond: 0.001, perPeerBurst: 10, totalPerSecond: 0.001, totalBurst: 15 } })
    await startRuntime(flooder)
    await startRuntime(honest)
    await flooder.libp2p.dial(limited.libp2p.getMultiaddrs()[0])
    await honest.libp2p.dial(limited.libp2p.getMultiaddrs()[0])
    const flood = await Promise.all(Array.from({ length: 30 }, async (_, i) => await ask(flooder, flooder.runtime!.peers.ref(limited.libp2p.peerId), body(ECHO, i))))
    assert.equal(flood.filter(r => r.ok).length, 10, 'the peer\'s burst passes')
    assert.deepEqual(flood.filter(r => !r.ok), Array(20).fill({ ok: false, failure: 'rejected' }), 'the rest are refused at once, as values')
    assert.equal(limited.runtime!.counters.inboundRateLimitedPeer, 20)
    assert.equal(flooder.runtime!.counters.refusedByRemote, 20)
    const fair = await Promise.all(Array.from({ length: 10 }, async (_, i) => await ask(honest, honest.runtime!.peers.ref(limited.libp2p.peerId), body(ECHO, i))))
    assert.equal(fair.filter(r => r.ok).length, 5, 'another peer gets what is left of the total burst')
    assert.equal(limited.runtime!.counters.inboundRateLimitedTotal, 5)
    assert.equal(limited.runtime!.counters.inboundRequests, 15, 'refused requests never reached the handler')
    assert.equal(flooder.runtime!.counters.streamsOpened, 1, 'refusals do not cost the stream')
  })

  it('fires a timer of 0 ms once and later; re-arming replaces a timer, cancelling stops it', async () => {
    const io = server.io!
    io.setTimer('zero', 0)
    io.setTimer('zero', 0)
    io.setTimer('cancelled', 0)
    io.cancelTimer('cancelled')
    io.setTimer('later', 20)
    io.setTimer('later-cancelled', 10)
    io.cancelTimer('later-cancelled')
    assert.deepEqual(server.timers, [], 'nothing fires inside setTimer')
    await waitFor(() => server.timers.includes('later'), { timeoutMs: 5_000, what: 'the 20 ms timer' })
    assert.deepEqual(server.timers, ['zero', 'later'])
  })

  it('closes an outbound stream left idle, and opens a new one for the next request', async () => {
    const idler = await createPeer()
    peers.push(idler)
    await startRuntime(idler, { outboundIdleTimeoutMs: 200 })
    await idler.libp2p.dial(server.libp2p.getMultiaddrs()[0])
    const to = idler.runtime!.peers.ref(server.libp2p.peerId)
    assert.deepEqual(await ask(idler, to, body(ECHO, 14)), { ok: true, value: body(ECHO, 14) })
    await waitFor(() => idler.runtime!.counters.streamsClosedIdle === 1 && openStreams(idler, server.libp2p.peerId, 'outbound').length === 0,
      { timeoutMs: 5_000, what: 'the idle stream closed' })
    assert.deepEqual(await ask(idler, to, body(ECHO, 15)), { ok: true, value: body(ECHO, 15) })
    assert.equal(idler.runtime!.counters.streamsOpened, 2)
  })

  it('ends pending requests stopped on stop, sends nothing after it and closes its streams', async () => {
    const pending = Array.from({ length: 3 }, async (_, i) => await ask(client, rawRef, body(SILENT, i), 30_000))
    await waitFor(() => client.runtime!.outboundStream(rawRef.address), { timeoutMs: 5_000, what: 'the stream open' })
    await client.runtime!.stop()
    for (const result of await Promise.all(pending)) assert.deepEqual(result, { ok: false, failure: 'stopped' })
    assert.deepEqual(await ask(client, serverRef, body(ECHO, 13)), { ok: false, failure: 'stopped' })
    await waitFor(() => openStreams(client, raw.libp2p.peerId, 'outbound').length === 0 && openStreams(client, server.libp2p.peerId, 'outbound').length === 0,
      { timeoutMs: 5_000, what: 'the outbound streams closed' })
  })
})
