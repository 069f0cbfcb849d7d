/**
 * /metrics of running daemons (the built binary, two peers on 127.0.0.1): after puts, gets and a
 * publish, the overlay series move by exactly the operations served, records held add up across
 * the two, a scrape counts nothing twice, and every series has a HELP text of its own (issue 12).
 */
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { after, before, describe, it } from 'node:test'
import { killAll, startDaemonProcess, tempDir } from '../helpers/cli.js'
import { waitFor } from '../helpers/wait-for.js'
import type { DaemonProcess } from '../helpers/cli.js'

/** One scrape: each sample line `name{labels} value`, keyed by `name{labels}` as printed. */
interface Scrape { samples: Map<string, number>, help: Map<string, string>, text: string }

async function scrape (api: string): Promise<Scrape> {
  const res = await fetch(`${api}/metrics`)
  assert.equal(res.status, 200)
  const text = await res.text()
  const samples = new Map<string, number>()
  const help = new Map<string, string>()
  for (const line of text.split('\n')) {
    const described = /^# HELP (\S+) (.*)$/.exec(line)
    if (described !== null) help.set(described[1], described[2])
    const sample = /^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?) (\S+)$/.exec(line)
    if (sample !== null) samples.set(sample[1], Number(sample[2]))
  }
  return { samples, help, text }
}

const value = (s: Scrape, series: string): number => s.samples.get(series) ?? 0
const moved = (before: Scrape, after: Scrape, series: string): number => value(after, series) - value(before, series)

async function api (daemon: DaemonProcess, path: string, body: object): Promise<{ status: number, json: any }> {
  const res = await fetch(`${daemon.info.api}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return { status: res.status, json: await res.json() }
}

describe('/metrics of a running daemon', { timeout: 120_000 }, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let a: DaemonProcess
  let b: DaemonProcess
  before(async () => {
    dir = await tempDir('overlay-metrics-')
    a = await startDaemonProcess(['--repo', `${dir.path}/a`, '--local'])
    b = await startDaemonProcess(['--repo', `${dir.path}/b`, '--local', '--bootstrap', a.info.addresses[0]])
    await waitFor(async () => {
      const joined = await Promise.all([a, b].map(async d => (await api(d, '/api/v0/status', { overlay: 'chord' })).json.joined === true))
      const views = await Promise.all([a, b].map(async d => (await api(d, '/api/v0/status', { overlay: 'sir' })).json.viewSize > 0))
      return [...joined, ...views].every(Boolean)
    }, { timeoutMs: 40_000, intervalMs: 250, what: 'a Chord ring and SIR views of two' })
  })
  after(async () => {
    for (const d of [a, b]) await d?.stop()
    killAll()
    await dir?.remove()
  })

  it('after one Chord get and one SIR publish, its /metrics has overlay_chord_* and overlay_sir_* series above 0', async () => {
    // b writes the record; a serves exactly one Chord get and one SIR publish through its API.
    const put = await api(b, '/api/v0/put', { dht: 'chord', key: 'shown', value: 'on the dashboard' })
    assert.equal(put.status, 200, JSON.stringify(put.json))
    assert.equal((await api(a, '/api/v0/get', { dht: 'chord', key: put.json.key })).json.value, 'on the dashboard')
    assert.equal((await api(a, '/api/v0/publish', { via: 'sir', topic: 'shown', message: 'hello' })).status, 200)
    const s = await scrape(a.info.api)
    assert.equal(value(s, 'overlay_chord_operations_total{op="get",outcome="ok"}'), 1)
    assert.equal(value(s, 'overlay_chord_hops_count{op="get"}'), 1)
    assert.equal(value(s, 'overlay_chord_operation_seconds_count{op="get"}'), 1)
    assert.equal(value(s, 'overlay_sir_rumors_total{event="published"}'), 1)
    assert.ok(value(s, 'overlay_sir_rumors{state="infective"}') + value(s, 'overlay_sir_rumors{state="removed"}') >= 1)
    assert.ok(value(s, 'overlay_chord_requests_total{direction="outbound"}') > 0)
    assert.equal(value(s, 'overlay_chord_joined'), 1)
  })

  it('counts each Chord operation once, by outcome, with its hops, and the records held', async () => {
    const keysOfA: string[] = []
    for (const name of ['a0', 'a1']) {
      const put = await api(a, '/api/v0/put', { dht: 'chord', key: name, value: `value of ${name}` })
      assert.equal(put.status, 200, JSON.stringify(put.json))
      keysOfA.push(put.json.key)
    }
    const startB = await scrape(b.info.api)
    for (const name of ['b0', 'b1', 'b2']) assert.equal((await api(b, '/api/v0/put', { dht: 'chord', key: name, value: `value of ${name}` })).status, 200)
    for (const key of keysOfA) assert.equal((await api(b, '/api/v0/get', { dht: 'chord', key })).json.value, `value of ${key.split('/')[1]}`)
    assert.equal((await api(b, '/api/v0/get', { dht: 'chord', key: `${a.info.peerId}/absent` })).status, 404)
    const endB = await scrape(b.info.api)

    assert.equal(moved(startB, endB, 'overlay_chord_operations_total{op="put",outcome="ok"}'), 3)
    assert.equal(moved(startB, endB, 'overlay_chord_operations_total{op="get",outcome="ok"}'), 2)
    assert.equal(moved(startB, endB, 'overlay_chord_operations_total{op="get",outcome="not_found"}'), 1)
    assert.equal(moved(startB, endB, 'overlay_chord_hops_count{op="put"}'), 3)
    assert.equal(moved(startB, endB, 'overlay_chord_hops_count{op="get"}'), 2)
    assert.equal(moved(startB, endB, 'overlay_chord_operation_seconds_count{op="get"}'), 3, 'every get is timed, found or not')
    assert.ok(value(endB, 'overlay_chord_hops_bucket{le="32",op="get"}') >= 2)

    // Each of the five keys has one owner among the two peers; records held add up to that.
    await waitFor(async () => {
      const [sa, sb] = await Promise.all([scrape(a.info.api), scrape(b.info.api)])
      const primary = value(sa, 'overlay_chord_records{role="primary"}') + value(sb, 'overlay_chord_records{role="primary"}')
      const replica = value(sa, 'overlay_chord_records{role="replica"}') + value(sb, 'overlay_chord_records{role="replica"}')
      // Six keys (the five here and the first test's), each owned on one peer and copied to the other.
      return primary === 6 && replica === 6
    }, { timeoutMs: 20_000, intervalMs: 250, what: 'six primary and six replica Chord records across the two peers' })
    const [sa, sb] = await Promise.all([scrape(a.info.api), scrape(b.info.api)])
    assert.ok(value(sa, 'overlay_chord_repairs_total{kind="replica_copy_made"}') + value(sb, 'overlay_chord_repairs_total{kind="replica_copy_made"}') >= 6,
      'each owner copied its records to the other peer')
  })

  it('counts Pastry and Kademlia operations and their hops in their own series', async () => {
    await waitFor(async () => (await api(b, '/api/v0/status', { overlay: 'pastry' })).json.joined === true, { timeoutMs: 20_000, intervalMs: 250, what: 'a Pastry network of two' })
    const startB = await scrape(b.info.api)
    const put = await api(b, '/api/v0/put', { dht: 'pastry', key: 'p0', value: 'in pastry' })
    assert.equal(put.status, 200, JSON.stringify(put.json))
    assert.equal((await api(b, '/api/v0/get', { dht: 'pastry', key: put.json.key })).json.value, 'in pastry')
    assert.equal((await api(b, '/api/v0/get', { dht: 'kad', key: `${b.info.peerId}/absent` })).status, 404)
    const endB = await scrape(b.info.api)
    assert.equal(moved(startB, endB, 'overlay_pastry_operations_total{op="put",outcome="ok"}'), 1)
    assert.equal(moved(startB, endB, 'overlay_pastry_hops_count{op="get"}'), 1)
    assert.equal(moved(startB, endB, 'overlay_kad_operations_total{op="get",outcome="not_found"}'), 1)
    assert.equal(moved(startB, endB, 'overlay_kad_operation_seconds_count{op="get"}'), 1)
  })

  it('counts a SIR publish where it is made and where it arrives, and a GossipSub publish', async () => {
    const startA = await scrape(a.info.api)
    const startB = await scrape(b.info.api)
    assert.equal((await api(b, '/api/v0/publish', { via: 'sir', topic: 'news', message: 'hello' })).status, 200)
    assert.equal((await api(b, '/api/v0/publish', { via: 'gossipsub', topic: 'news', message: 'hello' })).status, 200)
    const endB = await scrape(b.info.api)
    assert.equal(moved(startB, endB, 'overlay_sir_rumors_total{event="published"}'), 1)
    assert.ok(value(endB, 'overlay_sir_rumors{state="infective"}') + value(endB, 'overlay_sir_rumors{state="removed"}') >= 1)
    assert.equal(moved(startB, endB, 'gossipsub_msg_publish_count_total{topic="all"}'), 1, 'gossipsub metrics, every topic under one label')
    await waitFor(async () => moved(startA, await scrape(a.info.api), 'overlay_sir_rumors_total{event="accepted"}') === 1,
      { timeoutMs: 20_000, intervalMs: 250, what: 'the rumor accepted by the other peer' })
  })

  it('counts nothing twice: two scrapes with no operation between give the same counts', async () => {
    const first = await scrape(b.info.api)
    const second = await scrape(b.info.api)
    const counted = [...first.samples.keys()].filter(k => /^overlay_(chord|pastry|kad)_operations_total|^overlay_sir_rumors_total\{event="published"\}|^overlay_\w+_hops_count|^overlay_\w+_records_rejected_total/.test(k))
    assert.ok(counted.length >= 4, counted.join(', '))
    for (const series of counted) assert.equal(value(second, series), value(first, series), series)
    assert.ok(value(first, 'overlay_chord_operations_total{op="put",outcome="ok"}') > 0)
  })

  it('gives every series a HELP text of its own, and exports each overlay', async () => {
    const { help } = await scrape(b.info.api)
    for (const prefix of ['overlay_chord_', 'overlay_pastry_', 'overlay_kad_', 'overlay_sir_', 'gossipsub_', 'libp2p_']) {
      assert.ok([...help.keys()].some(name => name.startsWith(prefix)), `a ${prefix}* series`)
    }
    for (const [name, text] of help) {
      assert.notEqual(text, name, `${name} has its name as HELP`)
      assert.ok(text.includes(' '), `${name} has a HELP of one word: ${text}`)
    }
  })

  it('every overlay series it serves is in the README\'s table of series', async () => {
    const readme = await readFile(new URL('../../../README.md', import.meta.url), 'utf8')
    const table = readme.slice(readme.indexOf('### Metrics'), readme.indexOf('### Our overlays'))
    const documented = new Set([...table.matchAll(/^\| `(overlay_[^`]+)`/gm)].flatMap(m => {
      const name = m[1].replace('<dht>', '{kad,chord,pastry}')
      const set = /\{([a-z,]+)\}/.exec(name)
      return set === null ? [name] : set[1].split(',').map(part => name.replace(set[0], part))
    }))
    const { help } = await scrape(b.info.api)
    const served = [...help.keys()].filter(name => name.startsWith('overlay_'))
    assert.ok(served.length >= 30, served.join(', '))
    for (const name of served) assert.ok(documented.has(name), `${name} is served but not in the README's table`)
  })

  it('serves every series the Grafana dashboard (docs/grafana-dashboard.json) queries', async () => {
    const dashboard = JSON.parse(await readFile(new URL('../../../docs/grafana-dashboard.json', import.meta.url), 'utf8'))
    const dhts: string[] = dashboard.templating.list.find((v: { name: string }) => v.name === 'dht').query.split(',')
    const exprs: string[] = dashboard.panels.flatMap((p: { targets?: Array<{ expr: string }> }) => (p.targets ?? []).map(t => t.expr))
    const names = new Set(exprs.flatMap(e => dhts.map(dht => e.replaceAll('${dht}', dht))).flatMap(e => e.match(/\b(?:overlay|gossipsub|libp2p)_\w+/g) ?? []))
    assert.ok(names.size >= 20, [...names].join(', '))
    const { help } = await scrape(b.info.api)
    for (const name of names) assert.ok(help.has(name) || help.has(name.replace(/_(bucket|sum|count)$/, '')), `the dashboard queries ${name}, which /metrics does not serve`)
  })
})
