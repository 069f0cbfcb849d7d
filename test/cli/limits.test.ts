/**
 * The limits the CLI's help shows are copies (src/cli/limits.ts), so that `--help` does not load
 * libp2p; each must equal the number it copies.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MAX_LOCAL_NODES as CLI_MAX_LOCAL_NODES } from '../../src/cli/limits.js'
import { MAX_LOCAL_NODES } from '../../src/node/local-network.js'

test('the CLI shows the local-network limit the node enforces', () => {
  assert.equal(CLI_MAX_LOCAL_NODES, MAX_LOCAL_NODES)
})
