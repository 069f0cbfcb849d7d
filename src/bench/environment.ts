/**
 * What every benchmark report records about where it ran: machine, runtime, package versions and
 * the git commit (STYLE.md #15), so a figure can always be traced to the code and host that made it.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { cpus, totalmem, type as osType, release } from 'node:os'

const ROOT = new URL('../../../', import.meta.url)

function versionOf (pkg: string): string {
  try {
    return JSON.parse(readFileSync(new URL(`node_modules/${pkg}/package.json`, ROOT), 'utf8')).version
  } catch {
    return 'unknown'
  }
}

/** This package's own version. */
export function packageVersion (): string {
  try {
    return JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')).version
  } catch {
    return 'unknown'
  }
}

/** The checked-out commit, with `-dirty` when the work tree has changes; 'unknown' outside git. */
export function gitCommit (): string {
  try {
    const opts = { cwd: ROOT, encoding: 'utf8' as const, stdio: ['ignore', 'pipe', 'ignore'] as Array<'ignore' | 'pipe'> }
    const head = execFileSync('git', ['rev-parse', 'HEAD'], opts).trim()
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], opts).trim() !== ''
    return dirty ? `${head}-dirty` : head
  } catch {
    return 'unknown'
  }
}

export function benchEnvironment (): Record<string, unknown> {
  return {
    date: new Date().toISOString(),
    commit: gitCommit(),
    os: `${osType()} ${release()}`,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryBytes: totalmem(),
    node: process.version,
    overlayNode: packageVersion(),
    dependencyFixes: process.env.OVERLAY_NODE_DEPENDENCY_FIXES === 'off' ? 'off' : 'on',
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
