/** A port that records what a SIR node sends and lets a test answer and fire timers by hand (STYLE.md #9). */
import type { Io, PeerRef, RequestOptions, Result } from '../../src/core/port.js'
import { createRandom, type Random } from '../../src/core/random.js'
import type { SirMessage, SirRequest, SirResponse } from '../../src/sir/messages.js'
import { simNodeId } from '../../src/sim/simulator.js'

export interface SentRequest {
  to: PeerRef
  req: SirRequest
  options: RequestOptions
  done: (r: Result<SirResponse>) => void
}

export function peer (address: string): PeerRef {
  return { id: simNodeId(address), address }
}

export class RecordingIo implements Io<SirRequest, SirResponse, SirMessage> {
  readonly random: Random
  clock = 0
  sent: SentRequest[] = []
  /** Armed timers: name -> due time. */
  timers = new Map<string, number>()

  constructor (readonly self: PeerRef, seed = 'recording') {
    this.random = createRandom(seed)
  }

  now (): number { return this.clock }
  request (to: PeerRef, req: SirRequest, options: RequestOptions, done: (r: Result<SirResponse>) => void): void {
    this.sent.push({ to, req, options, done })
  }

  send (): void { throw new Error('SIR sends no fire-and-forget messages') }
  setTimer (name: string, delayMs: number): void { this.timers.set(name, this.clock + delayMs) }
  cancelTimer (name: string): void { this.timers.delete(name) }

  /** Removes and returns everything sent so far. */
  take (): SentRequest[] {
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
