/** A fixed-capacity window of the latest numbers: memory stays bounded however long the stream runs. */
export class RingBuffer {
  private readonly data: Float64Array;
  private head = 0; // where the next value goes
  private count = 0;

  constructor(readonly capacity: number) {
    this.data = new Float64Array(capacity);
  }

  /** A buffer holding `values` (oldest first; only the last `capacity` are kept). */
  static from(capacity: number, values: readonly number[]): RingBuffer {
    const r = new RingBuffer(capacity);
    for (const v of values) r.push(v);
    return r;
  }

  /** Adds a value, dropping the oldest when full. */
  push(v: number): void {
    this.data[this.head] = v;
    this.head = (this.head + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  get length(): number {
    return this.count;
  }

  /** The oldest value (the one the next push drops when full); 0 when empty. */
  oldest(): number {
    return this.count === 0 ? 0 : this.data[(this.head - this.count + this.capacity) % this.capacity]!;
  }

  /** The value `k` places back from the newest (0 = newest); 0 when there are not that many. */
  back(k: number): number {
    return k < this.count ? this.data[(this.head - 1 - k + 2 * this.capacity) % this.capacity]! : 0;
  }

  /** The values, oldest first (a copy). */
  toArray(): number[] {
    const out = new Array<number>(this.count);
    const first = (this.head - this.count + this.capacity) % this.capacity;
    for (let i = 0; i < this.count; i++) out[i] = this.data[(first + i) % this.capacity]!;
    return out;
  }
}
