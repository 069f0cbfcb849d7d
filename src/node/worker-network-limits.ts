/**
 * Limits of a local network across worker processes (worker-network.ts), in a module that imports
 * nothing, so that the CLI's help can show them without loading libp2p.
 */

/**
 * Peers per worker process when the count is not given: 100 peers with every overlay hold about
 * 2,500 file descriptors (well under the 20,000 one process may have), and issue 8 measured one
 * process on 2 cores saturating its event loop at 100-150 peers with every overlay on.
 */
export const PEERS_PER_PROCESS = 100

/** The largest network `bench dht` starts: issue 11 asks for 1000 real peers; twice that leaves room on a larger machine. */
export const MAX_WORKER_NETWORK_NODES = 2000

/**
 * Links each peer of `bench gossip` dials once all are up, to peers drawn uniformly from the whole
 * network (src/bench/gossip.ts says why 24).
 */
export const DEFAULT_GOSSIP_LINKS = 24
/** At most: each link is a connection end at both peers, so 100 peers of 64 links hold about 13,000 descriptors, within the 20,000 one process may have. */
export const MAX_GOSSIP_LINKS = 64
/** Bytes of a gossip payload that carry its tag (the rest is padding); a worker and `bench gossip --targets` read the tag from them. */
export const GOSSIP_TAG_BYTES = 40
/** Wire protocols whose received bytes count for each gossip overlay (libp2p's per-protocol counters). */
export const GOSSIP_RECEIVED_PROTOCOLS: Record<'gossipsub' | 'sir', RegExp> = { gossipsub: /^\/meshsub\//, sir: /^\/overlay\/sir\// }
