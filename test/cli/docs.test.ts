/**
 * The README and the design page stay true (issue 12, item 21): the README links the design
 * page, the benchmarks and the metrics; every link and repository path either page names exists;
 * the command reference lists every command the binary has; the subscribe stream's first line
 * is documented; the protocol ids the design states are the ones the code speaks.
 */
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname, join, normalize } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'
import { CHORD_PROTOCOL } from '../../src/libp2p/chord-service.js'
import { PASTRY_PROTOCOL } from '../../src/libp2p/pastry-service.js'
import { SIR_PROTOCOL } from '../../src/libp2p/sir-service.js'
import { runCli } from '../helpers/cli.js'

/** The repository's root (tests run from dist/test/cli). */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const PAGES = ['README.md', 'docs/design.md']

const read = async (page: string): Promise<string> => await readFile(join(ROOT, page), 'utf8')

test('the README links the design page, the benchmarks and the metrics; the design page links the last two', async () => {
  const readme = await read('README.md')
  for (const target of ['docs/design.md', 'benchmarks/README.md', 'docs/grafana-dashboard.json']) {
    assert.ok(readme.includes(`](${target})`), `the README links ${target}`)
  }
  assert.match(readme, /^### Metrics$/m)
  assert.match(readme, /`GET \/metrics`/)
  assert.match(readme, /first `\{subscribed, via\}`/, 'the subscribe stream\'s first line is documented')
  const design = await read('docs/design.md')
  for (const target of ['../benchmarks/README.md', '../README.md#metrics', 'grafana-dashboard.json']) {
    assert.ok(design.includes(`](${target})`), `the design page links ${target}`)
  }
})

test('every link and repository path the README and the design page name exists', async () => {
  for (const page of PAGES) {
    const text = await read(page)
    const links = [...text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map(m => m[1]).filter(l => !/^[a-z]+:/.test(l))
    const paths = [...text.matchAll(/(?<![\w/.-])((?:src|test|protocols|docs|benchmarks|scripts)\/[\w./-]*\w)/g)].map(m => m[1])
    assert.ok(links.length + paths.length >= 10, `${page} names ${links.length} links and ${paths.length} paths`)
    for (const link of links) assert.ok(existsSync(join(ROOT, normalize(join(dirname(page), link)))), `${page} links ${link}, which does not exist`)
    for (const path of paths) assert.ok(existsSync(join(ROOT, path)), `${page} names ${path}, which does not exist`)
  }
})

test('the command reference lists every command of the binary', async () => {
  const help = await runCli(['--help'])
  assert.equal(help.code, 0)
  const names = [...help.stdout.matchAll(/^ {2}(\S+(?: [a-z]+)?) {2,}/gm)].map(m => m[1])
  assert.ok(names.length >= 24, names.join(', '))
  const readme = await read('README.md')
  const reference = readme.slice(readme.indexOf('## Command reference'), readme.indexOf('### The repo folder'))
  // p2pd is described in its own section (Interop), with go-libp2p-daemon's flags.
  for (const name of names.filter(n => n !== 'p2pd')) assert.match(reference, new RegExp(`\\| \`${name}[ \`]`), `the README's command table lists ${name}`)
  assert.match(readme, /`overlay-node p2pd`/)
})

test('the protocol ids the design page states are the ones the code speaks', async () => {
  const design = await read('docs/design.md')
  for (const id of [CHORD_PROTOCOL, PASTRY_PROTOCOL, SIR_PROTOCOL]) assert.ok(design.includes(`\`${id}\``), `docs/design.md states ${id}`)
  const stated = [...design.matchAll(/`(\/overlay\/[a-z]+\/[\d.]+)`/g)].map(m => m[1])
  for (const id of stated) assert.ok([CHORD_PROTOCOL, PASTRY_PROTOCOL, SIR_PROTOCOL].includes(id), `docs/design.md states ${id}, which the code does not speak`)
})
