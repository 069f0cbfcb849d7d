/**
 * The published figures the SIR experiment stands beside (THEORY.md, Epidemics): the residue of
 * rumor mongering with feedback and coin, s = exp(-(k+1)(1-s)) (Demers et al. 1987 §1.4); the
 * per-round share still susceptible in the SI model (pull P' = P², push P' = P·e^-(1-P)); and the
 * rounds to inform everyone (Pittel 1987; Karp et al. 2000; Doerr & Kostrygin 2017).
 * Invariant: pure functions of their arguments.
 */
import type { SirMode } from '../sir/config.js'

/**
 * The residue s* in (0, 1) solving s = exp(-(k+1)(1-s)) (s = 1 is the other, trivial root); 0 for
 * k = Infinity. Bisection on [0, s_max], where f(s) = s - exp(-(k+1)(1-s)) is negative at 0 and
 * peaks at s_max = 1 - ln(k+1)/(k+1) with a positive value.
 */
export function theoryResidue (k: number): number {
  if (!(k >= 1)) throw new RangeError('k must be >= 1')
  if (k === Infinity) return 0
  const a = k + 1
  const f = (s: number): number => s - Math.exp(-a * (1 - s))
  let lo = 0
  let hi = 1 - Math.log(a) / a
  for (let i = 0; i < 200 && hi - lo > 1e-15; i++) {
    const mid = (lo + hi) / 2
    if (f(mid) < 0) lo = mid
    else hi = mid
  }
  return (lo + hi) / 2
}

/**
 * Expected pushes per node in push mode with feedback and coin: each contact either informs a
 * node or, with probability 1/k, removes its sender, and every informed node is removed in the
 * end, so contacts ≈ (1 + k)·(informed) = (k+1)(1-s*)·N.
 */
export function theoryPushTrafficPerNode (k: number): number {
  return (k + 1) * (1 - theoryResidue(k))
}

/**
 * One round of the SI recursions from the actual share P still susceptible: pull P² (a node stays
 * susceptible when the one peer it asks is); push P·e^-(1-P) (no informed node pushed to it);
 * push-pull both at once, P²·e^-(1-P).
 */
export function nextSusceptible (mode: SirMode, p: number): number {
  switch (mode) {
    case 'pull': return p * p
    case 'push': return p * Math.exp(-(1 - p))
    case 'pushpull': return p * p * Math.exp(-(1 - p))
  }
}

export interface RoundsToAllTheory {
  value: number
  formula: string
}

/**
 * Rounds until every node is informed, from one informed node: push log2 N + ln N (Pittel 1987);
 * push-pull log3 N + log2 ln N (Doerr & Kostrygin 2017, without its O(1); Karp et al. give
 * log3 N + O(log log N)); pull log2 N + log2 ln N (doubling while few know, then squaring P — our
 * reading of the recursion, not a published constant).
 */
export function theoryRoundsToAll (mode: SirMode, n: number): RoundsToAllTheory {
  const lnN = Math.log(n)
  switch (mode) {
    case 'push': return { value: Math.log2(n) + lnN, formula: 'log2 N + ln N' }
    case 'pull': return { value: Math.log2(n) + Math.log2(lnN), formula: 'log2 N + log2 ln N' }
    case 'pushpull': return { value: Math.log(n) / Math.log(3) + Math.log2(lnN), formula: 'log3 N + log2 ln N' }
  }
}
