/**
 * The one place the CLI checks what a user typed before any daemon is asked: DHT and pubsub
 * names, keys, values, topics, messages, multiaddrs and peers. The limits mirror the node's
 * (input-limits.ts, backends.ts), so every DHT and pubsub refuses the same input with the same
 * message; an over-long input is named by its size and never echoed whole. Every failure is a
 * UsageError (exit 2).
 */
import { MAX_TOPIC_LENGTH } from '../node/backends.js'
import { MAX_KEY_BYTES, MAX_VALUE_BYTES } from '../node/input-limits.js'
import { UsageError } from './usage-error.js'

export const DHT_NAMES = ['kad', 'chord', 'pastry'] as const
export const PUBSUB_NAMES = ['gossipsub', 'sir'] as const

/** Longest input quoted back in an error message; longer ones are named by their size. */
const MAX_ECHO_CHARS = 64

const encoder = new TextEncoder()

/** The input itself when short, else its size: error messages stay one readable line. */
export function quote (text: string): string {
  return text.length <= MAX_ECHO_CHARS ? `'${text}'` : `(${encoder.encode(text).byteLength} bytes)`
}

export function checkName<T extends string> (flag: string, value: string, names: readonly T[]): T {
  if (!(names as readonly string[]).includes(value)) throw new UsageError(`unknown --${flag} ${quote(value)} (known: ${names.join(', ')})`)
  return value as T
}

/** A non-empty UTF-8 text of at most `maxBytes` bytes; `what` names it (key, topic…). */
function checkText (what: string, text: string, maxBytes: number, allowEmpty: boolean): void {
  if (!allowEmpty && text.length === 0) throw new UsageError(`${what} must not be empty`)
  const bytes = encoder.encode(text).byteLength
  if (bytes > maxBytes) throw new UsageError(`${what} is ${bytes} bytes, over the limit of ${maxBytes}`)
}

export const checkKey = (key: string): void => { checkText('key', key, MAX_KEY_BYTES, false) }
export const checkValue = (value: string): void => { checkText('value', value, MAX_VALUE_BYTES, true) }
/** Topics are at most MAX_TOPIC_LENGTH UTF-8 bytes: gossipsub counts characters, SIR bytes, so bytes bind both. */
export const checkTopic = (topic: string): void => { checkText('topic', topic, MAX_TOPIC_LENGTH, false) }
export const checkMessage = (message: string): void => { checkText('message', message, MAX_VALUE_BYTES, true) }

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
