/**
 * SIR's typed requests and responses, the only shapes the logic and the wire codec exchange
 * (protocols/sir.md). Every exchange is one request answered by one response: push needs the
 * answer for its feedback (Demers et al. 1987 §1.3), pull and anti-entropy need it for the rumors.
 * Invariant: lists respect limits.ts; the responder is the runtime-authenticated `from`.
 */
import type { Rumor, RumorId } from './rumor.js'

export type SirRequest =
  /** Push: the rumors the caller is infected with. */
  | { readonly type: 'push', readonly rumors: readonly Rumor[] }
  /** Pull: the ids the caller holds (newest first); "send me the hot rumors I lack". */
  | { readonly type: 'pull', readonly digest: readonly RumorId[] }
  /** Push-pull: both in one exchange. */
  | { readonly type: 'pushpull', readonly rumors: readonly Rumor[], readonly digest: readonly RumorId[] }
  /** Anti-entropy: "send me every stored rumor (hot or not) I lack". */
  | { readonly type: 'sync', readonly digest: readonly RumorId[] }

export type SirResponse =
  /** Feedback to a push: known[i] is true when the responder already knew rumors[i]. */
  | { readonly type: 'push-ack', readonly known: readonly boolean[] }
  /** The answer to pull and sync: rumors the caller lacks. */
  | { readonly type: 'rumors', readonly rumors: readonly Rumor[] }
  /** The answer to push-pull: feedback on the pushed rumors and the hot rumors the caller lacks. */
  | { readonly type: 'pushpull-ack', readonly known: readonly boolean[], readonly rumors: readonly Rumor[] }

export type SirRequestType = SirRequest['type']
export type SirResponseType = SirResponse['type']

/** SIR sends no fire-and-forget messages. */
export type SirMessage = never
