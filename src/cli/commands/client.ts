/**
 * The commands that talk to a running daemon through its control API (address from `--api` or
 * the repo's api file). Each one checks its input first (input-check.ts: exit 2 before any daemon
 * is asked), then is a thin map from flags to one API call and back to text, numbers rounded for
 * people (latencies to 0.1 ms) and kept whole in JSON.
 */
import { callApi, findApi, streamApi } from '../api-client.js'
import { API_HELP, API_OPTION, stringFlag } from '../command.js'
import { checkKey, checkMessage, checkMultiaddr, checkName, checkPeer, checkPeerId, checkRawKey, checkTopic, checkValue, checkValueBytes, DHT_NAMES, peerIdInMultiaddr, PUBSUB_NAMES, readValueFile } from '../input-check.js'
import { isBase64 } from '../../node/input-limits.js'
import { UsageError } from '../usage-error.js'
import type { Command, CommandContext, Options } from '../command.js'

interface ClientSpec<Checked = void> {
  name: string
  args: string
  summary: string
  arity: [number, number]
  options?: Options
  help?: string[]
  json?: boolean
  /**
   * Checks the arguments and flags before the daemon is looked for; throws a UsageError. What it
   * returns (a value read from a file, say) is handed to `call`.
   */
  check?(ctx: CommandContext): Checked | Promise<Checked>
  call(ctx: CommandContext, url: string, checked: Checked): Promise<void>
}

function clientCommand<Checked = void> (spec: ClientSpec<Checked>): Command {
  return {
    name: spec.name,
    args: spec.args,
    summary: spec.summary,
    arity: spec.arity,
    json: spec.json ?? true,
    options: { ...API_OPTION, ...spec.options },
    help: [...(spec.help ?? []), API_HELP],
    async run (ctx) {
      const checked = await spec.check?.(ctx) as Checked
      await spec.call(ctx, await findApi(ctx.repo, stringFlag(ctx, 'api')), checked)
      return 0
    }
  }
}

/** Latency for people: 0.1 ms. */
const ms = (x: number): string => `${x.toFixed(1)} ms`

const DHT_OPTION: Options = { dht: { type: 'string', default: 'kad' } }
const DHT_HELP = '--dht NAME        which DHT: kad (default), chord, pastry'
const VIA_OPTION: Options = { via: { type: 'string', default: 'gossipsub' } }
const VIA_HELP = '--via NAME        which overlay: gossipsub (default), sir'

const dhtOf = (ctx: CommandContext): string => checkName('dht', stringFlag(ctx, 'dht') ?? 'kad', DHT_NAMES)

const RAW_OPTION: Options = { raw: { type: 'boolean' } }
const RAW_HELP = '--raw             a kad-dht record under any key /<namespace>/<rest> (e.g. /pk/<peer id>; a peer id\n' +
  '                    after the namespace stands for its multihash bytes, as in Kubo); takes --dht kad'

/** Checks --dht and the key (raw or not); returns whether the operation is raw. */
async function checkDhtKey (ctx: CommandContext, key: string): Promise<boolean> {
  const dht = dhtOf(ctx)
  if (ctx.flags.raw !== true) {
    checkKey(key)
    return false
  }
  if (dht !== 'kad') throw new UsageError(`--raw takes --dht kad: raw records are kad-dht's (${dht} keys are <peer id>/<name>)`)
  await checkRawKey(key)
  return true
}

/** The value a put sends: UTF-8 text, base64 (--base64), or a file's bytes (--value-file), each within the value limit. */
async function putValue (ctx: CommandContext): Promise<{ value: string } | { valueBase64: string }> {
  const [, text] = ctx.positionals
  const file = stringFlag(ctx, 'value-file')
  if (file !== undefined) {
    if (text !== undefined) throw new UsageError('put takes <value> or --value-file FILE, not both')
    if (ctx.flags.base64 === true) throw new UsageError('--base64 reads <value> as base64; a --value-file is read as it is')
    return { valueBase64: Buffer.from(await readValueFile(file)).toString('base64') }
  }
  if (text === undefined) throw new UsageError("put takes <name> <value>, or <name> --value-file FILE (see 'overlay-node put --help')")
  if (ctx.flags.base64 !== true) {
    checkValue(text)
    return { value: text }
  }
  if (!isBase64(text)) throw new UsageError('--base64: <value> is not base64')
  checkValueBytes(Buffer.from(text, 'base64').byteLength)
  return { valueBase64: text }
}
const viaOf = (ctx: CommandContext): string => checkName('via', stringFlag(ctx, 'via') ?? 'gossipsub', PUBSUB_NAMES)

const valueText = (reply: { value?: string, valueBase64?: string }): string => reply.value ?? `(binary, base64) ${reply.valueBase64 ?? ''}`

const short = (p: { peerId: string }): string => p.peerId

const hex = (id: string, digits: number): string => id.slice(0, digits)

export const clientCommands: Command[] = [
  clientCommand({
    name: 'status pastry',
    args: '',
    summary: "Show this peer's Pastry state: leaf set and the filled routing-table rows.",
    arity: [0, 0],
    async call (ctx, url) {
      const s = await callApi(url, 'POST', '/api/v0/status', { overlay: 'pastry' })
      const leaf = (p: { peerId: string, id: string }): string => `${hex(p.id, 8)}… ${p.peerId}`
      ctx.print(s, () => [
        `self        ${leaf(s.self)}${s.joined === true ? '' : ' (alone: no other Pastry peer met yet)'}`,
        `leaf set    ${s.leafSet.left.length} smaller, ${s.leafSet.right.length} larger`,
        ...s.leafSet.left.map((p: { peerId: string, id: string }) => `  < ${leaf(p)}`),
        ...s.leafSet.right.map((p: { peerId: string, id: string }) => `  > ${leaf(p)}`),
        `routing     ${s.routingEntries} entries in ${s.routingRows.length} row(s)`,
        ...s.routingRows.map((r: { row: number, entries: Array<{ column: number }> }) => `  row ${String(r.row).padStart(2)}: columns ${r.entries.map(e => e.column.toString(16)).join(' ')}`),
        `records     ${s.storedRecords} stored, ${s.primaryRecords} as owner`
      ].join('\n'))
    }
  }),
  clientCommand({
    name: 'status sir',
    args: '',
    summary: "Show this peer's SIR gossip state: view, rumors held and spreading, counters.",
    arity: [0, 0],
    async call (ctx, url) {
      const s = await callApi(url, 'POST', '/api/v0/status', { overlay: 'sir' })
      ctx.print(s, () => [
        `view        ${s.viewSize} peer(s)`,
        `rumors      ${s.storedRumors} stored, ${s.infectedRumors} spreading, ${s.removedRumors} removed`,
        `counters    ${Object.entries(s.counters).filter(([, v]) => v !== 0).map(([k, v]) => `${k} ${String(v)}`).join(', ')}`
      ].join('\n'))
    }
  }),
  clientCommand({
    name: 'status chord',
    args: '',
    summary: "Show this peer's Chord state: predecessor, successor list, distinct fingers, records.",
    arity: [0, 0],
    async call (ctx, url) {
      const s = await callApi(url, 'POST', '/api/v0/status', { overlay: 'chord' })
      ctx.print(s, () => [
        `self        ${short(s.self)} (id ${s.self.id.slice(0, 16)}…)${s.joined === true ? '' : ' (not joined: no other Chord peer met yet)'}`,
        `predecessor ${s.predecessor === null ? '(none)' : short(s.predecessor)}`,
        `successors  ${s.successors.map(short).join('\n            ')}`,
        `fingers     ${s.fingers.length} distinct${s.fingers.length > 0 ? '\n            ' + s.fingers.map(short).join('\n            ') : ''}`,
        `records     ${s.storedRecords} stored, ${s.primaryRecords} as owner`
      ].join('\n'))
    }
  }),
  clientCommand({
    name: 'peers',
    args: '',
    summary: 'List the peers the daemon is connected to.',
    arity: [0, 0],
    async call (ctx, url) {
      const reply = await callApi(url, 'GET', '/api/v0/peers')
      ctx.print(reply, () => reply.peers.length === 0 ? '(no peers)' : reply.peers.map((p: { peerId: string, addresses: string[] }) => `${p.peerId} ${p.addresses.join(' ')}`).join('\n'))
    }
  }),
  clientCommand({
    name: 'connect',
    args: '<multiaddr>',
    summary: 'Dial a peer (a multiaddr ending in /p2p/<peer id>).',
    arity: [1, 1],
    check: async (ctx) => { await checkMultiaddr('connect', ctx.positionals[0]) },
    async call (ctx, url) {
      const reply = await callApi(url, 'POST', '/api/v0/connect', { address: ctx.positionals[0] })
      ctx.print(reply, `connected to ${reply.peerId}`)
    }
  }),
  clientCommand({
    name: 'ping',
    args: '<peer>',
    summary: 'Ping a peer (peer id or multiaddr) with the libp2p ping protocol.',
    arity: [1, 1],
    check: async (ctx) => { await checkPeer(ctx.positionals[0]) },
    async call (ctx, url) {
      const peer = ctx.positionals[0]
      const self = (await callApi(url, 'GET', '/api/v0/id')).peerId
      if (peer === self || peerIdInMultiaddr(peer) === self) throw new UsageError(`cannot ping ${self}: it is this daemon's own peer id (ping another peer; 'overlay-node peers' lists them)`)
      const reply = await callApi(url, 'POST', '/api/v0/ping', { peer })
      ctx.print(reply, `pong from ${reply.peer} in ${ms(reply.rttMs)}`)
    }
  }),
  clientCommand({
    name: 'shutdown',
    args: '',
    summary: 'Stop the daemon gracefully.',
    arity: [0, 0],
    async call (ctx, url) {
      const reply = await callApi(url, 'POST', '/api/v0/shutdown')
      ctx.print(reply, 'daemon is stopping')
    }
  }),
  clientCommand({
    name: 'put',
    args: '<name> [<value>]',
    summary: 'Store a value under this peer\'s key <peer id>/<name> in a DHT (signed; prints the full key), or with --raw a kad record under any key.',
    arity: [1, 2],
    options: { ...DHT_OPTION, ...RAW_OPTION, base64: { type: 'boolean' }, 'value-file': { type: 'string' } },
    help: [
      DHT_HELP,
      RAW_HELP,
      '--base64          <value> is base64 (for binary values)',
      '--value-file FILE the value is FILE\'s bytes (at most 16 KiB), in place of <value>'
    ],
    async check (ctx) {
      return { raw: await checkDhtKey(ctx, ctx.positionals[0]), value: await putValue(ctx) }
    },
    async call (ctx, url, { raw, value }) {
      const key = ctx.positionals[0]
      const reply = await callApi(url, 'POST', '/api/v0/put', { dht: dhtOf(ctx), key, ...(raw ? { raw } : {}), ...value })
      // A kad peer's acknowledgement is not a copy (DhtPutResult.acknowledged): say so when they differ.
      const echoes = reply.acknowledged !== undefined && reply.acknowledged !== reply.replicas ? ` (${reply.acknowledged} acknowledged it)` : ''
      ctx.print(reply, `stored ${reply.key} in ${reply.dht} on ${reply.replicas} peer(s)${echoes} in ${ms(reply.latencyMs)}`)
    }
  }),
  clientCommand({
    name: 'get',
    args: '<key>',
    summary: 'Read a full key (<peer id>/<name>, from any peer; a bare name is this peer\'s) from a DHT, or with --raw a kad record under any key, with hop count and latency.',
    arity: [1, 1],
    options: { ...DHT_OPTION, ...RAW_OPTION },
    help: [DHT_HELP, RAW_HELP],
    async check (ctx) { return await checkDhtKey(ctx, ctx.positionals[0]) },
    async call (ctx, url, raw) {
      const reply = await callApi(url, 'POST', '/api/v0/get', { dht: dhtOf(ctx), key: ctx.positionals[0], ...(raw ? { raw } : {}) })
      ctx.print(reply, () => `${valueText(reply)}\n(${reply.dht}: ${reply.hops} hop(s), ${ms(reply.latencyMs)})`)
    }
  }),
  clientCommand({
    name: 'findpeer',
    args: '<peer id>',
    summary: 'Find a peer\'s addresses through the kad DHT (libp2p peer routing).',
    arity: [1, 1],
    check: async (ctx) => { await checkPeerId(ctx.positionals[0]) },
    async call (ctx, url) {
      const reply = await callApi(url, 'POST', '/api/v0/findpeer', { peer: ctx.positionals[0] })
      ctx.print(reply, () => [...reply.addresses, `(found in ${ms(reply.latencyMs)})`].join('\n'))
    }
  }),
  clientCommand({
    name: 'lookup',
    args: '<key>',
    summary: 'Find the peer responsible for a key in a DHT, with hop count and latency.',
    arity: [1, 1],
    options: DHT_OPTION,
    help: [DHT_HELP],
    check (ctx) {
      dhtOf(ctx)
      checkKey(ctx.positionals[0])
    },
    async call (ctx, url) {
      const reply = await callApi(url, 'POST', '/api/v0/lookup', { dht: dhtOf(ctx), key: ctx.positionals[0] })
      ctx.print(reply, `${reply.owner}\n(${reply.dht}: ${reply.hops} hop(s), ${ms(reply.latencyMs)})`)
    }
  }),
  clientCommand({
    name: 'publish',
    args: '<topic> <message>',
    summary: 'Publish a message (UTF-8) on a topic.',
    arity: [2, 2],
    options: VIA_OPTION,
    help: [VIA_HELP],
    check (ctx) {
      viaOf(ctx)
      checkTopic(ctx.positionals[0])
      checkMessage(ctx.positionals[1])
    },
    async call (ctx, url) {
      const [topic, message] = ctx.positionals
      const reply = await callApi(url, 'POST', '/api/v0/publish', { via: viaOf(ctx), topic, message })
      ctx.print(reply, `published on '${topic}' via ${reply.via} to ${reply.recipients} peer(s)`)
    }
  }),
  clientCommand({
    name: 'subscribe',
    args: '<topic>',
    summary: 'Print each message on a topic as it arrives, until interrupted or the daemon stops (exit 0 both ways).',
    arity: [1, 1],
    options: VIA_OPTION,
    help: [VIA_HELP],
    check (ctx) {
      viaOf(ctx)
      checkTopic(ctx.positionals[0])
    },
    async call (ctx, url) {
      const controller = new AbortController()
      const stop = (): void => controller.abort()
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
      const topic = ctx.positionals[0]
      try {
        const end = await streamApi(url, '/api/v0/subscribe', { via: viaOf(ctx), topic }, (line) => {
          if (line.subscribed !== undefined) {
            if (ctx.json) ctx.out(JSON.stringify(line))
            else process.stderr.write(`subscribed to '${line.subscribed}' via ${line.via}\n`)
            return
          }
          ctx.print(line, () => `${line.from}: ${valueText(line)}`)
        }, controller.signal)
        if (end === 'closed') process.stderr.write(`the daemon at ${url} stopped; subscription to '${topic}' ended\n`)
      } finally {
        process.off('SIGINT', stop)
        process.off('SIGTERM', stop)
      }
    }
  })
]
