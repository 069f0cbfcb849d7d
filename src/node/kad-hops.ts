/**
 * Derives the hop count of a stock kad-dht lookup from its query events.
 * A peer taken from our own routing table is 1 hop away; a peer first learned from the
 * response of a peer at depth d is at depth d + 1. The hop count of a get is the smallest
 * depth of a remote peer that returned the value, or 0 when only the local store had it.
 * (kad-dht reports a single VALUE event, the selected one, which is often the local copy, so
 * remote holders are read from the PEER_RESPONSE events that carry a record.)
 */
import type { QueryEvent } from '@libp2p/kad-dht'

export interface KadHopCounter {
  /** Feeds one query event, in the order kad-dht yielded it. */
  observe(event: QueryEvent): void
  /** Least depth of a remote peer that returned a value; 0 if only the local store did; else undefined. */
  readonly valueHops: number | undefined
  /** Deepest depth reached by any query sent. */
  readonly maxDepth: number
  /** Number of peers a query was sent to. */
  readonly queried: number
  /** Depth at which `peer` was first seen (1 for a peer from our own routing table). */
  depthOf(peer: string): number
}

export function createKadHopCounter (selfPeerId: string): KadHopCounter {
  const depth = new Map<string, number>()
  let remoteValueHops: number | undefined
  let localValue = false
  let maxDepth = 0
  let queried = 0

  const depthOf = (peer: string): number => depth.get(peer) ?? 1

  return {
    observe (event) {
      switch (event.name) {
        case 'SEND_QUERY': {
          const to = event.to.toString()
          const d = depthOf(to)
          depth.set(to, d)
          maxDepth = Math.max(maxDepth, d)
          queried++
          break
        }
        case 'PEER_RESPONSE': {
          const from = event.from.toString()
          if (event.record != null) remoteValueHops = Math.min(remoteValueHops ?? Infinity, depthOf(from))
          const next = depthOf(from) + 1
          for (const peer of event.closer) {
            const id = peer.id.toString()
            if (!depth.has(id)) depth.set(id, next)
          }
          break
        }
        case 'VALUE': {
          const from = event.from.toString()
          if (from === selfPeerId) localValue = true
          else remoteValueHops = Math.min(remoteValueHops ?? Infinity, depthOf(from))
          break
        }
        default:
          break
      }
    },
    get valueHops () { return remoteValueHops ?? (localValue ? 0 : undefined) },
    get maxDepth () { return maxDepth },
    get queried () { return queried },
    depthOf
  }
}
