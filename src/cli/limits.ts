/**
 * Limits the command descriptors show in their help, copied here because the modules that own them
 * load libp2p, which `--help` must not wait for. test/cli/limits.test.ts holds each copy equal to
 * its source.
 */

/** src/node/local-network.ts MAX_LOCAL_NODES: 20,000 file descriptors per process allow about 400 TCP peers. */
export const MAX_LOCAL_NODES = 400
