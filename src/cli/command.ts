/**
 * One CLI command: its flags (util.parseArgs, strict), its positional arguments, and what it does.
 * Every command takes `--help` and `--repo`; those that print data also take `--json`. A command
 * descriptor loads nothing heavy: `run` imports what it needs, so `--help` answers at once.
 */
import { parseArgs } from 'node:util'
import { defaultRepoPath } from '../node/repo.js'
import { UsageError } from './usage-error.js'
import type { ParseArgsConfig } from 'node:util'

export type Options = NonNullable<ParseArgsConfig['options']>

export interface CommandContext {
  /** Parsed flags (strings, booleans and string arrays as declared). */
  flags: Record<string, string | boolean | string[] | undefined>
  positionals: string[]
  repo: string
  json: boolean
  /** Prints a result: the object as JSON with --json, else the human text. */
  print(result: unknown, human: string | (() => string)): void
  out: (line: string) => void
}

export interface Command {
  name: string
  /** e.g. '<key> <value>' */
  args: string
  summary: string
  /** Positional argument count: [min, max]. */
  arity: [number, number]
  options: Options
  /** Lines of flag help, e.g. '--dht NAME   kad (default)'. */
  help: string[]
  /** Whether the command prints data (and so takes --json). */
  json: boolean
  /** Rewrites a deprecated spelling before parsing (e.g. `sim --json FILE`), warning through `warn`. */
  rewriteArgs?: (argv: string[], warn: (line: string) => void) => string[]
  run(ctx: CommandContext): Promise<number | undefined>
}

/** The control API flag that every command reaching a daemon takes, in either form. */
export const API_OPTION: Options = { api: { type: 'string' } }
export const API_HELP = '--api ADDR        the daemon API: /ip4/127.0.0.1/tcp/5101 or http://127.0.0.1:5101 (default: from the repo)'

const COMMON: Options = {
  help: { type: 'boolean', short: 'h' },
  repo: { type: 'string' }
}

export function usage (command: Command): string {
  const lines = [
    `usage: overlay-node ${command.name}${command.args === '' ? '' : ' ' + command.args} [flags]`,
    '',
    command.summary,
    '',
    'flags:',
    ...command.help.map(line => '  ' + line),
    '  --repo DIR        the repo folder (default: $OVERLAY_NODE_REPO or ~/.overlay-node)',
    ...(command.json ? ['  --json            print the result as JSON'] : []),
    '  --help            this text'
  ]
  return lines.join('\n')
}

export function parseCommandLine (command: Command, argv: string[], warn = (line: string): void => { process.stderr.write(line + '\n') }): { ctx: Omit<CommandContext, 'print' | 'out'>, help: boolean } {
  let parsed
  try {
    parsed = parseArgs({
      args: command.rewriteArgs?.(argv, warn) ?? argv,
      options: { ...COMMON, ...(command.json ? { json: { type: 'boolean' } } : {}), ...command.options },
      allowPositionals: true,
      strict: true
    })
  } catch (err) {
    throw new UsageError(`${command.name}: ${(err as Error).message.split('\n')[0].replace(/\. To specify .*/, '')}`)
  }
  const positionals = parsed.positionals
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>
  const help = values.help === true
  const [min, max] = command.arity
  if (!help && (positionals.length < min || positionals.length > max)) {
    throw new UsageError(`${command.name} takes ${command.args === '' ? 'no arguments' : command.args}, got ${positionals.length === 0 ? 'none' : `'${positionals.join(' ')}'`} (see 'overlay-node ${command.name} --help')`)
  }
  return {
    help,
    ctx: {
      flags: values,
      positionals,
      repo: typeof values.repo === 'string' ? values.repo : defaultRepoPath(),
      json: values.json === true
    }
  }
}

/** Reads a flag that must be a positive integer within [min, max]. */
export function intFlag (ctx: Pick<CommandContext, 'flags'>, name: string, fallback: number, min: number, max: number): number {
  const raw = ctx.flags[name]
  if (raw === undefined) return fallback
  const value = Number(raw)
  if (typeof raw !== 'string' || !/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got '${String(raw)}'`)
  }
  return value
}

export function stringFlag (ctx: Pick<CommandContext, 'flags'>, name: string): string | undefined {
  const raw = ctx.flags[name]
  return typeof raw === 'string' ? raw : undefined
}

export function listFlag (ctx: Pick<CommandContext, 'flags'>, name: string): string[] | undefined {
  const raw = ctx.flags[name]
  return Array.isArray(raw) ? raw : undefined
}

/** A flag whose value must be one of `choices`. */
export function choiceFlag<T extends string> (ctx: Pick<CommandContext, 'flags'>, name: string, choices: readonly T[], fallback: T): T {
  const raw = stringFlag(ctx, name) ?? fallback
  if (!(choices as readonly string[]).includes(raw)) {
    throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got '${raw}'`)
  }
  return raw as T
}
