// Sticky assignment of a unit (user, session, request) to a variant, the same in every replica and
// language. The unit's point in [0, 1) is
//   h = FNV-1a 64 of the UTF-8 bytes of "<experiment>:<salt>:<unit>"
//       (offset basis 0xcbf29ce484222325, prime 0x100000001b3, all arithmetic mod 2^64),
//   h = murmur3's fmix64(h)  (h ^= h >> 33; h *= 0xff51afd7ed558ccd; h ^= h >> 33;
//       h *= 0xc4ceb9fe1a85ec53; h ^= h >> 33), because FNV alone leaves the last bytes in the low
//       bits and sequential ids (user-1, user-2, …) would crowd together;
//   point = (h >> 11) / 2^53;
// the variants take consecutive slices of [0, 1) in their configured order, each as wide as its
// share of the weights. In Python (scripts/stats-golden.py checks these points):
//   M = 2**64 - 1; h = 0xcbf29ce484222325
//   for b in f"{e}:{s}:{u}".encode(): h = ((h ^ b) * 0x100000001b3) & M
//   h ^= h >> 33; h = (h * 0xff51afd7ed558ccd) & M; h ^= h >> 33; h = (h * 0xc4ceb9fe1a85ec53) & M; h ^= h >> 33
//   point = (h >> 11) / 2**53
// It replaced SHA-256 (about 0.2 M assignments/s per core in Node) for speed: FNV is a stream, so
// the "<experiment>:<salt>:" prefix is hashed once per experiment and each call hashes the unit
// only (bench/results/experiments.md). Not for secrets: units cannot choose their variant anyway.
// Pure 32-bit arithmetic, no Node built-ins: usable anywhere, workflow code included.

/** A 64-bit value as two unsigned 32-bit halves. */
interface U64 {
  hi: number;
  lo: number;
}

const FNV_OFFSET: U64 = { hi: 0xcbf29ce4, lo: 0x84222325 };

/** hi:lo ← (hi:lo ^ byte) * 0x100000001b3 mod 2^64 (the prime is 2^40 + 0x1b3). */
function fnvByte(h: U64, byte: number): void {
  const lo = (h.lo ^ byte) >>> 0;
  const a = lo * 0x1b3; // < 2^41: exact
  h.hi = (h.hi * 0x1b3 + ((lo << 8) >>> 0) + Math.floor(a / 4294967296)) >>> 0;
  h.lo = a >>> 0;
}

/** Feeds a string's UTF-8 bytes (surrogate pairs as one code point; a lone surrogate as U+FFFD, as TextEncoder does). */
function fnvString(h: U64, s: string): void {
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      fnvByte(h, c);
      continue;
    }
    if (c < 0x800) {
      fnvByte(h, 0xc0 | (c >> 6));
      fnvByte(h, 0x80 | (c & 0x3f));
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = s.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
        fnvByte(h, 0xf0 | (c >> 18));
        fnvByte(h, 0x80 | ((c >> 12) & 0x3f));
        fnvByte(h, 0x80 | ((c >> 6) & 0x3f));
        fnvByte(h, 0x80 | (c & 0x3f));
        continue;
      }
      c = 0xfffd;
    }
    fnvByte(h, 0xe0 | (c >> 12));
    fnvByte(h, 0x80 | ((c >> 6) & 0x3f));
    fnvByte(h, 0x80 | (c & 0x3f));
  }
}

/** (ah:al × bh:bl) mod 2^64. */
function mul64(ah: number, al: number, bh: number, bl: number): U64 {
  const a0 = al & 0xffff;
  const a1 = al >>> 16;
  const b0 = bl & 0xffff;
  const b1 = bl >>> 16;
  const t = a0 * b0;
  const mid = a1 * b0 + a0 * b1 + (t >>> 16); // < 2^34: exact
  const carry = a1 * b1 + Math.floor(mid / 65536); // the high half of al × bl
  return { hi: (carry + Math.imul(ah, bl) + Math.imul(al, bh)) >>> 0, lo: Math.imul(al, bl) >>> 0 };
}

/** murmur3 fmix64, then the top 53 bits as a fraction of 2^53. */
function finish(h: U64): number {
  let lo = (h.lo ^ (h.hi >>> 1)) >>> 0; // h ^= h >> 33
  let hi = h.hi;
  let m = mul64(hi, lo, 0xff51afd7, 0xed558ccd);
  lo = (m.lo ^ (m.hi >>> 1)) >>> 0;
  m = mul64(m.hi, lo, 0xc4ceb9fe, 0x1a85ec53);
  hi = m.hi;
  lo = (m.lo ^ (m.hi >>> 1)) >>> 0;
  return (hi * 2097152 + (lo >>> 11)) / 9007199254740992;
}

/** FNV-1a 64's state after "<experiment>:<salt>:", as int32 halves: where every unit's hash starts. */
export function assignmentPrefix(experiment: string, salt: string): { hi: number; lo: number } {
  const prefix: U64 = { ...FNV_OFFSET };
  fnvString(prefix, `${experiment}:${salt}:`);
  return { hi: prefix.hi | 0, lo: prefix.lo | 0 };
}

/**
 * A point function for one experiment and salt: the prefix is hashed once, each call only the unit.
 * The ASCII path is the same arithmetic as fnvByte and finish, inlined with locals (no allocation):
 * ids are nearly always ASCII, and this is the SDK's per-request cost. It stays in int32 where it
 * can (the carry of lo × 0x1b3 from 16-bit halves, Math.imul for the wrapping products) and
 * multiplies by powers of two instead of dividing: V8 keeps int32 in registers, and a double
 * round trip per byte was most of the old cost (bench/results/experiments.md, old vs new).
 */
export function pointFor(experiment: string, salt: string): (unit: string) => number {
  const { hi: H, lo: L } = assignmentPrefix(experiment, salt);
  return (unit) => {
    let hi = H;
    let lo = L;
    const n = unit.length;
    for (let i = 0; i < n; i++) {
      const c = unit.charCodeAt(i);
      if (c >= 0x80) {
        const h = { hi: H >>> 0, lo: L >>> 0 };
        fnvString(h, unit);
        return finish(h);
      }
      lo ^= c;
      // floor(lo × 0x1b3 / 2^32) from lo's 16-bit halves: each product < 2^25, all int32.
      const carry = ((lo >>> 16) * 0x1b3 + (((lo & 0xffff) * 0x1b3) >>> 16)) >>> 16;
      hi = (Math.imul(hi, 0x1b3) + (lo << 8) + carry) | 0;
      lo = Math.imul(lo, 0x1b3);
    }
    // finish(), inlined: h ^= h >> 33, × C1, h ^= h >> 33, × C2, h ^= h >> 33. The mid sums reach
    // 2^34 (doubles), so their carries are taken by × 2^-16 (exact) rather than a division.
    lo ^= hi >>> 1;
    let a0 = lo & 0xffff;
    let a1 = lo >>> 16;
    let mid = a1 * 0x8ccd + a0 * 0xed55 + ((a0 * 0x8ccd) >>> 16);
    hi = (a1 * 0xed55 + ((mid * 1.52587890625e-5) | 0) + Math.imul(hi, 0xed558ccd) + Math.imul(lo, 0xff51afd7)) | 0;
    lo = Math.imul(lo, 0xed558ccd) ^ (hi >>> 1);
    a0 = lo & 0xffff;
    a1 = lo >>> 16;
    mid = a1 * 0xec53 + a0 * 0x1a85 + ((a0 * 0xec53) >>> 16);
    hi = (a1 * 0x1a85 + ((mid * 1.52587890625e-5) | 0) + Math.imul(hi, 0x1a85ec53) + Math.imul(lo, 0xc4ceb9fe)) | 0;
    lo = Math.imul(lo, 0x1a85ec53) ^ (hi >>> 1);
    // The top 53 bits over 2^53 (× 2^-53 is exact).
    return ((hi >>> 0) * 2097152 + (lo >>> 11)) * 1.1102230246251565e-16;
  };
}

/** The unit's point in [0, 1) for this experiment and salt. */
export function assignmentPoint(experiment: string, salt: string, unit: string): number {
  return pointFor(experiment, salt)(unit);
}

/**
 * The slices as thresholds on the point: variant i takes points p with t[i-1] ≤ p < t[i] (the last
 * threshold is +Infinity). Each t[i] is the smallest multiple of 2^-53 whose p × total is not below
 * the cumulative weight, found by bisection, so `p < t[i]` is exactly `p × total < edge` (rounding
 * included) for every point, with the weights folded in once instead of multiplied per call.
 */
export function sliceThresholds(weights: readonly number[]): Float64Array {
  const total = weights.reduce((s, w) => s + w, 0);
  const t = new Float64Array(weights.length);
  let edge = 0;
  for (let i = 0; i < weights.length - 1; i++) {
    edge += weights[i]!;
    // p × total is monotone in p (rounding is monotone), so the points below the edge are a prefix of [0, 2^53).
    let lo = 0;
    let hi = 2 ** 53;
    while (lo < hi) {
      const mid = lo + Math.floor((hi - lo) / 2);
      if (mid * 2 ** -53 * total < edge) lo = mid + 1;
      else hi = mid;
    }
    t[i] = lo * 2 ** -53;
  }
  if (weights.length > 0) t[weights.length - 1] = Infinity;
  return t;
}

/** Picks by slices of [0, 1): weights are relative (50/50 or 0.9/0.1 alike). */
export function variantPicker<V extends { name: string; weight: number }>(variants: readonly V[], experiment: string, salt: string): (unit: string) => V {
  const point = pointFor(experiment, salt);
  const t = sliceThresholds(variants.map((v) => v.weight));
  if (variants.length === 2) {
    // The usual A/B: one comparison, no loop.
    const [first, last] = variants as readonly [V, V];
    const t0 = t[0]!;
    return (unit) => (point(unit) < t0 ? first : last);
  }
  return (unit) => {
    const p = point(unit);
    let i = 0;
    while (p >= t[i]!) i++;
    return variants[i]!;
  };
}

/** The variant whose slice holds the unit's point. */
export function assignVariant<V extends { name: string; weight: number }>(variants: readonly V[], experiment: string, salt: string, unit: string): V {
  return variantPicker(variants, experiment, salt)(unit);
}
