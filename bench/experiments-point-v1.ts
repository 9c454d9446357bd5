// The assignment point function as it was before issue 17 (ASCII units only), kept so the bench
// measures old and new side by side in one run: on a shared machine, absolute rates drift by 1.5×
// between runs, the ratio does not. Same points as domain/experiments/assignment.ts
// (test/unit/experiment-assignment.test.ts compares them).
export function pointForV1(experiment: string, salt: string): (unit: string) => number {
  // The prefix once, with BigInt: not timed.
  let h = 0xcbf29ce484222325n;
  for (const b of new TextEncoder().encode(`${experiment}:${salt}:`)) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  const prefixHi = Number(h >> 32n);
  const prefixLo = Number(h & 0xffffffffn);
  return (unit) => {
    let hi = prefixHi;
    let lo = prefixLo;
    for (let i = 0; i < unit.length; i++) {
      const c = unit.charCodeAt(i);
      if (c >= 0x80) throw new Error('pointForV1: ASCII units only');
      lo = (lo ^ c) >>> 0;
      const a = lo * 0x1b3;
      hi = (hi * 0x1b3 + ((lo << 8) >>> 0) + ((a / 4294967296) | 0)) >>> 0;
      lo = a >>> 0;
    }
    lo = (lo ^ (hi >>> 1)) >>> 0;
    let a0 = lo & 0xffff;
    let a1 = lo >>> 16;
    let t = a0 * 0x8ccd;
    let mid = a1 * 0x8ccd + a0 * 0xed55 + (t >>> 16);
    hi = (a1 * 0xed55 + ((mid / 65536) | 0) + Math.imul(hi, 0xed558ccd) + Math.imul(lo, 0xff51afd7)) >>> 0;
    lo = Math.imul(lo, 0xed558ccd) >>> 0;
    lo = (lo ^ (hi >>> 1)) >>> 0;
    a0 = lo & 0xffff;
    a1 = lo >>> 16;
    t = a0 * 0xec53;
    mid = a1 * 0xec53 + a0 * 0x1a85 + (t >>> 16);
    hi = (a1 * 0x1a85 + ((mid / 65536) | 0) + Math.imul(hi, 0x1a85ec53) + Math.imul(lo, 0xc4ceb9fe)) >>> 0;
    lo = Math.imul(lo, 0x1a85ec53) >>> 0;
    lo = (lo ^ (hi >>> 1)) >>> 0;
    return (hi * 2097152 + (lo >>> 11)) / 9007199254740992;
  };
}

/** The old picker: a loop over the edges, as variantPicker was. */
export function pickerV1<V extends { weight: number }>(variants: readonly V[], point: (unit: string) => number): (unit: string) => V {
  const total = variants.reduce((s, v) => s + v.weight, 0);
  const edges: number[] = [];
  let edge = 0;
  for (const v of variants) edges.push((edge += v.weight));
  const last = variants[variants.length - 1]!;
  return (unit) => {
    const p = point(unit) * total;
    for (let i = 0; i < edges.length; i++) if (p < edges[i]!) return variants[i]!;
    return last;
  };
}
