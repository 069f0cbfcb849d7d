/** A SirNode on a recording port, for the node tests: setup, signed rumors, timer firing. */
import type { SirInit } from '../../src/sir/config.js'
import type { SirRequest, SirResponse } from '../../src/sir/messages.js'
import { createRumor, type Rumor } from '../../src/sir/rumor.js'
import { SirNode } from '../../src/sir/sir-node.js'
import { simRumorSigner, simRumorVerifier } from '../../src/sim/sir-sim.js'
import { RecordingIo, peer } from '../helpers/recording-io.js'

export type SirRecordingIo = RecordingIo<SirRequest, SirResponse>

export const utf8 = new TextEncoder()

/** A started node with anti-entropy off and no jitter unless `init` says otherwise; its view holds `peers` (default ['a']). */
export function setup (init: SirInit = {}, opts: { address?: string, peers?: string[], seed?: string } = {}): { io: SirRecordingIo, node: SirNode } {
  const address = opts.address ?? 'self'
  const io: SirRecordingIo = new RecordingIo(peer(address), opts.seed)
  const node = new SirNode(io, { signer: simRumorSigner(address), verifier: simRumorVerifier }, { antiEntropy: false, roundJitter: 0, ...init })
  for (const p of opts.peers ?? ['a']) node.onPeer(peer(p), true)
  node.start()
  return { io, node }
}

/** A rumor signed by the stand-in key of `origin`, made at `createdAtMs` (the recording port's clock starts at 0). */
export function rumorFrom (origin: string, text: string, seq = 1n, topic = 't', createdAtMs = 0): Rumor {
  return createRumor(simRumorSigner(origin), seq, topic, utf8.encode(text), createdAtMs)
}

export function pushAck (known: boolean[]): SirResponse { return { type: 'push-ack', known } }

export function fire (io: SirRecordingIo, node: SirNode, name = 'round'): void { io.fire(name, n => node.onTimer(n)) }
