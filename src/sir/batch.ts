/**
 * Filling one message with rumors within the limits: at most MAX_RUMORS_PER_MESSAGE and at most
 * MAX_BATCH_BYTES of rumors (one rumor always fits: its hard limits are far below the budget).
 * Invariant: no batch built here makes a frame the decoder would refuse.
 */
import { MAX_BATCH_BYTES, MAX_RUMORS_PER_MESSAGE } from './limits.js'
import { rumorWireBytes, type Rumor, type RumorId } from './rumor.js'
import type { RumorStore, StoredRumor } from './rumor-store.js'

export class RumorBatch {
  readonly rumors: Rumor[] = []
  readonly ids: RumorId[] = []
  private bytes = 0

  get full (): boolean { return this.rumors.length >= MAX_RUMORS_PER_MESSAGE }

  /** Adds the rumor if it fits; false when it does not (the caller may try a smaller one). */
  add (entry: StoredRumor): boolean {
    if (this.full) return false
    const size = rumorWireBytes(entry.rumor)
    if (this.bytes + size > MAX_BATCH_BYTES) return false
    this.bytes += size
    this.rumors.push(entry.rumor)
    this.ids.push(entry.id)
    return true
  }
}

/**
 * The rumors to push this round: infected ones in acceptance order, starting at the `cursor`-th
 * and wrapping around, so that when they do not all fit, successive rounds take turns.
 */
export function pushBatch (store: RumorStore, cursor: number): RumorBatch {
  const batch = new RumorBatch()
  const infected = store.infectedCount
  if (infected === 0) return batch
  const skip = infected <= MAX_RUMORS_PER_MESSAGE ? 0 : cursor % infected
  let seen = 0
  for (const entry of store.entries()) {
    if (entry.state !== 'I' || seen++ < skip) continue
    if (!batch.add(entry) && batch.full) break
  }
  if (skip === 0 || batch.full) return batch
  seen = 0
  for (const entry of store.entries()) {
    if (entry.state !== 'I') continue
    if (seen++ >= skip || batch.full) break
    batch.add(entry)
  }
  return batch
}
