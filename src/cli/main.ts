#!/usr/bin/env node
/**
 * The `overlay-node` binary: dispatches to one command. Errors end as one line on stderr, or with
 * `--json` as `{"error": {name, message}}` on stdout: exit 2 for a command line that cannot be
 * run (also when the daemon refuses the input as bad), 1 for anything that failed while running.
 * Only command descriptors load here; each command imports what it runs, so `--help` and
 * `--version` never wait for libp2p.
 */
import '../polyfill.js'
import { ApiCallError } from './api-client.js'
import { parseCommandLine, usage } from './command.js'
import { BENCH_FAMILY_NOTE, benchAllCommand, benchChurnCommand, benchCostCommand, benchDhtCommand, benchGossipCommand } from './commands/bench.js'
import { clientCommands } from './commands/client.js'
import { configCommand } from './commands/config.js'
import { daemonCommand } from './commands/daemon.js'
import { idCommand, initCommand } from './commands/repo.js'
import { p2pdCommand } from '../p2pd/command.js'
import { simChordCommand } from './commands/sim.js'
import { simPastryCommand } from './commands/sim-pastry.js'
import { simSirCommand } from './commands/sim-sir.js'
import { testnetCommand } from './commands/testnet.js'
import { versionCommand } from './commands/version.js'
import { UsageError } from './usage-error.js'
import type { Command, CommandContext } from './command.js'

const COMMANDS: Command[] = [initCommand, daemonCommand, idCommand, configCommand, ...clientCommands, testnetCommand, p2pdCommand, simChordCommand, simPastryCommand, simSirCommand, benchCostCommand, benchDhtCommand, benchGossipCommand, benchChurnCommand, benchAllCommand, versionCommand]

/** HTTP 400 from the API: the daemon judged the input wrong, as the CLI would have. */
const BAD_REQUEST = 400

function listing (commands: Command[]): string[] {
  const width = Math.max(...commands.map(c => c.name.length)) + 2
  return commands.map(c => `  ${c.name.padEnd(width)}${c.summary}`)
}

function overview (): string {
  return [
    'usage: overlay-node <command> [arguments] [flags]',
    '',
    'A libp2p peer running stock Kademlia and GossipSub beside our own overlays.',
    '',
    'commands:',
    ...listing(COMMANDS),
    '',
    "'overlay-node help <command>' or 'overlay-node <command> --help' describes a command's arguments and flags;",
    "'overlay-node --version' prints the versions."
  ].join('\n')
}

/** The commands whose name starts with `family` (`status`, `sim`, `bench`). */
const familyOf = (family: string): Command[] => COMMANDS.filter(c => c.name.startsWith(family + ' '))

function familyHelp (family: string, members: Command[]): string {
  return [
    `usage: overlay-node ${family} <${members.map(c => c.name.split(' ')[1]).join('|')}> [flags]`,
    '',
    ...listing(members),
    '',
    ...(family === 'bench' ? [...BENCH_FAMILY_NOTE, ''] : []),
    `'overlay-node ${family} <name> --help' describes one.`
  ].join('\n')
}

/** The command named by the first one or two words of argv, or the help text to print instead. */
function resolve (argv: string[]): { command: Command, rest: string[] } | { help: string } {
  const [name, sub] = argv
  const command = COMMANDS.find(c => c.name === name) ?? COMMANDS.find(c => c.name === `${name} ${sub}`)
  if (command !== undefined) return { command, rest: argv.slice(command.name.split(' ').length) }
  const family = familyOf(name)
  if (family.length === 0) throw new UsageError(`unknown command '${name.slice(0, 64)}' (see 'overlay-node --help')`)
  if (sub === '--help' || sub === '-h') return { help: familyHelp(name, family) }
  throw new UsageError(`'${name}' takes one of: ${family.map(c => c.name.split(' ')[1]).join(', ')} (got ${sub === undefined ? 'none' : `'${sub.slice(0, 64)}'`}; see 'overlay-node ${name} --help')`)
}

function helpFor (words: string[]): string {
  if (words.length === 0) return overview()
  const found = resolve([...words.slice(0, 2), '--help'])
  return 'help' in found ? found.help : usage(found.command)
}

export async function main (argv: string[], out: (line: string) => void): Promise<number> {
  const [name] = argv
  if (name === undefined) {
    out(overview())
    return 2
  }
  if (name === '--help' || name === '-h') {
    out(overview())
    return 0
  }
  if (name === 'help') {
    out(helpFor(argv.slice(1)))
    return 0
  }
  const found = resolve(name === '--version' ? ['version', ...argv.slice(1)] : argv)
  if ('help' in found) {
    out(found.help)
    return 0
  }
  const { command, rest } = found
  const { ctx, help } = parseCommandLine(command, rest)
  if (help) {
    out(usage(command))
    return 0
  }
  const full: CommandContext = {
    ...ctx,
    out,
    print: (result, human) => out(ctx.json ? JSON.stringify(result) : typeof human === 'function' ? human() : human)
  }
  return await command.run(full) ?? 0
}

/** Whether the command line asks for JSON, judged without parsing it (it may not parse). */
function wantsJson (argv: string[]): boolean {
  const command = COMMANDS.find(c => c.name === argv[0]) ?? COMMANDS.find(c => c.name === `${argv[0]} ${argv[1]}`)
  const rest = command?.rewriteArgs?.(argv, () => {}) ?? argv
  return rest.includes('--json')
}

const argv = process.argv.slice(2)
main(argv, (line) => { process.stdout.write(line + '\n') }).then(
  (code) => { process.exitCode = code },
  (err: unknown) => {
    const usageError = err instanceof UsageError || (err instanceof ApiCallError && err.status === BAD_REQUEST)
    const name = err instanceof Error ? err.name : 'Error'
    const message = (err instanceof Error ? err.message : String(err)).split('\n')[0]
    if (wantsJson(argv)) process.stdout.write(JSON.stringify({ error: { name, message } }) + '\n')
    else process.stderr.write(`overlay-node: ${message}\n`)
    // Exit now: a failure half-way through a start may leave handles that would keep us alive.
    process.exit(usageError ? 2 : 1)
  }
)
