/**
 * Runs the built `overlay-node` binary in child processes for end-to-end tests. Every process a
 * test starts is registered and killed by `killAll()` (call it in `after`), whatever happened.
 */
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ChildProcess } from 'node:child_process'

export const BINARY = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url))

const running = new Set<ChildProcess>()

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

/** A fresh HOME-like folder for repos; removed by the returned cleanup. */
export async function tempDir (prefix = 'overlay-test-'): Promise<{ path: string, remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix))
  return { path, remove: async () => { await rm(path, { recursive: true, force: true }) } }
}

/** Runs one command to completion (bounded by timeoutMs: then it is killed and the test fails). */
export async function runCli (args: string[], timeoutMs = 30_000): Promise<CliResult> {
  const child = spawn(process.execPath, [BINARY, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  running.add(child)
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d })
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d })
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  const code = await new Promise<number | null>(resolve => child.on('close', resolve))
  clearTimeout(timer)
  running.delete(child)
  return { code, stdout, stderr }
}

export interface DaemonProcess {
  process: ChildProcess
  info: { peerId: string, addresses: string[], api: string, repo: string }
  /** Everything the daemon printed so far. */
  output(): string
  /** SIGTERM, wait for exit (SIGKILL after timeoutMs); resolves to the exit code. */
  stop(timeoutMs?: number): Promise<number | null>
}

/** Starts `overlay-node daemon --json ...` and waits for its ready line. */
export async function startDaemonProcess (args: string[], timeoutMs = 20_000): Promise<DaemonProcess> {
  const child = spawn(process.execPath, [BINARY, 'daemon', '--json', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  running.add(child)
  let out = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d })
  child.stderr.setEncoding('utf8').on('data', (d: string) => { out += d })
  const exited = new Promise<number | null>(resolve => child.on('close', (code) => { running.delete(child); resolve(code) }))
  const info = await new Promise<DaemonProcess['info']>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`daemon not ready within ${timeoutMs} ms: ${out}`)), timeoutMs)
    const check = (): void => {
      const line = out.split('\n').find(l => l.startsWith('{'))
      if (line !== undefined) {
        clearTimeout(timer)
        resolve(JSON.parse(line))
      }
    }
    child.stdout.on('data', check)
    void exited.then((code) => { clearTimeout(timer); reject(new Error(`daemon exited with ${code} before it was ready: ${out}`)) })
  })
  return {
    process: child,
    info,
    output: () => out,
    async stop (stopTimeoutMs = 15_000) {
      if (child.exitCode !== null) return child.exitCode
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs)
      const code = await exited
      clearTimeout(timer)
      return code
    }
  }
}

/** Kills every process still running (for `after` hooks). */
export function killAll (): void {
  for (const child of running) child.kill('SIGKILL')
  running.clear()
}
