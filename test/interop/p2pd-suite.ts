/**
 * libp2p's own interop suite (@libp2p/interop, run by mocha) with our peer, `overlay-node p2pd`,
 * in its "go" slot and stock js-libp2p 3 in its "js" slot (p2pd-daemons.ts). Run it whole with
 * `npm run test:interop`; p2pd-subset.test.ts runs a part of it inside `npm test`.
 * Not a node:test file (no `.test.` in the name): mocha loads it.
 */
import '../../src/polyfill.js'
import { interopTests } from '@libp2p/interop'
import { daemonFactory } from './p2pd-daemons.js'

await interopTests(daemonFactory)
