import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import {
  ID_BITS, ID_DIGITS, RING_SIZE, absDistance, addPow2, compareIds, digit, idFromDigest, idFromHex,
  idToBytes, idToHex, inInterval, keyId, log2Floor, nodeIdFromPeerIdBytes, ringDistance, sharedPrefixLength
} from '../../src/core/id.js'
import { createRandom, type Random } from '../../src/core/random.js'

const SEED = process.env.PROPERTY_SEED ?? 'id-props-1'
const CASES = 2000

function randomId (random: Random): bigint {
  // Mix uniform ids with ids near the ends and near each other, where off-by-one bugs live.
  const kind = random.int(4)
  let x = 0n
  for (let i = 0; i < 8; i++) x = (x << 32n) | BigInt(random.int(0x100000000))
  if (kind === 0) return BigInt(random.int(4))
  if (kind === 1) return RING_SIZE - 1n - BigInt(random.int(4))
  return x
}

/** Reference: walk the arc by its definition, on small offsets from a. */
function referenceIn (x: bigint, a: bigint, b: bigint, leftOpen: boolean, rightOpen: boolean): boolean {
  const mod = (v: bigint): bigint => ((v % RING_SIZE) + RING_SIZE) % RING_SIZE
  if (a === b) return !(leftOpen && rightOpen && x === a)
  const dx = mod(x - a); const db = mod(b - a)
  const lowOk = leftOpen ? dx > 0n : dx >= 0n
  const highOk = rightOpen ? dx < db : dx <= db
  return lowOk && highOk
}

describe('id arithmetic (property tests)', () => {
  console.log(`property seed ${SEED} (set PROPERTY_SEED to replay)`)

  test('hex and bytes round-trip; digest reads big-endian', () => {
    const random = createRandom(SEED).fork('roundtrip')
    for (let i = 0; i < CASES; i++) {
      const id = randomId(random)
      assert.equal(idFromHex(idToHex(id)), id)
      assert.equal(idToHex(id).length, 64)
      assert.equal(idFromDigest(idToBytes(id)), id)
    }
    const bytes = new Uint8Array(32); bytes[31] = 1
    assert.equal(idFromDigest(bytes), 1n)
    bytes[0] = 0x80
    assert.equal(idFromDigest(bytes), (1n << 255n) + 1n)
    assert.throws(() => idFromDigest(new Uint8Array(31)))
    assert.throws(() => idFromHex('abc'))
  })

  test('keyId and nodeIdFromPeerIdBytes are SHA-256 read as a number', () => {
    const key = new TextEncoder().encode('hello')
    const expected = BigInt('0x' + createHash('sha256').update(key).digest('hex'))
    assert.equal(keyId(key), expected)
    assert.equal(nodeIdFromPeerIdBytes(key), expected)
  })

  test('compareIds is a total order consistent with <', () => {
    const random = createRandom(SEED).fork('compare')
    for (let i = 0; i < CASES; i++) {
      const a = randomId(random); const b = randomId(random)
      assert.equal(compareIds(a, b), a < b ? -1 : a > b ? 1 : 0)
      assert.equal(compareIds(a, b) + compareIds(b, a), 0)
    }
  })

  test('inInterval matches the reference for all four end kinds, including a === b', () => {
    const random = createRandom(SEED).fork('interval')
    for (let i = 0; i < CASES; i++) {
      const a = randomId(random)
      const b = random.int(5) === 0 ? a : randomId(random)
      const pickX = random.int(4)
      const x = pickX === 0 ? a : pickX === 1 ? b : randomId(random)
      for (const leftOpen of [true, false]) {
        for (const rightOpen of [true, false]) {
          assert.equal(inInterval(x, a, b, { leftOpen, rightOpen }), referenceIn(x, a, b, leftOpen, rightOpen),
            `x=${x} a=${a} b=${b} ${leftOpen} ${rightOpen}`)
        }
      }
      // (a, b] and (b, a] partition the ring when a !== b.
      if (a !== b) {
        const open = { leftOpen: true, rightOpen: false }
        assert.notEqual(inInterval(x, a, b, open), inInterval(x, b, a, open))
      }
    }
    assert.equal(inInterval(5n, 5n, 5n, { leftOpen: true, rightOpen: true }), false)
    assert.equal(inInterval(5n, 5n, 5n, { leftOpen: true, rightOpen: false }), true)
    assert.equal(inInterval(6n, 5n, 5n, { leftOpen: true, rightOpen: true }), true)
  })

  test('ring distances: clockwise adds up to the ring, abs is the shorter way', () => {
    const random = createRandom(SEED).fork('distance')
    for (let i = 0; i < CASES; i++) {
      const a = randomId(random); const b = randomId(random)
      const d = ringDistance(a, b)
      assert.ok(d >= 0n && d < RING_SIZE)
      assert.equal((a + d) % RING_SIZE, b)
      if (a !== b) assert.equal(d + ringDistance(b, a), RING_SIZE)
      const abs = absDistance(a, b)
      assert.equal(abs, absDistance(b, a))
      assert.equal(abs, d < RING_SIZE - d ? d : (a === b ? 0n : RING_SIZE - d))
    }
  })

  test('addPow2 wraps and lands in the interval it starts', () => {
    const random = createRandom(SEED).fork('pow2')
    for (let i = 0; i < CASES; i++) {
      const id = randomId(random); const k = random.int(ID_BITS)
      const s = addPow2(id, k)
      assert.equal(s, (id + (1n << BigInt(k))) % RING_SIZE)
      assert.equal(ringDistance(id, s), 1n << BigInt(k))
      assert.equal(log2Floor(ringDistance(id, s)), k)
    }
    assert.equal(addPow2(RING_SIZE - 1n, 0), 0n)
    assert.throws(() => addPow2(0n, 256))
  })

  test('digit and sharedPrefixLength agree with the hex string', () => {
    const random = createRandom(SEED).fork('digits')
    for (let i = 0; i < CASES; i++) {
      const a = randomId(random)
      // b shares a random prefix with a, then differs.
      const keep = random.int(ID_DIGITS + 1)
      const ha = idToHex(a)
      let hb = ha.slice(0, keep)
      if (keep < ID_DIGITS) {
        const d = parseInt(ha[keep], 16)
        hb += ((d + 1 + random.int(15)) % 16).toString(16)
        while (hb.length < ID_DIGITS) hb += random.int(16).toString(16)
      }
      const b = idFromHex(hb)
      assert.equal(sharedPrefixLength(a, b), keep)
      assert.equal(sharedPrefixLength(b, a), keep)
      const j = random.int(ID_DIGITS)
      assert.equal(digit(a, j), parseInt(ha[j], 16))
    }
    assert.equal(digit(idFromHex('f' + '0'.repeat(63)), 0), 15)
    assert.equal(digit(1n, 63), 1)
  })
})
