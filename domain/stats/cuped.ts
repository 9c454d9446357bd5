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
