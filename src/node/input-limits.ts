/**
 * The node's limits on user input, and the one rule that checks keys, values, topics and messages
 * against them: the CLI applies it before any daemon is asked, the API before any overlay is, so
 * every DHT and pubsub refuses the same input with the same words. An over-long input is named by
 * its size, never echoed. Imports nothing that loads a package: the CLI must not load libp2p.
 */
import { MAX_TOPIC_LENGTH } from './backends.js'

/** Largest user key, in UTF-8 bytes. Generous for names and paths; keeps DHT keys small. */
export const MAX_KEY_BYTES = 512

/** Largest value, in bytes. 16 KiB, well inside kad-dht's 4 MiB message cap and one Noise frame per 4 records. */
export const MAX_VALUE_BYTES = 16 * 1024

/** Longest input quoted back in an error message; longer ones are named by their size. */
const MAX_ECHO_CHARS = 64

export type InputKind = 'key' | 'value' | 'topic' | 'message'

/**
 * Most UTF-8 bytes of each kind, and whether it may be empty. Topics are at most MAX_TOPIC_LENGTH
 * bytes: gossipsub counts characters, SIR bytes, so bytes bind both.
 */
const RULES: Record<InputKind, { maxBytes: number, allowEmpty: boolean }> = {
  key: { maxBytes: MAX_KEY_BYTES, allowEmpty: false },
  value: { maxBytes: MAX_VALUE_BYTES, allowEmpty: true },
  topic: { maxBytes: MAX_TOPIC_LENGTH, allowEmpty: false },
  message: { maxBytes: MAX_VALUE_BYTES, allowEmpty: true }
}

const encoder = new TextEncoder()

/** The input itself when short, else its size: error messages stay one readable line. */
export function quote (text: string): string {
  return text.length <= MAX_ECHO_CHARS ? `'${text}'` : `(${encoder.encode(text).byteLength} bytes)`
}

/** Why `text` is refused as a `kind`, or undefined when it is fine. */
export function inputProblem (kind: InputKind, text: string): string | undefined {
  return sizeProblem(kind, encoder.encode(text).byteLength)
}

/** Why an input of `bytes` bytes (a binary value, a file) is refused as a `kind`, or undefined. */
export function sizeProblem (kind: InputKind, bytes: number): string | undefined {
  const { maxBytes, allowEmpty } = RULES[kind]
  if (!allowEmpty && bytes === 0) return `${kind} must not be empty`
  if (bytes > maxBytes) return `${kind} is ${bytes} bytes, over the limit of ${maxBytes}`
  return undefined
}

/** Whether `text` is standard padded base64 (how the API and the CLI take binary values). */
export function isBase64 (text: string): boolean {
  return text.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(text)
}
