/**
 * The two libp2p fixes of src/libp2p/dependency-fixes.ts: they apply to the pinned packages, the
 * decoder yields exactly the frames the original does without probing an empty buffer, Yamux
 * tops the window up only when half of it is used, and a stream still carries megabytes both ways.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { StreamState, YamuxStream } from '@chainsafe/libp2p-yamux/stream'
import { LengthPrefixedDecoder } from '@libp2p/utils'
import * as varint from 'uint8-varint'
import { Uint8ArrayList } from 'uint8arraylist'
import { applyDependencyFixes } from '../../src/libp2p/dependency-fixes.js'
import { createRandom } from '../../src/core/random.js'
import { createBareNode } from '../helpers/bare-node.js'
import type { BareNode } from '../helpers/bare-node.js'

const SEED = 20261203

describe('dependency fixes', () => {
  it('apply to the pinned yamux and @libp2p/utils (a failure here means a package changed: re-check the fix, or drop it if upstream has it)', () => {
    assert.deepEqual(applyDependencyFixes(), { yamuxWindowUpdate: 'applied', lengthPrefixedDecode: 'applied' })
    assert.deepEqual(applyDependencyFixes(), { yamuxWindowUpdate: 'applied', lengthPrefixedDecode: 'applied' }, 'idempotent')
  })

  it('the decoder yields every frame whatever the chunking, and never asks for a prefix in an empty buffer', () => {
    applyDependencyFixes()
    console.log(`seed ${SEED}`)
    const random = createRandom(SEED)
    for (let trial = 0; trial < 200; trial++) {
      const frames = Array.from({ length: 1 + random.int(20) }, () => Uint8Array.from({ length: 1 + random.int(300) }, () => random.int(256)))
      const wire = new Uint8ArrayList()
      for (const f of frames) wire.append(varint.encode(f.length), f)
      const bytes = wire.subarray()
      let emptyProbes = 0
      const decoder = new LengthPrefixedDecoder({
        lengthDecoder: (buf) => {
          if (buf.byteLength === 0) emptyProbes++
          return varint.decode(buf)
        }
      })
      const out: Uint8Array[] = []
      for (let at = 0; at < bytes.length;) {
        const end = Math.min(bytes.length, at + 1 + random.int(400))
        for (const frame of decoder.decode(bytes.subarray(at, end))) out.push(frame.subarray())
        at = end
      }
      assert.deepEqual(out, frames, `trial ${trial}`)
      assert.equal(emptyProbes, 0, `trial ${trial}`)
    }
  })

  it('the decoder still refuses a length over its limit', () => {
    applyDependencyFixes()
    const decoder = new LengthPrefixedDecoder({ maxDataLength: 10 })
    assert.throws(() => [...decoder.decode(Uint8Array.from([11, ...new Array(11).fill(0)]))], /Invalid message length/)
  })

  it('yamux sends a window update only once half of the receive window is used', () => {
    applyDependencyFixes()
    const sent: number[] = []
    const window = 256 * 1024
    const stream = {
      state: StreamState.Established,
      recvWindow: window,
      recvWindowCapacity: window,
      maxStreamWindowSize: window,
      epochStart: 0,
      getRTT: () => -1,
      getSendFlags: () => 0,
      sendFrame: (header: { length: number }) => { sent.push(header.length) },
      streamId: 1
    }
    const frameBytes = 1000
    for (let i = 0; i < 1000; i++) {
      stream.recvWindowCapacity -= frameBytes
      YamuxStream.prototype.sendWindowUpdate.call(stream as unknown as YamuxStream)
      assert.ok(stream.recvWindowCapacity > window / 2, 'the window never falls to half')
    }
    const perUpdate = Math.floor(window / 2 / frameBytes) + 1
    assert.equal(sent.length, Math.floor(1000 / perUpdate))
    assert.ok(sent.every(delta => delta === perUpdate * frameBytes))
  })

  it('yamux still sends the opening flags at once', () => {
    applyDependencyFixes()
    const sent: number[] = []
    const stream = {
      state: StreamState.Init,
      recvWindow: 1024,
      recvWindowCapacity: 1024,
      maxStreamWindowSize: 1024,
      epochStart: 0,
      getRTT: () => -1,
      getSendFlags: () => 1,
      sendFrame: (header: { flag: number }) => { sent.push(header.flag) },
      streamId: 1
    }
    YamuxStream.prototype.sendWindowUpdate.call(stream as unknown as YamuxStream)
    assert.deepEqual(sent, [1])
  })

  describe('on real connections', () => {
    let a: BareNode
    let b: BareNode
    before(async () => {
      applyDependencyFixes()
      a = await createBareNode()
      b = await createBareNode()
      await b.handle('/overlay/test-echo/1.0.0', (stream) => {
        stream.addEventListener('message', (evt) => { stream.send(evt.data) })
        stream.addEventListener('remoteCloseWrite', () => { void stream.close() })
      })
    })
    after(async () => {
      await a?.stop()
      await b?.stop()
    })

    it('a stream carries 4 MiB each way in small frames without stalling', { timeout: 60_000 }, async () => {
      const stream = await a.dialProtocol(b.getMultiaddrs()[0], '/overlay/test-echo/1.0.0')
      const chunk = 1024
      const total = 4 * 1024 * 1024
      let received = 0
      const done = new Promise<void>((resolve) => {
        stream.addEventListener('message', (evt) => {
          received += evt.data.byteLength
          if (received >= total) resolve()
        })
      })
      for (let sent = 0; sent < total; sent += chunk) {
        if (!stream.send(new Uint8Array(chunk).fill(sent % 251))) await stream.onDrain()
      }
      await done
      assert.equal(received, total)
      await stream.close()
    })
  })
})
