/**
 * CLI start-up (issue 12, item 2): help, versions, input checks and client commands load no
 * package but Node's own (libp2p and its dependencies load only in the commands that run a peer),
 * checked through a resolve hook that fails any import from node_modules.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { after, before, describe, it } from 'node:test'
import { BINARY, killAll, startDaemonProcess, tempDir } from '../helpers/cli.js'
import type { CliResult, DaemonProcess } from '../helpers/cli.js'

const NO_PACKAGES = fileURLToPath(new URL('../helpers/no-packages.js', import.meta.url))

async function runGuarded (args: string[]): Promise<CliResult> {
  const child = spawn(process.execPath, ['--import', NO_PACKAGES, BINARY, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d })
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d })
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
  const code = await new Promise<number | null>(resolve => child.on('close', resolve))
  clearTimeout(timer)
  return { code, stdout, stderr }
}

describe('CLI start-up', { timeout: 120_000 }, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let daemon: DaemonProcess
  before(async () => {
    dir = await tempDir('overlay-startup-')
    daemon = await startDaemonProcess(['--repo', `${dir.path}/d`, '--local'])
  })
  after(async () => {
    await daemon?.stop()
    killAll()
    await dir?.remove()
  })

  it('the guard fails a command that loads a package', async () => {
    // `daemon` runs a peer, so it must load libp2p: the guard has to catch that.
    const r = await runGuarded(['daemon', '--repo', `${dir.path}/guarded`, '--local'])
    assert.notEqual(r.code, 0)
    assert.match(r.stderr, /start-up loaded a package/)
  })

  it("loads no package but Node's own for help, versions, refused input and client commands", async () => {
    const repo = ['--repo', `${dir.path}/d`]
    const cases: Array<[string[], number, RegExp]> = [
      [['--help'], 0, /^usage: overlay-node/],
      [['--version'], 0, /^overlay-node \d+\.\d+\.\d+\nlibp2p 3\./],
      [['version', '--json'], 0, /"libp2p":"3\./],
      [['help', 'put'], 0, /^usage: overlay-node put/],
      [['status', '--help'], 0, /^usage: overlay-node status </],
      [['config', '--help'], 0, /^usage: overlay-node config/],
      [['get', 'k', '--dht', 'foo'], 2, /^$/],
      [['peers', ...repo], 0, /^/],
      [['id', ...repo, '--json'], 0, new RegExp(`"peerId":"${daemon.info.peerId}"`)],
      [['put', 'k', 'v', '--dht', 'chord', ...repo], 0, /k/]
    ]
    for (const [args, code, stdout] of cases) {
      const r = await runGuarded(args)
      assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`)
      assert.doesNotMatch(r.stderr, /start-up loaded a package/, args.join(' '))
      assert.match(r.stdout, stdout, args.join(' '))
    }
  })
})
