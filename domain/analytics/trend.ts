// A trend as a slope with a confidence interval and a significance verdict: Theil–Sen (median of
// pairwise slopes, robust to outliers and a bad day) with Sen's (1968) rank-based interval, and the
// Mann–Kendall test for a monotonic trend. Both need no normality, which daily satisfaction lacks.
import { normalCdf, normalQuantile } from '../stats/normal';

export interface Trend {
  /** Change per step (per day for daily points). */
  slope: number;
  intercept: number;
  /** Confidence interval of the slope (Sen's method). */
  low: number;
  high: number;
  confidence: number;
  /** Mann–Kendall S, its tie-corrected variance, Z (continuity-corrected) and two-sided p-value. */
  mannKendall: { s: number; variance: number; z: number; p: number };
  /** 'rising' / 'falling' when p < 1 − confidence, else 'no significant trend'. */
  verdict: 'rising' | 'falling' | 'no significant trend';
  n: number;
}

function median(sorted: readonly number[]): number {
  const m = sorted.length >> 1;
  return sorted.length % 2 ? sorted[m]! : (sorted[m - 1]! + sorted[m]!) / 2;
}

/** Σ t(t−1)(2t+5) over groups of equal values: the tie correction of Kendall's variance. */
function tieTerm(values: readonly number[]): number {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let sum = 0;
  for (const t of counts.values()) sum += t * (t - 1) * (2 * t + 5);
  return sum;
}

/** Theil–Sen and Mann–Kendall over points (x, y); null with fewer than 3 points. */
export function trendOf(y: readonly number[], x: readonly number[] = y.map((_, i) => i), confidence = 0.95): Trend | null {
  const n = y.length;
  if (n < 3 || x.length !== n) return null;
  const slopes: number[] = [];
  let s = 0;
  for (let i = 0; i < n - 1; i++) {
    for (let j = i + 1; j < n; j++) {
      const dx = x[j]! - x[i]!;
      if (dx !== 0) slopes.push((y[j]! - y[i]!) / dx);
      s += Math.sign((y[j]! - y[i]!) * Math.sign(dx || 1));
    }
  }
  slopes.sort((a, b) => a - b);
  const slope = median(slopes);
  const intercept = median([...y].sort((a, b) => a - b)) - slope * median([...x].sort((a, b) => a - b));
  // Sen's interval: the slopes ranked C/2 either side of the middle, C = z·σ_S with x ties removed too.
  const sigma = Math.sqrt((n * (n - 1) * (2 * n + 5) - tieTerm(x) - tieTerm(y)) / 18);
  const c = normalQuantile((1 + confidence) / 2) * sigma;
  const m = slopes.length;
  const lowIndex = Math.max(0, Math.round((m - c) / 2) - 1);
  const highIndex = Math.min(m - 1, Math.round((m + c) / 2));
  const variance = (n * (n - 1) * (2 * n + 5) - tieTerm(y)) / 18;
  const z = s > 0 ? (s - 1) / Math.sqrt(variance) : s < 0 ? (s + 1) / Math.sqrt(variance) : 0;
  const p = 2 * (1 - normalCdf(Math.abs(z)));
  const verdict = p < 1 - confidence ? (s > 0 ? 'rising' : 'falling') : 'no significant trend';
  return { slope, intercept, low: slopes[lowIndex]!, high: slopes[highIndex]!, confidence, mannKendall: { s, variance, z, p }, verdict, n };
}
