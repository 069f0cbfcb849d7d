import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFile, stat, writeFile, chmod } from 'node:fs/promises'
import { after, before, describe, it } from 'node:test'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { parseApiAddress, Repo, RepoError, RepoLockedError } from '../../src/node/repo.js'
import { tempDir } from '../helpers/cli.js'

describe('repo folder', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  before(async () => { dir = await tempDir('overlay-repo-') })
  after(async () => { await dir.remove() })

  it('init writes a 0600 key whose peer id matches the config, and refuses a second init', async () => {
    const repo = new Repo(`${dir.path}/a`)
    assert.equal(await repo.isInitialized(), false)
    const { peerId } = await repo.init()
    const keyMode = (await stat(repo.file('identity.key'))).mode & 0o777
    assert.equal(keyMode, 0o600)
    assert.equal(peerIdFromPrivateKey(await repo.privateKey()).toString(), peerId)
    assert.equal((await repo.config()).peerId, peerId)
    await assert.rejects(repo.init(), RepoError)
  })

  it('refuses a key file that others can read', async () => {
    const repo = new Repo(`${dir.path}/b`)
    await repo.init()
    await chmod(repo.file('identity.key'), 0o644)
    await assert.rejects(repo.privateKey(), /readable by others/)
  })

  it('names a missing repo and a corrupt config', async () => {
    await assert.rejects(new Repo(`${dir.path}/none`).config(), /not initialized/)
    const repo = new Repo(`${dir.path}/c`)
    await repo.init()
    await writeFile(repo.file('config.json'), '{"listen": "not a list"}')
    await assert.rejects(repo.config(), /'listen' must be an array of strings/)
    await writeFile(repo.file('config.json'), '{oops')
    await assert.rejects(repo.config(), /not valid JSON/)
  })

  it('refuses unknown keys and a config that is not an object, listing the known keys', async () => {
    const repo = new Repo(`${dir.path}/f`)
    await repo.init()
    for (const text of ['{"lisen": ["/ip4/127.0.0.1/tcp/4001"]}', '[]', '"listen"', 'null']) {
      await writeFile(repo.file('config.json'), text)
      await assert.rejects(repo.config(), (err: Error) => {
        assert.ok(err instanceof RepoError, text)
        assert.match(err.message, /known keys: peerId, listen, announce, bootstrap, api, local/, text)
        return true
      })
    }
    await writeFile(repo.file('config.json'), '{"lisen": []}')
    await assert.rejects(repo.config(), /unknown key 'lisen'/)
    await writeFile(repo.file('config.json'), '{"api": "somewhere"}')
    await assert.rejects(repo.config(), /API address 'somewhere'/)
  })

  it('takes inbound rate limits for the overlays, and refuses bad ones naming the field', async () => {
    const repo = new Repo(`${dir.path}/h`)
    const { peerId } = await repo.init()
    await repo.setConfig('inboundRateLimit', { perPeerPerSecond: 20, totalBurst: 1000 })
    assert.deepEqual(await repo.config(), { peerId, inboundRateLimit: { perPeerPerSecond: 20, totalBurst: 1000 } })
    for (const [text, message] of [
      ['{"inboundRateLimit": 5}', /'inboundRateLimit' takes an object with any of perPeerPerSecond, perPeerBurst, totalPerSecond, totalBurst/],
      ['{"inboundRateLimit": {"perPeer": 5}}', /'inboundRateLimit' unknown field 'perPeer'/],
      ['{"inboundRateLimit": {"perPeerPerSecond": "5"}}', /'inboundRateLimit' perPeerPerSecond must be a number/],
      ['{"inboundRateLimit": {"totalPerSecond": 0}}', /'inboundRateLimit' totalPerSecond must be a positive number, got 0/],
      ['{"inboundRateLimit": {"perPeerBurst": 0.5}}', /'inboundRateLimit' perPeerBurst must be at least 1, got 0.5/]
    ] as Array<[string, RegExp]>) {
      await writeFile(repo.file('config.json'), text)
      await assert.rejects(repo.config(), (err: Error) => err instanceof RepoError && message.test(err.message), text)
    }
  })

  it('sets and removes one config key, keeping the others, and refuses to set the peer id', async () => {
    const repo = new Repo(`${dir.path}/g`)
    const { peerId } = await repo.init()
    await repo.setConfig('bootstrap', ['/ip4/127.0.0.1/tcp/4001/p2p/x'])
    await repo.setConfig('local', true)
    assert.deepEqual(await repo.config(), { peerId, bootstrap: ['/ip4/127.0.0.1/tcp/4001/p2p/x'], local: true })
    await repo.setConfig('bootstrap', undefined)
    assert.deepEqual(await repo.config(), { peerId, local: true })
    await assert.rejects(repo.setConfig('peerId', 'other'), /read-only/)
  })

  it('reads an API address as a multiaddr or a URL', () => {
    assert.deepEqual(parseApiAddress('/ip4/127.0.0.1/tcp/5101'), { host: '127.0.0.1', port: 5101, url: 'http://127.0.0.1:5101' })
    assert.deepEqual(parseApiAddress('http://127.0.0.1:5101/'), { host: '127.0.0.1', port: 5101, url: 'http://127.0.0.1:5101' })
    assert.deepEqual(parseApiAddress('/ip6/::1/tcp/5101'), { host: '::1', port: 5101, url: 'http://[::1]:5101' })
    assert.deepEqual(parseApiAddress('http://[::1]:5101'), { host: '::1', port: 5101, url: 'http://[::1]:5101' })
    assert.equal(parseApiAddress('/ip4/127.0.0.1/tcp/0', { allowAnyPort: true }).port, 0)
    for (const bad of ['/ip4/127.0.0.1/tcp/0', '127.0.0.1:5101', '/ip4/127.0.0.1/udp/5101', 'http://127.0.0.1:99999', 'https://127.0.0.1:5101', '']) {
      assert.throws(() => parseApiAddress(bad), /must look like/, bad)
    }
  })

  it('holds one lock: a live holder is refused, a dead one is taken over', async () => {
    const repo = new Repo(`${dir.path}/d`)
    await repo.init()
    const release = await repo.lock()
    assert.equal(await readFile(repo.file('repo.lock'), 'utf8'), String(process.pid))
    // Another live process holds the lock:
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' })
    try {
      await release()
      await writeFile(repo.file('repo.lock'), String(sleeper.pid))
      await assert.rejects(repo.lock(), RepoLockedError)
    } finally {
      sleeper.kill('SIGKILL')
      await new Promise(resolve => sleeper.on('close', resolve))
    }
    // The holder is gone now: its lock is stale and is taken over.
    const again = await repo.lock()
    assert.equal(await readFile(repo.file('repo.lock'), 'utf8'), String(process.pid))
    await again()
  })

  it('stores and clears the API address', async () => {
    const repo = new Repo(`${dir.path}/e`)
    await repo.init()
    assert.equal(await repo.apiAddress(), undefined)
    await repo.writeApiAddress('http://127.0.0.1:1234')
    assert.equal(await repo.apiAddress(), 'http://127.0.0.1:1234')
    await repo.removeApiAddress()
    assert.equal(await repo.apiAddress(), undefined)
  })
})
