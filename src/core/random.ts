/**
 * Seeded random sources (STYLE.md #7): sfc32 (Chris Doty-Humphrey's small fast counter, 128-bit
 * state) seeded by a 128-bit string hash. Invariant: a fork depends only on its parent's seed and the
 * label, never on how many draws the parent made, so adding a node or a purpose leaves every other
 * source's draws unchanged.
 */

export interface Random {
  /** Uniform in [0, 1), 32 bits of resolution. */
  next(): number
  /** Uniform integer in [0, n); n a positive integer <= 2^32. */
  int(n: number): number
  /** An independent source for `label` (e.g. a node address, then a purpose such as "jitter"). */
  fork(label: string): Random
  /** A uniform element of a non-empty array. */
  pick<T>(xs: readonly T[]): T
  /** Fisher–Yates shuffle in place; returns `xs`. */
  shuffle<T>(xs: T[]): T[]
  /** The seed path this source was made from (for logs). */
  readonly seed: string
}

/** Draws discarded after seeding so that similar seeds do not give correlated first outputs. */
const WARM_UP_DRAWS = 12
const TWO_POW_32 = 0x100000000

/** A seeded source; `createRandom(s)` and `createRandom(s).fork(l)` are pure functions of s and l. */
export function createRandom (seed: number | string): Random {
  return new Sfc32(String(seed))
}

class Sfc32 implements Random {
  readonly seed: string
  private a: number
  private b: number
  private c: number
  private d: number

  constructor (seed: string) {
    this.seed = seed
    const [a, b, c, d] = cyrb128(seed)
    this.a = a; this.b = b; this.c = c; this.d = d
    for (let i = 0; i < WARM_UP_DRAWS; i++) this.nextUint32()
  }

  private nextUint32 (): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0
    this.d = (this.d + 1) | 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) | 0
    this.c = (this.c << 21) | (this.c >>> 11)
    this.c = (this.c + t) | 0
    return t >>> 0
  }

  next (): number {
    return this.nextUint32() / TWO_POW_32
  }

  int (n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > TWO_POW_32) throw new RangeError(`int(n) needs an integer 1..2^32, got ${n}`)
    return Math.floor(this.next() * n)
  }

  fork (label: string): Random {
    return new Sfc32(this.seed + '/' + label)
  }

  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new RangeError('pick from an empty array')
    return xs[this.int(xs.length)]
  }

  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.int(i + 1)
      const t = xs[i]; xs[i] = xs[j]; xs[j] = t
    }
    return xs
  }
}

/** cyrb128 (bryc, public domain): a fast 128-bit string hash, used only to seed sfc32. */
function cyrb128 (s: string): [number, number, number, number] {
  let h1 = 1779033703; let h2 = 3144134277; let h3 = 1013904242; let h4 = 2773480762
  for (let i = 0; i < s.length; i++) {
    const k = s.charCodeAt(i)
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067)
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233)
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213)
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179)
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067)
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233)
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213)
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179)
  h1 ^= (h2 ^ h3 ^ h4); h2 ^= h1; h3 ^= h1; h4 ^= h1
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0]
}
