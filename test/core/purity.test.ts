/**
 * The protocol folders (core, dht, chord, pastry, sir) are pure (docs/design.md, "Layers"): time,
 * randomness and timers come in through the port, so none of them reads the clock, calls
 * Math.random, sets a timer, or imports anything but its own layers (no libp2p, no node:*, no
 * npm package). Comments and strings are not code, so they are blanked before the check.
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, normalize, relative } from 'node:path'

const PURE = ['core', 'dht', 'chord', 'pastry', 'sir'] as const
/** What each pure folder may import from (design.md: core <- dht <- {chord, pastry}, core <- sir). */
const MAY_IMPORT: Record<typeof PURE[number], readonly string[]> = {
  core: ['core'],
  dht: ['core', 'dht'],
  chord: ['core', 'dht', 'chord'],
  pastry: ['core', 'dht', 'pastry'],
  sir: ['core', 'sir']
}
const FORBIDDEN: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bDate\s*\.\s*now\b|\bnew\s+Date\b|\bDate\s*\(|\bperformance\s*\.|\bprocess\s*\.\s*hrtime\b/, 'reads the clock'],
  [/\bMath\s*\.\s*random\b|\bcrypto\s*\.\s*getRandomValues\b|\brandomBytes\b/, 'draws randomness outside the injected source'],
  [/\b(setTimeout|setInterval|setImmediate|queueMicrotask|clearTimeout|clearInterval)\b/, 'sets a timer'],
  [/\brequire\s*\(|\bimport\s*\(/, 'loads a module at run time'],
  [/\bprocess\s*\.|\bglobalThis\b/, 'reaches for the process or the global object']
]

/** The code with comments and string contents blanked (import paths are read separately). */
function codeOnly (source: string): string {
  return source
    .replace(/\/\*[\s\S]*?\*\//g, m => m.replace(/[^\n]/g, ' '))
    .replace(/\/\/[^\n]*/g, '')
    .replace(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`/g, m => m[0] + ' '.repeat(m.length - 2) + m[0])
}

/** Why `source` (file `path`, in pure folder `folder` under src/) is impure; empty when it is pure. */
function impurities (path: string, folder: typeof PURE[number], source: string): string[] {
  const problems: string[] = []
  const code = codeOnly(source)
  for (const [pattern, what] of FORBIDDEN) {
    const m = pattern.exec(code)
    if (m !== null) problems.push(`${path}:${code.slice(0, m.index).split('\n').length} ${what} (${m[0].trim()})`)
  }
  for (const m of source.matchAll(/^\s*(?:import|export)\b[^'";]*?\bfrom\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm)) {
    const spec = m[1] ?? m[2]
    if (!spec.startsWith('.')) { problems.push(`${path} imports ${spec}`); continue }
    const target = normalize(join(dirname(path), spec)).split('/')
    const layer = target[target.indexOf('src') + 1]
    if (!MAY_IMPORT[folder].includes(layer)) problems.push(`${path} imports ${spec} (the ${layer} layer)`)
  }
  return problems
}

function files (dir: string): string[] {
  return readdirSync(dir).sort().flatMap(name => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? files(path) : name.endsWith('.ts') ? [path] : []
  })
}

describe('pure protocol folders', () => {
  test('no file in core, dht, chord, pastry or sir reads the clock, draws Math.random, sets a timer or imports libp2p, node:* or a package', () => {
    let checked = 0
    const problems: string[] = []
    for (const folder of PURE) {
      for (const path of files(join('src', folder))) {
        problems.push(...impurities(relative('.', path), folder, readFileSync(path, 'utf8')))
        checked++
      }
    }
    assert.ok(checked > 40, `checked ${checked} files`)
    assert.deepEqual(problems, [])
  })

  test('the check catches each kind, in code but not in comments or strings', () => {
    const bad = [
      ['const t = Date.now()', 'reads the clock'],
      ['const d = new Date()', 'reads the clock'],
      ['const t = performance.now()', 'reads the clock'],
      ['const x = Math.random()', 'draws randomness'],
      ['setTimeout(() => {}, 5)', 'sets a timer'],
      ['const h = setInterval(f, 1)', 'sets a timer'],
      ["const m = await import('./x.js')", 'loads a module'],
      ["import { createLibp2p } from 'libp2p'", 'imports libp2p'],
      ["import type { Stream } from '@libp2p/interface'", 'imports @libp2p/interface'],
      ["import { readFile } from 'node:fs/promises'", 'imports node:fs/promises'],
      ["import { x } from '../libp2p/frames.js'", 'the libp2p layer'],
      ["export { y } from '../pastry/state.js'", 'the pastry layer']
    ]
    for (const [line, why] of bad) {
      const found = impurities('src/chord/x.ts', 'chord', `${line}\n`)
      assert.equal(found.length, 1, `${line}: ${found.join('; ')}`)
      assert.ok(found[0].includes(why), `${line}: ${found[0]}`)
    }
    const fine = "// Date.now() and Math.random are injected\n/** setTimeout lives in the runtime */\nconst s = 'setInterval Date.now()'\nimport { keyId } from '../core/id.js'\nimport type { DhtRecord } from '../dht/messages.js'\n"
    assert.deepEqual(impurities('src/chord/x.ts', 'chord', fine), [])
    assert.deepEqual(impurities('src/sir/x.ts', 'sir', "import { a } from '../dht/record.js'\n").length, 1, 'sir does not import dht')
  })
})
