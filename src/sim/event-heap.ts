/**
 * The simulator's event queue: a binary min-heap ordered by (time, sequence), as in PeerSim's
 * edsim Heap. Invariant: events with equal times pop in the order they were pushed, so a run is a
 * pure function of its inputs. Push and pop are O(log n) with no allocation besides the event.
 */

export interface HeapEvent {
  /** Virtual time in milliseconds at which the event fires. */
  time: number
  /** Insertion order, assigned by the heap; breaks ties between equal times. */
  seq: number
}

export class EventHeap<E extends HeapEvent> {
  private readonly items: E[] = []
  private nextSeq = 0

  get size (): number { return this.items.length }

  push (event: E): void {
    event.seq = this.nextSeq++
    const items = this.items
    let i = items.length
    items.push(event)
    while (i > 0) {
      const parent = (i - 1) >> 1
      const p = items[parent]
      if (p.time < event.time || (p.time === event.time && p.seq < event.seq)) break
      items[i] = p
      i = parent
    }
    items[i] = event
  }

  peek (): E | undefined { return this.items[0] }

  pop (): E | undefined {
    const items = this.items
    const n = items.length
    if (n === 0) return undefined
    const top = items[0]
    const last = items.pop() as E
    if (n === 1) return top
    let i = 0
    const size = n - 1
    for (;;) {
      const l = 2 * i + 1
      if (l >= size) break
      const r = l + 1
      let c = l
      if (r < size) {
        const a = items[l]; const b = items[r]
        if (b.time < a.time || (b.time === a.time && b.seq < a.seq)) c = r
      }
      const child = items[c]
      if (last.time < child.time || (last.time === child.time && last.seq < child.seq)) break
      items[i] = child
      i = c
    }
    items[i] = last
    return top
  }
}
