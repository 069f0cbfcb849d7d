/**
 * Hard limits of the storage layer Chord and Pastry share, used by the logic and both wire codecs
 * (protocols/chord.md, pastry.md). Invariant: no message the logic builds exceeds these, and the
 * decoders refuse any that does. Each limit's name carries its unit; the comment says where the
 * number comes from.
 */

/** Records in one store/handoff message; with MAX_RECORD_BATCH_BYTES bounds a frame. */
export const MAX_RECORDS_PER_MESSAGE = 64
/** Bytes of keys and values in one store/handoff message before a new batch starts (1 MiB). */
export const MAX_RECORD_BATCH_BYTES = 1024 * 1024
/** Key ids in one `sync` or `missing` message (32 KiB of ids). */
export const MAX_KEY_IDS_PER_MESSAGE = 1024
/** The largest key any node accepts, whatever its Init says (bytes). */
export const MAX_KEY_BYTES_LIMIT = 1024
/** The largest value any node accepts, whatever its Init says (bytes, 1 MiB). */
export const MAX_VALUE_BYTES_LIMIT = 1024 * 1024
/**
 * Keys remembered as changed between two storage steps, so that the step after a put or a handoff
 * handles those keys alone; beyond this the step makes a full pass over the store.
 */
export const MAX_DIRTY_RECORDS = 4096
/**
 * The largest signature a record may carry (bytes): Ed25519's is 64, a secp256k1 DER signature at
 * most 72; 128 leaves room for another scheme without letting the field carry data.
 */
export const MAX_SIGNATURE_BYTES = 128
/**
 * Records an owner fetches from one replica holder per digest message because the holder has them
 * newer: after a partition heals, the rest follow at the next storage steps (64 fetches bound the
 * work one step does for one holder).
 */
export const MAX_NEWER_FETCHES_PER_SYNC = 64
/** Keys whose last written seq a node remembers, so two puts in one millisecond still go up. */
export const MAX_WRITTEN_KEYS_REMEMBERED = 4096
/**
 * Records of a hand-off read back from the new owner before this node counts them as handed over
 * (issue 10): its acknowledgment is a claim, a record it serves is evidence. Drawn at random from
 * what it took, so an owner that keeps a fraction f of them passes with probability f^8; one that
 * keeps nothing never does.
 */
export const HANDOFF_READBACK_SAMPLE = 8
