// CUPED (Deng et al., 2013): subtract from each unit's metric the part a pre-experiment covariate
// predicts (its own pre-period value, or for RAG tokens/s or retrieved-context length), which
// shrinks the variance by the squared correlation and leaves the difference between arms unbiased.

/** θ = cov(x, y) / var(x), pooled over every arm (the covariate is independent of assignment). */
export function cupedTheta(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  const mx = x.reduce((s, v) => s + v, 0) / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  let cov = 0;
  let varX = 0;
  for (let i = 0; i < n; i++) {
    cov += (x[i]! - mx) * (y[i]! - my);
    varX += (x[i]! - mx) ** 2;
  }
  return varX > 0 ? cov / varX : 0;
}

/** y − θ (x − mean x) per unit, with θ and mean x from the pooled data. */
export function cupedAdjust(x: readonly number[], y: readonly number[]): { theta: number; adjusted: number[] } {
  const theta = cupedTheta(x, y);
  const mx = x.reduce((s, v) => s + v, 0) / x.length;
  return { theta, adjusted: y.map((v, i) => v - theta * (x[i]! - mx)) };
}

/** Per-arm sums of a covariate x and a metric y: enough for CUPED without the samples. */
export interface CovariateSums {
  n: number;
  sumX: number;
  sumXX: number;
  sumXY: number;
  sumY: number;
  sumYY: number;
}

/** One arm's CUPED-adjusted mean and the variance of that mean. */
export interface CupedArm {
  mean: number;
  varianceOfMean: number;
}

/**
 * CUPED from sums: θ pooled over the arms (as cupedTheta), each arm's mean of y − θ(x − x̄_pooled)
 * and its variance var(y) − 2θ cov(x, y) + θ² var(x) within the arm, over n. Null when an arm has
 * fewer than two samples or x does not vary.
 */
export function cupedFromSums(arms: readonly CovariateSums[]): { theta: number; arms: CupedArm[] } | null {
  const t = arms.reduce((s, a) => ({ n: s.n + a.n, x: s.x + a.sumX, xx: s.xx + a.sumXX, xy: s.xy + a.sumXY, y: s.y + a.sumY }), { n: 0, x: 0, xx: 0, xy: 0, y: 0 });
  const varX = t.xx - (t.x * t.x) / t.n;
  if (!(varX > 0) || arms.some((a) => a.n < 2)) return null;
  const theta = (t.xy - (t.x * t.y) / t.n) / varX;
  const meanX = t.x / t.n;
  return {
    theta,
    arms: arms.map((a) => {
      const mx = a.sumX / a.n;
      const my = a.sumY / a.n;
      const vx = (a.sumXX - a.n * mx * mx) / (a.n - 1);
      const vy = (a.sumYY - a.n * my * my) / (a.n - 1);
      const cxy = (a.sumXY - a.n * mx * my) / (a.n - 1);
      const v = Math.max(0, vy - 2 * theta * cxy + theta * theta * vx);
      return { mean: my - theta * (mx - meanX), varianceOfMean: v / a.n };
    }),
  };
}
