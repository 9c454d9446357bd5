// Kish's design effect of a proportion measured on clustered requests: how much larger its variance
// is than the p(1 − p)/n of independent requests. The variance comes from per-unit sums
// (cluster.ts), so it is the delta-method variance the mean metrics use; the ratio is what an
// effective sample size n / deff needs. For clusters of size m with intra-cluster correlation ρ it is
// 1 + (m − 1)ρ; with unequal sizes m is the size-weighted mean size Σn_u²/Σn_u (Kish 1965, §8.2).
import { clusterRatio, type ClusterSums } from './cluster';

/**
 * Σn_u² / Σn_u: the design effect if each unit's requests were always alike (ρ = 1), so the largest
 * a design effect can be when a unit's correlation is positive; 1 without data.
 */
export function weightedClusterSize(s: ClusterSums): number {
  return s.n > 0 && s.nn > 0 ? Math.max(1, s.nn / s.n) : 1;
}

/**
 * The design effect of the proportion Σy / Σn (y a unit's count of a 0/1 indicator, n its requests):
 * cluster-robust variance over p(1 − p)/n. NaN when it cannot be estimated (under two units, or the
 * indicator never or always set). Not floored: independent requests give about 1, either side.
 */
export function proportionDesignEffect(s: ClusterSums): number {
  const { mean: p, varianceOfMean } = clusterRatio(s);
  if (!(p > 0 && p < 1) || !Number.isFinite(varianceOfMean)) return Number.NaN;
  return varianceOfMean / ((p * (1 - p)) / s.n);
}
