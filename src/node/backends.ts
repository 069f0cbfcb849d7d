/**
 * The two faces every overlay shows the node, the API and the CLI: a DHT (`put`, `get`, `lookup`)
 * or a publish/subscribe channel. Kademlia and Chord and Pastry are DhtBackends; GossipSub and SIR
 * are PubsubBackends, so one command and one benchmark serve each family.
 */

export interface DhtPutResult {
  /** The full key written: `<this peer's id>/<name>`, readable from any peer. */
  key: string
  latencyMs: number
  /** Nodes that accepted a copy. */
  replicas: number
  /**
   * Kademlia only: peers that acknowledged the PUT_VALUE. A claim, not a copy: libp2p 1.x and
   * 2.x echo every PUT_VALUE, also one they discarded (issue 13); `replicas` counts the read-back.
   */
  acknowledged?: number
}

export interface DhtGetResult {
  value: Uint8Array
  /** Hops of the lookup that found the value (0: this node holds it). */
  hops: number
  latencyMs: number
}

export interface DhtLookupResult {
  /** Peer id of the node responsible for the key. */
  owner: string
  hops: number
  latencyMs: number
}

export interface DhtBackend {
  /** Writes `name` under this peer's key, signed; a newer version replaces the old. */
  put(name: string, value: Uint8Array): Promise<DhtPutResult>
  /**
   * Reads a full key (`<writer peer id>/<name>`), or a bare name under this peer's own key. Throws
   * NotFoundError when no reachable node holds the key.
   */
  get(key: string): Promise<DhtGetResult>
  lookup(key: string): Promise<DhtLookupResult>
}

export interface PubsubMessage {
  topic: string
  /** Peer id of the publisher, when the message is signed. */
  from: string
  data: Uint8Array
}

export interface PubsubBackend {
  publish(topic: string, data: Uint8Array): Promise<{ recipients: number }>
  /** Calls `onMessage` for each message on `topic` until the returned function is called. */
  subscribe(topic: string, onMessage: (message: PubsubMessage) => void): () => void
}

/** Longest topic name, in characters; topics are names, not payloads. */
export const MAX_TOPIC_LENGTH = 256
