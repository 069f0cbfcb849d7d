/**
 * Our peer behind the libp2p daemon control protocol (@libp2p/daemon-server, the protocol of
 * go-libp2p-daemon), so harnesses written for `p2pd` (such as @libp2p/interop) can drive it.
 * Start order: read the key, build the node, start it with the control listener; the caller
 * prints the ready lines. Nothing is persisted: the peer lives in memory.
 */
import { readFile } from 'node:fs/promises'
import { generateKeyPair, privateKeyFromProtobuf } from '@libp2p/crypto/keys'
import { Server } from '@libp2p/daemon-server'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { UsageError } from '../cli/usage-error.js'
import { buildP2pdOptions, checkControlAddress } from './p2pd-options.js'
import type { P2pdOptions } from './flags.js'
import type { Libp2p, PrivateKey } from '@libp2p/interface'

/** A key file larger than this is not a key (an RSA-4096 protobuf is about 2.4 kB). */
const MAX_KEY_FILE_BYTES = 16 * 1024

/** The signals the daemon server would otherwise handle itself; we stop it on our own terms. */
const SERVER_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const

export interface P2pd {
  readonly libp2p: Libp2p
  /** Where the control protocol listens, with the port it got. */
  readonly controlAddress: string
  stop(): Promise<void>
}

async function readKey (file: string): Promise<PrivateKey> {
  let bytes: Uint8Array
  try {
    bytes = await readFile(file)
  } catch (err) {
    throw new UsageError(`p2pd: -id: cannot read '${file.slice(0, 200)}': ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
  if (bytes.byteLength > MAX_KEY_FILE_BYTES) throw new UsageError(`p2pd: -id: '${file.slice(0, 200)}' is ${bytes.byteLength} bytes, no key is over ${MAX_KEY_FILE_BYTES}`)
  try {
    return privateKeyFromProtobuf(bytes)
  } catch (err) {
    throw new UsageError(`p2pd: -id: '${file.slice(0, 200)}' is not a protobuf-encoded private key: ${(err as Error).message}`)
  }
}

export async function startP2pd (options: P2pdOptions): Promise<P2pd> {
  checkControlAddress(options.controlAddress)
  const privateKey = options.keyFile === undefined ? await generateKeyPair('Ed25519') : await readKey(options.keyFile)
  const libp2p = await createLibp2p({ ...await buildP2pdOptions(options, privateKey), start: false })
  const server = new Server({ multiaddr: multiaddr(options.controlAddress), libp2pNode: libp2p as any })
  try {
    await server.start()
  } catch (err) {
    await Promise.resolve(libp2p.stop()).catch(() => {})
    throw err
  }
  for (const signal of SERVER_SIGNALS) process.off(signal, server._onExit)
  let stopping: Promise<void> | undefined
  return {
    libp2p,
    controlAddress: server.getMultiaddr().toString(),
    stop: async () => {
      stopping ??= server.stop()
      await stopping
    }
  }
}
