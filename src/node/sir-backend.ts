/**
 * `publish`/`subscribe --via sir`: our SIR gossip as a PubsubBackend. Every rumor spreads to every
 * node (an epidemic knows no topics); a subscription only picks which ones this node prints.
 * `recipients` is the number of peers in the view the rumor starts spreading to.
 */
import { checkTopic } from './gossipsub-backend.js'
import type { PubsubBackend } from './backends.js'
import type { SirService } from '../libp2p/sir-service.js'

export function sirBackend (sir: SirService): PubsubBackend {
  return {
    async publish (topic, data) {
      checkTopic(topic)
      return { recipients: sir.publish(topic, data).peers }
    },
    subscribe (topic, onMessage) {
      checkTopic(topic)
      return sir.subscribe(topic, (rumor) => { onMessage({ topic: rumor.topic, from: rumor.origin, data: rumor.payload }) })
    }
  }
}
