/**
 * End to end through the binary: bad input, help and versions, the repo's identity across
 * restarts, the daemon lock, and two daemons on 127.0.0.1 exchanging a kad record and a gossipsub
 * message.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { stat, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { BINARY, killAll, runCli, startDaemonProcess, tempDir } from '../helpers/cli.js'
import { waitFor } from '../helpers/wait-for.js'
import type { AddressInfo } from 'node:net'

/** A well-formed peer id no daemon here has. */
const PEER_ID = '12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA'

const oneLine = (text: string): boolean => text.trim().split('\n').length === 1 && text.startsWith('overlay-node: ')

describe('overlay-node CLI', { timeout: 180_000 }, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  before(async () => { dir = await tempDir('overlay-cli-') })
  after(async () => {
    killAll()
    await dir.remove()
  })

  it('rejects bad command lines with one line and exit 2', async () => {
    for (const args of [['frobnicate'], ['peers', '--frob'], ['put', 'only-key'], ['sim'], ['sim', 'chord', '--nodes', 'many'], ['daemon', 'extra']]) {
      const r = await runCli(args)
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
      assert.ok(oneLine(r.stderr), `${args.join(' ')} printed: ${r.stderr}`)
    }
  })

  it('refuses wrong input before asking a daemon, with exit 2, one line, and the same words for every DHT and pubsub', async () => {
    const nobody = ['--repo', `${dir.path}/nobody`]
    const longKey = 'k'.repeat(600)
    const bigFile = `${dir.path}/big-value`
    await writeFile(bigFile, Buffer.alloc(20_000))
    const cases: Array<[string[], RegExp]> = [
      [['get', 'k', '--dht', 'foo'], /unknown --dht 'foo' \(known: kad, chord, pastry\)/],
      [['publish', 't', 'm', '--via', 'carrier-pigeon'], /unknown --via 'carrier-pigeon' \(known: gossipsub, sir\)/],
      [['connect', '/ip4/nonsense'], /malformed multiaddr '\/ip4\/nonsense'/],
      [['ping', 'not-a-peer'], /'not-a-peer' is neither a peer id nor a multiaddr/],
      [['daemon', '--listen', 'garbage'], /--listen: malformed multiaddr 'garbage'/],
      [['daemon', '--bootstrap', '/ip4/127.0.0.1/tcp/4001'], /--bootstrap takes a multiaddr ending in \/p2p\/<peer id>/],
      [['daemon', '--api', 'http://127.0.0.1'], /--api: API address/],
      [['peers', '--api', 'somewhere'], /--api: API address 'somewhere' must look like/],
      [['findpeer', 'not-a-peer'], /^overlay-node: 'not-a-peer' is not a peer id$/],
      [['findpeer', '/ip4/127.0.0.1/tcp/1'], /is not a peer id$/],
      [['put', '/pk/x', 'v', '--raw', '--dht', 'chord'], /^overlay-node: --raw takes --dht kad: raw records are kad-dht's \(chord keys are <peer id>\/<name>\)$/],
      [['get', '/pk/x', '--raw', '--dht', 'pastry'], /--raw takes --dht kad/],
      [['get', 'pk', '--raw'], /^overlay-node: a raw kad key is \/<namespace>\/<rest> \(e\.g\. \/pk\/<peer id>\), got 'pk'$/],
      [['get', `/pk/${longKey}`, '--raw'], /^overlay-node: key is 604 bytes, over the limit of 512$/],
      [['put', 'k'], /^overlay-node: put takes <name> <value>, or <name> --value-file FILE/],
      [['put', 'k', 'v', '--value-file', '/etc/hostname'], /put takes <value> or --value-file FILE, not both/],
      [['put', 'k', '--value-file', `${dir.path}/no-such-file`], /^overlay-node: --value-file: cannot read '\S+' \(ENOENT\)$/],
      [['put', 'k', '--value-file', bigFile], /^overlay-node: --value-file: '\S+' is over the value limit of 16384 bytes$/],
      [['put', 'k', '--value-file', bigFile, '--base64'], /--base64 reads <value> as base64/],
      [['put', 'k', 'not base64!', '--base64'], /^overlay-node: --base64: <value> is not base64$/],
      [['put', 'k', Buffer.alloc(17_000).toString('base64'), '--base64'], /^overlay-node: value is 17000 bytes, over the limit of 16384$/],
      [['ping', 'not-a-peer', '--api', 'http://127.0.0.1:1'], /'not-a-peer' is neither a peer id nor a multiaddr/]
    ]
    for (const via of ['gossipsub', 'sir']) {
      cases.push([['subscribe', '', '--via', via], /^overlay-node: topic must not be empty$/])
      cases.push([['publish', '', 'm', '--via', via], /^overlay-node: topic must not be empty$/])
      cases.push([['publish', 'news', 'x'.repeat(17_000), '--via', via], /^overlay-node: message is 17000 bytes, over the limit of 16384$/])
      cases.push([['publish', 't'.repeat(300), 'm', '--via', via], /^overlay-node: topic is 300 bytes, over the limit of 256$/])
    }
    for (const dht of ['kad', 'chord', 'pastry']) {
      cases.push([['put', 'big', 'x'.repeat(17_000), '--dht', dht], /^overlay-node: value is 17000 bytes, over the limit of 16384$/])
      cases.push([['lookup', longKey, '--dht', dht], /^overlay-node: key is 600 bytes, over the limit of 512$/])
      cases.push([['get', '', '--dht', dht], /^overlay-node: key must not be empty$/])
      cases.push([['get', longKey, '--dht', dht], /^overlay-node: key is 600 bytes, over the limit of 512$/])
      cases.push([['put', longKey, 'v', '--dht', dht], /^overlay-node: key is 600 bytes, over the limit of 512$/])
    }
    for (const [args, message] of cases) {
      const r = await runCli([...args, ...nobody])
      const what = args.join(' ').slice(0, 80)
      assert.equal(r.code, 2, `${what}: ${r.stderr}`)
      assert.ok(oneLine(r.stderr), `${what} printed: ${r.stderr}`)
      assert.match(r.stderr.trim(), message, what)
      assert.ok(!r.stderr.includes(longKey) && !r.stderr.includes('x'.repeat(100)), `${what} echoed its input`)
    }
  })

  it('prints JSON errors on stdout with --json, keeping the exit codes', async () => {
    const usage = await runCli(['get', 'k', '--dht', 'foo', '--json'])
    assert.equal(usage.code, 2)
    assert.deepEqual(JSON.parse(usage.stdout), { error: { name: 'UsageError', message: "unknown --dht 'foo' (known: kad, chord, pastry)" } })
    const failure = await runCli(['peers', '--json', '--repo', `${dir.path}/nobody`])
    assert.equal(failure.code, 1)
    assert.equal(JSON.parse(failure.stdout).error.name, 'DaemonNotRunningError')
    assert.equal(failure.stderr, '')

    // Every command: a bad flag is a JSON usage error (exit 2); a client command with no daemon is
    // a JSON failure while running (exit 1); nothing on stderr either way.
    const help = (await runCli(['--help'])).stdout
    const names = [...help.matchAll(/^ {2}(\S+(?: [a-z]+)?) {2,}/gm)].map(m => m[1])
    assert.ok(names.length >= 20, names.join(','))
    for (const name of names) {
      const bad = await runCli([...name.split(' '), '--json', '--frobnicate'])
      assert.equal(bad.code, 2, `${name}: ${bad.stderr}`)
      assert.equal(JSON.parse(bad.stdout).error.name, 'UsageError', name)
      assert.equal(bad.stderr, '', name)
    }
    const valid: Record<string, string[]> = { connect: [`/ip4/127.0.0.1/tcp/1/p2p/${PEER_ID}`], ping: [PEER_ID], put: ['k', 'v'], get: ['k'], lookup: ['k'], publish: ['t', 'm'], subscribe: ['t'] }
    for (const name of ['status chord', 'status pastry', 'status sir', 'peers', 'shutdown', ...Object.keys(valid)]) {
      const r = await runCli([...name.split(' '), ...(valid[name] ?? []), '--json', '--repo', `${dir.path}/nobody`])
      assert.equal(r.code, 1, `${name}: ${r.stdout}${r.stderr}`)
      assert.equal(JSON.parse(r.stdout).error.name, 'DaemonNotRunningError', name)
      assert.equal(r.stderr, '', name)
    }
  })

  it('prints help for every command and family, help <command>, and the versions', async () => {
    const r = await runCli(['--help'])
    assert.equal(r.code, 0)
    assert.match(r.stdout, /testnet/)
    const put = await runCli(['put', '--help'])
    assert.equal(put.code, 0)
    assert.match(put.stdout, /--dht NAME/)
    assert.equal((await runCli(['help', 'put'])).stdout, put.stdout)
    const names = [...r.stdout.matchAll(/^ {2}(\S+(?: [a-z]+)?) {2,}/gm)].map(m => m[1])
    assert.ok(names.length >= 24 && names.includes('bench dht') && names.includes('status sir'), names.join(','))
    for (const name of names) {
      const help = await runCli([...name.split(' '), '--help'])
      assert.equal(help.code, 0, `${name} --help: ${help.stderr}`)
      assert.match(help.stdout, new RegExp(`^usage: overlay-node ${name}`), name)
      assert.equal((await runCli(['help', ...name.split(' ')])).stdout, help.stdout, `help ${name}`)
    }
    for (const family of ['status', 'sim', 'bench']) {
      for (const args of [[family, '--help'], ['help', family]]) {
        const help = await runCli(args)
        assert.equal(help.code, 0, `${args.join(' ')}: ${help.stderr}`)
        assert.match(help.stdout, new RegExp(`^usage: overlay-node ${family} <`), args.join(' '))
      }
    }
    assert.equal((await runCli(['help', 'frobnicate'])).code, 2)

    const version = await runCli(['--version'])
    assert.equal(version.code, 0, version.stderr)
    assert.match(version.stdout, /^overlay-node \d+\.\d+\.\d+\nlibp2p \d+\.\d+\.\d+\n/)
    const json = JSON.parse((await runCli(['version', '--json'])).stdout)
    assert.match(json.version, /^\d+\.\d+\.\d+$/)
    assert.match(json.libp2p, /^3\./)
    assert.match(json.commit, /^([0-9a-f]{40}(-dirty)?|unknown)$/)
  })

  it('the built binary is executable on its own', async () => {
    assert.notEqual((await stat(BINARY)).mode & 0o111, 0, 'main.js has no execute bit')
    const direct = spawn(BINARY, ['--version'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    direct.stdout.setEncoding('utf8').on('data', (d: string) => { out += d })
    const timer = setTimeout(() => direct.kill('SIGKILL'), 30_000)
    const code = await new Promise<number | null>(resolve => direct.on('close', resolve))
    clearTimeout(timer)
    assert.equal(code, 0)
    assert.match(out, /^overlay-node /)
  })

  it('says no daemon is running, with exit 1', async () => {
    const r = await runCli(['peers', '--repo', `${dir.path}/nobody`])
    assert.equal(r.code, 1)
    assert.ok(oneLine(r.stderr))
    assert.match(r.stderr, /no daemon is running/)
  })

  it('testnet starts N peers reachable through their repo folders; SIGINT stops them all', async () => {
    const net = spawn(process.execPath, [BINARY, 'testnet', '--nodes', '4', '--json', '--repo', `${dir.path}/net`], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    net.stdout.setEncoding('utf8').on('data', (d: string) => { out += d })
    const closed = new Promise<number | null>(resolve => net.on('close', resolve))
    try {
      const listing = await waitFor(() => out.includes('\n') && JSON.parse(out.split('\n')[0]), { timeoutMs: 30_000, what: 'the testnet listing' })
      assert.equal(listing.nodes.length, 4)
      const peers = await runCli(['peers', '--repo', listing.nodes[3].repo, '--json'])
      assert.equal(peers.code, 0, peers.stderr)
      assert.ok(JSON.parse(peers.stdout).peers.some((p: { peerId: string }) => p.peerId === listing.nodes[0].peerId))
    } finally {
      net.kill('SIGINT')
    }
    assert.equal(await closed, 0)
  })

  it('keeps the identity across restarts, refuses a second daemon, reports a busy port', async () => {
    const repo = `${dir.path}/a`
    const init = await runCli(['init', '--repo', repo, '--json'])
    assert.equal(init.code, 0, init.stderr)
    const { peerId } = JSON.parse(init.stdout)

    const ids: string[] = []
    for (let run = 0; run < 2; run++) {
      const daemon = await startDaemonProcess(['--repo', repo, '--local'])
      const id = await runCli(['id', '--repo', repo, '--json'])
      assert.equal(id.code, 0, id.stderr)
      ids.push(JSON.parse(id.stdout).peerId)
      assert.equal(JSON.parse(id.stdout).online, true)
      if (run === 0) {
        const second = await runCli(['daemon', '--repo', repo, '--local'])
        assert.equal(second.code, 1)
        assert.ok(oneLine(second.stderr), second.stderr)
        assert.match(second.stderr, /in use by a running daemon \(pid \d+\); stop it with 'overlay-node shutdown --repo \S+', or choose another --repo\n$/)
        const again = await runCli(['init', '--repo', repo])
        assert.equal(again.code, 1, again.stderr)
        assert.match(again.stderr, /already initialized \(choose another --repo for a new identity\)\n$/)
        const still = await runCli(['id', '--repo', repo, '--json'])
        assert.equal(JSON.parse(still.stdout).online, true, 'the first daemon still answers')
      }
      assert.equal(await daemon.stop(), 0, daemon.output())
    }
    assert.deepEqual(ids, [peerId, peerId])
    const offline = await runCli(['id', '--repo', repo, '--json'])
    assert.deepEqual(JSON.parse(offline.stdout), { peerId, addresses: [], online: false })

    const blocker = createServer()
    await new Promise<void>(resolve => blocker.listen(0, '127.0.0.1', resolve))
    const port = (blocker.address() as AddressInfo).port
    try {
      for (const flag of [['--api', `/ip4/127.0.0.1/tcp/${port}`], ['--listen', `/ip4/127.0.0.1/tcp/${port}`]]) {
        const busy = await runCli(['daemon', '--repo', repo, '--local', ...flag])
        assert.equal(busy.code, 1, busy.stderr)
        assert.ok(oneLine(busy.stderr), busy.stderr)
        assert.match(busy.stderr, new RegExp(`${port}: address already in use; choose another with ${flag[0]}\n$`))
        assert.doesNotMatch(busy.stderr, /faultTolerance/)
      }
    } finally {
      blocker.close()
    }
  })

  it('daemons on 127.0.0.1: kad, chord and pastry put on one, get on another; gossipsub and SIR messages', async () => {
    const first = await startDaemonProcess(['--repo', `${dir.path}/p1`, '--local'])
    const second = await startDaemonProcess(['--repo', `${dir.path}/p2`, '--local', '--bootstrap', first.info.addresses[0]])
    const r1 = ['--repo', first.info.repo]
    const r2 = ['--repo', second.info.repo]

    const peers = await runCli(['peers', ...r2, '--json'])
    assert.deepEqual(JSON.parse(peers.stdout).peers.map((p: { peerId: string }) => p.peerId), [first.info.peerId])
    const ping = await runCli(['ping', first.info.peerId, ...r2, '--json'])
    assert.equal(ping.code, 0, ping.stderr)

    // kad-dht needs both routing tables filled before a put reaches the other side.
    let greeting = ''
    await waitFor(async () => {
      const put = await runCli(['put', 'greeting', 'hello world', '--dht', 'kad', ...r2, '--json'])
      greeting = put.code === 0 ? JSON.parse(put.stdout).key : ''
      return put.code === 0 && JSON.parse(put.stdout).replicas >= 1
    }, { timeoutMs: 20_000, intervalMs: 250, what: 'a kad put that reaches the other peer' })
    assert.ok(greeting.endsWith('/greeting'), `put --json gives the full key: ${greeting}`)
    const get = await runCli(['get', greeting, '--dht', 'kad', ...r1, '--json'])
    assert.equal(get.code, 0, get.stderr)
    const reply = JSON.parse(get.stdout)
    assert.equal(reply.value, 'hello world')
    assert.equal(typeof reply.hops, 'number')
    assert.ok(reply.latencyMs >= 0)

    const missing = await runCli(['get', 'no-such-key', '--dht', 'kad', ...r1])
    assert.equal(missing.code, 1)
    assert.ok(oneLine(missing.stderr), missing.stderr)
    const missingJson = await runCli(['get', 'no-such-key', '--dht', 'kad', ...r1, '--json'])
    assert.equal(missingJson.code, 1)
    assert.equal(typeof JSON.parse(missingJson.stdout).error.message, 'string')
    const self = await runCli(['ping', first.info.peerId, ...r1])
    assert.equal(self.code, 2)
    assert.match(self.stderr, /cannot ping .*: it is this daemon's own peer id/)
    const pingText = await runCli(['ping', first.info.addresses[0], ...r2])
    assert.match(pingText.stdout, /^pong from \S+ in \d+\.\d ms\n$/)
    const getText = await runCli(['get', greeting, '--dht', 'kad', ...r1])
    assert.match(getText.stdout, /^hello world\n\(kad: \d+ hop\(s\), \d+\.\d ms\)\n$/)

    for (const via of ['gossipsub', 'sir']) {
      const subscriber = spawn(process.execPath, [BINARY, 'subscribe', 'news', '--via', via, ...r1], { stdio: ['ignore', 'pipe', 'pipe'] })
      let printed = ''
      let subscribed = ''
      subscriber.stdout.setEncoding('utf8').on('data', (d: string) => { printed += d })
      subscriber.stderr.setEncoding('utf8').on('data', (d: string) => { subscribed += d })
      try {
        await waitFor(() => subscribed.includes('subscribed'), { timeoutMs: 10_000, what: `the ${via} subscription` })
        // gossipsub's mesh forms on its heartbeat: publish until the message gets through.
        await waitFor(async () => {
          if (!printed.includes(`breaking via ${via}`)) await runCli(['publish', 'news', `breaking via ${via}`, '--via', via, ...r2])
          return printed.includes(`breaking via ${via}`)
        }, { timeoutMs: 20_000, intervalMs: 1_000, what: `the ${via} message on the subscriber` })
        assert.match(printed, new RegExp(`${second.info.peerId}: breaking via ${via}`))
      } finally {
        subscriber.kill('SIGINT')
        await new Promise(resolve => subscriber.on('close', resolve))
      }
    }

    // A third daemon: the three form one Chord ring; a put on one is read on another.
    const third = await startDaemonProcess(['--repo', `${dir.path}/p3`, '--local', '--bootstrap', first.info.addresses[0]])
    const r3 = ['--repo', third.info.repo]
    await waitFor(async () => {
      const status = await runCli(['status', 'chord', ...r3, '--json'])
      return status.code === 0 && JSON.parse(status.stdout).successors.length === 2
    }, { timeoutMs: 30_000, intervalMs: 500, what: 'a Chord ring of three' })
    await waitFor(async () => {
      const status = await runCli(['status', 'pastry', ...r3, '--json'])
      const leaves = JSON.parse(status.stdout).leafSet
      return status.code === 0 && new Set([...leaves.left, ...leaves.right].map((p: { peerId: string }) => p.peerId)).size === 2
    }, { timeoutMs: 30_000, intervalMs: 500, what: 'a Pastry network of three' })
    for (const dht of ['chord', 'pastry']) {
      const put = await runCli(['put', 'planet', `saturn in ${dht}`, '--dht', dht, ...r3, '--json'])
      assert.equal(put.code, 0, put.stderr)
      const get = await runCli(['get', JSON.parse(put.stdout).key, '--dht', dht, ...r2, '--json'])
      assert.equal(get.code, 0, get.stderr)
      assert.equal(JSON.parse(get.stdout).value, `saturn in ${dht}`)
      assert.equal(typeof JSON.parse(get.stdout).hops, 'number')
      const lookup = await runCli(['lookup', 'planet', '--dht', dht, ...r1, '--json'])
      assert.ok([first, second, third].map(d => d.info.peerId).includes(JSON.parse(lookup.stdout).owner))
    }
    assert.match((await runCli(['status', 'chord', ...r1])).stdout, /predecessor/)
    assert.match((await runCli(['status', 'pastry', ...r1])).stdout, /leaf set/)
    assert.equal(await third.stop(), 0)

    const down = await runCli(['shutdown', ...r2])
    assert.equal(down.code, 0, down.stderr)
    await waitFor(() => second.process.exitCode !== null, { timeoutMs: 15_000, what: 'the second daemon to exit' })
    assert.equal(second.process.exitCode, 0)
    assert.equal(await first.stop(), 0)
  })
})
