// Per-unit sums of one variant's window, for the delta-method variance (domain/stats/cluster.ts):
// a user's or session's requests are correlated, so the window reports sums over units, not only
// over requests. Bounded: a unit's requests go to one of UNIT_BUCKETS slots picked by a hash of its
// id, so memory is fixed however many units a window sees. Units sharing a slot form one cluster;
// units are independent of each other, so that cluster is still independent of every other slot and
// the variance stays valid — it only has fewer clusters to estimate from (at most UNIT_BUCKETS per
// window and variant, plenty for a stable estimate). A request without a unit id is its own cluster.
import { addCluster, addClusterSums, emptyClusterSums, type ClusterSums } from '../stats/cluster';

/** The mean metrics with a per-request value, keyed as the definition names them. */
export const UNIT_METRICS = ['quality', 'satisfaction', 'success_rate', 'cost_per_query', 'cost_per_success'] as const;
export type UnitMetric = (typeof UNIT_METRICS)[number];

/** One window's (or many merged) per-unit sums per metric; cost_per_success is Σcost over Σok. */
export type UnitSums = Record<UnitMetric, ClusterSums> & {
  /** Requests that carried a unit id (the rest counted as their own unit). */
  tagged: number;
};

export const UNIT_BUCKETS = 1024;
// Per slot: quality y, n, x; satisfaction y, n, x; ok, requests, x; cost y, n, x.
const W = 12;

export const emptyUnitSums = (): UnitSums => ({
  tagged: 0,
  quality: emptyClusterSums(),
  satisfaction: emptyClusterSums(),
  success_rate: emptyClusterSums(),
  cost_per_query: emptyClusterSums(),
  cost_per_success: emptyClusterSums(),
});

/** a + b. */
export function addUnitSums(a: UnitSums, b: UnitSums): UnitSums {
  const out = { tagged: a.tagged + b.tagged } as UnitSums;
  for (const m of UNIT_METRICS) out[m] = addClusterSums(a[m], b[m]);
  return out;
}

// FNV-1a 32 over UTF-16 code units: bucketing is local to one process, so it need not match other languages.
function bucketOf(unit: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < unit.length; i++) h = Math.imul(h ^ unit.charCodeAt(i), 0x01000193);
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
}

/** The open window's per-unit sums: a fixed table, allocated on the first unit-tagged request. */
export class UnitSumsAccumulator {
  private slots?: Float64Array;
  private readonly used: number[] = [];
  private single = emptyUnitSums();
  private readonly one = new Float64Array(W);

  /**
   * Adds a request's values (NaN where the request has no such metric; x NaN without a covariate,
   * and then not added, so X_u sums only the covariates present).
   */
  add(unit: string | undefined, quality: number, satisfaction: number, ok: boolean, cost: number, x: number): void {
    let v: Float64Array;
    let o: number;
    if (unit === undefined) {
      v = this.one.fill(0);
      o = 0;
    } else {
      v = this.slots ??= new Float64Array(UNIT_BUCKETS * W);
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
    if (unit === undefined) fold(this.single, v, 0);
  }

  /** The window's sums (a copy: the accumulator is reset and reused at once). */
  toSums(): UnitSums {
    const out = addUnitSums(emptyUnitSums(), this.single);
    if (this.slots) for (const b of this.used) fold(out, this.slots, b * W);
    return out;
  }

  reset(): void {
    if (this.slots) for (const b of this.used) this.slots.fill(0, b * W, b * W + W);
    this.used.length = 0;
    this.single = emptyUnitSums();
  }
}
