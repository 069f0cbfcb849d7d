/**
 * The control API: HTTP on 127.0.0.1 only, JSON in and out (Kubo-like paths under /api/v0/),
 * errors as `{ error: { name, message } }` with a status code, Prometheus text at /metrics.
 * Invariant: a bad request gets an error response and changes nothing; it never stops the daemon.
 * Web pages cannot drive it (as Kubo's API guards itself): a request whose `Origin` is not on the
 * allow list, or whose `Host` is not the API's own loopback address, is refused with 403 before it
 * is routed (a browser sends Origin on every cross-origin POST, and DNS rebinding shows as a
 * foreign Host); every state change is a POST.
 */
import { createServer } from 'node:http'
import { InputError, NetworkError, NotFoundError } from './errors.js'
import { AGENT_NAME, AGENT_VERSION } from './libp2p-options.js'
import { inputProblem, isBase64, sizeProblem } from './input-limits.js'
import { describeSeries } from './metrics-help.js'
import { SIR_MODES, type SirMode } from '../sir/config.js'
import type { InputKind } from './input-limits.js'
import type { OverlayNode } from './overlay-node.js'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** Largest request body: a 16 KiB value plus its key and JSON framing, with room to spare. */
export const MAX_API_BODY_BYTES = 64 * 1024
/** A slow client may take this long to send its request before it is cut off. */
const REQUEST_TIMEOUT_MS = 30_000

export class ApiError extends Error {
  constructor (readonly status: number, message: string, override readonly name = 'ApiError') {
    super(message)
  }
}

export interface ApiServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  close(): Promise<void>
}

export interface ApiServerInit {
  /** Must be a loopback address: the API has no authentication. @default '127.0.0.1' */
  host?: string
  /** @default 5101 */
  port?: number
  /** Called after `POST /api/v0/shutdown` has been answered. */
  onShutdown?: () => void
  /**
   * Browser origins allowed to call the API (e.g. `http://127.0.0.1:3000`); a request with any
   * other `Origin` header is refused. Requests without `Origin` (the CLI, curl) are not browsers'.
   * @default []
   */
  allowOrigins?: string[]
}

type Body = Record<string, unknown>
type Handler = (body: Body, res: ServerResponse) => Promise<unknown>

/** Largest finite k `sir/spreading` takes: at 1000 a peer stops a rumor after ~1000 peers knew it, SI in all but name. */
export const MAX_API_SIR_K = 1000

/** This daemon's wall clock in ms (sub-ms; the `publishedAt`, `receivedAt` and `clock` readings). */
const wallNow = (): number => performance.timeOrigin + performance.now()

const decoder = new TextDecoder('utf-8', { fatal: true })
const encoder = new TextEncoder()

export function isLoopbackHost (host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
}

function field (body: Body, name: string): string {
  const value = body[name]
  if (typeof value !== 'string') throw new InputError(`'${name}' is required and must be a string`)
  return value
}

/** A field checked by the node's one input rule (input-limits.ts), as the CLI checks it. */
function input (body: Body, name: string, kind: InputKind): string {
  const value = field(body, name)
  const problem = inputProblem(kind, value)
  if (problem !== undefined) throw new InputError(problem)
  return value
}

function optionalField (body: Body, name: string, fallback: string): string {
  return body[name] === undefined ? fallback : field(body, name)
}

/** A put's value: `value` as UTF-8 text, or `valueBase64` for binary, never both; within the value limit. */
function valueField (body: Body): Uint8Array {
  if (body.valueBase64 === undefined) return encoder.encode(input(body, 'value', 'value'))
  if (body.value !== undefined) throw new InputError("give 'value' or 'valueBase64', not both")
  const text = field(body, 'valueBase64')
  if (!isBase64(text)) throw new InputError("'valueBase64' is not base64")
  const value = new Uint8Array(Buffer.from(text, 'base64'))
  const problem = sizeProblem('value', value.byteLength)
  if (problem !== undefined) throw new InputError(problem)
  return value
}

/** Whether a put or get is raw (`--raw`: a kad record under any key); only kad has raw records. */
function isRaw (body: Body, dht: string): boolean {
  if (body.raw === undefined || body.raw === false) return false
  if (body.raw !== true) throw new InputError("'raw' must be true or false")
  if (dht !== 'kad') throw new InputError(`raw records are kad-dht's: raw takes dht 'kad', not '${dht}'`)
  return true
}

/** Records one `holdings` page lists at most (and by default). */
export const MAX_HOLDINGS_PAGE = 5000
const DEFAULT_HOLDINGS_PAGE = 1000
/** Where kad-dht keeps its records in the datastore. */
const KAD_RECORD_PREFIX = '/dht/record'
/** Longest `after` cursor: a kad record's datastore key is about 70 characters, a Chord or Pastry key id 64. */
const MAX_HOLDINGS_CURSOR = 200

/**
 * The records this node holds in one DHT, as sorted keys: Chord's and Pastry's key ids (hex) with
 * whether it holds each as owner (`primary`), kad's datastore keys under /dht/record. One page of
 * `limit` after the key `after`; `next` is the cursor for the next page, null after the last.
 */
async function holdings (node: OverlayNode, body: Body): Promise<{ dht: string, records: Array<{ key: string, primary?: boolean }>, next: string | null }> {
  const dht = field(body, 'dht')
  const after = optionalField(body, 'after', '')
  if (after.length > MAX_HOLDINGS_CURSOR) throw new InputError(`'after' is over ${MAX_HOLDINGS_CURSOR} characters`)
  const limit = body.limit === undefined ? DEFAULT_HOLDINGS_PAGE : body.limit
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_HOLDINGS_PAGE) throw new InputError(`'limit' must be an integer from 1 to ${MAX_HOLDINGS_PAGE}`)
  let all: Array<{ key: string, primary?: boolean }>
  if (dht === 'kad') {
    all = []
    for await (const key of node.datastore.queryKeys({ prefix: KAD_RECORD_PREFIX })) all.push({ key: key.toString() })
  } else if (dht === 'chord' || dht === 'pastry') {
    const service = node.libp2p.services[dht]
    if (service === undefined) throw new NotFoundError(`${dht} does not run on this node`)
    all = service.records().map(r => ({ key: r.keyId, primary: r.primary }))
  } else {
    throw new InputError(`'dht' must be kad, chord or pastry, not '${dht.slice(0, 40)}'`)
  }
  const page = all.filter(r => r.key > after).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).slice(0, limit + 1)
  const more = page.length > limit
  return { dht, records: page.slice(0, limit), next: more ? page[limit - 1].key : null }
}

const kJson = (k: number): number | 'inf' => k === Infinity ? 'inf' : k

/** A `sir/spreading` change: `k` (1..MAX_API_SIR_K or 'inf') and/or `mode`; each absent field is left as it is. */
function spreadingField (body: Body): { k?: number, mode?: SirMode } {
  const out: { k?: number, mode?: SirMode } = {}
  for (const name of Object.keys(body)) if (name !== 'k' && name !== 'mode') throw new InputError(`sir/spreading takes 'k' and 'mode', not '${name.slice(0, 40)}'`)
  if (body.k !== undefined) {
    const k = body.k
    if (k === 'inf') out.k = Infinity
    else if (typeof k === 'number' && Number.isFinite(k) && k >= 1 && k <= MAX_API_SIR_K) out.k = k
    else throw new InputError(`'k' must be a number from 1 to ${MAX_API_SIR_K} or 'inf'`)
  }
  if (body.mode !== undefined) {
    if (typeof body.mode !== 'string' || !(SIR_MODES as readonly string[]).includes(body.mode)) throw new InputError(`'mode' must be one of ${SIR_MODES.join(', ')}`)
    out.mode = body.mode as SirMode
  }
  return out
}

/** A value as JSON: UTF-8 text when it is text, base64 otherwise. */
export function valueJson (value: Uint8Array): { value: string } | { valueBase64: string } {
  try {
    return { value: decoder.decode(value) }
  } catch {
    return { valueBase64: Buffer.from(value).toString('base64') }
  }
}

function routes (node: OverlayNode, onShutdown: () => void): Map<string, { method: string, handler: Handler }> {
  const table = new Map<string, { method: string, handler: Handler }>()
  const route = (method: string, path: string, handler: Handler): void => { table.set(path, { method, handler }) }

  route('GET', '/api/v0/id', async () => ({
    peerId: node.peerId.toString(),
    addresses: node.addresses(),
    agentVersion: `${AGENT_NAME}/${AGENT_VERSION}`,
    protocols: node.libp2p.getProtocols()
  }))
  route('GET', '/api/v0/peers', async () => ({ peers: node.peers() }))
  route('POST', '/api/v0/connect', async (body) => node.connect(field(body, 'address')))
  route('POST', '/api/v0/ping', async (body) => {
    const peer = field(body, 'peer')
    const self = node.peerId.toString()
    // libp2p refuses to dial itself; that is the caller's mistake (400), not a network failure.
    if (peer === self || peer.endsWith(`/p2p/${self}`)) throw new InputError(`cannot ping ${self}: it is this node's own peer id`)
    return { peer, rttMs: await node.ping(peer) }
  })
  route('POST', '/api/v0/findpeer', async (body) => node.findPeer(field(body, 'peer')))
  route('POST', '/api/v0/put', async (body) => {
    const dht = optionalField(body, 'dht', 'kad')
    const key = input(body, 'key', 'key')
    if (isRaw(body, dht)) return { dht, raw: true, key, ...await node.kadRaw.put(key, valueField(body)) }
    const result = await node.dht(dht).put(key, valueField(body))
    return { dht, name: key, ...result }
  })
  route('POST', '/api/v0/get', async (body) => {
    const dht = optionalField(body, 'dht', 'kad')
    const key = input(body, 'key', 'key')
    const raw = isRaw(body, dht)
    const { value, ...rest } = raw ? await node.kadRaw.get(key) : await node.dht(dht).get(key)
    return { dht, ...(raw ? { raw } : {}), key, ...valueJson(value), ...rest }
  })
  route('POST', '/api/v0/lookup', async (body) => {
    const dht = optionalField(body, 'dht', 'kad')
    const key = input(body, 'key', 'key')
    return { dht, key, ...await node.dht(dht).lookup(key) }
  })
  route('POST', '/api/v0/publish', async (body) => {
    const via = optionalField(body, 'via', 'gossipsub')
    const topic = input(body, 'topic', 'topic')
    // publishedAt: this daemon's clock as the publish began (a bench maps it onto its own, see /api/v0/clock).
    const publishedAt = wallNow()
    const result = await node.pubsub(via).publish(topic, encoder.encode(input(body, 'message', 'message')))
    return { via, topic, ...result, publishedAt }
  })
  route('POST', '/api/v0/subscribe', async (body, res) => {
    const via = optionalField(body, 'via', 'gossipsub')
    const topic = input(body, 'topic', 'topic')
    const backend = node.pubsub(via)
    // Streams one JSON object per line until the client goes away.
    res.writeHead(200, { 'content-type': 'application/x-ndjson' })
    res.write(JSON.stringify({ subscribed: topic, via }) + '\n')
    const unsubscribe = backend.subscribe(topic, (message) => {
      res.write(JSON.stringify({ topic: message.topic, from: message.from, ...valueJson(message.data), receivedAt: wallNow() }) + '\n')
    })
    await new Promise<void>(resolve => res.on('close', resolve))
    unsubscribe()
    return undefined
  })
  route('POST', '/api/v0/status', async (body) => {
    const overlay = field(body, 'overlay')
    return { overlay, ...node.status(overlay) as object }
  })
  route('POST', '/api/v0/holdings', async (body) => await holdings(node, body))
  route('GET', '/api/v0/clock', async () => ({ wallMs: wallNow() }))
  route('POST', '/api/v0/sir/spreading', async (body) => {
    const sir = node.libp2p.services.sir
    if (sir === undefined) throw new NotFoundError('SIR does not run on this daemon')
    const change = spreadingField(body)
    const previous = sir.spreading()
    if (change.k !== undefined || change.mode !== undefined) sir.reconfigure(change)
    const now = sir.spreading()
    return { k: kJson(now.k), mode: now.mode, previous: { k: kJson(previous.k), mode: previous.mode } }
  })
  route('POST', '/api/v0/shutdown', async (_body, res) => {
    res.on('finish', onShutdown)
    return { stopping: true }
  })
  route('GET', '/metrics', async (_body, res) => {
    describeSeries(node.metricsRegistry)
    const text = await node.metricsRegistry.metrics()
    res.writeHead(200, { 'content-type': node.metricsRegistry.contentType })
    res.end(text)
    return undefined
  })
  return table
}

async function readJson (req: IncomingMessage): Promise<Body> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.byteLength
    if (size > MAX_API_BODY_BYTES) throw new ApiError(413, `request body over ${MAX_API_BODY_BYTES} bytes`, 'PayloadTooLarge')
    chunks.push(chunk)
  }
  if (size === 0) return {}
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch (err) {
    throw new InputError(`request body is not valid JSON: ${(err as Error).message}`)
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new InputError('request body must be a JSON object')
  return parsed as Body
}

/**
 * Refuses what a web page could send: a foreign `Origin`, or a `Host` other than the API's own
 * address (DNS rebinding). `port` is the port the API listens on.
 */
export function checkRequestSource (headers: IncomingMessage['headers'], port: number, allowOrigins: readonly string[]): void {
  const origin = headers.origin
  if (origin !== undefined && !allowOrigins.includes(origin)) {
    throw new ApiError(403, `requests from origin '${origin.slice(0, 100)}' are not allowed`, 'Forbidden')
  }
  const host = headers.host ?? ''
  const allowedHosts = [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]
  if (!allowedHosts.includes(host.toLowerCase())) {
    throw new ApiError(403, `requests for host '${host.slice(0, 100)}' are not allowed (the API answers to ${allowedHosts[0]})`, 'Forbidden')
  }
}

function statusOf (err: unknown): number {
  if (err instanceof ApiError) return err.status
  if (err instanceof InputError) return 400
  if (err instanceof NotFoundError) return 404
  if (err instanceof NetworkError) return 502
  return 500
}

export async function startApiServer (node: OverlayNode, init: ApiServerInit = {}): Promise<ApiServer> {
  const host = init.host ?? '127.0.0.1'
  if (!isLoopbackHost(host)) throw new InputError(`the API listens on loopback only; '${host}' is not a loopback address`)
  const table = routes(node, init.onShutdown ?? (() => {}))
  const allowOrigins = init.allowOrigins ?? []
  const log = node.libp2p.logger.forComponent('overlay:api')

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname
    const entry = table.get(path)
    const respond = async (): Promise<void> => {
      checkRequestSource(req.headers, (server.address() as AddressInfo).port, allowOrigins)
      if (entry === undefined) throw new ApiError(404, `no such endpoint: ${path}`, 'NotFound')
      if (req.method !== entry.method) throw new ApiError(405, `${path} takes ${entry.method}, not ${req.method}`, 'MethodNotAllowed')
      const body = entry.method === 'POST' ? await readJson(req) : {}
      const result = await entry.handler(body, res)
      if (result !== undefined && !res.headersSent) {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(JSON.stringify(result))
      }
    }
    respond().catch((err: unknown) => {
      const status = statusOf(err)
      if (status === 500) log.error('%s %s failed: %e', req.method, path, err)
      if (res.headersSent) {
        res.end()
        return
      }
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ error: { name: (err as Error).name ?? 'Error', message: (err as Error).message ?? String(err) } }))
    })
  })
  server.requestTimeout = REQUEST_TIMEOUT_MS

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(init.port ?? 5101, host, () => {
      server.off('error', reject)
      resolve()
    })
  }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EADDRINUSE') throw new InputError(`API port ${host}:${init.port ?? 5101} is already in use`)
    throw err
  })
  const address = server.address() as AddressInfo
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
    async close () {
      server.closeAllConnections()
      await new Promise<void>(resolve => server.close(() => resolve()))
    }
  }
}
