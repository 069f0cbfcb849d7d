/**
 * The worker processes a bench suite started, found in its progress output, and whether they are
 * gone: the suites' tests check that no worker outlives the command.
 */
import { readFileSync } from 'node:fs'

const WORKER_LINE = /worker \d+ started \(pid (\d+)\)/g

/** The pids of the workers a suite said it started. */
export const workerPids = (stderr: string): number[] => [...stderr.matchAll(WORKER_LINE)].map(m => Number(m[1]))

/** Whether a process runs (a zombie waiting to be reaped has ended). */
export function alive (pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z'
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false
  }
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Polls until no pid runs, for at most `timeoutMs`; returns those still running. */
export async function gone (pids: number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs
  let left = pids.filter(alive)
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise(resolve => setTimeout(resolve, 100))
    left = left.filter(alive)
  }
  return left
}
