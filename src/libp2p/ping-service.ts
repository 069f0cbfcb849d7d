/**
 * The stock ping service (`@libp2p/ping`, `/ipfs/ping/1.0.0`) with an answering side that cannot
 * miss the pinger's close (issue 10, item 11). libp2p awaits a peer-store write before it runs an
 * inbound handler; with a LevelDB peer store (every daemon) the pinger's 32 bytes and its close
 * arrive first, and the stock handler, which waits for 'remoteCloseWrite', never hears of the close
 * (that event is not replayed): it holds the stream until its 10 s timeout, and the pinger's next
 * ping finds its one outbound ping stream still open (TooManyOutboundProtocolStreamsError).
 * Measured: 16 of 20 pings 300 ms apart failed against a daemon, 0 against a stock peer. This
 * handler echoes what it reads and closes on 'end' (or `readableEnded`), which libp2p emits after
 * it has delivered the buffered bytes, however late the handler came. Pings we send are the stock
 * service's own.
 */
import { ping as stockPing } from '@libp2p/ping'
import { serviceCapabilities } from '@libp2p/interface'
import type { PingComponents, PingInit, Ping } from '@libp2p/ping'
import type { AbortOptions, DialProtocolOptions, DialTarget, Startable, Stream } from '@libp2p/interface'

/** The stock service's defaults (libp2p ping spec: at most 2 inbound, 1 outbound stream per peer). */
const PING_PROTOCOL_PREFIX = 'ipfs'
const MAX_INBOUND_PING_STREAMS = 2
const MAX_OUTBOUND_PING_STREAMS = 1
/** An inbound ping stream not finished within this long is reset: the stock timeout (10 s). */
const PING_TIMEOUT_MS = 10_000

/** The ping service factory: `services: { ping: ping(init) }`, as `@libp2p/ping`'s. */
export function ping (init: PingInit = {}): (components: PingComponents) => Ping {
  return (components) => new PingService(components, init)
}

class PingService implements Ping, Startable {
  readonly [Symbol.toStringTag] = '@libp2p/ping'
  readonly [serviceCapabilities]: string[] = ['@libp2p/ping']
  private readonly stock: Ping & Partial<Startable>
  private readonly components: PingComponents
  private readonly protocol: string
  private readonly init: PingInit

  constructor (components: PingComponents, init: PingInit) {
    this.components = components
    this.init = init
    this.stock = stockPing(init)(components) as Ping & Partial<Startable>
    this.protocol = `/${init.protocolPrefix ?? PING_PROTOCOL_PREFIX}/ping/1.0.0`
  }

  async start (): Promise<void> {
    // The stock service registers its handler; ours takes its place, with the same stream limits.
    await this.stock.start?.()
    await this.components.registrar.unhandle(this.protocol)
    await this.components.registrar.handle(this.protocol, (stream) => { answerPing(stream, this.init.timeout ?? PING_TIMEOUT_MS) }, {
      maxInboundStreams: this.init.maxInboundStreams ?? MAX_INBOUND_PING_STREAMS,
      maxOutboundStreams: this.init.maxOutboundStreams ?? MAX_OUTBOUND_PING_STREAMS,
      runOnLimitedConnection: this.init.runOnLimitedConnection ?? true
    })
  }

  async stop (): Promise<void> {
    await this.stock.stop?.()
  }

  async ping (peer: DialTarget, options?: DialProtocolOptions & AbortOptions): Promise<number> {
    return await this.stock.ping(peer, options)
  }
}

/** Echoes every byte until the pinger's end, then closes; a stream not done within `timeoutMs` is reset. */
export function answerPing (stream: Stream, timeoutMs: number): void {
  const timer = setTimeout(() => { stream.abort(new Error(`ping not finished within ${timeoutMs} ms`)) }, timeoutMs)
  let closing = false
  const finish = (): void => {
    if (closing) return
    closing = true
    clearTimeout(timer)
    stream.close().catch((err: Error) => { stream.abort(err) })
  }
  stream.addEventListener('message', (event) => {
    if (stream.writeStatus !== 'writable') return
    try {
      stream.send(event.data)
    } catch (err) {
      stream.abort(err as Error)
    }
  })
  stream.addEventListener('end', finish)
  stream.addEventListener('close', () => { clearTimeout(timer) })
  // Adding the 'message' listener queued the buffered bytes for a microtask; after them, an end
  // that came before this handler is seen here.
  queueMicrotask(() => { if (stream.readableEnded) finish() })
}
