/**
 * Summary statistics shared by the Chord, Pastry and SIR experiments, so every report reads alike.
 * Percentiles use the nearest-rank method on a sorted copy (p in [0, 100]).
 */

export interface Summary {
  mean: number
  p1: number
  p50: number
  p99: number
  max: number
}

export function mean (xs: readonly number[]): number {
  if (xs.length === 0) return NaN
  let s = 0
  for (const x of xs) s += x
  return s / xs.length
}

/** Population standard deviation. */
export function std (xs: readonly number[]): number {
  if (xs.length === 0) return NaN
  const m = mean(xs)
  let s = 0
  for (const x of xs) s += (x - m) * (x - m)
  return Math.sqrt(s / xs.length)
}

/** Nearest-rank percentile of already sorted values. */
export function percentileSorted (sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN
  if (p <= 0) return sorted[0]
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]
}

export function percentile (xs: readonly number[], p: number): number {
  return percentileSorted(xs.slice().sort((a, b) => a - b), p)
}

export function summarize (xs: readonly number[]): Summary {
  const sorted = xs.slice().sort((a, b) => a - b)
  return {
    mean: mean(sorted),
    p1: percentileSorted(sorted, 1),
    p50: percentileSorted(sorted, 50),
    p99: percentileSorted(sorted, 99),
    max: sorted.length === 0 ? NaN : sorted[sorted.length - 1]
  }
}

/** Rounds for reports (figures in JSON stay readable and stable across platforms). */
export function round (x: number, digits = 3): number {
  const f = 10 ** digits
  return Math.round(x * f) / f
}
