/**
 * Hard limits of the Pastry protocol, shared by the logic and the wire codec (protocols/pastry.md).
 * Invariant: no message the logic builds exceeds these, and the decoder refuses any that does.
 * Each limit's name carries its unit; the comment says where the number comes from.
 */
import { ID_DIGITS } from '../core/id.js'

/** Rows of the routing table: one per base-16 digit of an id (Rowstron & Druschel 2001 §2.1, b = 4). */
export const ROUTING_ROWS = ID_DIGITS
/** Columns per row: 2^b with b = 4. */
export const ROUTING_COLUMNS = 16
/** The largest leaf set |L| any node keeps or accepts (the paper uses 16 or 32; 64 leaves headroom). */
export const MAX_LEAF_SET_SIZE = 64
/** Leaf-set entries on one side in one message: |L| / 2. */
export const MAX_LEAVES_PER_SIDE = MAX_LEAF_SET_SIZE / 2
/** Nodes in one `next` answer: the next hop, then alternates for when it has failed. */
export const MAX_NEXT_NODES = 8
/** Routing-table rows one join step returns (a join path skips a row rarely; 4 covers gaps of 3). */
export const MAX_JOIN_ROWS_PER_REPLY = 4
/** Routing-table entries in one reply: MAX_JOIN_ROWS_PER_REPLY rows of at most 15 other nodes. */
export const MAX_ROW_NODES_PER_REPLY = MAX_JOIN_ROWS_PER_REPLY * (ROUTING_COLUMNS - 1)
/** The storage layer's message and record limits (src/dht/limits.ts), which the codec also applies. */
export { MAX_KEY_BYTES_LIMIT, MAX_KEY_IDS_PER_MESSAGE, MAX_RECORD_BATCH_BYTES, MAX_RECORDS_PER_MESSAGE, MAX_VALUE_BYTES_LIMIT } from '../dht/limits.js'
/**
 * The largest frame a Pastry reader needs: one batch of values plus 64 keys and framing overhead
 * (2 MiB + 64 KiB margin, as for Chord). The runtime's length-prefixed reader refuses anything longer.
 */
export const MAX_FRAME_BYTES = 2 * 1024 * 1024 + 64 * 1024
/**
 * Leaf-set members probed per leaf-set step as a backstop, besides the exchange with the nearest
 * neighbour: with |L| = 16 every member can be probed within 16 steps, and a step stays O(1)
 * requests (STYLE.md #8).
 */
export const LEAF_PROBES_PER_STEP = 1
/**
 * Delay before the leaf-set push that follows a failure this node found (ms): long enough to
 * coalesce the failures one crash causes (a probe's answer and a repair), short beside a request
 * timeout, so every member hears within about one round trip.
 */
export const LEAF_PUSH_DELAY_MS = 100
/** Dead routing-table slots waiting for a lazy repair; more are dropped (the slot stays empty). */
export const MAX_PENDING_ROW_REPAIRS = 16
/** Nodes remembered as failed, so hearsay (another node's stale leaf set) cannot bring them back. */
export const MAX_DEAD_PEERS_REMEMBERED = 256
/**
 * Hearsay offers remembered as changing nothing (routing-state.ts): a neighbourhood's leaf sets
 * and a few rows name a few hundred nodes; past this the memory starts again (a cache, not state).
 */
export const MAX_UNHELPFUL_OFFERS_REMEMBERED = 1024
/** Nodes a new node announces itself to: its leaf set first, then its routing table (§2.4). */
export const MAX_ANNOUNCES_PER_JOIN = 256
