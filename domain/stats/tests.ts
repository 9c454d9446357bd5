// Fixed-horizon tests for experiment reports: Welch's t for means, the pooled z for two proportions,
// Holm's step-down adjustment across secondary metrics.
import { normalCdf } from './normal';
import { studentTCdf, studentTQuantile } from './student-t';

/** A sample as a test needs it. */
export interface SampleSummary {
  n: number;
  mean: number;
  /** Unbiased sample variance (n − 1 in the denominator). */
  variance: number;
}

/** Mean and unbiased variance of raw values. */
export function summarizeSample(values: readonly number[]): SampleSummary {
  const n = values.length;
  const mean = values.reduce((s, x) => s + x, 0) / n;
  const variance = n > 1 ? values.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1) : Number.NaN;
  return { n, mean, variance };
}

export interface WelchResult {
  /** mean(a) − mean(b). */
  difference: number;
  t: number;
  /** Welch–Satterthwaite degrees of freedom. */
  df: number;
  pTwoSided: number;
  /** Two-sided confidence interval of the difference at 1 − alpha. */
  ci: [number, number];
}

/** Welch's unequal-variances t test of mean(a) − mean(b) = 0. Needs at least two values per side. */
export function welchTTest(a: SampleSummary, b: SampleSummary, alpha = 0.05): WelchResult {
  const va = a.variance / a.n;
  const vb = b.variance / b.n;
  const se = Math.sqrt(va + vb);
  const difference = a.mean - b.mean;
  const t = difference / se;
  const df = (va + vb) ** 2 / (va ** 2 / (a.n - 1) + vb ** 2 / (b.n - 1));
  const pTwoSided = Math.min(1, 2 * studentTCdf(-Math.abs(t), df));
  const q = studentTQuantile(1 - alpha / 2, df);
  return { difference, t, df, pTwoSided, ci: [difference - q * se, difference + q * se] };
}

export interface ProportionsResult {
  /** x1/n1 − x2/n2. */
  difference: number;
  /** z under the pooled null variance. */
  z: number;
  pTwoSided: number;
}

/** The two-proportion z test with the pooled variance (as statsmodels' proportions_ztest). */
export function twoProportionZTest(x1: number, n1: number, x2: number, n2: number): ProportionsResult {
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const pooled = (x1 + x2) / (n1 + n2);
  const z = (p1 - p2) / Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  return { difference: p1 - p2, z, pTwoSided: Math.min(1, 2 * normalCdf(-Math.abs(z))) };
}

/** Holm's step-down adjusted p-values, in the input order (monotone, capped at 1). */
export function holmAdjust(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p, i })).sort((x, y) => x.p - y.p);
  const adjusted = new Array<number>(m);
  let running = 0;
  order.forEach(({ p, i }, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    adjusted[i] = running;
  });
  return adjusted;
}
