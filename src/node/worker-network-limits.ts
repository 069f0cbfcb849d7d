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
