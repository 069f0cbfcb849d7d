#!/usr/bin/env node
// Runs every compiled test file (dist/test/**/*.test.js) with node's own test runner.
// The polyfill is loaded first because libp2p 3 needs Promise.withResolvers (Node 22+).
// Usage: node scripts/run-tests.js [substring ...]   (only files whose path contains one of them)
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(fileURLToPath(import.meta.url), '..', '..')
const testRoot = join(root, 'dist', 'test')

function collect (dir) {
  const out = []
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) out.push(...collect(path))
    else if (name.endsWith('.test.js')) out.push(path)
  }
  return out
}

const filters = process.argv.slice(2)
const files = collect(testRoot)
  .filter(f => filters.length === 0 || filters.some(s => relative(root, f).includes(s)))
if (files.length === 0) {
  console.error('no test files found under dist/test (did the build run?)')
  process.exit(1)
}
const result = spawnSync(process.execPath, [
  '--import', join(root, 'dist', 'src', 'polyfill.js'),
  // --test-force-exit: a file whose tests are done ends even if something it started still holds
  // the event loop (a leak to fix, but it must not hang CI: a restart test that failed before
  // handing its daemons to its after hook kept its process alive).
  '--test', '--test-concurrency=1', '--test-reporter=spec', '--test-force-exit',
  ...files
], { stdio: 'inherit', cwd: root })
process.exit(result.status ?? 1)
