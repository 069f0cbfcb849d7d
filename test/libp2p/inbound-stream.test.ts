/**
 * The inbound reader (src/libp2p/inbound-stream.ts) on a stand-in stream: a remote that went away
 * before its answer could be written is reported as closed early, never as a bug of ours
 * (issue 10, item 10), and a live stream gets its answer.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { frameOf } from '../../src/libp2p/frames.js'
import { InboundStream } from '../../src/libp2p/inbound-stream.js'
import { encodeEnvelopeHeader } from '../../src/wire/envelope.js'
import type { Stream } from '@libp2p/interface'

/** Just what InboundStream touches: events, status, send, abort, pause. */
class StandInStream extends EventTarget {
  status = 'open'
  writeStatus = 'writable'
  writableNeedsDrain = false
  sent = 0
  aborted: Error | undefined
  send (): boolean {
    if (this.writeStatus !== 'writable') throw new Error('StreamStateError: the stream is closed')
    this.sent++
    return true
  }

  abort (err: Error): void { this.aborted = err; this.status = 'aborted' }
  pause (): void {}
  resume (): void {}
  async close (): Promise<void> { this.status = 'closed' }
  deliver (bytes: Uint8Array): void { this.dispatchEvent(Object.assign(new Event('message'), { data: bytes })) }
}

function serveOne (stream: StandInStream): { closedEarly: string[], bugs: unknown[], failed: string[] } {
  const seen = { closedEarly: [] as string[], bugs: [] as unknown[], failed: [] as string[] }
  void new InboundStream(stream as unknown as Stream, {
    maxFrameBytes: 1024,
    timeoutMs: 1_000,
    serve: (envelope) => frameOf(encodeEnvelopeHeader('response', envelope.id), envelope.body),
    onBadFrame: (err) => { seen.bugs.push(err) },
    onBug: (err) => { seen.bugs.push(err) },
    onFailed: (why) => { seen.failed.push(why) },
    onClosedEarly: (why) => { seen.closedEarly.push(why) },
    onEnd: () => {}
  })
  stream.deliver(frameOf(encodeEnvelopeHeader('request', 1), Uint8Array.from([7])).subarray())
  return seen
}

describe('inbound stream', () => {
  it('counts a remote gone before its answer as closed early, not as a bug', () => {
    const stream = new StandInStream()
    stream.writeStatus = 'closed'
    const seen = serveOne(stream)
    assert.equal(seen.closedEarly.length, 1)
    assert.deepEqual(seen.bugs, [])
    assert.deepEqual(seen.failed, [])
    assert.equal(stream.sent, 0)
    assert.ok(stream.aborted !== undefined, 'the stream is reset')
  })

  it('answers on a live stream', () => {
    const stream = new StandInStream()
    const seen = serveOne(stream)
    assert.equal(stream.sent, 1)
    assert.deepEqual(seen, { closedEarly: [], bugs: [], failed: [] })
  })
})
