/**
 * What the libp2p services of our overlays share: the components they take, the Promise form of a
 * protocol's callback API (with latency measured here, where the wall clock may be read), and the
 * export of the runtime's counters as metrics.
 */
import type { StreamRuntime, StreamRuntimeComponents } from './stream-runtime.js'
import type { Metrics } from '@libp2p/interface'

export interface OverlayComponents extends StreamRuntimeComponents {
  metrics?: Metrics
}

/** Runs a callback-style protocol operation as a Promise, timing it. */
export async function timed<T> (operation: (done: (outcome: T) => void) => void): Promise<{ outcome: T, latencyMs: number }> {
  const started = performance.now()
  const outcome = await new Promise<T>(resolve => { operation(resolve) })
  return { outcome, latencyMs: performance.now() - started }
}

/** Registers the runtime's and the protocol's counters as one Prometheus metric group each. */
export function registerOverlayMetrics (metrics: Metrics | undefined, prefix: string, runtime: StreamRuntime<any, any, any>, protocolCounters: () => Record<string, number>): void {
  if (metrics === undefined) return
  metrics.registerCounterGroup(`${prefix}_streams_total`, {
    help: `Streams of the ${prefix} protocol, by outcome`,
    calculate: () => {
      const c = runtime.counters
      return {
        inbound_requests: c.inboundRequests,
        inbound_messages: c.inboundMessages,
        inbound_malformed: c.inboundMalformed,
        inbound_oversize: c.inboundOversize,
        inbound_failed: c.inboundFailed,
        inbound_streams: c.inboundStreams,
        inbound_rate_limited_peer: c.inboundRateLimitedPeer,
        inbound_rate_limited_total: c.inboundRateLimitedTotal,
        inbound_closed_early: c.inboundClosedEarly,
        outbound_requests: c.outboundRequests,
        outbound_streams_opened: c.streamsOpened,
        outbound_frames_on_open_stream: c.framesOnOpenStream,
        outbound_streams_closed_idle: c.streamsClosedIdle,
        outbound_refused: c.outboundRefused,
        outbound_queue_full: c.outboundQueueFull,
        outbound_dropped: c.outboundDropped,
        outbound_late_responses: c.lateResponses,
        outbound_bad_frames: c.outboundBadFrames,
        outbound_refused_by_remote: c.refusedByRemote,
        peer_hints_learned: runtime.peers.counters.hintsLearned,
        peer_hints_over_frame_limit: runtime.peers.counters.hintsOverFrameLimit,
        ...Object.fromEntries(Object.entries(c.outboundFailed).map(([k, v]) => [`outbound_${k}`, v]))
      }
    }
  })
  metrics.registerCounterGroup(`${prefix}_events_total`, {
    help: `Protocol events of ${prefix}`,
    calculate: protocolCounters
  })
}
