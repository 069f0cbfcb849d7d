/**
 * `overlay-node p2pd` end to end, in a child process: it prints the go-libp2p-daemon ready lines,
 * answers the daemon control protocol (identify, connect, list peers), stops on SIGTERM with exit 0, and refuses bad command lines with one line and exit 2.
 */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { createClient } from '@libp2p/daemon-client'
import { multiaddr } from '@multiformats/multiaddr'
import { spawn } from 'node:child_process'
import { BINARY, runCli, killAll } from '../helpers/cli.js'
import { spawnOverlayP2pd } from '../interop/p2pd-daemons.js'

describe('overlay-node p2pd', { timeout: 60_000 }, () => {
  after(killAll)

  it('refuses bad command lines with one line and exit 2', async () => {
    for (const args of [['-bogus'], ['-listen=/ip4/0.0.0.0/tcp/0'], ['-hostAddrs=/ip4/127.0.0.1/udp/0/quic-v1'], ['-id=/nonexistent/key']]) {
      const { code, stdout, stderr } = await runCli(['p2pd', ...args])
      assert.equal(code, 2, `${args.join(' ')}: ${stderr}`)
      assert.equal(stdout, '')
      assert.equal(stderr.trim().split('\n').length, 1, stderr)
    }
  })

  it('prints its control socket, serves the control protocol as our peer, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [BINARY, 'p2pd', '-hostAddrs=/ip4/127.0.0.1/tcp/0', '-tls=true', '-muxer=mplex'], { stdio: ['ignore', 'pipe', 'pipe'] })
    const exited = new Promise<number | null>(resolve => child.on('exit', resolve))
    try {
      let out = ''
      child.stdout.setEncoding('utf8')
      const lines = await new Promise<string[]>((resolve, reject) => {
        child.stdout.on('data', (d: string) => {
          out += d
          const lines = out.split('\n')
          if (lines.length >= 5) resolve(lines)
        })
        void exited.then(code => { reject(new Error(`exited ${code}: ${out}`)) })
      })
      const control = /^Control socket: (\/ip4\/127\.0\.0\.1\/tcp\/\d+)$/.exec(lines[0])?.[1]
      assert.ok(control, lines[0])
      const peerId = /^Peer ID: (\S+)$/.exec(lines[1])?.[1]
      assert.ok(peerId, lines[1])
      assert.equal(lines[2], 'Peer Addrs:')
      assert.match(lines[3], /^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\//)

      const client = createClient(multiaddr(control))
      const self = await client.identify()
      assert.equal(self.peerId.toString(), peerId)
      assert.deepEqual(await client.listPeers(), [])
    } finally {
      child.kill('SIGTERM')
    }
    assert.equal(await exited, 0)
  })

  it('connects to another p2pd with the encryption and muxer it was told, through the daemon client', async () => {
    const a = await spawnOverlayP2pd({ type: 'go', encryption: 'plaintext', muxer: 'mplex', noListen: true })
    const b = await spawnOverlayP2pd({ type: 'go', encryption: 'plaintext', muxer: 'mplex' })
    try {
      const target = await b.client.identify()
      await a.client.connect(target.peerId, target.addrs)
      const peers = await a.client.listPeers()
      assert.deepEqual(peers.map(p => p.toString()), [target.peerId.toString()])
    } finally {
      await Promise.all([a.stop(), b.stop()])
    }
  })
})
