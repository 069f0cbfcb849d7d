/**
 * Hard limits of the Chord protocol, shared by the logic and the wire codec (protocols/chord.md).
 * Invariant: no message the logic builds exceeds these, and the decoder refuses any that does.
 * Each limit's name carries its unit; the comment says where the number comes from.
 */

/** Successor-list entries in one message. r is at most this (r = O(log N) suffices: Stoica §5.3). */
export const MAX_SUCCESSORS = 32
/** Candidate nodes in one `closer` reply: enough to fall back past a few dead fingers. */
export const MAX_CLOSER_NODES = 8
/** Successor-list entries appended to a `closer` reply (the way past a dead closest-preceding node). */
export const MAX_SUCCESSORS_IN_CLOSER = 24
/** The storage layer's message and record limits (src/dht/limits.ts), which the codec also applies. */
export { MAX_KEY_BYTES_LIMIT, MAX_KEY_IDS_PER_MESSAGE, MAX_RECORD_BATCH_BYTES, MAX_RECORDS_PER_MESSAGE, MAX_VALUE_BYTES_LIMIT } from '../dht/limits.js'
/**
 * The largest frame a Chord reader needs: one batch of values plus 64 keys and framing overhead
 * (2 MiB + 64 KiB margin). The runtime's length-prefixed reader refuses anything longer.
 */
export const MAX_FRAME_BYTES = 2 * 1024 * 1024 + 64 * 1024
/**
 * Peers whose recent failure a node remembers (FailedPeers): more than the successor list (32) plus
 * the distinct fingers of a 10^6-node ring (about 20) plus the candidates of a few lookups.
 */
export const MAX_FAILED_PEERS = 256
