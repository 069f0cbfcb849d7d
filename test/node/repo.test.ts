import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFile, stat, writeFile, chmod } from 'node:fs/promises'
import { after, before, describe, it } from 'node:test'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { Repo, RepoError, RepoLockedError } from '../../src/node/repo.js'
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
