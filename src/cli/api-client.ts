/**
 * The CLI's side of the control API: finds the daemon's address (`--api` as a multiaddr or a URL,
 * else the repo's api file), sends JSON, and turns every failure into one Error whose message is
 * one line.
 */
import { request } from 'node:http'
import { parseApiAddress, Repo } from '../node/repo.js'
import { UsageError } from './usage-error.js'

/** How long the CLI waits for a reply; DHT operations time out inside the daemon first (30 s). */
const CLIENT_TIMEOUT_MS = 60_000

export class DaemonNotRunningError extends Error {
  override readonly name = 'DaemonNotRunningError'
}

export class ApiCallError extends Error {
  constructor (readonly status: number, message: string, override readonly name = 'ApiCallError') {
    super(message)
  }
}

export async function findApi (repoPath: string, apiOverride?: string): Promise<string> {
  if (apiOverride !== undefined) {
    try {
      return parseApiAddress(apiOverride).url
    } catch (err) {
      throw new UsageError(`--api: ${(err as Error).message}`)
    }
  }
  const repo = new Repo(repoPath)
  const url = await repo.apiAddress()
  if (url === undefined) throw new DaemonNotRunningError(`no daemon is running on repo ${repo.path} (start one with 'overlay-node daemon --repo ${repo.path}')`)
  return url
}

function connectionMessage (url: string, err: NodeJS.ErrnoException): Error {
  if (err.code === 'ECONNREFUSED' || err.code === 'ECONNRESET') {
    return new DaemonNotRunningError(`no daemon answers at ${url} (is it running? a stale api file is left by a daemon that was killed)`)
  }
  return new Error(`cannot reach the daemon at ${url}: ${err.message}`)
}

/** Sends one API call and parses the JSON reply; non-2xx replies become ApiCallError. */
export async function callApi (url: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<any> {
  const payload = body === undefined ? undefined : JSON.stringify(body)
  return await new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, {
      method,
      headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      timeout: CLIENT_TIMEOUT_MS
    }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('error', reject)
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        let parsed: any
        try {
          parsed = JSON.parse(text)
        } catch {
          reject(new Error(`the daemon at ${url} sent a reply that is not JSON (status ${res.statusCode})`))
          return
        }
        if ((res.statusCode ?? 500) >= 400) {
          reject(new ApiCallError(res.statusCode ?? 500, parsed?.error?.message ?? `status ${res.statusCode}`, parsed?.error?.name))
          return
        }
        resolve(parsed)
      })
    })
    req.on('timeout', () => req.destroy(new Error(`the daemon at ${url} did not answer within ${CLIENT_TIMEOUT_MS} ms`)))
    req.on('error', (err: NodeJS.ErrnoException) => reject(err.code !== undefined ? connectionMessage(url, err) : err))
    req.end(payload)
  })
}

/**
 * Opens a streaming call (NDJSON) and calls `onLine` for each object until the stream ends or
 * `signal` aborts. Resolves when the stream is over: 'interrupted' when `signal` ended it,
 * 'closed' when the daemon did (it stopped, or went away).
 */
export async function streamApi (url: string, path: string, body: unknown, onLine: (line: any) => void, signal: AbortSignal): Promise<'interrupted' | 'closed'> {
  const payload = JSON.stringify(body)
  return await new Promise((resolve, reject) => {
    const ended = (): void => { resolve(signal.aborted ? 'interrupted' : 'closed') }
    let responded = false
    const req = request(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      signal
    }, (res) => {
      responded = true
      let buffered = ''
      const status = res.statusCode ?? 500
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        buffered += chunk
        let newline = buffered.indexOf('\n')
        while (newline >= 0 && status < 400) {
          const line = buffered.slice(0, newline)
          buffered = buffered.slice(newline + 1)
          if (line.trim() !== '') onLine(JSON.parse(line))
          newline = buffered.indexOf('\n')
        }
      })
      res.on('end', () => {
        if (status >= 400) {
          let message = `status ${status}`
          try { message = JSON.parse(buffered).error.message } catch {}
          reject(new ApiCallError(status, message))
        } else {
          ended()
        }
      })
      // Once the stream has begun, losing it means the daemon stopped (or we were interrupted).
      res.on('error', ended)
      res.on('aborted', ended)
    })
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (signal.aborted || responded) ended()
      else reject(err.code !== undefined && err.code !== 'ABORT_ERR' ? connectionMessage(url, err) : err)
    })
    req.end(payload)
  })
}
