/**
 * Hard limits of the SIR gossip protocol, shared by the logic and the wire codec (protocols/sir.md).
 * Invariant: no message the logic builds exceeds these, and the decoder refuses any that does; a
 * node's own options (SirInit) may only tighten them. Each name carries its unit.
 */

/** Rumors in one push or reply: the rumors a node is spreading at once rarely exceed a few. */
export const MAX_RUMORS_PER_MESSAGE = 64
/** Rumor ids in one digest (pull, push-pull, anti-entropy): 32 KiB of ids; the newest go first. */
export const MAX_DIGEST_IDS = 1024
/** Bytes of rumors a sender puts in one message before it stops adding more (1 MiB). */
export const MAX_BATCH_BYTES = 1024 * 1024
/** The largest payload any node accepts, whatever its Init says (64 KiB). */
export const MAX_PAYLOAD_BYTES_LIMIT = 64 * 1024
/** The longest topic, in UTF-8 bytes (gossipsub topics are short strings). */
export const MAX_TOPIC_BYTES = 256
/** The longest origin peer id multihash (an inlined Ed25519 key is 38 bytes; same bound as Chord). */
export const MAX_ORIGIN_BYTES = 128
/** The longest signature (Ed25519: 64 bytes; secp256k1 DER: at most 72). */
export const MAX_SIGNATURE_BYTES = 128
/** Bytes of a rumor id: a SHA-256 digest. */
export const RUMOR_ID_BYTES = 32
/**
 * Protobuf overhead of one rumor beyond its byte fields: 6 tags, 4 length prefixes (≤ 3 bytes each)
 * and two 64-bit varints (seq, creation time; ≤ 10 bytes each), plus the rumor's own length
 * prefix: 48 (generous; used by the sender's batch budget, see MAX_BATCH_BYTES).
 */
export const RUMOR_OVERHEAD_BYTES = 48
/**
 * The largest frame a SIR reader needs: one batch of rumors (at most MAX_BATCH_BYTES: a sender adds
 * a rumor only while the total stays within it, and one rumor always fits), a full digest
 * (1024 x 34 bytes) and framing: 1 MiB + 64 KiB. The runtime's length-prefixed reader refuses more.
 */
export const MAX_FRAME_BYTES = 1024 * 1024 + 64 * 1024
/** Requests a node keeps outstanding at once; a round that would exceed it sends nothing more. */
export const MAX_IN_FLIGHT_REQUESTS = 32
/** Peers contacted per round at most (Demers' "fan-out"; 1 in the analysed model). */
export const MAX_FANOUT = 16
/** Topics one node may subscribe to at once (each a listener set held in memory). */
export const MAX_SUBSCRIBED_TOPICS = 1024
