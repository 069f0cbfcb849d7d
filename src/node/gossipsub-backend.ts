/**
 * `publish`/`subscribe --via gossipsub` on the stock @libp2p/gossipsub. One gossipsub subscription
 * per topic, however many local subscribers it has; the last one to leave unsubscribes.
 */
import { MAX_TOPIC_LENGTH } from './backends.js'
import { InputError, NetworkError } from './errors.js'
import { checkValue, RecordInputError } from './kad-records.js'
import type { PubsubBackend, PubsubMessage } from './backends.js'
import type { GossipSub } from '@libp2p/gossipsub'

export function checkTopic (topic: string): void {
  if (topic.length === 0 || topic.length > MAX_TOPIC_LENGTH) {
    throw new InputError(`topic must be 1 to ${MAX_TOPIC_LENGTH} characters, got ${topic.length}`)
  }
}

export function gossipsubBackend (pubsub: GossipSub): PubsubBackend {
  const subscribers = new Map<string, Set<(message: PubsubMessage) => void>>()
  pubsub.addEventListener('message', (event) => {
    const message = event.detail
    const handlers = subscribers.get(message.topic)
    if (handlers == null) return
    const from = message.type === 'signed' ? message.from.toString() : ''
    for (const handler of handlers) handler({ from, data: message.data, topic: message.topic })
  })

  return {
    async publish (topic, data) {
      checkTopic(topic)
      try {
        checkValue(data)
      } catch (err) {
        if (err instanceof RecordInputError) throw new InputError(err.message.replace('value', 'message'))
        throw err
      }
      try {
        const result = await pubsub.publish(topic, data)
        return { recipients: result.recipients.length }
      } catch (err) {
        throw new NetworkError(`publish on '${topic}' failed: ${(err as Error).message}`)
      }
    },

    subscribe (topic, onMessage) {
      checkTopic(topic)
      let handlers = subscribers.get(topic)
      if (handlers == null) {
        handlers = new Set()
        subscribers.set(topic, handlers)
        pubsub.subscribe(topic)
      }
      handlers.add(onMessage)
      return () => {
        const set = subscribers.get(topic)
        if (set?.delete(onMessage) !== true) return
        if (set.size === 0) {
          subscribers.delete(topic)
          pubsub.unsubscribe(topic)
        }
      }
    }
  }
}
