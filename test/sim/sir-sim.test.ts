import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Io, PeerRef, ProtocolHandler, Result } from '../../src/core/port.js'
import type { SirMessage, SirRequest, SirResponse } from '../../src/sir/messages.js'
import { createRumor, type Rumor } from '../../src/sir/rumor.js'
import { uniformLatency } from '../../src/sim/latency.js'
import { SirSimulation, simRumorSigner } from '../../src/sim/sir-sim.js'

const utf8 = new TextEncoder()

/** A peer that pushes one forged rumor to each target at start (an adversary, not a SirNode). */
class Forger implements ProtocolHandler<SirRequest, SirResponse, SirMessage> {
  readonly replies: Array<Result<SirResponse>> = []
  constructor (private readonly io: Io<SirRequest, SirResponse, SirMessage>, private readonly targets: readonly PeerRef[], private readonly rumor: Rumor) {}
  start (): void {
    for (const t of this.targets) this.io.request(t, { type: 'push', rumors: [this.rumor] }, { timeoutMs: 1000 }, r => this.replies.push(r))
  }

  stop (): void {}
  onRequest (): SirResponse { return { type: 'rumors', rumors: [] } }
  onMessage (): void {}
  onTimer (): void {}
}

function run (seed: string): { hash: string, delivered: number, bySync: number, forgedDelivered: number, forgedCounted: number, replies: number, nodes: number } {
  const nodes = 1000
  // Push with k = 1 leaves about 20 % uninformed; anti-entropy (every 5 rounds) must close that.
  const s = new SirSimulation({ seed, nodes, latency: uniformLatency(10, 60), lossRate: 0.01, sir: { mode: 'push', k: 1, antiEntropy: true, antiEntropyIntervalMs: 5000 } })
  let delivered = 0
  let forgedDelivered = 0
  for (const n of s.nodes) {
    n.sir.subscribe('news', () => { delivered++ })
    n.sir.subscribe('forged', () => { forgedDelivered++ })
  }
  // The forger claims to be n5, with a signature it cannot make.
  const genuine = createRumor(simRumorSigner('n5'), 7n, 'forged', utf8.encode('send money'), s.sim.now())
  const forged: Rumor = { ...genuine, signature: genuine.signature.map(b => b ^ 0xff) }
  const targets = s.nodes.slice(0, 100).map(n => n.sim.ref)
  let forger!: Forger
  const forgerNode = s.sim.addNode<SirRequest, SirResponse, SirMessage>(io => { forger = new Forger(io, targets, forged); return forger })
  s.sim.start(forgerNode)
  s.sim.after(100, () => s.nodes[s.sim.random.int(nodes)].sir.publish('news', utf8.encode('hello')))
  const all = s.sim.runUntilTrue(() => delivered === nodes - 1, 1000, 300_000)
  assert.ok(all, `every node informed within 300 virtual s (got ${delivered + 1} of ${nodes})`)
  let bySync = 0; let forgedCounted = 0
  for (const n of s.nodes) { bySync += n.sir.counters().acceptedBySync; forgedCounted += n.sir.counters().forged }
  return { hash: s.sim.finish(), delivered, bySync, forgedDelivered, forgedCounted, replies: forger.replies.length, nodes }
}

test('sim sir: with anti-entropy every node of 1000 is informed; a forged rumor reaches none; same seed, same trace', () => {
  const a = run('sir-ae')
  assert.equal(a.delivered, a.nodes - 1)
  assert.ok(a.bySync > 0, `anti-entropy closed the residue (${a.bySync} nodes learned by sync)`)
  assert.equal(a.forgedDelivered, 0)
  // Each target refused it (1 % loss may drop a few pushes on the way), and none passed it on.
  assert.ok(a.forgedCounted >= 90 && a.forgedCounted <= 100, `forged counted ${a.forgedCounted}`)
  const b = run('sir-ae')
  assert.equal(b.hash, a.hash)
  assert.notEqual(run('sir-ae-2').hash, a.hash)
})
