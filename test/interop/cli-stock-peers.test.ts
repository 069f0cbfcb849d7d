/**
 * Interop by hand, through the binary: `put --dht kad`, `findpeer` and `put`/`get --raw` run by
 * `overlay-node` against daemons whose only neighbours are stock libp2p 1.9 and 2.10 peers
 * (stock-peer.ts: no validator or selector of ours). The line is d1 – s1 – s2 – d2 (d: our
 * daemons, s1: libp2p 1.x, s2: libp2p 2.x), so every lookup crosses both stock majors.
 * Everything listens on 127.0.0.1; every daemon and stock process is stopped in `after`.
 */
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { generateKeyPair, publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { killAll, runCli, startDaemonProcess, tempDir } from '../helpers/cli.js'
import { waitFor } from '../helpers/wait-for.js'
import { V2PeerProcess } from './v2-peer-process.js'
import type { DaemonProcess } from '../helpers/cli.js'

const STOCK_SCRIPT = fileURLToPath(new URL('./stock-peer.js', import.meta.url))
/** A peer id no node here has. */
const STRANGER = '12D3KooWGaRqXe9Yn4M42XoNeoWLjn8xb7vwnUeWKPvoTA8Rkpis'

const te = new TextEncoder()
const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64')
const loopback = (addrs: string[]): string => {
  const found = addrs.find(a => a.startsWith('/ip4/127.0.0.1/tcp/'))
  assert.ok(found, `an address on 127.0.0.1 among ${addrs.join(', ')}`)
  return found
}

/** A fresh RSA key's `/pk/` record: the key as typed (`/pk/<peer id>`), as kad-dht holds it, and the value. */
async function pkRecord (): Promise<{ typed: string, key: Uint8Array, value: Uint8Array }> {
  const privateKey = await generateKeyPair('RSA', 2048)
  const peerId = peerIdFromPrivateKey(privateKey)
  return {
    typed: `/pk/${peerId.toString()}`,
    key: new Uint8Array([...te.encode('/pk/'), ...peerId.toMultihash().bytes]),
    value: publicKeyToProtobuf(privateKey.publicKey)
  }
}

/** Runs a command with `--json` on a daemon; fails the test on any exit but 0. */
async function json (daemon: DaemonProcess, args: string[]): Promise<any> {
  const r = await runCli([...args, '--repo', daemon.info.repo, '--json'])
  if (r.code !== 0) throw new Error(`${args.join(' ')} exited ${r.code}: ${r.stdout}${r.stderr}`)
  return JSON.parse(r.stdout)
}

describe('interop by hand: the CLI against stock libp2p 1.x and 2.x peers', { timeout: 180_000 }, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  const stock: V2PeerProcess[] = []
  const daemons: DaemonProcess[] = []
  const s = (major: 1 | 2): V2PeerProcess => stock[major - 1]
  const d = (major: 1 | 2): DaemonProcess => daemons[major - 1]

  before(async () => {
    dir = await tempDir('overlay-interop-cli-')
    for (const major of [1, 2]) {
      stock.push(await V2PeerProcess.start({ script: STOCK_SCRIPT, args: ['--major', String(major), '--agent', `stock-libp2p-${major}`] }))
      daemons.push(await startDaemonProcess(['--repo', `${dir.path}/d${major}`, '--local']))
    }
    assert.deepEqual(stock.map(p => p.ready.libp2pVersion.split('.')[0]), ['1', '2'])
  }, { timeout: 60_000 })

  after(async () => {
    await Promise.allSettled([...daemons.map(async p => await p.stop()), ...stock.map(async p => { await p.stop() })])
    killAll()
    await dir.remove()
  }, { timeout: 30_000 })

  it('put --dht kad with a lone stock peer counts its echo as an acknowledgement, never as a replica', async () => {
    for (const major of [1, 2] as const) {
      const connect = await runCli(['connect', loopback(s(major).ready.addrs), '--repo', d(major).info.repo])
      assert.equal(connect.code, 0, connect.stderr)
      // Until kad-dht has pinged the stock peer into its routing table, a put reaches nobody.
      const put = await waitFor(async () => {
        const reply = await json(d(major), ['put', `lone-${major}`, 'ours', '--dht', 'kad'])
        return reply.acknowledged >= 1 && reply
      }, { timeoutMs: 30_000, intervalMs: 500, what: `a put the ${major}.x peer acknowledges` })
      assert.equal(put.replicas, 0, `${major}.x: the stock peer has no validator for /ov/ and keeps nothing`)
      const text = await runCli(['put', `lone-${major}`, 'again', '--dht', 'kad', '--repo', d(major).info.repo])
      assert.match(text.stdout, /^stored \S+\/lone-\d in kad on 0 peer\(s\) \(1 acknowledged it\) in \d+\.\d ms\n$/)
      await assert.rejects(s(major).call('kadGet', { key: b64(te.encode(`/ov/${put.key as string}`)) }), /not found|invalid|keytype/i)
    }
  })

  it('findpeer finds peers across both stock majors, prints their addresses, and fails clearly for a stranger', async () => {
    // d1 – s1 – s2 – d2: d1 knows only s1, and d2 only s2.
    await s(1).dial(loopback(s(2).ready.addrs))
    for (const [a, b] of [[d(1), d(2)], [d(2), d(1)]]) {
      assert.ok(!(await json(a, ['peers'])).peers.some((p: { peerId: string }) => p.peerId === b.info.peerId), 'the daemons have not met: a find is a walk')
    }
    for (const [from, target] of [[d(1), d(2).info], [d(2), d(1).info], [d(1), { peerId: s(2).peerId, addresses: s(2).ready.addrs }]] as const) {
      const found = await waitFor(async () => {
        const reply = await json(from, ['findpeer', target.peerId])
        return reply.addresses.some((a: string) => target.addresses.includes(`${a}/p2p/${target.peerId}`) || target.addresses.includes(a)) && reply
      }, { timeoutMs: 30_000, intervalMs: 500, what: `${from.info.peerId} to find ${target.peerId}` })
      assert.equal(found.peerId, target.peerId)
      assert.ok(found.latencyMs >= 0)
    }
    const text = await runCli(['findpeer', d(2).info.peerId, '--repo', d(1).info.repo])
    assert.equal(text.code, 0, text.stderr)
    assert.match(text.stdout, /^(\/ip4\/\S+\n)+\(found in \d+\.\d ms\)\n$/)

    const missing = await runCli(['findpeer', STRANGER, '--repo', d(1).info.repo])
    assert.equal(missing.code, 1, missing.stderr)
    assert.equal(missing.stderr, `overlay-node: no peer knows an address of ${STRANGER} (kad-dht findPeer)\n`)
    const self = await runCli(['findpeer', d(1).info.peerId, '--repo', d(1).info.repo])
    assert.equal(self.code, 2)
    assert.match(self.stderr, /it is this node's own peer id/)
  })

  it('get --raw reads a /pk/ record a stock peer wrote; put --raw writes one both stock majors read', async () => {
    const theirs = await pkRecord()
    const put = await s(2).call<{ storedOn: string[] }>('kadPut', { key: b64(theirs.key), value: b64(theirs.value) })
    assert.ok(put.storedOn.length > 0, 'the 2.x peer stored its record on a peer')
    const got = await waitFor(async () => await json(d(1), ['get', theirs.typed, '--dht', 'kad', '--raw']), { timeoutMs: 30_000, intervalMs: 500, what: 'd1 to read the 2.x peer\'s /pk/ record' })
    assert.deepEqual(new Uint8Array(Buffer.from(got.valueBase64, 'base64')), theirs.value)
    assert.equal(got.raw, true)
    const text = await runCli(['get', theirs.typed, '--raw', '--repo', d(1).info.repo])
    assert.match(text.stdout, new RegExp(`^\\(binary, base64\\) ${b64(theirs.value).replace(/[+/]/g, '\\$&')}\\n\\(kad: \\d+ hop\\(s\\), \\d+\\.\\d ms\\)\\n$`))

    const mine = await pkRecord()
    const file = `${dir.path}/pk.bin`
    await writeFile(file, mine.value)
    const stored = await json(d(1), ['put', mine.typed, '--raw', '--value-file', file])
    assert.equal(stored.key, mine.typed)
    assert.ok(stored.replicas >= 1, `a stock peer validates /pk/ and keeps it: ${JSON.stringify(stored)}`)
    assert.ok(stored.replicas <= stored.acknowledged)
    for (const major of [1, 2] as const) {
      const read = await s(major).call<{ value: string }>('kadGet', { key: b64(mine.key) })
      assert.equal(read.value, b64(mine.value), `the ${major}.x peer reads our raw /pk/ record`)
    }
    // The same record as --base64 from the other daemon: accepted, and as valid.
    assert.ok((await json(d(2), ['put', mine.typed, b64(mine.value), '--raw', '--base64'])).replicas >= 1)
  })
})
