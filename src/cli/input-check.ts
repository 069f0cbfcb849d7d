/**
 * The one place the CLI checks what a user typed before any daemon is asked: DHT and pubsub
 * names, keys (raw kad keys too), values (value files too), topics, messages, multiaddrs and peers. Keys, values, topics and messages
 * go through the node's own rule (src/node/input-limits.ts), which the API applies too, so every
 * DHT and pubsub refuses the same input with the same words. Every failure is a UsageError (exit 2).
 */
import { open } from 'node:fs/promises'
import { inputProblem, MAX_VALUE_BYTES, quote, sizeProblem } from '../node/input-limits.js'
import { UsageError } from './usage-error.js'
import type { InputKind } from '../node/input-limits.js'

export const DHT_NAMES = ['kad', 'chord', 'pastry'] as const
export const PUBSUB_NAMES = ['gossipsub', 'sir'] as const

export function checkName<T extends string> (flag: string, value: string, names: readonly T[]): T {
  if (!(names as readonly string[]).includes(value)) throw new UsageError(`unknown --${flag} ${quote(value)} (known: ${names.join(', ')})`)
  return value as T
}

function check (kind: InputKind, text: string): void {
  const problem = inputProblem(kind, text)
  if (problem !== undefined) throw new UsageError(problem)
}

export const checkKey = (key: string): void => { check('key', key) }
export const checkValue = (value: string): void => { check('value', value) }
export const checkTopic = (topic: string): void => { check('topic', topic) }
export const checkMessage = (message: string): void => { check('message', message) }

/** A binary value of `bytes` bytes against the value limit. */
export function checkValueBytes (bytes: number): void {
  const problem = sizeProblem('value', bytes)
  if (problem !== undefined) throw new UsageError(problem)
}

/**
 * A value file's bytes. Reads at most one byte past the limit, so a huge file (or a device) costs
 * nothing; a file that cannot be read is named with the reason.
 */
export async function readValueFile (path: string): Promise<Uint8Array> {
  let file
  try {
    file = await open(path, 'r')
  } catch (err) {
    throw new UsageError(`--value-file: cannot read ${quote(path)} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`)
  }
  try {
    const buffer = new Uint8Array(MAX_VALUE_BYTES + 1)
    let length = 0
    for (;;) {
      const { bytesRead } = await file.read(buffer, length, buffer.length - length)
      if (bytesRead === 0) break
      length += bytesRead
      if (length === buffer.length) throw new UsageError(`--value-file: ${quote(path)} is over the value limit of ${MAX_VALUE_BYTES} bytes`)
    }
    return buffer.slice(0, length)
  } catch (err) {
    if (err instanceof UsageError) throw err
    throw new UsageError(`--value-file: cannot read ${quote(path)} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`)
  } finally {
    await file.close()
  }
}

/** A raw kad key (src/node/kad-raw-keys.ts, loaded only here: it loads the peer id code). */
export async function checkRawKey (key: string): Promise<void> {
  const { rawKadKey } = await import('../node/kad-raw-keys.js')
  try {
    rawKadKey(key)
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
}

/** A peer id (not a multiaddr), as `findpeer` takes it. */
export async function checkPeerId (text: string): Promise<void> {
  const { peerIdFromString } = await import('@libp2p/peer-id')
  try {
    peerIdFromString(text)
  } catch {
    throw new UsageError(`${quote(text)} is not a peer id`)
  }
}

/** Parses a multiaddr (loading the multiaddr code only when one is given); `what` names the flag or argument. */
export async function checkMultiaddr (what: string, text: string): Promise<void> {
  const { multiaddr } = await import('@multiformats/multiaddr')
  try {
    multiaddr(text)
  } catch (err) {
    throw new UsageError(`${what}: malformed multiaddr ${quote(text)} (${(err as Error).message.split('\n')[0]})`)
  }
}

/** The peer id a multiaddr names in its last /p2p/ component. */
export const peerIdInMultiaddr = (text: string): string | undefined => /\/p2p\/([^/]+)\/?$/.exec(text)?.[1]

/** A peer as `ping` takes it: a peer id or a multiaddr. */
export async function checkPeer (text: string): Promise<void> {
  if (text.startsWith('/')) {
    await checkMultiaddr('peer', text)
    return
  }
  const { peerIdFromString } = await import('@libp2p/peer-id')
  try {
    peerIdFromString(text)
  } catch {
    throw new UsageError(`${quote(text)} is neither a peer id nor a multiaddr`)
  }
}
