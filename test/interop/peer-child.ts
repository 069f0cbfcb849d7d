/**
 * The child side of the JSON-lines protocol that v2-peer-process.ts speaks, shared by the stock
 * peers run in their own process (stock-peer.ts): module resolution from inside an
 * aliased libp2p major, the request loop, and a shutdown that always ends the process.
 * Lines on stdout: `ready` once, `result` per request (`{id, ok, value | error}`), and whatever
 * `send` is given (`message` lines for gossipsub).
 */
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath, pathToFileURL } from 'node:url'

/** A stop that takes longer than this ends the process anyway (exit 1). */
const SHUTDOWN_GRACE_MS = 5000

export type Req = Record<string, any> & { id: number, op: string }
export type Ops = Record<string, (req: Req) => Promise<unknown>>

export function send (obj: unknown): void {
  process.stdout.write(JSON.stringify(obj) + '\n')
}

/**
 * Imports a package the way Node would resolve it from inside the aliased `alias` package's own
 * folder (`libp2p-v2`), so we get that major's copy (e.g. `@multiformats/multiaddr` 12, nested
 * under node_modules/libp2p-v2/node_modules) instead of the 3.x one hoisted at the top.
 */
export async function importFrom<T = any> (alias: string, name: string): Promise<T> {
  let dir = dirname(fileURLToPath(import.meta.resolve(alias)))
  for (;;) {
    const pkgDir = join(dir, 'node_modules', ...name.split('/'))
    let pkg: { exports?: Record<string, { import?: string } | string>, main?: string } | undefined
    try {
      pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'))
    } catch {}
    if (pkg != null) {
      const dot = pkg.exports?.['.']
      const entry = typeof dot === 'string' ? dot : dot?.import ?? pkg.main ?? 'index.js'
      return await import(pathToFileURL(join(pkgDir, entry)).href) as T
    }
    const parent = dirname(dir)
    if (parent === dir) throw new Error(`cannot resolve ${name} from ${alias}`)
    dir = parent
  }
}

/** The version field of the aliased package `alias` (its dist/src/index.js is two folders down). */
export function versionOf (alias: string): string {
  return JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.resolve(alias))), '..', '..', 'package.json'), 'utf8')).version
}

/** What identify stored about a peer, from a peer-store entry of either major. */
export function peerSummary (peer: { metadata: Map<string, Uint8Array>, protocols: string[], addresses: Array<{ multiaddr: { toString: () => string } }> }): unknown {
  const td = new TextDecoder()
  const agent = peer.metadata.get('AgentVersion')
  const protocolVersion = peer.metadata.get('ProtocolVersion')
  return {
    agentVersion: agent == null ? null : td.decode(agent),
    protocolVersion: protocolVersion == null ? null : td.decode(protocolVersion),
    protocols: peer.protocols,
    addrs: peer.addresses.map(a => a.multiaddr.toString())
  }
}

interface StoppableNode {
  peerId: { toString: () => string }
  getMultiaddrs: () => Array<{ toString: () => string }>
  getProtocols: () => string[]
  stop: () => Promise<void> | void
}

/**
 * Answers requests from stdin with `ops` (plus `stop`), then prints the ready line. The process
 * stops the node and exits on `stop`, stdin end (parent gone), SIGTERM or SIGINT.
 */
export function serve (node: StoppableNode, ops: Ops, ready: { agentVersion: string, libp2pVersion: string }): void {
  let stopping = false
  const shutdown = async (): Promise<void> => {
    if (stopping) return
    stopping = true
    setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS).unref()
    try {
      await node.stop()
    } finally {
      process.exit(0)
    }
  }
  const all: Ops = { ...ops, stop: async () => { setImmediate(() => { void shutdown() }); return null } }
  process.on('SIGTERM', () => { void shutdown() })
  process.on('SIGINT', () => { void shutdown() })

  const rl = createInterface({ input: process.stdin })
  rl.on('line', (line) => {
    if (line.trim() === '') return
    let req: Req
    try {
      req = JSON.parse(line)
    } catch (err) {
      send({ type: 'result', id: null, ok: false, error: `bad json: ${String(err)}` })
      return
    }
    const op = all[req.op]
    if (op == null) {
      send({ type: 'result', id: req.id, ok: false, error: `unknown op ${req.op}` })
      return
    }
    op(req).then(
      (value) => { send({ type: 'result', id: req.id, ok: true, value }) },
      (err: any) => { send({ type: 'result', id: req.id, ok: false, error: err?.stack ?? String(err) }) }
    )
  })
  rl.on('close', () => { void shutdown() })

  send({
    type: 'ready',
    peerId: node.peerId.toString(),
    addrs: node.getMultiaddrs().map(a => a.toString()),
    protocols: node.getProtocols(),
    ...ready
  })
}
