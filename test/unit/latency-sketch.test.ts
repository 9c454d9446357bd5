import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  DEFAULT_ALPHA,
  SketchAccumulator,
  TRACKED_MAX_MS,
  TRACKED_MIN_MS,
  addValue,
  countBelow,
  emptySketch,
  mergeSketches,
  quantile,
  type LatencySketch,
} from '../../domain/latency-sketch';

// Seeded so a failure reproduces: mulberry32, uniform in (0, 1].
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 1) / 4294967296;
  };
}

function gaussian(u: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

const N = 1_000_000;
const ALPHA = DEFAULT_ALPHA;

// Latency-shaped distributions, in ms; each case: name and a generator of one value.
const distributions: Array<{ name: string; make: (seed: number) => () => number }> = [
  // Flat between 1 ms and 1 s.
  { name: 'uniform 1–1000 ms', make: (seed) => { const u = prng(seed); return () => 1 + 999 * u(); } },
  // Memoryless service times, mean 200 ms.
  { name: 'exponential, mean 200 ms', make: (seed) => { const u = prng(seed); return () => -200 * Math.log(u()); } },
  // The usual shape of request latencies: median 100 ms, σ = 1 in log space.
  { name: 'log-normal, median 100 ms', make: (seed) => { const g = gaussian(prng(seed)); return () => Math.exp(Math.log(100) + g()); } },
  // Cache hits around 40 ms, misses (LLM calls) around 900 ms.
  {
    name: 'bimodal 70 % ~40 ms / 30 % ~900 ms',
    make: (seed) => {
      const u = prng(seed);
      const g = gaussian(prng(seed + 1));
      return () => (u() < 0.7 ? Math.exp(Math.log(40) + 0.2 * g()) : Math.exp(Math.log(900) + 0.3 * g()));
    },
  },
  // Heavy tail: Pareto with x_m = 10 ms, shape 1.5 (infinite variance).
  { name: 'Pareto x_m 10 ms, shape 1.5', make: (seed) => { const u = prng(seed); return () => 10 / u() ** (1 / 1.5); } },
];

function samplesOf(make: () => number, n: number): Float64Array {
  const xs = new Float64Array(n);
  for (let i = 0; i < n; i++) xs[i] = make();
  return xs;
}

/** Nearest rank, the definition quantile() documents. */
function exactQuantile(sorted: Float64Array, q: number): number {
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]!;
}

/** How many sorted values are ≤ t. */
function countAtMost(sorted: Float64Array, t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function sketchOf(values: Iterable<number>, alpha = ALPHA): LatencySketch {
  let s = emptySketch(alpha);
  for (const v of values) s = addValue(s, v);
  return s;
}

const latencyArb = fc.oneof(
  fc.constant(0),
  fc.double({ min: 0, max: 1e7, noNaN: true }),
  fc.double({ min: 0.001, max: 5_000, noNaN: true }),
  fc.integer({ min: 1, max: 60_000 }),
);

describe('latency sketch accuracy on 1,000,000 samples', () => {
  it.each(distributions)('$name: p50/p90/p95/p99/p99.9 within α = 1 % of the exact quantile, countBelow within one bucket', ({ make }) => {
    const xs = samplesOf(make(42), N);
    const acc = new SketchAccumulator();
    for (let i = 0; i < N; i++) acc.add(xs[i]!);
    const sketch = acc.toSketch();
    const sorted = xs.slice().sort();

    expect(sketch.count).toBe(N);
    for (const q of [0.5, 0.9, 0.95, 0.99, 0.999]) {
      const exact = exactQuantile(sorted, q);
      const relativeError = Math.abs(quantile(sketch, q) - exact) / exact;
      // The bound is α; 1e-12 allows for the last bit of exp/log at a bucket edge.
      expect(relativeError, `q=${q}: estimate ${quantile(sketch, q)} vs exact ${exact}`).toBeLessThanOrEqual(ALPHA + 1e-12);
    }
    expect(quantile(sketch, 0)).toBe(sorted[0]);
    expect(quantile(sketch, 1)).toBe(sorted[N - 1]);

    for (const q of [0.1, 0.5, 0.9, 0.99]) {
      const t = exactQuantile(sorted, q);
      const c = countBelow(sketch, t);
      // Only the bucket holding t is split, so the answer lies between the exact counts one bucket either side.
      expect(c).toBeGreaterThanOrEqual(countAtMost(sorted, t / (1 + ALPHA)));
      expect(c).toBeLessThanOrEqual(countAtMost(sorted, t / (1 - ALPHA)));
    }
  });

  it('sum, min and max are kept (sum to within the 2^-10 ms grid per value)', () => {
    const xs = samplesOf(distributions[2]!.make(7), 100_000);
    const acc = new SketchAccumulator();
    let exact = 0;
    for (const x of xs) {
      acc.add(x);
      exact += x;
    }
    const s = acc.toSketch();
    expect(Math.abs(s.sum - exact)).toBeLessThanOrEqual(xs.length / 2048);
    expect(s.min).toBe(Math.min(...xs));
    expect(s.max).toBe(Math.max(...xs));
  });
});

describe('merging', () => {
  it('is associative and commutative: any split of the samples, merged in any order, gives the identical sketch', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(latencyArb, fc.nat(5)), { maxLength: 150 }),
        fc.infiniteStream(fc.nat()),
        (tagged, shuffleKeys) => {
          const whole = sketchOf(tagged.map(([v]) => v));
          const parts = [0, 1, 2, 3, 4, 5].map((p) => sketchOf(tagged.filter(([, part]) => part === p).map(([v]) => v)));
          const keys = [...shuffleKeys.take(parts.length)];
          const shuffled = parts.map((p, i) => ({ p, k: keys[i]! })).sort((a, b) => a.k - b.k).map(({ p }) => p);
          const empty = emptySketch();
          const leftFold = shuffled.reduce(mergeSketches, empty);
          const rightFold = shuffled.reduceRight((acc, p) => mergeSketches(p, acc), empty);
          const pairwise = mergeSketches(mergeSketches(mergeSketches(shuffled[0]!, shuffled[1]!), shuffled[2]!), mergeSketches(shuffled[3]!, mergeSketches(shuffled[4]!, shuffled[5]!)));
          for (const merged of [leftFold, rightFold, pairwise]) {
            expect(merged).toEqual(whole);
            // Identical down to the JSON text (key order included), which is what lands in workflow history.
            expect(JSON.stringify(merged)).toBe(JSON.stringify(pairwise));
          }
        },
      ),
    );
  });

  it('merge(a, merge(b, c)) = merge(merge(a, b), c), merge(a, b) = merge(b, a), and the empty sketch is the identity', () => {
    const sketchArb = fc.array(latencyArb, { maxLength: 60 }).map((vs) => sketchOf(vs));
    fc.assert(
      fc.property(sketchArb, sketchArb, sketchArb, (a, b, c) => {
        expect(mergeSketches(a, mergeSketches(b, c))).toEqual(mergeSketches(mergeSketches(a, b), c));
        expect(mergeSketches(a, b)).toEqual(mergeSketches(b, a));
        expect(mergeSketches(a, emptySketch())).toEqual(a);
        expect(mergeSketches(emptySketch(), a)).toEqual(a);
      }),
    );
  });

  it('refuses sketches of different accuracy, naming both', () => {
    const a = addValue(emptySketch(0.01), 5);
    const b = addValue(emptySketch(0.02), 5);
    expect(() => mergeSketches(a, b)).toThrow(/different accuracy \(alpha 0\.01 and 0\.02\)/);
  });

  it('keeps the error bound across merges of separately built sketches (many reporters, many windows)', () => {
    const make = distributions[2]!.make(99);
    const xs = samplesOf(make, 200_000);
    const acc = new SketchAccumulator();
    let merged = emptySketch();
    for (let w = 0; w < 20; w++) {
      acc.reset();
      for (let i = w * 10_000; i < (w + 1) * 10_000; i++) acc.add(xs[i]!);
      merged = mergeSketches(merged, JSON.parse(JSON.stringify(acc.toSketch())) as LatencySketch);
    }
    const sorted = xs.slice().sort();
    for (const q of [0.5, 0.95, 0.99]) {
      expect(Math.abs(quantile(merged, q) - exactQuantile(sorted, q)) / exactQuantile(sorted, q)).toBeLessThanOrEqual(ALPHA + 1e-12);
    }
  });
});

describe('SketchAccumulator', () => {
  it('agrees exactly with folding addValue, including zeros and values outside the tracked range', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(latencyArb, fc.constantFrom(-0, 1e-9, TRACKED_MIN_MS, TRACKED_MAX_MS, 1e12)), { maxLength: 200 }), (values) => {
        const acc = new SketchAccumulator();
        for (const v of values) acc.add(v);
        expect(acc.toSketch()).toEqual(sketchOf(values));
        expect(acc.size).toBe(values.length);
      }),
    );
  });

  it('reset() starts over with nothing left behind', () => {
    const acc = new SketchAccumulator();
    for (const v of [1, 2, 3, 0, 5_000]) acc.add(v);
    acc.reset();
    expect(acc.toSketch()).toEqual(emptySketch());
    acc.add(7);
    expect(acc.toSketch()).toEqual(addValue(emptySketch(), 7));
  });

  it.each([
    // each case: a value no latency can have
    [Number.NaN],
    [-1],
    [Number.POSITIVE_INFINITY],
    [Number.NEGATIVE_INFINITY],
  ])('refuses %s, as addValue does, and stays unchanged', (v) => {
    const acc = new SketchAccumulator();
    acc.add(3);
    expect(() => acc.add(v)).toThrow(/finite and ≥ 0/);
    expect(() => addValue(emptySketch(), v)).toThrow(/finite and ≥ 0/);
    expect(acc.toSketch()).toEqual(addValue(emptySketch(), 3));
  });
});

describe('quantile and countBelow at the edges', () => {
  it.each([
    // each case: sketch values, q, expected
    { values: [], q: 0.5, expected: Number.NaN }, // empty: no answer
    { values: [5], q: Number.NaN, expected: Number.NaN }, // q is not a number
    { values: [5], q: 1.5, expected: Number.NaN }, // q outside [0, 1]
    { values: [5], q: -0.1, expected: Number.NaN },
    { values: [5], q: 0.5, expected: 5 }, // one value: min = max clamps the estimate to it
    { values: [0, 0, 0, 10], q: 0.5, expected: 0 }, // zeros are exact
    { values: [1, 2, 3, 4], q: 0, expected: 1 }, // q = 0 is the exact min
    { values: [1, 2, 3, 4], q: 1, expected: 4 }, // q = 1 is the exact max
    { values: [1e-9, 1e-9, 1e-9], q: 0.5, expected: 1e-9 }, // below the tracked range: edge bucket, clamped to min
    { values: [1e12, 1e12, 1e12], q: 0.5, expected: 1e12 }, // above it: edge bucket, clamped to max
  ])('quantile($values, $q) = $expected', ({ values, q, expected }) => {
    expect(quantile(sketchOf(values), q)).toBe(expected);
  });

  it('puts values outside 0.01 ms … 1 h into the two edge buckets', () => {
    const s = sketchOf([1e-9, 1e-6, TRACKED_MIN_MS, TRACKED_MAX_MS, 1e9, 1e12]);
    expect(Object.keys(s.buckets)).toHaveLength(2);
    expect(Object.values(s.buckets).sort()).toEqual([3, 3]);
  });

  it.each([
    // each case: threshold, expected count among [0, 0, 10, 20, 30]
    { threshold: -1, expected: 0 }, // nothing is negative
    { threshold: 0, expected: 2 }, // zeros count as at/below 0
    { threshold: 9.5, expected: 2 }, // more than α below 10: 10 is not counted
    { threshold: 10.5, expected: 3 }, // more than α above 10: it is (within α either answer is allowed)
    { threshold: 25, expected: 4 },
    { threshold: 30, expected: 5 }, // at max: everything, exactly
    { threshold: 1e9, expected: 5 },
    { threshold: Number.NaN, expected: Number.NaN },
  ])('countBelow(threshold $threshold) = $expected', ({ threshold, expected }) => {
    expect(countBelow(sketchOf([0, 0, 10, 20, 30]), threshold)).toBe(expected);
  });

  it('countBelow of an empty sketch is 0', () => {
    expect(countBelow(emptySketch(), 100)).toBe(0);
  });

  it('answers NaN, never throws, for a sketch with an invalid alpha (a malformed signal must not fail a workflow task)', () => {
    const bad = { ...sketchOf([1, 2, 3]), alpha: 7 };
    expect(quantile(bad, 0.5)).toBeNaN();
    expect(countBelow(bad, 2.5)).toBeNaN();
  });

  it.each([0, -0.01, 0.6, Number.NaN])('refuses alpha %s', (alpha) => {
    expect(() => emptySketch(alpha)).toThrow(/alpha must be between/);
    expect(() => new SketchAccumulator(alpha)).toThrow(/alpha must be between/);
  });
});

describe('serialisation', () => {
  it('survives a JSON round trip unchanged, with the same quantiles', () => {
    fc.assert(
      fc.property(fc.array(latencyArb, { maxLength: 100 }), (values) => {
        const s = sketchOf(values);
        const back = JSON.parse(JSON.stringify(s)) as LatencySketch;
        expect(back).toEqual(s);
        for (const q of [0, 0.5, 0.99, 1]) expect(quantile(back, q)).toBe(quantile(s, q));
        expect(countBelow(back, 100)).toBe(countBelow(s, 100));
      }),
    );
  });

  it('an empty sketch is plain JSON too (no Infinity, which JSON would turn into null)', () => {
    expect(JSON.parse(JSON.stringify(emptySketch()))).toEqual(emptySketch());
    expect(JSON.parse(JSON.stringify(new SketchAccumulator().toSketch()))).toEqual(emptySketch());
  });
});
