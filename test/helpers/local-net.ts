/** Tests use the same in-process network as `testnet` and the benchmarks. */
export { LocalNetwork as LocalNet } from '../../src/node/local-network.js'
