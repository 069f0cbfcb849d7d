/**
 * What a simulator run will need in memory, estimated before anything is built, so `sim` can refuse
 * a run the machine cannot hold (at once, naming the estimate) or give V8 a heap large enough for
 * it, instead of dying after minutes with V8's out-of-memory trace. Invariants: the estimate is a
 * pure function of the workload; it grows with every input; the figures below are measured peaks
 * (see each constant), so a refusal errs on the side of the machine, not of the run.
 */

export type SimProtocol = 'chord' | 'pastry' | 'sir'

export interface SimWorkload {
  protocol: SimProtocol
  nodes: number
  /** Keys stored (Chord and Pastry). */
  keys?: number
  /** Copies of each key. */
  replicas?: number
  /** Lookups run at once (each holds its state until it ends). */
  lookups?: number
}

/**
 * Peak bytes per simulated node, a + b·log2 N: the routing state grows with log N (about log2 N
 * distinct Chord fingers, 15·log16 N Pastry routing-table entries); the rest (node objects, maps,
 * timers, events in the heap) is per node. From the live heap per node that
 * `node --expose-gc dist/src/sim/node-bytes.js <protocol> N` measures at N = 2·10^4 (chord 9283 B,
 * pastry 11281 B, sir 3791 B), plus what lookups, maintenance and an epidemic hold while they run:
 * a Chord run at 10^6 nodes died at an 8.7 GB heap (9.6 kB per node was too little), and SIR at
 * 10^5 nodes needed 6.1 kB per node at its peak (it ran in a 740 MB heap). Rounded up.
 */
const PEAK_BYTES_PER_NODE: Record<SimProtocol, { fixed: number, perLog2Nodes: number }> = {
  chord: { fixed: 9600, perLog2Nodes: 60 },
  pastry: { fixed: 11500, perLog2Nodes: 60 },
  sir: { fixed: 6500, perLog2Nodes: 0 }
}

/** The process before any node: Node, V8, the modules a sim loads (peak RSS of `--nodes 2`, 90 MiB, rounded up). */
export const BASE_BYTES = 160 * 2 ** 20
/**
 * Keys cost the most at their peak, while they are being stored and churned: per key its record
 * (key, value, signature), the put in flight (scheduled up front, a lookup and a store request),
 * the experiment's key list and per-event owner maps, and the garbage V8 lets pile up before a
 * full collection; each copy then adds its map entry and bookkeeping. Calibrated on peak RSS
 * (/usr/bin/time -v) of `sim chord --nodes 2000 --joins 100 --leaves 100 --crashes 50 --lookups
 * 2000 --seed 1` with --keys 0 and 200000: 352 MiB at 0 keys; 1405 MiB at 200000 keys and
 * --replicas 1; 1665 MiB with --replicas 3 (Pastry: 1478 MiB). So about 5520 B per key with one
 * copy and 680 B per further copy there. A larger network holds more per key: `sim chord --nodes
 * 10000 --keys 100000 --lookups 100 --seed 1` peaked at 1263 MiB, about 10.5 kB per key once the
 * base and the nodes are taken off. At 10^5 nodes and 10^6 keys (`sim chord --nodes 100000 --keys
 * 1000000 --joins 100 --leaves 100 --crashes 50 --lookups 10000 --seed 1`) the run reached
 * 14.6 GiB at its heap limit (14.4 GiB, from 9000 B per key) and then spent its time in full
 * collections: about 14.5 kB per key with three copies, a lower bound. Hence 13000 B per key
 * (15.1 kB with three copies).
 */
export const BYTES_PER_KEY = 13000
/** One stored copy of a key (see BYTES_PER_KEY). */
export const BYTES_PER_STORED_COPY = 700
/** One lookup's state while it runs, and its figures after (measured with 10^5 lookups on 10^4 nodes, rounded up). */
export const BYTES_PER_LOOKUP = 400

/**
 * Memory the run may not take from the machine: other processes and the kernel keep
 * max(2 GiB, 10 % of it). The shared 24 GiB machine then offers a run about 21.6 GiB.
 */
export const HEADROOM_MIN_BYTES = 2 * 2 ** 30
export const HEADROOM_SHARE = 0.1

/**
 * V8's old space is sized this much above the estimate: a mark-compact needs room to promote into,
 * and a tighter heap spends its time in full collections. The heap limit bounds the peak RSS too.
 */
export const HEAP_SLACK = 1.25

/** Bytes the workload needs at its peak. */
export function estimateBytes (w: SimWorkload): number {
  if (!Number.isInteger(w.nodes) || w.nodes < 1) throw new RangeError('nodes must be a positive integer')
  const per = PEAK_BYTES_PER_NODE[w.protocol]
  const nodes = w.nodes * (per.fixed + per.perLog2Nodes * Math.log2(Math.max(2, w.nodes)))
  const keys = (w.keys ?? 0) * (BYTES_PER_KEY + (w.replicas ?? 1) * BYTES_PER_STORED_COPY)
  return Math.ceil(BASE_BYTES + nodes + keys + (w.lookups ?? 0) * BYTES_PER_LOOKUP)
}

/** What a machine with `totalBytes` of memory lets one run use. */
export function memoryBudget (totalBytes: number): number {
  return Math.floor(totalBytes - Math.max(HEADROOM_MIN_BYTES, HEADROOM_SHARE * totalBytes))
}

/** The largest node count whose estimate fits `budgetBytes` with the rest of the workload unchanged (0 if none). */
export function largestNodesThatFit (w: SimWorkload, budgetBytes: number): number {
  if (estimateBytes({ ...w, nodes: 1 }) > budgetBytes) return 0
  let lo = 1; let hi = 2
  while (estimateBytes({ ...w, nodes: hi }) <= budgetBytes) { lo = hi; hi *= 2 }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2)
    if (estimateBytes({ ...w, nodes: mid }) <= budgetBytes) lo = mid
    else hi = mid
  }
  return lo
}

/** The V8 heap limit a run with this estimate gets: the estimate and its slack, within the budget. */
export function heapLimitBytes (estimate: number, budgetBytes: number): number {
  return Math.min(budgetBytes, Math.ceil(estimate * HEAP_SLACK))
}

export type HeapPlan =
  | { readonly action: 'refuse', readonly estimateBytes: number, readonly budgetBytes: number, readonly largestNodes: number }
  | { readonly action: 'run', readonly estimateBytes: number }
  | { readonly action: 'reexec', readonly estimateBytes: number, readonly heapLimitMiB: number }

/**
 * Refuse when the machine lacks the memory; re-execute with a larger V8 heap when the current one
 * (`currentHeapLimitBytes`, v8.getHeapStatistics().heap_size_limit) is below what the run needs,
 * unless this process already is such a re-execution (then it runs with what it got).
 */
export function planHeap (w: SimWorkload, totalBytes: number, currentHeapLimitBytes: number, reexecuted: boolean): HeapPlan {
  const estimate = estimateBytes(w)
  const budget = memoryBudget(totalBytes)
  if (estimate > budget) return { action: 'refuse', estimateBytes: estimate, budgetBytes: budget, largestNodes: largestNodesThatFit(w, budget) }
  const limit = heapLimitBytes(estimate, budget)
  if (reexecuted || limit <= currentHeapLimitBytes) return { action: 'run', estimateBytes: estimate }
  return { action: 'reexec', estimateBytes: estimate, heapLimitMiB: Math.ceil(limit / 2 ** 20) }
}
