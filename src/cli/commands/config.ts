/**
 * `overlay-node config`, in Kubo's manner: `config show` prints config.json, `config <key>` one
 * value, `config <key> <value>` sets one (JSON, or else the text as a string; a single address
 * for a list key becomes a list of one; `null` removes the key so its default applies). Values
 * are checked as the daemon would read them, before the file is written; a change applies at the
 * daemon's next start.
 */
import { checkInboundRateLimit, CONFIG_KEYS, parseApiAddress, Repo } from '../../node/repo.js'
import { checkMultiaddr } from '../input-check.js'
import { UsageError } from '../usage-error.js'
import type { RepoConfig } from '../../node/repo.js'
import type { Command } from '../command.js'

const LIST_KEYS = new Set(['listen', 'announce', 'bootstrap'])

function checkKeyName (key: string): keyof RepoConfig {
  if (!Object.hasOwn(CONFIG_KEYS, key)) throw new UsageError(`unknown config key '${key.slice(0, 64)}' (known keys: ${Object.keys(CONFIG_KEYS).join(', ')})`)
  return key as keyof RepoConfig
}

/** The value as the user meant it, checked; undefined removes the key. */
async function parseValue (key: keyof RepoConfig, text: string): Promise<unknown> {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    value = text
  }
  if (value === null) return undefined
  if (LIST_KEYS.has(key) && typeof value === 'string') value = [value]
  const wrong = (): UsageError => new UsageError(`config ${key} takes ${CONFIG_KEYS[key]}, got ${text.length > 64 ? `${text.length} characters` : `'${text}'`}`)
  if (LIST_KEYS.has(key)) {
    if (!Array.isArray(value) || !value.every(v => typeof v === 'string')) throw wrong()
    for (const address of value) await checkMultiaddr(`config ${key}`, address)
  } else if (key === 'api') {
    if (typeof value !== 'string') throw wrong()
    try {
      parseApiAddress(value, { allowAnyPort: true })
    } catch (err) {
      throw new UsageError(`config api: ${(err as Error).message}`)
    }
  } else if (key === 'local') {
    if (typeof value !== 'boolean') throw wrong()
  } else if (key === 'inboundRateLimit') {
    try {
      checkInboundRateLimit(value)
    } catch (err) {
      throw new UsageError(`config inboundRateLimit ${(err as Error).message}`)
    }
  } else {
    throw new UsageError(`config ${key} is read-only`)
  }
  return value
}

export const configCommand: Command = {
  name: 'config',
  args: 'show | <key> [<value>]',
  summary: "Show, read or set the repo's config.json (applies at the daemon's next start).",
  arity: [1, 2],
  json: true,
  options: {},
  help: [
    'show              print the whole config',
    '<key>             print one value',
    '<key> <value>     set it: JSON (\'["/ip4/0.0.0.0/tcp/4001"]\', true), or plain text as a string;',
    '                  one address for listen, announce or bootstrap is a list of one; null removes the key',
    '',
    'keys:',
    ...Object.entries(CONFIG_KEYS).map(([key, what]) => `  ${key.padEnd(16)}${what}`)
  ],
  async run (ctx) {
    const [first, text] = ctx.positionals
    const repo = new Repo(ctx.repo)
    if (first === 'show' && text === undefined) {
      const config = await repo.config()
      ctx.print(config, JSON.stringify(config, null, 2))
      return 0
    }
    const key = checkKeyName(first)
    if (text === undefined) {
      const value = (await repo.config())[key]
      ctx.print({ key, value: value ?? null }, value === undefined ? '(not set: the default applies)' : typeof value === 'string' ? value : JSON.stringify(value))
      return 0
    }
    const value = await parseValue(key, text)
    await repo.setConfig(key, value as RepoConfig[typeof key])
    ctx.print({ key, value: value ?? null }, `${value === undefined ? 'removed' : 'set'} ${key} in ${repo.file('config.json')}; it applies at the daemon's next start`)
    return 0
  }
}
