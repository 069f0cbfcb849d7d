/**
 * `overlay-node bench <suite>`: the benchmark suites, each writing report.json and report.md into
 * `--out DIR` (default `bench-results/<date>-<suite>/`, ignored by git). The suite code is loaded
 * only when a suite runs, so `--help` stays fast.
 */
import { intFlag, parseCommandLine, stringFlag } from '../command.js'
import { MAX_LOCAL_NODES } from '../../node/local-limits.js'
import { DEFAULT_GOSSIP_LINKS, MAX_GOSSIP_LINKS, MAX_WORKER_NETWORK_NODES, PEERS_PER_PROCESS } from '../../node/worker-network-limits.js'
import { progressWriter } from '../progress.js'
import { SIR_MODES, type SirMode } from '../../sir/config.js'
import { parseKList } from './sim-sir.js'
import { UsageError } from '../usage-error.js'
import type { Command, CommandContext } from '../command.js'

const CONFIG_NAMES = ['stock', 'chord', 'pastry', 'sir', 'all']

/** `bench-results/2026-12-02T16-40-00-cost`: sortable, and unique per run. */
export function defaultOutDir (suite: string): string {
  return `bench-results/${new Date().toISOString().slice(0, 19).replace(/:/g, '-')}-${suite}`
}

export const benchCostCommand: Command = {
  name: 'bench cost',
  args: '',
  summary: 'Idle CPU, RSS, event-loop lag and connections per peer: the stock stack alone, plus each of our overlays, then all.',
  arity: [0, 0],
  json: true,
  options: { nodes: { type: 'string' }, out: { type: 'string' }, settle: { type: 'string' }, window: { type: 'string' }, configs: { type: 'string' } },
  help: [
    `--nodes N         peers per configuration, all in one worker process (default 30, at most ${MAX_LOCAL_NODES})`,
    '--settle S        seconds between the last peer up and the window (default 30)',
    '--window S        seconds measured (default 40)',
    `--configs LIST    comma-separated, from ${CONFIG_NAMES.join(', ')} (default all five, in that order)`,
    '--out DIR         where report.json and report.md go (default bench-results/<date>-cost/)'
  ],
  async run (ctx) {
    const nodes = intFlag(ctx, 'nodes', 30, 2, MAX_LOCAL_NODES)
    const settleMs = intFlag(ctx, 'settle', 30, 0, 3600) * 1000
    const windowMs = intFlag(ctx, 'window', 40, 1, 3600) * 1000
    const configs = (stringFlag(ctx, 'configs') ?? CONFIG_NAMES.join(',')).split(',').map(s => s.trim())
    const unknown = configs.filter(c => !CONFIG_NAMES.includes(c))
    if (unknown.length > 0 || configs.length === 0) throw new UsageError(`--configs takes names from ${CONFIG_NAMES.join(', ')}, got '${unknown.join(',')}'`)
    const outDir = stringFlag(ctx, 'out') ?? defaultOutDir('cost')
    const { runCostSuite, costTable } = await import('../../bench/cost.js')
    const report = await runCostSuite({ nodes, outDir, settleMs, windowMs, configs, log: line => { process.stderr.write(line + '\n') } })
    ctx.print(report, () => `${costTable(report)}\nwrote ${outDir}/report.json and report.md`)
    return 0
  }
}

/** The flags the real-network suites share (--nodes, --processes, --settle, --concurrency, --seed, --out), each checked. */
function networkSuiteFlags (ctx: Parameters<Command['run']>[0], suite: string): { nodes: number, processes: number | undefined, settleS: number, concurrency: number, seed: string, outDir: string } {
  const nodes = intFlag(ctx, 'nodes', 48, 3, MAX_WORKER_NETWORK_NODES)
  const processes = ctx.flags.processes === undefined ? undefined : intFlag(ctx, 'processes', 1, 1, nodes)
  const settleS = intFlag(ctx, 'settle', 10, 0, 3600)
  const concurrency = intFlag(ctx, 'concurrency', 4, 1, 64)
  const seed = stringFlag(ctx, 'seed') ?? '1'
  if (seed.trim() === '') throw new UsageError('--seed must not be empty')
  return { nodes, processes, settleS, concurrency, seed, outDir: stringFlag(ctx, 'out') ?? defaultOutDir(suite) }
}

/** `--targets FILE` read and checked (a UsageError, exit 2, for a bad file), or undefined without it; it names the peers, so it takes no --nodes or --processes. */
async function targetsFlag (ctx: Parameters<Command['run']>[0]): Promise<string[] | undefined> {
  const file = stringFlag(ctx, 'targets')
  if (file === undefined) return undefined
  if (ctx.flags.nodes !== undefined || ctx.flags.processes !== undefined) throw new UsageError('--targets names the peers: it takes no --nodes or --processes')
  return await (await import('../../bench/targets.js')).readTargets(file)
}

/** What `bench --help` says of the flags the real-network suites share. */
export const BENCH_FAMILY_NOTE = [
  'dht, gossip and churn take --targets FILE (control-API URLs of running daemons, one per line, here or on other',
  'hosts) to drive that network through the daemons\' APIs instead of starting peers: dht and gossip leave the',
  'daemons running (gossip sets SIR\'s k and mode back); churn makes graceful leaves only (--leaves L), since',
  'joins and crashes cannot be made through an API.'
]

const TARGETS_HELP = [
  '--targets FILE    drive running daemons instead of starting peers: one control-API URL (http://host:port)',
  '                  or API multiaddr per line, # comments; here or on other hosts; N is their count'
]

export const benchDhtCommand: Command = {
  name: 'bench dht',
  args: '',
  summary: 'kad, Chord and Pastry on the same real peers across processes: hops, latency and failures beside theory and the simulator.',
  arity: [0, 0],
  json: true,
  options: { nodes: { type: 'string' }, keys: { type: 'string' }, lookups: { type: 'string' }, seed: { type: 'string' }, processes: { type: 'string' }, settle: { type: 'string' }, concurrency: { type: 'string' }, out: { type: 'string' }, targets: { type: 'string' } },
  help: [
    `--nodes N         real peers (default 48, at most ${MAX_WORKER_NETWORK_NODES})`,
    ...TARGETS_HELP,
    '--keys K          keys put into each DHT (default 100)',
    '--lookups L       gets per DHT, the same (key, peer) pairs for each (default 500)',
    '--seed S          draws the gets, and seeds the simulator at the same N (default 1)',
    `--processes P     worker processes holding the peers (default ceil(N / ${PEERS_PER_PROCESS}))`,
    '--settle S        seconds between the Chord ring closing and the puts (default 10)',
    '--concurrency C   gets and puts in flight network-wide (default 4; 1 for an idle network)',
    '--out DIR         where report.json, report.md, samples.csv and the charts (SVG, PNG) go (default bench-results/<date>-dht/)'
  ],
  async run (ctx) {
    const common = networkSuiteFlags(ctx, 'dht')
    const keys = intFlag(ctx, 'keys', 100, 1, 1_000_000)
    const lookups = intFlag(ctx, 'lookups', 500, 1, 1_000_000)
    const targets = await targetsFlag(ctx)
    const { outDir } = common
    const progress = progressWriter()
    const { runDhtSuite, dhtTable } = await import('../../bench/dht.js')
    const report = await runDhtSuite({ ...common, ...(targets === undefined ? {} : { targets, nodes: targets.length }), keys, lookups, log: line => { progress.line(line) } })
    progress.end()
    ctx.print({ ...report, samples: undefined }, () => `${dhtTable(report)}\nwrote ${outDir}/report.json, report.md and samples.csv`)
    return 0
  }
}

/** Messages per configuration: 19 configurations of 500 stay within SIR's default store of 10,000 rumors. */
const MAX_GOSSIP_MESSAGES = 500

export const benchGossipCommand: Command = {
  name: 'bench gossip',
  args: '',
  summary: 'SIR (push, pull, push-pull; each k; no anti-entropy) against gossipsub on the same real peers and messages: residue beside s* and the simulator, latency, copies, bytes.',
  arity: [0, 0],
  json: true,
  options: { nodes: { type: 'string' }, messages: { type: 'string' }, modes: { type: 'string' }, k: { type: 'string' }, links: { type: 'string' }, seed: { type: 'string' }, processes: { type: 'string' }, settle: { type: 'string' }, out: { type: 'string' }, targets: { type: 'string' } },
  help: [
    `--nodes N         real peers (default 64, at most ${MAX_WORKER_NETWORK_NODES})`,
    ...TARGETS_HELP,
    '                  (SIR\'s k and mode are set on them per row and set back at the end; they keep their own',
    '                  anti-entropy; latency is mapped onto this host\'s clock by each daemon\'s measured offset)',
    `--messages M      messages per configuration, the same publishers in each (default 20, at most ${MAX_GOSSIP_MESSAGES})`,
    `--modes LIST      SIR modes, comma-separated, from ${SIR_MODES.join(', ')} (default all three; k and mode are set on the live peers between configurations)`,
    '--k LIST          SIR removal 1/k on feedback: numbers >= 1 or inf (default 1,2,3,4,5,inf)',
    '--seed S          draws the publishers, and seeds the simulator at the same N (default 1)',
    `--processes P     worker processes holding the peers (default ceil(N / ${PEERS_PER_PROCESS}))`,
    `--links L         peers each peer dials once all are up, drawn uniformly (default ${DEFAULT_GOSSIP_LINKS}, 0 with --targets; at most ${MAX_GOSSIP_LINKS}):`,
    '                  SIR\'s view is its connected peers, and s* assumes uniformly random contacts',
    '--settle S        seconds between the links and the first publish (default 15)',
    '--out DIR         where report.json, report.md, samples.csv and the charts (SVG, PNG) go (default bench-results/<date>-gossip/)'
  ],
  async run (ctx) {
    const targets = await targetsFlag(ctx)
    const nodes = targets?.length ?? intFlag(ctx, 'nodes', 64, 3, MAX_WORKER_NETWORK_NODES)
    const messages = intFlag(ctx, 'messages', 20, 1, MAX_GOSSIP_MESSAGES)
    const modes = (stringFlag(ctx, 'modes') ?? SIR_MODES.join(',')).split(',').map(s => s.trim())
    const badMode = modes.find(m => !(SIR_MODES as readonly string[]).includes(m))
    if (badMode !== undefined) throw new UsageError(`--modes takes names from ${SIR_MODES.join(', ')}, got '${badMode}'`)
    if (new Set(modes).size !== modes.length) throw new UsageError('--modes names a mode twice')
    const ks = parseKList(stringFlag(ctx, 'k') ?? '1,2,3,4,5,inf')
    if (new Set(ks).size !== ks.length) throw new UsageError('--k names a value twice')
    const processes = ctx.flags.processes === undefined ? undefined : intFlag(ctx, 'processes', 1, 1, nodes)
    const settleS = intFlag(ctx, 'settle', 15, 0, 3600)
    const links = intFlag(ctx, 'links', targets === undefined ? DEFAULT_GOSSIP_LINKS : 0, 0, Math.min(MAX_GOSSIP_LINKS, nodes - 1))
    const seed = stringFlag(ctx, 'seed') ?? '1'
    if (seed.trim() === '') throw new UsageError('--seed must not be empty')
    const outDir = stringFlag(ctx, 'out') ?? defaultOutDir('gossip')
    const progress = progressWriter()
    const { runGossipSuite, gossipTable } = await import('../../bench/gossip.js')
    const report = await runGossipSuite({ nodes, messages, modes: modes as SirMode[], ks, seed, processes, settleS, links, outDir, ...(targets === undefined ? {} : { targets }), log: line => { progress.line(line) } })
    progress.end()
    ctx.print({ ...report, samples: undefined }, () => `${gossipTable(report)}\nwrote ${outDir}/report.json, report.md and samples.csv`)
    return 0
  }
}

export const benchChurnCommand: Command = {
  name: 'bench churn',
  args: '',
  summary: 'kad, Chord and Pastry on the same real peers under joins, graceful leaves and crashes, one at a time: records moved per event against K/N, keys lost, gets after.',
  arity: [0, 0],
  json: true,
  options: { nodes: { type: 'string' }, keys: { type: 'string' }, joins: { type: 'string' }, leaves: { type: 'string' }, crashes: { type: 'string' }, seed: { type: 'string' }, processes: { type: 'string' }, settle: { type: 'string' }, concurrency: { type: 'string' }, out: { type: 'string' }, targets: { type: 'string' } },
  help: [
    `--nodes N         real peers at the start (default 48, at most ${MAX_WORKER_NETWORK_NODES})`,
    ...TARGETS_HELP,
    '                  (leaves only, each a daemon shut down through its API: give --leaves L; joins and crashes',
    '                  cannot be made through an API, so --joins and --crashes default to 0 and are refused above it)',
    '--keys K          keys put into each DHT before the events (default 500)',
    '--joins J         new peers, one at a time (default 5)',
    '--leaves L        graceful leaves: records handed on, LEAVE sent (default 5)',
    '--crashes C       crashes: a peer stopped without a goodbye (no LEAVE, no handoff) (default 5)',
    '--settle S        seconds after the puts and after each event before the copies are counted (default 10)',
    '--seed S          draws the order of the events, the victims and the peers the gets start from; seeds the simulator (default 1)',
    `--processes P     worker processes holding the peers (default ceil(N / ${PEERS_PER_PROCESS}))`,
    '--concurrency C   puts and gets in flight network-wide (default 4)',
    '--out DIR         where report.json, report.md, samples.csv and the charts (SVG, PNG) go (default bench-results/<date>-churn/)',
    '',
    'Per event and DHT: Chord and Pastry keys moved (a new owner copy, from the peers\' stores, each key once),',
    'handoffs plus promotions from their own counters, and replica copies made, beside K/N, the keys whose true owner changed and the simulator at the same sizes;',
    'for every DHT the copies gained and lost (from each live peer\'s store); for kad (stock, unmodified) how many',
    'of each key\'s k = 20 closest peers hold it. After the events every key is read once per DHT: failed gets,',
    'wrong values, availability, and keys whose every copy is gone.'
  ],
  async run (ctx) {
    const targets = await targetsFlag(ctx)
    const common = { ...networkSuiteFlags(ctx, 'churn'), ...(targets === undefined ? {} : { targets, nodes: targets.length }) }
    const { nodes, outDir } = common
    const keys = intFlag(ctx, 'keys', 500, 1, 1_000_000)
    const joins = intFlag(ctx, 'joins', targets === undefined ? 5 : 0, 0, 10_000)
    const leaves = intFlag(ctx, 'leaves', targets === undefined ? 5 : 0, 0, 10_000)
    const crashes = intFlag(ctx, 'crashes', targets === undefined ? 5 : 0, 0, 10_000)
    if (targets !== undefined && joins + crashes > 0) throw new UsageError('--targets takes --leaves only: a control API can start no new daemon (--joins) and cannot stop one without its goodbye (--crashes)')
    if (targets !== undefined && leaves === 0) throw new UsageError('--targets needs --leaves L: the daemons to shut down through their APIs, one at a time')
    if (joins + leaves + crashes === 0) throw new UsageError('--joins, --leaves and --crashes are all 0: no churn to measure')
    if (leaves + crashes > nodes - 3) throw new UsageError(`--leaves + --crashes must leave at least 3 of the ${nodes} peers, got ${leaves + crashes}`)
    const progress = progressWriter()
    const { runChurnSuite, churnTable } = await import('../../bench/churn.js')
    const report = await runChurnSuite({ ...common, keys, joins, leaves, crashes, log: line => { progress.line(line) } })
    progress.end()
    ctx.print({ ...report, samples: undefined }, () => `${churnTable(report)}\nwrote ${outDir}/report.json, report.md and samples.csv`)
    return 0
  }
}

/**
 * What `bench all` runs, in order, each into `--out DIR/<suite>`: sizes chosen so the four finish
 * within 20 minutes on 2 cores (kad's puts and gossip's configurations are the slow parts).
 */
export const ALL_SUITES: ReadonlyArray<{ suite: string, command: Command, args: string[], seeded: boolean }> = [
  { suite: 'dht', command: benchDhtCommand, args: ['--nodes', '32', '--keys', '50', '--lookups', '200'], seeded: true },
  { suite: 'churn', command: benchChurnCommand, args: ['--nodes', '32', '--keys', '100', '--joins', '3', '--leaves', '3', '--crashes', '3', '--settle', '5'], seeded: true },
  { suite: 'gossip', command: benchGossipCommand, args: ['--nodes', '32', '--messages', '5', '--k', '1,2,3,inf', '--settle', '10'], seeded: true },
  { suite: 'cost', command: benchCostCommand, args: ['--nodes', '16', '--settle', '15', '--window', '20', '--configs', 'stock,all'], seeded: false }
]

/** summary.md of `bench all`: one section per suite, linking its report and showing its charts. */
export function allSummary (runs: ReadonlyArray<{ suite: string, args: string[], wallS: number, error?: string, charts: string[] }>, seed: string): string {
  return [
    `# overlay-node bench all (seed ${seed})`,
    '',
    `${new Date().toISOString().slice(0, 19)}Z. Each suite ran into its own folder; its report.md has the tables, report.json the raw samples.`,
    '',
    '| suite | command | wall s | result |',
    '|---|---|---|---|',
    ...runs.map(r => `| [${r.suite}](${r.suite}/report.md) | \`bench ${r.suite} ${r.args.join(' ')}\` | ${r.wallS} | ${r.error === undefined ? 'done' : `failed: ${r.error.replace(/\|/g, '/')}`} |`),
    '',
    ...runs.flatMap(r => r.charts.length === 0 ? [] : [`## ${r.suite}`, '', ...r.charts.map(c => `![${c}](${r.suite}/${c})`), ''])
  ].join('\n')
}

export const benchAllCommand: Command = {
  name: 'bench all',
  args: '',
  summary: 'dht, churn, gossip and cost at modest sizes (32 peers; cost 16), each into a subfolder of --out, with a summary.md linking them.',
  arity: [0, 0],
  json: false,
  options: { seed: { type: 'string' }, out: { type: 'string' } },
  help: [
    '--seed S          passed to dht, churn and gossip (default 1)',
    '--out DIR         the suites\' subfolders and summary.md go here (default bench-results/<date>-all/)',
    '',
    'Runs, in order (about 20 minutes on 2 cores; a suite that fails is noted and the next one runs):',
    ...ALL_SUITES.map(s => `  bench ${s.suite} ${s.args.join(' ')}${s.seeded ? ' --seed S' : ''} --out DIR/${s.suite}`),
    'For other sizes run the suites one by one.'
  ],
  async run (ctx) {
    const seed = stringFlag(ctx, 'seed') ?? '1'
    if (seed.trim() === '') throw new UsageError('--seed must not be empty')
    const outDir = stringFlag(ctx, 'out') ?? defaultOutDir('all')
    if (outDir.trim() === '') throw new UsageError('--out must not be empty')
    const { mkdir, readdir, writeFile } = await import('node:fs/promises')
    const { join } = await import('node:path')
    await mkdir(outDir, { recursive: true })
    const runs: Array<{ suite: string, args: string[], wallS: number, error?: string, charts: string[] }> = []
    for (const { suite, command, args, seeded } of ALL_SUITES) {
      const dir = join(outDir, suite)
      const argv = [...args, ...(seeded ? ['--seed', seed] : []), '--out', dir]
      process.stderr.write(`bench all: bench ${suite} ${argv.join(' ')}\n`)
      const t0 = performance.now()
      let error: string | undefined
      try {
        const sub: CommandContext = { ...parseCommandLine(command, argv).ctx, out: ctx.out, print: (_result, human) => { ctx.out(typeof human === 'function' ? human() : human) } }
        await command.run(sub)
      } catch (err) {
        error = (err instanceof Error ? err.message : String(err)).split('\n')[0]
        process.stderr.write(`bench all: ${suite} failed: ${error}\n`)
      }
      const charts = (await readdir(dir).catch(() => [])).filter(f => f.endsWith('.png')).sort()
      runs.push({ suite, args: seeded ? [...args, '--seed', seed] : args, wallS: Math.round((performance.now() - t0) / 1000), charts, ...(error === undefined ? {} : { error }) })
    }
    await writeFile(join(outDir, 'summary.md'), allSummary(runs, seed))
    ctx.out(`wrote ${outDir}/summary.md (${runs.map(r => `${r.suite} ${r.wallS} s${r.error === undefined ? '' : ' failed'}`).join(', ')})`)
    return runs.some(r => r.error !== undefined) ? 1 : 0
  }
}
