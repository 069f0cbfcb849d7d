/**
 * Test-side handle on a stock peer running in a child process: a script of the JSON-lines
 * protocol (peer-child.ts), today stock-peer.ts with libp2p 1.x or 2.x.
 * Spawns `node --import <polyfill> <script>`, speaks its JSON-lines protocol, and makes
 * sure the process is gone after `stop()` (graceful first, SIGKILL after a grace period).
 * Only strings (peer ids, multiaddrs, base64/utf-8 data) cross the process boundary.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const POLYFILL = fileURLToPath(new URL('../../src/polyfill.js', import.meta.url))

export interface V2Ready {
  peerId: string
  addrs: string[]
  protocols: string[]
  agentVersion: string
  libp2pVersion: string
}

export interface V2Connection {
  remotePeer: string
  remoteAddr: string
  direction: 'inbound' | 'outbound'
  encryption?: string
  multiplexer?: string
  status: string
}

export interface V2PeerInfo {
  agentVersion: string | null
  protocolVersion: string | null
  protocols: string[]
  addrs: string[]
}

export interface V2Message {
  topic: string
  data: string
  from: string | null
}

interface Pending {
  resolve: (value: any) => void
  reject: (err: Error) => void
  timer: NodeJS.Timeout
}

export class V2PeerProcess {
  readonly ready: V2Ready
  readonly messages: V2Message[] = []
  private readonly child: ChildProcessWithoutNullStreams
  private readonly pending = new Map<number, Pending>()
  private readonly stderrTail: string[]
  private nextId = 1
  private exited = false

  private constructor (child: ChildProcessWithoutNullStreams, ready: V2Ready, stderrTail: string[]) {
    this.child = child
    this.ready = ready
    this.stderrTail = stderrTail
  }

  get peerId (): string { return this.ready.peerId }

  /** Starts the peer script (with `args`) and resolves once it listens. */
  static async start (opts: { script: string, agent?: string, timeoutMs?: number, args?: string[] }): Promise<V2PeerProcess> {
    const args = ['--import', POLYFILL, opts.script, ...(opts.args ?? [])]
    if (opts.agent != null) args.push('--agent', opts.agent)
    const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] })
    const stderrTail: string[] = []
    child.stderr.setEncoding('utf8')
    child.stderr.on('data', (chunk: string) => {
      stderrTail.push(chunk)
      if (stderrTail.length > 50) stderrTail.shift()
    })

    let peer: V2PeerProcess | undefined
    const lines = createInterface({ input: child.stdout })
    const ready = new Promise<V2Ready>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`v2 peer did not start within ${opts.timeoutMs ?? 15_000} ms: ${stderrTail.join('')}`))
      }, opts.timeoutMs ?? 15_000)
      child.once('exit', (code, signal) => {
        clearTimeout(timer)
        reject(new Error(`v2 peer exited before ready (code ${code}, signal ${signal}): ${stderrTail.join('')}`))
      })
      child.once('error', (err) => { clearTimeout(timer); reject(err) })
      lines.on('line', (line) => {
        let msg: any
        try {
          msg = JSON.parse(line)
        } catch {
          stderrTail.push(`[stdout] ${line}\n`)
          return
        }
        if (msg.type === 'ready') {
          clearTimeout(timer)
          resolve(msg as V2Ready)
        } else {
          peer?.onLine(msg)
        }
      })
    })
    try {
      peer = new V2PeerProcess(child, await ready, stderrTail)
    } catch (err) {
      child.kill('SIGKILL')
      throw err
    }
    child.on('exit', () => { peer?.onExit() })
    return peer
  }

  private onLine (msg: any): void {
    if (msg.type === 'message') {
      this.messages.push({ topic: msg.topic, data: msg.data, from: msg.from })
      return
    }
    if (msg.type === 'result') {
      const p = this.pending.get(msg.id)
      if (p == null) return
      this.pending.delete(msg.id)
      clearTimeout(p.timer)
      if (msg.ok === true) p.resolve(msg.value)
      else p.reject(new Error(`v2 peer: ${msg.error}`))
    }
  }

  private onExit (): void {
    this.exited = true
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer)
      p.reject(new Error(`v2 peer exited while op ${id} was pending: ${this.stderrTail.join('')}`))
    }
    this.pending.clear()
  }

  /** Sends one op to the 2.x peer and resolves with its result. */
  async call<T = unknown> (op: string, args: Record<string, unknown> = {}, timeoutMs = 15_000): Promise<T> {
    if (this.exited) throw new Error('v2 peer has exited')
    const id = this.nextId++
    return await new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        reject(new Error(`v2 peer op ${op} timed out after ${timeoutMs} ms`))
      }, timeoutMs)
      this.pending.set(id, { resolve, reject, timer })
      this.child.stdin.write(JSON.stringify({ ...args, id, op }) + '\n')
    })
  }

  dial (addr: string): Promise<V2Connection> { return this.call('dial', { addr }) }
  connections (peer?: string): Promise<V2Connection[]> { return this.call('connections', { peer }) }
  peerInfo (peer: string): Promise<V2PeerInfo> { return this.call('peerInfo', { peer }) }
  ping (peer: string): Promise<number> { return this.call('ping', { peer }) }
  routingTableSize (): Promise<number> { return this.call('routingTableSize') }
  kadPut (key: string, value: Uint8Array): Promise<{ key: string, storedOn: string[] }> {
    return this.call('kadPut', { key, value: Buffer.from(value).toString('base64') })
  }

  async kadGet (key: string): Promise<{ value: Uint8Array, answeredBy: string[] }> {
    const res = await this.call<{ value: string, answeredBy: string[] }>('kadGet', { key })
    return { value: new Uint8Array(Buffer.from(res.value, 'base64')), answeredBy: res.answeredBy }
  }

  subscribe (topic: string): Promise<null> { return this.call('subscribe', { topic }) }
  subscribers (topic: string): Promise<string[]> { return this.call('subscribers', { topic }) }
  publish (topic: string, data: string): Promise<{ recipients: string[] }> { return this.call('publish', { topic, data }) }

  /** Recent stderr of the child (libp2p debug logs when DEBUG is set), for failure messages. */
  stderr (): string { return this.stderrTail.join('') }

  /** Stops libp2p in the child and waits for the process to exit; SIGKILL after `graceMs`. */
  async stop (graceMs = 5000): Promise<void> {
    if (this.exited || this.child.exitCode !== null || this.child.signalCode !== null) return
    const exited = once(this.child, 'exit')
    try {
      this.child.stdin.write(JSON.stringify({ id: 0, op: 'stop' }) + '\n')
      this.child.stdin.end()
    } catch {}
    const timer = setTimeout(() => { this.child.kill('SIGKILL') }, graceMs)
    try {
      await exited
    } finally {
      clearTimeout(timer)
    }
  }
}
