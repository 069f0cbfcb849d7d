/**
 * `overlay-node testnet` through the binary, as a person runs it (text output, stderr a pipe):
 * a header line and each peer's multiaddr, plain progress lines, `shutdown` of one peer stops that
 * peer, and the testnet ends with its last peer and removes its temporary folder.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { stat } from 'node:fs/promises'
import { after, describe, it } from 'node:test'
import { BINARY, killAll, runCli } from '../helpers/cli.js'
import { waitFor } from '../helpers/wait-for.js'

describe('testnet', { timeout: 120_000 }, () => {
  after(() => { killAll() })

  it('lists its peers under a header, stops one per shutdown, and cleans up after the last', async () => {
    const net = spawn(process.execPath, [BINARY, 'testnet', '--nodes', '3'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    net.stdout.setEncoding('utf8').on('data', (d: string) => { out += d })
    net.stderr.setEncoding('utf8').on('data', (d: string) => { err += d })
    const closed = new Promise<number | null>(resolve => net.on('close', resolve))
    try {
      await waitFor(() => out.includes('peers running'), { timeoutMs: 60_000, what: 'the testnet listing' })
      const lines = out.split('\n')
      const dir = /^testnet of 3 peers in (\S+) \(removed at the end\)$/.exec(lines[0])?.[1]
      assert.ok(dir !== undefined, lines[0])
      assert.deepEqual(lines[1].split('\t'), ['#', 'peer id', 'API', 'multiaddr', 'repo'])
      const rows = lines.slice(2, 5).map(l => l.split('\t'))
      for (const [index, row] of rows.entries()) {
        assert.equal(row[0], String(index))
        assert.match(row[3], new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/${row[1]}$`))
        assert.equal(row[4], `--repo ${dir}/node-${index}`)
      }
      assert.ok(!err.includes('\r'), 'progress written with \\r into a pipe')
      assert.match(err, /^started 3\/3 peers$/m)

      const down = await runCli(['shutdown', '--repo', `${dir}/node-1`])
      assert.equal(down.code, 0, down.stderr)
      await waitFor(() => out.includes('peer 1 stopped'), { timeoutMs: 20_000, what: 'peer 1 to stop' })
      const gone = await runCli(['peers', '--repo', `${dir}/node-1`])
      assert.equal(gone.code, 1)
      const peers = await runCli(['peers', '--repo', `${dir}/node-0`, '--json'])
      assert.ok(!JSON.parse(peers.stdout).peers.some((p: { peerId: string }) => p.peerId === rows[1][1]), 'node 0 still connected to the stopped peer')

      for (const i of [0, 2]) assert.equal((await runCli(['shutdown', '--repo', `${dir}/node-${i}`])).code, 0)
      assert.equal(await closed, 0, err)
      assert.match(out, /testnet stopped\n$/)
      await assert.rejects(stat(dir), /ENOENT/)
    } finally {
      net.kill('SIGKILL')
    }
  })

  it('removes its temporary folder when Ctrl-C stops it', async () => {
    const net = spawn(process.execPath, [BINARY, 'testnet', '--nodes', '2'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    net.stdout.setEncoding('utf8').on('data', (d: string) => { out += d })
    const closed = new Promise<number | null>(resolve => net.on('close', resolve))
    try {
      await waitFor(() => out.includes('peers running'), { timeoutMs: 60_000, what: 'the testnet listing' })
      const dir = /^testnet of 2 peers in (\S+) \(removed at the end\)$/m.exec(out)?.[1]
      assert.ok(dir !== undefined, out)
      await stat(dir)
      net.kill('SIGINT')
      assert.equal(await closed, 0)
      assert.match(out, /testnet stopped\n$/)
      await assert.rejects(stat(dir), /ENOENT/)
    } finally {
      net.kill('SIGKILL')
    }
  })
})
