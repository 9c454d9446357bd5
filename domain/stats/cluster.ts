// The delta-method variance of a per-request mean when requests come in correlated groups (a user's
// or a session's): the independent draws are the units, so the mean ΣY/ΣN is a ratio of per-unit
// sums and its variance comes from those sums (Deng, Knoblich & Lu 2018, "Applying the delta method
// in metric analytics"). Numerically the same as the cluster-robust variance of an intercept-only
// regression (statsmodels `cov_type="cluster"`), which is how scripts/stats-golden.py checks it.

import { addSums } from './sums';

/**
 * Sums over units of one metric: for unit u, Y_u is the sum of the metric over its requests, N_u the
 * count behind it (for a ratio metric, the denominator's sum), X_u the sum of its requests' CUPED
 * covariate. Sums of sums, so windows and replicas merge by addition.
 */
export interface ClusterSums {
  /** Units (clusters). */
  k: number;
  y: number;
  n: number;
  yy: number;
  nn: number;
  yn: number;
  x: number;
  xx: number;
  xy: number;
  xn: number;
}

export const emptyClusterSums = (): ClusterSums => ({ k: 0, y: 0, n: 0, yy: 0, nn: 0, yn: 0, x: 0, xx: 0, xy: 0, xn: 0 });

/** a + b. */
export const addClusterSums = (a: ClusterSums, b: ClusterSums): ClusterSums => addSums(a, b);

/** Adds one unit's (Y, N, X) in place. */
export function addCluster(s: ClusterSums, y: number, n: number, x: number): void {
  s.k++;
  s.y += y;
  s.n += n;
  s.yy += y * y;
  s.nn += n * n;
  s.yn += y * n;
  s.x += x;
  s.xx += x * x;
  s.xy += x * y;
  s.xn += x * n;
}

/**
 * The mean ΣY/ΣN and the variance of that mean, Σ_u (Y_u − r N_u)² · K/(K−1) / (ΣN)². With a CUPED
 * `theta`, each unit's Y_u becomes Y_u − θ X_u and the mean is shifted back by θ · `meanX` (the pooled
 * covariate mean), as per-request CUPED does: y − θ (x − x̄). NaN below two units.
 */
export function clusterRatio(s: ClusterSums, theta = 0, meanX = 0): { mean: number; varianceOfMean: number } {
  if (s.k < 2 || !(s.n > 0)) return { mean: Number.NaN, varianceOfMean: Number.NaN };
  const r = (s.y - theta * s.x) / s.n;
  const zz = s.yy - 2 * theta * s.xy + theta * theta * s.xx;
  const zn = s.yn - theta * s.xn;
  // Rounding in the expanded square can leave a tiny negative.
  const squares = Math.max(0, zz - 2 * r * zn + r * r * s.nn);
  return { mean: r + theta * meanX, varianceOfMean: (squares * s.k) / ((s.k - 1) * s.n * s.n) };
}
