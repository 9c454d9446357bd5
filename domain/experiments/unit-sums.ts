// Per-unit sums of one variant, for the delta-method variance (domain/stats/cluster.ts): a user's
// or session's requests are correlated, so the windows report sums over units, not only over
// requests. Bounded: a unit's requests go to one of UNIT_BUCKETS slots picked by a hash of its id,
// so memory is fixed however many units there are. Units sharing a slot form one cluster; units are
// independent of each other, so that cluster is still independent of every other slot and the
// variance stays valid — it only has fewer clusters to estimate from (at most UNIT_BUCKETS per
// variant and process). A request without a unit id is its own cluster.
//
// A unit returns in later windows, and its requests there are correlated with its earlier ones. So
// the slots are cumulative (kept across windows, not reset), and a window sends the *increments* of
// the slots' sums of squares and products: Σ over windows of the increments is the sums of squares
// of the cumulative slots, i.e. each slot is one cluster over the whole run of this process. What
// remains split: a unit served by several processes (replicas, restarts) is a separate cluster in
// each, and forget() starts the slots afresh (after a window was lost: its increments would be
// missing while later ones build on it).
//
// The same slots count each unit's slow requests (latency above a threshold near the variant's p95,
// fixed for the window): their sums give the design effect that widens the p95's sequence
// (domain/experiments/p95-design-effect.ts).
import { addCluster, addClusterSums, emptyClusterSums, type ClusterSums } from '../stats/cluster';

/** The mean metrics with a per-request value, keyed as the definition names them. */
export const UNIT_METRICS = ['quality', 'satisfaction', 'success_rate', 'cost_per_query', 'cost_per_success'] as const;
export type UnitMetric = (typeof UNIT_METRICS)[number];

/**
 * Per-unit counts of slow requests. `counts` has y = a unit's slow requests and n = its requests
 * counted against a threshold (none in a process's first window, before it has one).
 */
export interface SlowSums {
  /** Every request of the windows behind these sums, counted or not: equal to the totals' requests only when no window came from an SDK without them. */
  requests: number;
  /** The latency (ms) above which a request was slow in the latest window that had one; 0 before any. */
  thresholdMs: number;
  counts: ClusterSums;
}

/** One window's (or many merged) per-unit sums per metric; cost_per_success is Σcost over Σok. */
export type UnitSums = Record<UnitMetric, ClusterSums> & {
  /** Requests that carried a unit id (the rest counted as their own unit). */
  tagged: number;
  /** Absent from SDKs before the p95 design effect. */
  slow?: SlowSums;
};

export const UNIT_BUCKETS = 512;
// Per slot: quality y, n, x; satisfaction y, n, x; ok, requests, x; cost y, n, x; slow, requests counted for slow.
const W = 14;

export const emptyUnitSums = (): UnitSums => ({
  tagged: 0,
  quality: emptyClusterSums(),
  satisfaction: emptyClusterSums(),
  success_rate: emptyClusterSums(),
  cost_per_query: emptyClusterSums(),
  cost_per_success: emptyClusterSums(),
});

/** a + b; the threshold is b's when b had one (b is the later window where the workflow adds). */
export const addSlowSums = (a: SlowSums, b: SlowSums): SlowSums => ({
  requests: a.requests + b.requests,
  thresholdMs: b.thresholdMs > 0 ? b.thresholdMs : a.thresholdMs,
  counts: addClusterSums(a.counts, b.counts),
});

/** a + b. Slow sums present on one side only are kept, and their `requests` then fall short of the totals'. */
export function addUnitSums(a: UnitSums, b: UnitSums): UnitSums {
  const out = { tagged: a.tagged + b.tagged } as UnitSums;
  for (const m of UNIT_METRICS) out[m] = addClusterSums(a[m], b[m]);
  const slow = a.slow && b.slow ? addSlowSums(a.slow, b.slow) : (a.slow ?? b.slow);
  if (slow) out.slow = slow;
  return out;
}

// FNV-1a 32 over UTF-16 code units, then murmur3's fmix32 so the low bits taken depend on every
// character. Bucketing is local to one process, so it need not match other languages.
function bucketOf(unit: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < unit.length; i++) h = Math.imul(h ^ unit.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) & (UNIT_BUCKETS - 1);
}

/** Folds one unit's (or slot's) values into the per-metric sums; metrics it did not touch add no unit. */
function fold(s: UnitSums, v: ArrayLike<number>, o: number): void {
  const put = (c: ClusterSums, y: number, n: number, x: number) => {
    if (n !== 0 || y !== 0) addCluster(c, y, n, x);
  };
  put(s.quality, v[o]!, v[o + 1]!, v[o + 2]!);
  put(s.satisfaction, v[o + 3]!, v[o + 4]!, v[o + 5]!);
  put(s.success_rate, v[o + 6]!, v[o + 7]!, v[o + 8]!);
  put(s.cost_per_query, v[o + 9]!, v[o + 10]!, v[o + 11]!);
  put(s.cost_per_success, v[o + 9]!, v[o + 6]!, 0);
  if (s.slow) put(s.slow.counts, v[o + 12]!, v[o + 13]!, 0);
}

// The open window's own-unit requests, with slow sums so fold() counts them too.
const singles = (): UnitSums => ({ ...emptyUnitSums(), slow: { requests: 0, thresholdMs: 0, counts: emptyClusterSums() } });

/** The per-unit sums of one variant in this process: cumulative slots, and the open window's increments. */
export class UnitSumsAccumulator {
  private cum?: Float64Array;
  private win?: Float64Array;
  private readonly used: number[] = [];
  private single = singles();
  private readonly one = new Float64Array(W);
  private requests = 0;
  private thresholdMs = 0;

  /**
   * Adds a request's values (NaN where the request has no such metric; x NaN without a covariate,
   * and then not added, so X_u sums only the covariates present). `slow`: 1 or 0 against the
   * window's threshold, NaN when there is none.
   */
  add(unit: string | undefined, quality: number, satisfaction: number, ok: boolean, cost: number, x: number, slow = Number.NaN): void {
    let v: Float64Array;
    let o: number;
    if (unit === undefined) {
      v = this.one.fill(0);
      o = 0;
    } else {
      v = this.win ??= new Float64Array(UNIT_BUCKETS * W);
      const b = bucketOf(unit);
      o = b * W;
      if (v[o + 7] === 0) this.used.push(b);
      this.single.tagged++;
    }
    const hasX = x - x === 0;
    if (quality - quality === 0) {
      v[o]! += quality;
      v[o + 1]!++;
      if (hasX) v[o + 2]! += x;
    }
    if (satisfaction - satisfaction === 0) {
      v[o + 3]! += satisfaction;
      v[o + 4]!++;
      if (hasX) v[o + 5]! += x;
    }
    if (ok) v[o + 6]!++;
    v[o + 7]!++;
    if (hasX) v[o + 8]! += x;
    if (cost - cost === 0) {
      v[o + 9]! += cost;
      v[o + 10]!++;
      if (hasX) v[o + 11]! += x;
    }
    if (slow - slow === 0) {
      v[o + 12]! += slow;
      v[o + 13]!++;
    }
    this.requests++;
    if (unit === undefined) fold(this.single, v, 0);
  }

  /** The slow-request threshold for the window now open (ms; 0: none, nothing counted). Set before its first request. */
  setThreshold(ms: number): void {
    this.thresholdMs = ms > 0 && ms < Infinity ? ms : 0;
  }

  /** The open window's sums: its singletons, and the increments of the cumulative slots it touched. */
  toSums(): UnitSums {
    const out = addUnitSums(emptyUnitSums(), this.single);
    out.slow = { requests: this.requests, thresholdMs: this.thresholdMs, counts: { ...this.single.slow!.counts } };
    if (this.win) {
      const cum = (this.cum ??= new Float64Array(UNIT_BUCKETS * W));
      for (const b of this.used) grow(out, cum, this.win, b * W);
    }
    return out;
  }

  /** Closes the window: its values join the cumulative slots. */
  reset(): void {
    if (this.win) {
      const cum = (this.cum ??= new Float64Array(UNIT_BUCKETS * W));
      for (const b of this.used) {
        for (let i = b * W; i < b * W + W; i++) cum[i]! += this.win[i]!;
        this.win.fill(0, b * W, b * W + W);
      }
    }
    this.used.length = 0;
    this.requests = 0;
    this.single = singles();
  }

  /** Starts the cumulative slots afresh: later windows' units are new clusters. */
  forget(): void {
    this.cum?.fill(0);
  }
}

/**
 * Adds to `s` what a window's (dy, dn, dx) does to one cumulative cluster (Y, N, X): the new cluster
 * (k) the first time it is non-empty, the linear sums, and (Y + dy)² − Y² = 2Y·dy + dy² and the like.
 */
function growOne(s: ClusterSums, y: number, n: number, x: number, dy: number, dn: number, dx: number): void {
  if (dn === 0 && dy === 0) return;
  if (n === 0 && y === 0) s.k++;
  s.y += dy;
  s.n += dn;
  s.yy += (2 * y + dy) * dy;
  s.nn += (2 * n + dn) * dn;
  s.yn += y * dn + n * dy + dy * dn;
  s.x += dx;
  s.xx += (2 * x + dx) * dx;
  s.xy += x * dy + y * dx + dx * dy;
  s.xn += x * dn + n * dx + dx * dn;
}

function grow(s: UnitSums, c: Float64Array, d: Float64Array, o: number): void {
  if (s.slow) growOne(s.slow.counts, c[o + 12]!, c[o + 13]!, 0, d[o + 12]!, d[o + 13]!, 0);
  growOne(s.quality, c[o]!, c[o + 1]!, c[o + 2]!, d[o]!, d[o + 1]!, d[o + 2]!);
  growOne(s.satisfaction, c[o + 3]!, c[o + 4]!, c[o + 5]!, d[o + 3]!, d[o + 4]!, d[o + 5]!);
  growOne(s.success_rate, c[o + 6]!, c[o + 7]!, c[o + 8]!, d[o + 6]!, d[o + 7]!, d[o + 8]!);
  growOne(s.cost_per_query, c[o + 9]!, c[o + 10]!, c[o + 11]!, d[o + 9]!, d[o + 10]!, d[o + 11]!);
  growOne(s.cost_per_success, c[o + 9]!, c[o + 6]!, 0, d[o + 9]!, d[o + 6]!, 0);
}
