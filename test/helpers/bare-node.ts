/**
 * A bare libp2p node on 127.0.0.1 (TCP, Noise, Yamux, nothing else) that hands out the components
 * a StreamRuntime needs, for the runtime's tests and its request-cost benchmark.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import type { StreamRuntimeComponents } from '../../src/libp2p/stream-runtime.js'
import type { Libp2p } from '@libp2p/interface'

export type BareNode = Libp2p<{ capture: { components: StreamRuntimeComponents } }>

export async function createBareNode (): Promise<BareNode> {
  return await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionMonitor: { enabled: false },
    services: { capture: (components: StreamRuntimeComponents) => ({ components }) }
  })
}
