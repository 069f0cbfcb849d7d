#!/usr/bin/env node
/**
 * One worker process of a WorkerNetwork (worker-network.ts): hosts a share of a local network's
 * peers and runs what the driver asks over the IPC channel, one JSON request `{ id, op, ... }` in,
 * one reply `{ id, result }` or `{ id, error }` out. Peers are named by their index in this worker.
 * Invariant: the worker never outlives its driver: when the IPC channel closes (the driver exited
 * or was killed) it exits at once, and its peers die with it.
 */
import '../polyfill.js'
import { createOverlayNode } from './overlay-node.js'
import { OVERLAY_NAMES } from './libp2p-options.js'
import type { OverlayName } from './libp2p-options.js'
import type { OverlayNode } from './overlay-node.js'

/** A request from the driver (trusted: only a WorkerNetwork starts a worker); an unknown peer or op fails loudly. */
export type WorkerRequest =
  | { id: number, op: 'start', bootstrap: string[], links: string[] }
  | { id: number, op: 'put', peer: number, dht: string, name: string, value: string }
  | { id: number, op: 'get', peer: number, dht: string, key: string }
  | { id: number, op: 'lookup', peer: number, dht: string, key: string }
  | { id: number, op: 'crash' | 'leave', peer: number }
  | { id: number, op: 'chordRing' }
  | { id: number, op: 'counters' }
  | { id: number, op: 'stopAll' }

export type WorkerReply = { id: number, result: unknown } | { id: number, error: { name: string, message: string } }

/** Protocol ids whose bytes sent are summed in `counters`, by the name they get there. */
const BYTE_PROTOCOLS: Record<string, RegExp> = {
  kad: /\/kad\//,
  chord: /\/overlay\/chord\//,
  pastry: /\/overlay\/pastry\//
}

const overlays = (process.env.OVERLAY_NODE_WORKER_OVERLAYS ?? OVERLAY_NAMES.join(',')).split(',').filter(s => s !== '') as OverlayName[]
for (const o of overlays) if (!(OVERLAY_NAMES as readonly string[]).includes(o)) throw new Error(`unknown overlay '${o}'`)
const queryTimeoutMs = Number(process.env.OVERLAY_NODE_WORKER_QUERY_TIMEOUT_MS ?? 30_000)

const peers: OverlayNode[] = []
const stopped = new Set<number>()
const encoder = new TextEncoder()
const decoder = new TextDecoder()

function peer (index: unknown): OverlayNode {
  if (typeof index !== 'number' || peers[index] === undefined) throw new RangeError(`no peer ${String(index)} in this worker`)
  if (stopped.has(index)) throw new Error(`peer ${index} is stopped`)
  return peers[index]
}

/** Sums, over this worker's live peers, the request counters and bytes sent per DHT. */
async function counters (): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  const add = (name: string, value: number): void => { out[name] = (out[name] ?? 0) + value }
  for (const [i, node] of peers.entries()) {
    if (stopped.has(i)) continue
    for (const metric of await node.metricsRegistry.getMetricsAsJSON()) {
      for (const v of metric.values as Array<{ value: number, labels: Record<string, string | number> }>) {
        if (metric.name === 'libp2p_kad_dht_outbound_rpc_requests_total') add('requests.kad', v.value)
        else if (/^overlay_(chord|pastry)_requests_total$/.test(metric.name) && v.labels.direction === 'outbound') add(`requests.${metric.name.split('_')[1]}`, v.value)
        else if (metric.name === 'libp2p_data_transfer_bytes_total') {
          const label = String(v.labels.protocol ?? '')
          if (!label.endsWith(' sent')) continue
          for (const [dht, pattern] of Object.entries(BYTE_PROTOCOLS)) if (pattern.test(label)) add(`bytesSent.${dht}`, v.value)
        }
      }
    }
  }
  return out
}

async function handle (req: WorkerRequest): Promise<unknown> {
  switch (req.op) {
    case 'start': {
      const node = await createOverlayNode({ local: true, overlays, queryTimeoutMs, bootstrap: req.bootstrap })
      const index = peers.push(node) - 1
      for (const address of req.links) await node.connect(address).catch(() => {})
      return { peer: index, peerId: node.peerId.toString(), address: node.addresses()[0] }
    }
    case 'put': {
      const r = await peer(req.peer).dht(req.dht).put(req.name, encoder.encode(req.value))
      return r
    }
    case 'get': {
      const r = await peer(req.peer).dht(req.dht).get(req.key)
      return { hops: r.hops, latencyMs: r.latencyMs, value: decoder.decode(r.value) }
    }
    case 'lookup':
      return await peer(req.peer).dht(req.dht).lookup(req.key)
    case 'crash':
    case 'leave': {
      const node = peer(req.peer)
      stopped.add(req.peer)
      await (req.op === 'crash' ? node.crash() : node.stop())
      return null
    }
    case 'chordRing':
      return peers.flatMap((node, i) => {
        if (stopped.has(i)) return []
        const s = node.status('chord') as { self: { id: string }, successors: Array<{ peerId: string }> }
        return [{ peerId: node.peerId.toString(), id: s.self.id, successor: s.successors[0]?.peerId ?? null }]
      })
    case 'counters':
      return await counters()
    case 'stopAll':
      await Promise.all(peers.map(async (node, i) => {
        if (stopped.has(i)) return
        stopped.add(i)
        await node.crash().catch(() => {})
      }))
      return null
    default:
      throw new Error(`unknown op '${(req as { op: unknown }).op as string}'`)
  }
}

if (process.send === undefined) {
  process.stderr.write('network-worker runs only as a child of a WorkerNetwork (it needs an IPC channel)\n')
  process.exit(2)
}
process.on('disconnect', () => { process.exit(0) })
process.on('message', (req: WorkerRequest) => {
  handle(req).then(
    (result) => { process.send?.({ id: req.id, result } satisfies WorkerReply) },
    (err: unknown) => { process.send?.({ id: req.id, error: { name: (err as Error).name ?? 'Error', message: (err as Error).message ?? String(err) } } satisfies WorkerReply) }
  )
})
process.send({ id: 0, result: 'ready' } satisfies WorkerReply)
