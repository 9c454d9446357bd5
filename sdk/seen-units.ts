// The units an experiment has logged an exposure for, so each is logged once: the last `capacity`
// distinct units, oldest forgotten first (as the Set<string> it replaced did), in flat typed arrays
// so that the per-call check is a probe of an Int32Array and allocates nothing.
//
// A unit is remembered by a 32-bit key taken from its assignment hash (assignmentKey: the low 32
// bits of the 53-bit point), not by its id: no second hash, no string hashing or comparison per
// call, and 4 bytes a slot keep the table at 1 MB for the default 100,000 units. Two units with the
// same key count as one, so a new unit's exposure is not logged with probability (units
// remembered) / 2^32: at most 2.3e-5 at the default size. That cannot bias the sample-ratio check:
// the variant is decided by the point's high bits and the key is its low bits, so a collision is
// as likely in every variant; the probe position is the key's own low bits, and forgetting goes by
// arrival order, which knows nothing of variants (test/unit/sdk-experiments.test.ts checks both).

/** The unit's key for SeenUnits from its point in [0, 1): a nonzero int32 (0 marks an empty slot). */
export function assignmentKey(point: number): number {
  // point × 2^53 is an integer below 2^53, exact; `| 0` keeps it mod 2^32.
  return (point * 9007199254740992) | 0 || 1;
}

/** A FIFO set of nonzero int32 keys: linear probing in a table at most half full, deletion by backward shift. */
export class SeenUnits {
  private readonly slots: Int32Array;
  private readonly mask: number;
  /** The remembered keys in arrival order (a ring): the oldest is forgotten first. */
  private readonly order: Int32Array;
  private next = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`SeenUnits capacity must be a positive integer, got ${capacity}`);
    let n = 2;
    while (n < capacity * 2) n *= 2;
    this.slots = new Int32Array(n);
    this.mask = n - 1;
    this.order = new Int32Array(capacity);
  }

  /** True the first time a key is offered (and remembers it); false while it is remembered. */
  firstTime(key: number): boolean {
    const slots = this.slots;
    const mask = this.mask;
    for (let s = key & mask; ; s = (s + 1) & mask) {
      const k = slots[s]!;
      if (k === key) return false;
      if (k === 0) break;
    }
    if (this.size === this.capacity) this.forget(this.order[this.next]!);
    else this.size++;
    // Probed again: forgetting may have moved entries, and the new key must sit in its cluster.
    let s = key & mask;
    while (slots[s] !== 0) s = (s + 1) & mask;
    slots[s] = key;
    this.order[this.next] = key;
    this.next = this.next + 1 === this.capacity ? 0 : this.next + 1;
    return true;
  }

  /** Removes a remembered key, shifting later entries of its cluster back so that no probe stops early. */
  private forget(key: number): void {
    const slots = this.slots;
    const mask = this.mask;
    let hole = key & mask;
    while (slots[hole] !== key) hole = (hole + 1) & mask;
    for (let j = (hole + 1) & mask; slots[j] !== 0; j = (j + 1) & mask) {
      const home = slots[j]! & mask;
      // An entry may fill the hole only if its home is not cyclically within (hole, j].
      const stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
      if (stays) continue;
      slots[hole] = slots[j]!;
      hole = j;
    }
    slots[hole] = 0;
  }
}
