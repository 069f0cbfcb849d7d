/**
 * The daemon's lasting configuration and visible failures, through the binary: `config`, `--save`,
 * a `--local` repo's ports across restarts, refused config files, bootstrap failures and the
 * no-peers / first-peer notices, `--api` in both forms, and `subscribe` ending when its daemon stops.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { BINARY, killAll, runCli, startDaemonProcess, tempDir } from '../helpers/cli.js'
import { waitFor } from '../helpers/wait-for.js'
import type { DaemonProcess } from '../helpers/cli.js'
import type { AddressInfo } from 'node:net'

/** The JSON notices a daemon started with --json printed after its ready line. */
const notices = (d: DaemonProcess): Array<Record<string, string>> =>
  d.output().split('\n').filter(l => l.startsWith('{"notice"')).map(l => JSON.parse(l))

/** A well-formed peer id that no daemon here has. */
const ABSENT_PEER = '12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA'

const readConfig = async (repo: string): Promise<Record<string, unknown>> => JSON.parse(await readFile(`${repo}/config.json`, 'utf8'))

describe('daemon configuration and notices', { timeout: 180_000 }, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  before(async () => { dir = await tempDir('overlay-daemon-') })
  after(async () => {
    killAll()
    await dir.remove()
  })

  it('config shows, reads and sets keys, refusing unknown keys and bad values with exit 2', async () => {
    const repo = `${dir.path}/conf`
    const { peerId } = JSON.parse((await runCli(['init', '--repo', repo, '--json'])).stdout)
    assert.deepEqual(JSON.parse((await runCli(['config', 'show', '--repo', repo])).stdout), { peerId })

    const set = await runCli(['config', 'bootstrap', `/ip4/127.0.0.1/tcp/4001/p2p/${peerId}`, '--repo', repo])
    assert.equal(set.code, 0, set.stderr)
    assert.match(set.stdout, /next start/)
    assert.equal((await runCli(['config', 'listen', '["/ip4/127.0.0.1/tcp/0"]', '--repo', repo])).code, 0)
    assert.equal((await runCli(['config', 'api', 'http://127.0.0.1:5999', '--repo', repo])).code, 0)
    assert.deepEqual(await readConfig(repo), { peerId, bootstrap: [`/ip4/127.0.0.1/tcp/4001/p2p/${peerId}`], listen: ['/ip4/127.0.0.1/tcp/0'], api: 'http://127.0.0.1:5999' })
    assert.deepEqual(JSON.parse((await runCli(['config', 'listen', '--repo', repo, '--json'])).stdout), { key: 'listen', value: ['/ip4/127.0.0.1/tcp/0'] })
    assert.equal((await runCli(['config', 'inboundRateLimit', '{"perPeerPerSecond": 50}', '--repo', repo])).code, 0)
    assert.deepEqual((await readConfig(repo)).inboundRateLimit, { perPeerPerSecond: 50 })
    assert.equal((await runCli(['config', 'inboundRateLimit', 'null', '--repo', repo])).code, 0)
    assert.equal((await runCli(['config', 'api', 'null', '--repo', repo])).code, 0)
    assert.equal((await readConfig(repo)).api, undefined)

    for (const [args, message] of [
      [['lisen', '[]'], /unknown config key 'lisen' \(known keys: peerId, listen, announce, bootstrap, api, local, inboundRateLimit\)/],
      [['inboundRateLimit', '{"perPeerBurst": 0}'], /config inboundRateLimit perPeerBurst must be a positive number, got 0/],
      [['inboundRateLimit', '100'], /config inboundRateLimit takes an object/],
      [['listen', '["garbage"]'], /malformed multiaddr 'garbage'/],
      [['local', 'yes'], /config local takes true or false/],
      [['api', '/ip4/127.0.0.1/udp/1'], /config api: API address/],
      [['peerId', '"x"'], /read-only/]
    ] as Array<[string[], RegExp]>) {
      const r = await runCli(['config', ...args, '--repo', repo])
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
      assert.match(r.stderr, message)
    }
  })

  it('a daemon refuses a config with an unknown key or that is not an object, listing the known keys', async () => {
    const repo = `${dir.path}/bad-config`
    await runCli(['init', '--repo', repo])
    for (const text of ['{"lisen": ["/ip4/127.0.0.1/tcp/0"]}', '[]']) {
      await writeFile(`${repo}/config.json`, text)
      const r = await runCli(['daemon', '--repo', repo, '--local'])
      assert.equal(r.code, 1, r.stderr)
      assert.match(r.stderr, /known keys: peerId, listen, announce, bootstrap, api, local, inboundRateLimit\)\n$/)
    }
  })

  it('says when a bootstrap peer does not answer, when it is alone, and when it gains its first peer; --save keeps the flags', async () => {
    const lonely = await startDaemonProcess(['--repo', `${dir.path}/lonely`, '--local'])
    await waitFor(() => notices(lonely).some(n => n.notice === 'no-peers'), { timeoutMs: 20_000, what: 'the no-peers notice' })

    const dead = `/ip4/127.0.0.1/tcp/1/p2p/${lonely.info.peerId}`
    const repo = `${dir.path}/saver`
    const saver = await startDaemonProcess(['--repo', repo, '--local', '--save', '--bootstrap', dead, '--listen', '/ip4/127.0.0.1/tcp/0'])
    await waitFor(() => notices(saver).some(n => n.notice === 'no-peers'), { timeoutMs: 30_000, what: 'the bootstrap failure and no-peers notices' })
    const failed = notices(saver).find(n => n.notice === 'bootstrap-failed')
    assert.equal(failed?.address, dead)
    assert.match(failed?.reason ?? '', /ECONNREFUSED|refused/)
    assert.equal(notices(saver).findIndex(n => n.notice === 'bootstrap-failed') < notices(saver).findIndex(n => n.notice === 'no-peers'), true)
    const config = await readConfig(repo)
    assert.deepEqual(config.bootstrap, [dead])
    assert.deepEqual(config.listen, ['/ip4/127.0.0.1/tcp/0'], 'a saved --listen is kept as given')
    assert.equal(config.local, true)

    const connect = await runCli(['connect', lonely.info.addresses[0], '--repo', repo])
    assert.equal(connect.code, 0, connect.stderr)
    await waitFor(() => notices(lonely).some(n => n.notice === 'first-peer'), { timeoutMs: 20_000, what: 'the first-peer notice' })
    assert.equal(notices(lonely).find(n => n.notice === 'first-peer')?.peerId, saver.info.peerId)
    assert.equal(await saver.stop(), 0)
    await waitFor(() => notices(lonely).filter(n => n.notice === 'no-peers').length === 2, { timeoutMs: 20_000, what: 'no-peers again after the only peer left' })
    assert.equal(await lonely.stop(), 0)
  })

  it('prints without --json, on stderr, each bootstrap failure naming the flag to change and that it is alone; a busy port from config.json names its key', async () => {
    const repo = `${dir.path}/plain`
    const dead = `/ip4/127.0.0.1/tcp/1/p2p/${ABSENT_PEER}`
    const daemon = spawn(process.execPath, [BINARY, 'daemon', '--repo', repo, '--local', '--bootstrap', dead], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    let stdout = ''
    daemon.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d })
    daemon.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d })
    const closed = new Promise<number | null>(resolve => daemon.on('close', resolve))
    const timer = setTimeout(() => daemon.kill('SIGKILL'), 60_000)
    try {
      await waitFor(() => stderr.includes('no peers'), { timeoutMs: 30_000, what: 'the no-peers line' })
      const lines = stderr.trim().split('\n')
      const failed = lines.findIndex(l => l.startsWith(`bootstrap peer ${dead} did not answer: `))
      assert.ok(failed >= 0, stderr)
      assert.match(lines[failed], /\(check it, or change --bootstrap\)$/)
      assert.match(lines[failed + 1], /^no peers: this daemon is alone \(start others with --bootstrap/)
      assert.match(stdout, /daemon is ready\n/)
      daemon.kill('SIGTERM')
      assert.equal(await closed, 0, stderr)
    } finally {
      clearTimeout(timer)
      daemon.kill('SIGKILL')
    }

    const blocker = createServer()
    await new Promise<void>(resolve => blocker.listen(0, '127.0.0.1', resolve))
    const port = (blocker.address() as AddressInfo).port
    try {
      assert.equal((await runCli(['config', 'listen', `/ip4/127.0.0.1/tcp/${port}`, '--repo', repo])).code, 0)
      const busy = await runCli(['daemon', '--repo', repo, '--local'])
      assert.equal(busy.code, 1, busy.stderr)
      assert.match(busy.stderr, new RegExp(`${port}: address already in use; choose another with 'listen' in config.json \\(change it with 'overlay-node config listen …' or --listen\\)\n$`))
    } finally {
      blocker.close()
    }
  })

  it('a --local repo comes back on the ports it got first; --api takes a multiaddr or a URL', async () => {
    const repo = `${dir.path}/ports`
    const first = await startDaemonProcess(['--repo', repo, '--local'])
    assert.equal(await first.stop(), 0)
    const again = await startDaemonProcess(['--repo', repo, '--local'])
    try {
      assert.deepEqual(again.info.addresses, first.info.addresses)
      assert.equal(again.info.api, first.info.api)
      const port = new URL(again.info.api).port
      for (const api of [again.info.api, `/ip4/127.0.0.1/tcp/${port}`]) {
        const id = await runCli(['id', '--api', api, '--json', '--repo', `${dir.path}/nobody`])
        assert.equal(id.code, 0, `${api}: ${id.stderr}`)
        assert.equal(JSON.parse(id.stdout).peerId, again.info.peerId)
      }
    } finally {
      assert.equal(await again.stop(), 0)
    }
    // The daemon takes the URL form too, and the config the multiaddr form.
    const url = await startDaemonProcess(['--repo', repo, '--local', '--api', again.info.api])
    assert.equal(url.info.api, again.info.api)
    assert.equal(await url.stop(), 0)
    const port = new URL(again.info.api).port
    assert.equal((await runCli(['config', 'api', `/ip4/127.0.0.1/tcp/${port}`, '--repo', repo])).code, 0)
    const configured = await startDaemonProcess(['--repo', repo, '--local'])
    assert.equal(configured.info.api, again.info.api)
    assert.equal(await configured.stop(), 0)
  })

  it('subscribe ends with exit 0 and a clear line when its daemon stops (with --json, its first line says it is subscribed)', async () => {
    const daemon = await startDaemonProcess(['--repo', `${dir.path}/sub`, '--local'])
    const subscribers = [[], ['--json']].map(extra => {
      const child = spawn(process.execPath, [BINARY, 'subscribe', 'news', '--repo', daemon.info.repo, ...extra], { stdio: ['ignore', 'pipe', 'pipe'] })
      const printed = { stdout: '', stderr: '' }
      child.stdout.setEncoding('utf8').on('data', (d: string) => { printed.stdout += d })
      child.stderr.setEncoding('utf8').on('data', (d: string) => { printed.stderr += d })
      const closed = new Promise<number | null>(resolve => child.on('close', resolve))
      return { child, printed, closed }
    })
    const [text, json] = subscribers
    const timer = setTimeout(() => { for (const s of subscribers) s.child.kill('SIGKILL') }, 60_000)
    try {
      await waitFor(() => text.printed.stderr.includes('subscribed') && json.printed.stdout.includes('\n'), { timeoutMs: 20_000, what: 'the subscriptions' })
      assert.deepEqual(JSON.parse(json.printed.stdout), { subscribed: 'news', via: 'gossipsub' })
      assert.equal((await runCli(['shutdown', '--repo', daemon.info.repo])).code, 0)
      for (const s of subscribers) {
        assert.equal(await s.closed, 0, s.printed.stderr)
        assert.match(s.printed.stderr, /the daemon at \S+ stopped; subscription to 'news' ended\n$/)
        assert.doesNotMatch(s.printed.stderr, /aborted/)
      }
    } finally {
      clearTimeout(timer)
      for (const s of subscribers) s.child.kill('SIGKILL')
      await daemon.stop()
    }
  })
})
