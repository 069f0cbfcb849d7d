#!/usr/bin/env node
/**
 * The cost benchmark's worker process: one configuration in a process of its own, so that its RSS
 * is its own. Arguments: name, overlays (comma-separated, or '-' for none), nodes, settle ms,
 * window ms. Prints one JSON line (a CostSample) on stdout; progress goes to stderr.
 */
import '../polyfill.js'
import { measureCost } from './cost-measure.js'
import { OVERLAY_NAMES } from '../node/libp2p-options.js'
import type { OverlayName } from '../node/libp2p-options.js'

function parseArgv (argv: string[]): { name: string, overlays: OverlayName[], nodes: number, settleMs: number, windowMs: number } {
  const [name, overlayList, nodes, settleMs, windowMs] = argv
  const overlays = overlayList === '-' ? [] : (overlayList ?? '').split(',')
  for (const o of overlays) if (!(OVERLAY_NAMES as readonly string[]).includes(o)) throw new Error(`unknown overlay '${o}'`)
  const numbers = [Number(nodes), Number(settleMs), Number(windowMs)]
  if (name === undefined || !numbers.every(x => Number.isSafeInteger(x) && x >= 0)) throw new Error('usage: cost-worker NAME OVERLAYS NODES SETTLE_MS WINDOW_MS')
  return { name, overlays: overlays as OverlayName[], nodes: numbers[0], settleMs: numbers[1], windowMs: numbers[2] }
}

const args = parseArgv(process.argv.slice(2))
measureCost(args.name, args.overlays, args.nodes, args.settleMs, args.windowMs, line => { process.stderr.write(line + '\n') }).then(
  (sample) => { process.stdout.write(JSON.stringify(sample) + '\n'); process.exit(0) },
  (err: unknown) => { process.stderr.write(`cost worker failed: ${(err as Error).stack ?? String(err)}\n`); process.exit(1) }
)
