/**
 * What every benchmark report records about where it ran: machine, runtime and package versions.
 */
import { readFileSync } from 'node:fs'
import { cpus, totalmem, type as osType, release } from 'node:os'

function versionOf (pkg: string): string {
  try {
    const url = new URL(`../../node_modules/${pkg}/package.json`, import.meta.url)
    return JSON.parse(readFileSync(url, 'utf8')).version
  } catch {
    return 'unknown'
  }
}

export function benchEnvironment (): Record<string, unknown> {
  return {
    date: new Date().toISOString(),
    os: `${osType()} ${release()}`,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryBytes: totalmem(),
    node: process.version,
    packages: Object.fromEntries(['libp2p', '@libp2p/kad-dht', '@libp2p/gossipsub', '@libp2p/tcp', '@chainsafe/libp2p-yamux', '@chainsafe/libp2p-noise'].map(p => [p, versionOf(p)]))
  }
}

/** Reads `--name value` flags; unknown flags are an error, so a typo never runs the wrong benchmark. */
export function benchFlags (argv: string[], known: Record<string, string>): Record<string, string> {
  const out = { ...known }
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i]?.replace(/^--/, '')
    if (name === undefined || !(name in known) || argv[i + 1] === undefined) {
      process.stderr.write(`unknown or incomplete flag '${argv[i]}'; flags: ${Object.keys(known).map(k => `--${k}`).join(' ')}\n`)
      process.exit(2)
    }
    out[name] = argv[i + 1]
  }
  return out
}
