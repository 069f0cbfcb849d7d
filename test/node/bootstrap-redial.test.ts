import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { BootstrapRedial } from '../../src/node/bootstrap-redial.js'

/** A manual clock: timers fire only when the test advances it. */
function harness (state: { needed: boolean, connected: boolean, dialFails?: boolean }) {
  let now = 0
  const timers = new Map<number, { at: number, fn: () => void }>()
  let nextId = 1
  const dials: number[] = []
  const redial = new BootstrapRedial({
    needed: () => state.needed,
    connected: () => state.connected,
    dial: async () => { dials.push(now); if (state.dialFails === true) throw new Error('dial failed') },
    setTimeout: (fn, ms) => { const id = nextId++; timers.set(id, { at: now + ms, fn }); return id },
    clearTimeout: (id) => { timers.delete(id as number) },
    random: () => 0.5
  }, 1000, 8000)
  const advance = async (ms: number): Promise<void> => {
    const until = now + ms
    for (;;) {
      const due = [...timers.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0]
      if (due === undefined) break
      timers.delete(due[0])
      now = due[1].at
      due[1].fn()
      for (let i = 0; i < 5; i++) await Promise.resolve()
    }
    now = until
  }
  return { redial, dials, advance, pending: () => timers.size }
}

describe('bootstrap redial', () => {
  it('redials while the node is alone and no bootstrap peer is connected, backing off to the maximum', async () => {
    const state = { needed: true, connected: false, dialFails: true }
    const h = harness(state)
    h.redial.start()
    await h.advance(1000 + 2000 + 4000 + 8000 + 8000)
    assert.deepEqual(h.dials, [1000, 3000, 7000, 15000, 23000], 'waits 1, 2, 4, 8 s, then stays at 8 s')
    h.redial.stop()
  })

  it('does not dial while joined, nor while a bootstrap peer is connected, and starts from the base wait again', async () => {
    const state = { needed: true, connected: false }
    const h = harness(state)
    h.redial.start()
    await h.advance(3000)
    assert.equal(h.dials.length, 2)
    state.needed = false
    await h.advance(20_000)
    assert.equal(h.dials.length, 2, 'joined: no dial')
    state.needed = true
    state.connected = true
    await h.advance(20_000)
    assert.equal(h.dials.length, 2, 'a bootstrap peer connected: no dial (membership joins through it)')
    state.connected = false
    await h.advance(1000)
    assert.equal(h.dials.length, 3, 'redials within the base wait again, not the 4 s it had reached')
    h.redial.stop()
  })

  it('arms nothing after stop, and a stop during a dial ends it there', async () => {
    const state = { needed: true, connected: false }
    const h = harness(state)
    h.redial.start()
    h.redial.stop()
    assert.equal(h.pending(), 0)
    await h.advance(10_000)
    assert.equal(h.dials.length, 0)
    h.redial.start()
    await h.advance(1000)
    assert.equal(h.dials.length, 1)
    h.redial.stop()
    await h.advance(10_000)
    assert.equal(h.dials.length, 1)
    assert.equal(h.pending(), 0)
  })

  it('spreads each wait over half to one and a half of its length', async () => {
    let draw = 0
    const fired: number[] = []
    const r = new BootstrapRedial({
      needed: () => true,
      connected: () => false,
      dial: async () => {},
      setTimeout: (_fn, ms) => { fired.push(ms); return 0 },
      clearTimeout: () => {},
      random: () => draw
    }, 1000, 8000)
    r.start()
    r.stop()
    draw = 0.999
    r.start()
    assert.deepEqual(fired.map(Math.round), [500, 1499])
    r.stop()
  })

  it('refuses a base wait above its maximum', () => {
    assert.throws(() => new BootstrapRedial({ needed: () => true, connected: () => false, dial: async () => {}, setTimeout: () => 0, clearTimeout: () => {}, random: () => 0.5 }, 5000, 1000), /baseMs <= maxMs/)
  })
})
