#!/usr/bin/env node
/**
 * The `overlay-node` binary: dispatches to one command. Errors end as one line on stderr:
 * exit 2 for a command line that cannot be run, 1 for anything that failed while running.
 */
import '../polyfill.js'
import { parseCommandLine, usage } from './command.js'
import { benchCostCommand } from './commands/bench.js'
import { daemonCommand } from './commands/daemon.js'
import { clientCommands } from './commands/client.js'
import { idCommand, initCommand } from './commands/repo.js'
import { simChordCommand } from './commands/sim.js'
import { simPastryCommand } from './commands/sim-pastry.js'
import { simSirCommand } from './commands/sim-sir.js'
import { testnetCommand } from './commands/testnet.js'
import { UsageError } from './usage-error.js'
import type { Command, CommandContext } from './command.js'

const COMMANDS: Command[] = [initCommand, daemonCommand, idCommand, ...clientCommands, testnetCommand, simChordCommand, simPastryCommand, simSirCommand, benchCostCommand]

function overview (): string {
  const width = Math.max(...COMMANDS.map(c => c.name.length)) + 2
  return [
    'usage: overlay-node <command> [arguments] [flags]',
    '',
    'A libp2p peer running stock Kademlia and GossipSub beside our own overlays.',
    '',
    'commands:',
    ...COMMANDS.map(c => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    "'overlay-node <command> --help' describes a command's arguments and flags."
  ].join('\n')
}

export async function main (argv: string[]): Promise<number> {
  const [name, sub] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(overview())
    return name === undefined ? 2 : 0
  }
  // A command is one word (`put`) or two (`sim chord`).
  const command = COMMANDS.find(c => c.name === name) ?? COMMANDS.find(c => c.name === `${name} ${sub}`)
  if (command === undefined) {
    const family = COMMANDS.filter(c => c.name.startsWith(name + ' ')).map(c => c.name.split(' ')[1])
    if (family.length > 0) throw new UsageError(`'${name}' takes one of: ${family.join(', ')} (got ${sub === undefined ? 'none' : `'${sub}'`})`)
    throw new UsageError(`unknown command '${name}' (see 'overlay-node --help')`)
  }
  const rest = argv.slice(command.name.split(' ').length)
  const { ctx, help } = parseCommandLine(command, rest)
  if (help) {
    console.log(usage(command))
    return 0
  }
  const out = (line: string): void => { process.stdout.write(line + '\n') }
  const full: CommandContext = {
    ...ctx,
    out,
    print: (result, human) => out(ctx.json ? JSON.stringify(result) : typeof human === 'function' ? human() : human)
  }
  return await command.run(full) ?? 0
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code },
  (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err)
    process.stderr.write(`overlay-node: ${message.split('\n')[0]}\n`)
    // Exit now: a failure half-way through a start may leave handles that would keep us alive.
    process.exit(err instanceof UsageError ? 2 : 1)
  }
)
