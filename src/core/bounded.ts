/**
 * Bounded collections (STYLE.md #5): every queue, cache and table a protocol keeps has a hard limit
 * named with its unit by the caller (e.g. `MAX_STORED_RECORDS`). Invariant: `size <= limit` always;
 * what happens at the limit (evict the oldest, or refuse) is explicit in the method's result.
 */

function checkLimit (limit: number, what: string): void {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`${what} limit must be a positive integer, got ${limit}`)
}

/**
 * A map that holds at most `maxEntries` entries and evicts the least recently used one to make room.
 * `get` and `set` count as use; `peek` and iteration do not. Built on Map's insertion order.
 */
export class BoundedLru<K, V> {
  readonly maxEntries: number
  private readonly map = new Map<K, V>()

  constructor (maxEntries: number) {
    checkLimit(maxEntries, 'BoundedLru')
    this.maxEntries = maxEntries
  }

  get size (): number { return this.map.size }

  has (key: K): boolean { return this.map.has(key) }

  /** Reads without refreshing recency. */
  peek (key: K): V | undefined { return this.map.get(key) }

  /** Reads and marks the entry most recently used. */
  get (key: K): V | undefined {
    const value = this.map.get(key)
    if (value === undefined) return undefined
    this.map.delete(key)
    this.map.set(key, value)
    return value
  }

  /** Inserts or replaces; returns the entry evicted to make room, if any. */
  set (key: K, value: V): [K, V] | undefined {
    if (this.map.has(key)) this.map.delete(key)
    this.map.set(key, value)
    if (this.map.size <= this.maxEntries) return undefined
    const oldest = this.map.entries().next().value as [K, V]
    this.map.delete(oldest[0])
    return oldest
  }

  delete (key: K): boolean { return this.map.delete(key) }

  clear (): void { this.map.clear() }

  /** Oldest first. */
  entries (): IterableIterator<[K, V]> { return this.map.entries() }
  keys (): IterableIterator<K> { return this.map.keys() }
  values (): IterableIterator<V> { return this.map.values() }
}

/**
 * A map that refuses new keys beyond `maxEntries` (for state that must not be silently dropped, such
 * as stored records: the caller reports the refusal). Replacing an existing key always succeeds.
 */
export class BoundedMap<K, V> {
  readonly maxEntries: number
  private readonly map = new Map<K, V>()

  constructor (maxEntries: number) {
    checkLimit(maxEntries, 'BoundedMap')
    this.maxEntries = maxEntries
  }

  get size (): number { return this.map.size }
  get full (): boolean { return this.map.size >= this.maxEntries }
  has (key: K): boolean { return this.map.has(key) }
  get (key: K): V | undefined { return this.map.get(key) }

  /** Returns false (and changes nothing) when `key` is new and the map is full. */
  set (key: K, value: V): boolean {
    if (!this.map.has(key) && this.map.size >= this.maxEntries) return false
    this.map.set(key, value)
    return true
  }

  delete (key: K): boolean { return this.map.delete(key) }
  clear (): void { this.map.clear() }
  entries (): IterableIterator<[K, V]> { return this.map.entries() }
  keys (): IterableIterator<K> { return this.map.keys() }
  values (): IterableIterator<V> { return this.map.values() }
}

/**
 * A FIFO queue of at most `maxItems` items on a ring buffer. `push` refuses when full (returns
 * false); `pushEvicting` drops and returns the oldest item instead.
 */
export class BoundedFifo<T> {
  readonly maxItems: number
  private readonly items: Array<T | undefined>
  private head = 0
  private count = 0

  constructor (maxItems: number) {
    checkLimit(maxItems, 'BoundedFifo')
    this.maxItems = maxItems
    this.items = new Array<T | undefined>(maxItems)
  }

  get size (): number { return this.count }
  get full (): boolean { return this.count === this.maxItems }

  push (item: T): boolean {
    if (this.count === this.maxItems) return false
    this.items[(this.head + this.count) % this.maxItems] = item
    this.count++
    return true
  }

  pushEvicting (item: T): T | undefined {
    const evicted = this.count === this.maxItems ? this.shift() : undefined
    this.push(item)
    return evicted
  }

  shift (): T | undefined {
    if (this.count === 0) return undefined
    const item = this.items[this.head]
    this.items[this.head] = undefined
    this.head = (this.head + 1) % this.maxItems
    this.count--
    return item
  }

  peek (): T | undefined {
    return this.count === 0 ? undefined : this.items[this.head]
  }

  clear (): void {
    this.items.fill(undefined)
    this.head = 0
    this.count = 0
  }

  /** Oldest first. */
  * [Symbol.iterator] (): IterableIterator<T> {
    for (let i = 0; i < this.count; i++) yield this.items[(this.head + i) % this.maxItems] as T
  }
}
