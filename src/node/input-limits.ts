/**
 * The node's limits on user keys and values, in a module that imports nothing: the CLI checks
 * input against them before any daemon is asked, and must not load libp2p to do so.
 */

/** Largest user key, in UTF-8 bytes. Generous for names and paths; keeps DHT keys small. */
export const MAX_KEY_BYTES = 512

/** Largest value, in bytes. 16 KiB, well inside kad-dht's 4 MiB message cap and one Noise frame per 4 records. */
export const MAX_VALUE_BYTES = 16 * 1024
