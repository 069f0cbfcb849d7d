/**
 * Progress lines: on a terminal a counted line overwrites the last one; elsewhere every line is
 * plain (no carriage return) and a counted phase prints once per tenth.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { progressWriter } from '../../src/cli/progress.js'

function record (isTTY: boolean): { written: () => string, writer: ReturnType<typeof progressWriter> } {
  let text = ''
  const writer = progressWriter({ isTTY, write: (chunk: string) => { text += chunk } })
  return { written: () => text, writer }
}

test('not a terminal: plain lines, a counted phase once per tenth and at its end', () => {
  const { written, writer } = record(false)
  writer.line('sim seed 1')
  for (let i = 1; i <= 100; i++) writer.line(`started ${i}/100 peers`)
  writer.line('done')
  writer.end()
  const lines = written().split('\n').filter(l => l !== '')
  assert.ok(!written().includes('\r'))
  assert.deepEqual(lines, ['sim seed 1', ...Array.from({ length: 10 }, (_, i) => `started ${(i + 1) * 10}/100 peers`), 'done'])
})

test('a terminal: counted lines overwrite each other and the next plain line starts on a new line', () => {
  const { written, writer } = record(true)
  writer.line('started 1/2 peers')
  writer.line('started 2/2 peers')
  writer.line('ready')
  assert.equal(written(), '\r\x1b[Kstarted 1/2 peers\r\x1b[Kstarted 2/2 peers\nready\n')
})
