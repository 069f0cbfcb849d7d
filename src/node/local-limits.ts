/**
 * Limits of an in-process local network, in a module that imports nothing, so that the CLI's
 * help can show them without loading libp2p.
 */

/** 20,000 file descriptors per process allow about 400 TCP peers with the DHT (measured). */
export const MAX_LOCAL_NODES = 400
