/** A port that records what a protocol sends and lets a test answer and fire timers by hand (STYLE.md #9). */
import type { Io, PeerRef, RequestOptions, Result } from '../../src/core/port.js'
import { createRandom, type Random } from '../../src/core/random.js'
import { simNodeId } from '../../src/sim/simulator.js'
import { keyId } from '../../src/core/id.js'
import type { DhtRecord } from '../../src/dht/messages.js'

export interface SentRequest<Req, Res> {
  to: PeerRef
  req: Req
  options: RequestOptions
  done: (r: Result<Res>) => void
}

export function peer (address: string): PeerRef {
  return { id: simNodeId(address), address }
}

export class RecordingIo<Req, Res, Msg = never> implements Io<Req, Res, Msg> {
  readonly random: Random
  clock = 0
  sent: Array<SentRequest<Req, Res>> = []
  timers = new Map<string, number>()

  constructor (readonly self: PeerRef, seed = 'recording') {
    this.random = createRandom(seed)
  }

  now (): number { return this.clock }
  request (to: PeerRef, req: Req, options: RequestOptions, done: (r: Result<Res>) => void): void {
    this.sent.push({ to, req, options, done })
  }

  send (): void { throw new Error('unexpected send') }
  setTimer (name: string, delayMs: number): void { this.timers.set(name, this.clock + delayMs) }
  cancelTimer (name: string): void { this.timers.delete(name) }

  /** Removes and returns everything sent so far. */
  take (): Array<SentRequest<Req, Res>> {
    const s = this.sent
    this.sent = []
    return s
  }

  /** Advances the clock to the timer's due time and hands it to `fire` (the node's onTimer). */
  fire (name: string, fire: (name: string) => void): void {
    const due = this.timers.get(name)
    if (due === undefined) throw new Error(`timer ${name} is not armed`)
    this.clock = Math.max(this.clock, due)
    this.timers.delete(name)
    fire(name)
  }
}

/**
 * Answers the `fetch` requests among `sent` (a hand-off's read-back) from `records`, by key id (a
 * key not among them: no record); returns the other requests.
 */
export function serveFetches<Req extends { type: string }, Res> (sent: Array<SentRequest<Req, Res>>, records: readonly DhtRecord[]): Array<SentRequest<Req, Res>> {
  const rest: Array<SentRequest<Req, Res>> = []
  for (const s of sent) {
    if (s.req.type !== 'fetch') { rest.push(s); continue }
    const id = (s.req as unknown as { keyId: bigint }).keyId
    s.done({ ok: true, value: { type: 'value', record: records.find(r => keyId(r.key) === id) } as Res })
  }
  return rest
}
