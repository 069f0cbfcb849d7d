/**
 * Phases of a simulator experiment (build, converge, store, lookups, churn, …): the experiment
 * marks where each starts and the caller, which owns the wall clock, times them. An experiment
 * itself never reads the clock, so its report stays a pure function of its options.
 */

/** Marks the start of the named phase (ending the one before). */
export type PhaseMark = (name: string) => void

/** A mark that does nothing, for callers that do not time phases. */
export const NO_PHASES: PhaseMark = () => {}
