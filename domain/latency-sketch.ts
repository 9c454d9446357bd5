// A DDSketch-style latency sketch (Masson, Rim & Lee, VLDB 2019): a positive value v falls in
// bucket i = ceil(log_γ v) with γ = (1+α)/(1-α), so bucket i holds (γ^(i-1), γ^i] and its
// representative 2γ^i/(γ+1) is within α·v of every value in it. Counts merge by adding buckets,
// which is what lets many reporters and many windows combine without losing the error bound.
// Free of zod and Node built-ins: the ServiceMonitor workflow merges these inside the sandbox.
import { VigilError } from './errors';

/** A serialisable, mergeable latency sketch (milliseconds) with bounded relative error on quantiles. */
export interface LatencySketch {
  /** Relative accuracy α: every quantile is within α·value of the exact one (inside the tracked range). */
  alpha: number;
  /**
   * Bucket index → count, for values > 0 (value v falls in bucket ceil(log_γ v), γ = (1+α)/(1-α)).
   * Indices are clamped to the tracked range (TRACKED_MIN_MS … TRACKED_MAX_MS), so values outside
   * it land in the edge buckets; zero counts are never stored.
   */
  buckets: Record<string, number>;
  /** Count of values equal to 0. */
  zeroCount: number;
  count: number;
  /**
   * Sum of the values, each rounded to a multiple of 2^-10 ms (≈ 1 µs): sums of such numbers are
   * exact below 2^43 ms (≈ 278 years), so merging is exactly associative and commutative.
   */
  sum: number;
  /** Exact smallest value; 0 when count is 0 (JSON has no Infinity). */
  min: number;
  /** Exact largest value; 0 when count is 0. */
  max: number;
}

/** Default relative accuracy: quantiles within 1 %. */
export const DEFAULT_ALPHA = 0.01;
/** Below this (but above 0) values share the lowest bucket: 10 µs. */
export const TRACKED_MIN_MS = 0.01;
/** Above this values share the highest bucket: one hour. */
export const TRACKED_MAX_MS = 3_600_000;

const SUM_GRID = 1024;

interface Mapping {
  lnGamma: number;
  /** 2/(γ+1): multiplied by γ^i gives bucket i's representative. */
  repFactor: number;
  minIndex: number;
  maxIndex: number;
}

// One mapping per α, computed once: the accumulator and the pure functions must use the very
// same floating-point operations, or a value on a bucket boundary could land in different buckets.
const mappings = new Map<number, Mapping>();

function mappingFor(alpha: number): Mapping {
  const cached = mappings.get(alpha);
  if (cached) return cached;
  // α below 1e-4 would need ~10^5 buckets per accumulator; above 0.5 the sketch says little.
  if (!(alpha >= 0.0001 && alpha <= 0.5)) {
    throw new VigilError('invalid_input', `latency sketch alpha must be between 0.0001 and 0.5, got ${alpha}`);
  }
  const gamma = (1 + alpha) / (1 - alpha);
  const lnGamma = Math.log(gamma);
  const m: Mapping = { lnGamma, repFactor: 2 / (gamma + 1), minIndex: 0, maxIndex: 0 };
  m.minIndex = rawIndex(TRACKED_MIN_MS, lnGamma);
  m.maxIndex = rawIndex(TRACKED_MAX_MS, lnGamma);
  if (mappings.size >= 16) mappings.clear(); // alphas come from input: keep the cache bounded
  mappings.set(alpha, m);
  return m;
}

// Reads never throw: a malformed sketch in a signal must not fail the workflow task over and over.
function readMapping(alpha: number): Mapping | undefined {
  try {
    return mappingFor(alpha);
  } catch {
    return undefined;
  }
}

function rawIndex(v: number, lnGamma: number): number {
  return Math.ceil(Math.log(v) / lnGamma);
}

/** The bucket of a value > 0, clamped to the tracked range (shared by every writer). */
function bucketIndex(v: number, m: Mapping): number {
  const i = rawIndex(v, m.lnGamma);
  return i < m.minIndex ? m.minIndex : i > m.maxIndex ? m.maxIndex : i;
}

function representative(index: number, m: Mapping): number {
  return Math.exp(index * m.lnGamma) * m.repFactor;
}

function checkValue(v: number): void {
  if (!(v >= 0 && v < Infinity)) throw new VigilError('invalid_input', `latency sketch values must be finite and ≥ 0, got ${v}`);
}

/** A sketch of nothing, with relative accuracy alpha. */
export function emptySketch(alpha: number = DEFAULT_ALPHA): LatencySketch {
  mappingFor(alpha);
  return { alpha, buckets: {}, zeroCount: 0, count: 0, sum: 0, min: 0, max: 0 };
}

/** A new sketch with one more value (copies the buckets: for tests and small use; hot paths use SketchAccumulator). */
export function addValue(sketch: LatencySketch, v: number): LatencySketch {
  checkValue(v);
  const value = v === 0 ? 0 : v; // no -0: it would survive in min/max but not through JSON
  const m = mappingFor(sketch.alpha);
  const buckets = { ...sketch.buckets };
  let zeroCount = sketch.zeroCount;
  if (value === 0) zeroCount++;
  else {
    const key = String(bucketIndex(value, m));
    buckets[key] = (buckets[key] ?? 0) + 1;
  }
  const first = sketch.count === 0;
  return {
    alpha: sketch.alpha,
    buckets,
    zeroCount,
    count: sketch.count + 1,
    sum: sketch.sum + Math.round(value * SUM_GRID) / SUM_GRID,
    min: first ? value : Math.min(sketch.min, value),
    max: first ? value : Math.max(sketch.max, value),
  };
}

/** The sketch of both inputs' values; associative and commutative. Throws when the alphas differ. */
export function mergeSketches(a: LatencySketch, b: LatencySketch): LatencySketch {
  if (a.alpha !== b.alpha) {
    throw new VigilError('invalid_input', `cannot merge latency sketches with different accuracy (alpha ${a.alpha} and ${b.alpha}): bucket boundaries differ`);
  }
  const indices = [...new Set([...Object.keys(a.buckets), ...Object.keys(b.buckets)])].map(Number).sort((x, y) => x - y);
  // Ascending insertion keeps the key order a function of the key set, so equal sketches serialise equally.
  const buckets: Record<string, number> = {};
  for (const i of indices) {
    const key = String(i);
    const n = (a.buckets[key] ?? 0) + (b.buckets[key] ?? 0);
    if (n !== 0) buckets[key] = n;
  }
  const count = a.count + b.count;
  return {
    alpha: a.alpha,
    buckets,
    zeroCount: a.zeroCount + b.zeroCount,
    count,
    sum: a.sum + b.sum,
    min: a.count === 0 ? b.min : b.count === 0 ? a.min : Math.min(a.min, b.min),
    max: a.count === 0 ? b.max : b.count === 0 ? a.max : Math.max(a.max, b.max),
  };
}

function sortedBuckets(sketch: LatencySketch): Array<[index: number, count: number]> {
  return Object.entries(sketch.buckets)
    .map(([k, n]): [number, number] => [Number(k), n])
    .sort((x, y) => x[0] - y[0]);
}

/**
 * The q-quantile (nearest rank: the ⌈q·count⌉-th smallest value), within α relative error for
 * values inside the tracked range; q = 0 and q = 1 give the exact min and max. NaN when the sketch
 * is empty, q is not in [0, 1] or alpha is invalid (NaN rather than a throw: workflow code calls this).
 */
export function quantile(sketch: LatencySketch, q: number): number {
  if (sketch.count === 0 || !(q >= 0 && q <= 1)) return Number.NaN;
  const rank = Math.max(1, Math.ceil(q * sketch.count));
  if (rank === 1) return sketch.min;
  if (rank >= sketch.count) return sketch.max;
  if (rank <= sketch.zeroCount) return 0;
  const m = readMapping(sketch.alpha);
  if (!m) return Number.NaN;
  let seen = sketch.zeroCount;
  let estimate = sketch.max;
  for (const [index, n] of sortedBuckets(sketch)) {
    seen += n;
    if (seen >= rank) {
      estimate = representative(index, m);
      break;
    }
  }
  return Math.min(sketch.max, Math.max(sketch.min, estimate));
}

/**
 * About how many values are ≤ threshold (for latency-SLO burn rates): the exact count is bracketed
 * by the counts ≤ threshold/(1+α) and ≤ threshold/(1-α), since only the bucket holding the
 * threshold is split by representative. Exact when the threshold is below min or at/above max;
 * NaN for a NaN threshold or an invalid alpha.
 */
export function countBelow(sketch: LatencySketch, threshold: number): number {
  if (Number.isNaN(threshold)) return Number.NaN;
  if (sketch.count === 0 || threshold < 0) return 0;
  if (threshold >= sketch.max) return sketch.count;
  if (threshold < sketch.min) return 0;
  const m = readMapping(sketch.alpha);
  if (!m) return Number.NaN;
  let below = sketch.zeroCount;
  for (const [index, n] of sortedBuckets(sketch)) {
    if (representative(index, m) > threshold) break;
    below += n;
  }
  return below;
}

/**
 * Mutable sketch builder for the hot path: counts in a typed array over the tracked index range,
 * no allocation per value. Produces exactly what folding addValue over the same values would.
 */
export class SketchAccumulator {
  readonly alpha: number;
  private readonly m: Mapping;
  private readonly counts: Float64Array;
  private zeroCount = 0;
  private count = 0;
  private sum = 0;
  private min = Infinity;
  private max = -Infinity;

  constructor(alpha: number = DEFAULT_ALPHA) {
    this.alpha = alpha;
    this.m = mappingFor(alpha);
    // Float64 rather than Uint32: counts stay exact to 2^53 and never wrap.
    this.counts = new Float64Array(this.m.maxIndex - this.m.minIndex + 1);
  }

  /** Adds one latency (ms); throws on NaN, negative or infinite values. */
  add(v: number): void {
    if (!(v >= 0 && v < Infinity)) checkValue(v);
    this.count++;
    if (v === 0) {
      // Written as +0 so that -0 never reaches min/max (JSON would turn it into 0 anyway).
      this.zeroCount++;
      if (this.min > 0) this.min = 0;
      if (this.max < 0) this.max = 0;
      return;
    }
    this.sum += Math.round(v * SUM_GRID) / SUM_GRID;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    this.counts[bucketIndex(v, this.m) - this.m.minIndex]!++;
  }

  /** Values added since the last reset. */
  get size(): number {
    return this.count;
  }

  /** A plain, serialisable snapshot of the values added since the last reset. */
  toSketch(): LatencySketch {
    const buckets: Record<string, number> = {};
    const { counts } = this;
    for (let j = 0; j < counts.length; j++) {
      const n = counts[j]!;
      if (n !== 0) buckets[String(j + this.m.minIndex)] = n;
    }
    const empty = this.count === 0;
    return {
      alpha: this.alpha,
      buckets,
      zeroCount: this.zeroCount,
      count: this.count,
      sum: this.sum,
      min: empty ? 0 : this.min,
      max: empty ? 0 : this.max,
    };
  }

  /** Forgets every value (keeps the array: a window close allocates nothing but the snapshot). */
  reset(): void {
    this.counts.fill(0);
    this.zeroCount = 0;
    this.count = 0;
    this.sum = 0;
    this.min = Infinity;
    this.max = -Infinity;
  }
}
