/**
 * Bounded polling for tests: wait for a condition instead of sleeping a fixed time.
 */
import { setTimeout as sleep } from 'node:timers/promises'

export interface WaitForOptions {
  /** Give up after this long. @default 10_000 */
  timeoutMs?: number
  /** Time between two checks. @default 50 */
  intervalMs?: number
  /** What is being waited for, for the error message. */
  what?: string
}

/**
 * Calls `check` until it returns something other than `undefined`, `null` or `false`, and
 * returns that. A `check` that throws counts as "not yet"; its last error is reported on timeout.
 */
export async function waitFor<T> (
  check: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  options: WaitForOptions = {}
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 10_000
  const intervalMs = options.intervalMs ?? 50
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  for (;;) {
    try {
      const result = await check()
      if (result !== undefined && result !== null && result !== false) return result
    } catch (err) {
      lastError = err
    }
    if (Date.now() >= deadline) {
      const detail = lastError == null ? '' : `; last error: ${(lastError as Error).message ?? String(lastError)}`
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${options.what ?? 'a condition'}${detail}`)
    }
    await sleep(intervalMs)
  }
}
