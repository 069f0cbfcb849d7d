/**
 * The routing table R (Rowstron & Druschel 2001 §2.1, b = 4): 64 rows of 16 columns; the entry at
 * row i, column d is a node whose id shares exactly i leading digits with this node's and has d as
 * its digit i. Invariants: every entry obeys that rule; the column of this node's own digit stays
 * empty (self fills it); a filled slot is kept until its node is removed (without proximity data,
 * the first node known is as good as any: §2.1's choice by proximity needs a metric we lack).
 * Rows are allocated on first use: a node in a network of N fills about log16 N of them.
 */
import { digit, sharedPrefixLength, ID_DIGITS } from '../core/id.js'
import type { PeerRef } from '../core/port.js'
import { ROUTING_COLUMNS, ROUTING_ROWS } from './limits.js'

export interface Slot {
  readonly row: number
  readonly column: number
}

export class RoutingTable {
  private readonly rows: Array<Array<PeerRef | undefined> | undefined> = new Array(ROUTING_ROWS)
  /**
   * Entries held. Membership by address scans the filled rows (about 15·log16 N entries) instead of
   * keeping a set of addresses, which cost about 2 kB per node (issue 14).
   */
  private count = 0

  constructor (readonly self: PeerRef) {}

  /** Entries held. */
  get size (): number { return this.count }

  /** The slot a node belongs in, or undefined for self. */
  slotOf (id: bigint): Slot | undefined {
    const row = sharedPrefixLength(this.self.id, id)
    if (row >= ID_DIGITS) return undefined
    return { row, column: digit(id, row) }
  }

  /** Offers a node: it fills its slot if the slot is empty. Returns whether it was added. */
  add (p: PeerRef): boolean {
    const slot = this.slotOf(p.id)
    return slot !== undefined && this.addAt(slot.row, slot.column, p)
  }

  /**
   * `add` for a caller that already knows `p`'s slot (a global observer seeding a network, which
   * picks each entry for its slot): the same outcome without reading `p.id`. At 10^6 simulated
   * nodes the reads of a million scattered ids were most of the seeding's time. The caller vouches
   * that (row, column) is `slotOf(p.id)`.
   */
  addAt (row: number, column: number, p: PeerRef): boolean {
    let entries = this.rows[row]
    if (entries === undefined) entries = this.rows[row] = new Array<PeerRef | undefined>(ROUTING_COLUMNS)
    if (entries[column] !== undefined) return false
    entries[column] = p
    this.count++
    return true
  }

  /** Removes `p` if it holds its slot; returns the slot it vacated (for a lazy repair). */
  remove (p: PeerRef): Slot | undefined {
    const slot = this.slotOf(p.id)
    if (slot === undefined) return undefined
    const row = this.rows[slot.row]
    if (row?.[slot.column]?.address !== p.address) return undefined
    row[slot.column] = undefined
    this.count--
    return slot
  }

  get (row: number, column: number): PeerRef | undefined {
    return this.rows[row]?.[column]
  }

  has (p: PeerRef): boolean {
    const slot = this.slotOf(p.id)
    return slot !== undefined && this.get(slot.row, slot.column)?.address === p.address
  }

  /** Whether a node with this address holds a slot. */
  hasAddress (address: string): boolean {
    for (const row of this.rows) {
      if (row === undefined) continue
      for (const p of row) if (p !== undefined && p.address === address) return true
    }
    return false
  }

  /** The entries of one row, by column. */
  row (i: number): PeerRef[] {
    const out: PeerRef[] = []
    const row = this.rows[i]
    if (row === undefined) return out
    for (const p of row) if (p !== undefined) out.push(p)
    return out
  }

  /** Indices of the rows holding at least one entry, ascending. */
  filledRows (): number[] {
    const out: number[] = []
    for (let i = 0; i < ROUTING_ROWS; i++) if (this.rows[i]?.some(p => p !== undefined) === true) out.push(i)
    return out
  }

  /** Calls `f` on every entry of rows `fromRow` and above, row by row, column by column. */
  forEachFrom (fromRow: number, f: (p: PeerRef, row: number) => void): void {
    for (let i = fromRow; i < ROUTING_ROWS; i++) {
      const row = this.rows[i]
      if (row === undefined) continue
      for (const p of row) if (p !== undefined) f(p, i)
    }
  }

  /** Every entry, row by row. */
  entries (): PeerRef[] {
    const out: PeerRef[] = []
    this.forEachFrom(0, p => out.push(p))
    return out
  }
}
