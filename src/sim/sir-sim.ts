/**
 * SIR gossip nodes in the simulator, with what only an observer has: every node's state for a
 * rumor, and two documented shortcuts: a view of the full membership for every node (the
 * uniform-random-peer model of Demers et al. 1987 §1.1 and Karp et al. 2000), and a cheap
 * deterministic stand-in for signatures. Invariants: the protocol code is the same SirNode the
 * libp2p runtime drives; the observer reads it through its public API only.
 */
import type { PeerRef } from '../core/port.js'
import type { Random } from '../core/random.js'
import { sirConfig, type SirInit } from '../sir/config.js'
import type { SirMessage, SirRequest, SirResponse } from '../sir/messages.js'
import type { RumorSigner, RumorVerifier, RumorId } from '../sir/rumor.js'
import type { RumorState } from '../sir/rumor-store.js'
import { SirNode } from '../sir/sir-node.js'
import { sampleIndices, type SirView } from '../sir/view.js'
import { Simulator, type SimNode, type SimulatorInit } from './simulator.js'

const utf8 = new TextEncoder()
/** Bytes of a stand-in signature (two 32-bit hash lanes; the real ones are Ed25519's 64 bytes). */
const STAND_IN_SIGNATURE_BYTES = 8

/**
 * A keyed, non-cryptographic 64-bit hash of origin and message (FNV-1a and a multiplicative lane):
 * a signature's stand-in costing ~100 ns instead of an Ed25519 verification's ~50 µs.
 */
function standInSignature (origin: Uint8Array, message: Uint8Array): Uint8Array {
  let a = 0x811c9dc5 ^ origin.length
  let b = 0x5349522d // "SIR-"
  for (const part of [origin, message]) {
    for (let i = 0; i < part.length; i++) {
      a = Math.imul(a ^ part[i], 0x01000193)
      b = Math.imul(b ^ part[i], 0x5bd1e995); b ^= b >>> 15
    }
  }
  a ^= b >>> 13; b = Math.imul(b ^ a, 0x85ebca6b)
  const out = new Uint8Array(STAND_IN_SIGNATURE_BYTES)
  const view = new DataView(out.buffer)
  view.setUint32(0, a >>> 0)
  view.setUint32(4, b >>> 0)
  return out
}

/**
 * The simulator's signer for the node at `address`: origin = the address's UTF-8 bytes (as
 * addressPeerCodec encodes peer ids), signature = a keyed hash anyone who knows the scheme can
 * compute (and a 64-bit hash, not collision-proof). It catches tampering and garbage signatures,
 * not an adversary; real keys are the
 * libp2p runtime's business.
 */
export function simRumorSigner (address: string): RumorSigner {
  const origin = utf8.encode(address)
  return { origin, sign: message => standInSignature(origin, message) }
}

export const simRumorVerifier: RumorVerifier = {
  verify (origin, message, signature) {
    if (signature.length !== STAND_IN_SIGNATURE_BYTES) return false
    const expected = standInSignature(origin, message)
    for (let i = 0; i < STAND_IN_SIGNATURE_BYTES; i++) if (expected[i] !== signature[i]) return false
    return true
  }
}

/**
 * A node's view of the full membership, shared by all nodes (one array, no per-node copy):
 * uniform draws over every other member, alive or not. The model of the analysis; a real node only
 * knows the peers its runtime reports.
 */
export class FullMembershipView implements SirView {
  constructor (private readonly members: readonly PeerRef[], private readonly selfIndex: number) {}

  get size (): number { return Math.max(0, this.members.length - 1) }

  sample (random: Random, count: number): PeerRef[] {
    const n = this.members.length - 1
    if (n <= 0) return []
    if (count === 1) {
      const i = random.int(n)
      return [this.members[i >= this.selfIndex ? i + 1 : i]]
    }
    return sampleIndices(random, n, count).map(i => this.members[i >= this.selfIndex ? i + 1 : i])
  }

  onPeer (): void {}
}

export interface SirSimNode {
  readonly sim: SimNode
  readonly sir: SirNode
}

export interface SirSimulationInit extends SimulatorInit {
  /** Nodes created (and started) at construction. */
  nodes: number
  /** SIR options for every node. */
  sir?: SirInit
}

export class SirSimulation {
  readonly sim: Simulator
  readonly nodes: SirSimNode[] = []
  private readonly members: PeerRef[] = []

  /** Creates `nodes` nodes, each viewing the full membership, and starts them all at time 0. */
  constructor (init: SirSimulationInit) {
    this.sim = new Simulator(init)
    // Validated once: every node shares the one frozen configuration.
    const settings = sirConfig(init.sir)
    for (let i = 0; i < init.nodes; i++) {
      let sir!: SirNode
      const sim = this.sim.addNode<SirRequest, SirResponse, SirMessage>(io => {
        sir = new SirNode(io, { signer: simRumorSigner(io.self.address), verifier: simRumorVerifier, view: new FullMembershipView(this.members, i) }, settings)
        return sir
      })
      this.members.push(sim.ref)
      this.nodes.push({ sim, sir })
    }
    for (const node of this.nodes) this.sim.start(node.sim)
  }

  /** How many nodes are in each state for `id`. */
  census (id: RumorId): Record<RumorState, number> {
    const out: Record<RumorState, number> = { S: 0, I: 0, R: 0 }
    for (const node of this.nodes) out[node.sir.rumorState(id)]++
    return out
  }
}
