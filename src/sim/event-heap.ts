/**
 * The simulator's event queue: a binary min-heap ordered by (time, sequence), as in PeerSim's
 * edsim Heap, kept as plain numbers: each event is a slot in parallel typed arrays (time,
 * sequence, kind, node, from, tag) plus one payload reference, and the heap orders slot numbers.
 * No object per event, so 10^6 nodes with a few timers each cost about 45 bytes an event and give
 * the collector nothing to trace but payloads. Invariant: events with equal times pop in the order
 * they were pushed, so a run is a pure function of its inputs. Push and pop are O(log n); the
 * arrays double when full and never shrink.
 */

/** Slots allocated up front (the arrays double from there). */
const INITIAL_SLOTS = 1024

export class EventHeap {
  /** The popped event's fields, valid until the next pop (read them before pushing). */
  time = 0
  kind = 0
  node = 0
  from = 0
  tag = 0
  payload: unknown = undefined

  private capacity = INITIAL_SLOTS
  private heap = new Int32Array(INITIAL_SLOTS)
  private count = 0
  private times = new Float64Array(INITIAL_SLOTS)
  private seqs = new Float64Array(INITIAL_SLOTS)
  private kinds = new Uint8Array(INITIAL_SLOTS)
  private nodes = new Int32Array(INITIAL_SLOTS)
  private froms = new Int32Array(INITIAL_SLOTS)
  private tags = new Float64Array(INITIAL_SLOTS)
  private payloads: unknown[] = new Array(INITIAL_SLOTS).fill(undefined)
  /** Free slots, a stack; slots [0, freeCount) of it are free. */
  private free = new Int32Array(INITIAL_SLOTS)
  private freeCount = 0
  /** Slots ever used: slots at or above it are free and not on the stack. */
  private used = 0
  private nextSeq = 0

  get size (): number { return this.count }

  /** Time of the earliest event, or Infinity when empty. */
  peekTime (): number { return this.count === 0 ? Infinity : this.times[this.heap[0]] }

  /** Adds an event; `kind` < 256, `node` and `from` 32-bit integers, `tag` an integer below 2^53. */
  push (time: number, kind: number, node: number, from: number, tag: number, payload: unknown): void {
    const slot = this.allocate()
    const seq = this.nextSeq++
    this.times[slot] = time
    this.seqs[slot] = seq
    this.kinds[slot] = kind
    this.nodes[slot] = node
    this.froms[slot] = from
    this.tags[slot] = tag
    this.payloads[slot] = payload
    const heap = this.heap; const times = this.times; const seqs = this.seqs
    let i = this.count++
    while (i > 0) {
      const parent = (i - 1) >> 1
      const p = heap[parent]
      if (times[p] < time || (times[p] === time && seqs[p] < seq)) break
      heap[i] = p
      i = parent
    }
    heap[i] = slot
  }

  /** Removes the earliest event into the fields above; returns false when empty. */
  pop (): boolean {
    const n = this.count
    if (n === 0) return false
    const heap = this.heap; const times = this.times; const seqs = this.seqs
    const top = heap[0]
    this.time = times[top]; this.kind = this.kinds[top]; this.node = this.nodes[top]
    this.from = this.froms[top]; this.tag = this.tags[top]; this.payload = this.payloads[top]
    this.payloads[top] = undefined
    this.free[this.freeCount++] = top
    const size = n - 1
    this.count = size
    if (size === 0) return true
    const last = heap[size]
    const lt = times[last]; const ls = seqs[last]
    let i = 0
    for (;;) {
      const l = 2 * i + 1
      if (l >= size) break
      const r = l + 1
      let c = l
      if (r < size) {
        const a = heap[l]; const b = heap[r]
        if (times[b] < times[a] || (times[b] === times[a] && seqs[b] < seqs[a])) c = r
      }
      const child = heap[c]
      if (lt < times[child] || (lt === times[child] && ls < seqs[child])) break
      heap[i] = child
      i = c
    }
    heap[i] = last
    return true
  }

  private allocate (): number {
    if (this.freeCount > 0) return this.free[--this.freeCount]
    if (this.used === this.capacity) this.grow()
    return this.used++
  }

  private grow (): void {
    const capacity = this.capacity * 2
    const resize = <T extends Float64Array | Int32Array | Uint8Array>(a: T, make: (n: number) => T): T => { const b = make(capacity); b.set(a); return b }
    this.heap = resize(this.heap, n => new Int32Array(n))
    this.free = resize(this.free, n => new Int32Array(n))
    this.times = resize(this.times, n => new Float64Array(n))
    this.seqs = resize(this.seqs, n => new Float64Array(n))
    this.kinds = resize(this.kinds, n => new Uint8Array(n))
    this.nodes = resize(this.nodes, n => new Int32Array(n))
    this.froms = resize(this.froms, n => new Int32Array(n))
    this.tags = resize(this.tags, n => new Float64Array(n))
    for (let i = this.capacity; i < capacity; i++) this.payloads.push(undefined)
    this.capacity = capacity
  }
}
