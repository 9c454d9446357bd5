// Confidence sequences for a quantile (Howard & Ramdas, "Sequential estimation of quantiles with
// applications to A/B-testing and best-arm identification", Bernoulli 2022): for the fixed
// quantile q_p, the indicators 1{X_i ≤ q_p} are Bernoulli(p), so S_n = #{X_i ≤ q_p} − n·p is a sum
// of centred Bernoullis. A normal-mixture boundary on S_n that holds for every n at once (Ville's
// inequality on the mixture martingale, as in the mSPRT) gives |F̂_n(q_p) − p| ≤ ε_n for all n with
// probability ≥ 1 − alpha, hence q_p ∈ [Q̂_n(p − ε_n), Q̂_n(p + ε_n)] at every look.
// Sub-Gaussian variance proxy of a Bernoulli(p): Kearns & Saul's optimal (1 − 2p) / (2 ln((1 − p)/p)),
// 0.153 at p = 0.95 against Hoeffding's 0.25 — narrower sequences, still valid.
//
// Correlated requests (a user's, a session's) break the independence that argument needs: a user on
// a slow network is slow on all its requests, so S_n's variance is deff · n·p(1 − p), not n·p(1 − p).
// Each arm then takes a design effect `deff` (domain/experiments/p95-design-effect.ts), and the
// boundary's intrinsic time becomes v = n·σ²·deff: the effective sample size n / deff of survey
// sampling. This is Woodruff's (1952) route for quantiles under a complex design — the interval for
// the quantile is the inverted interval for the CDF at it, with the design-based variance of F̂ —
// with Kish's design effect of the indicator at a fixed threshold near the p95 standing in for the
// one at the true p95. An approximation, not a proof: the increments of a cluster are dependent, so
// the mixture is no longer an exact supermartingale and the bound holds only as far as the cluster
// sums behave like a Gaussian sum with that variance (many units, none dominant); deff is estimated,
// at a threshold only near q_p, and its noise is not in the bound. deff = 1 is the per-request case.
import { quantile, type LatencySketch } from '../latency-sketch';
import { normalQuantile as inverseStdNormal } from './normal';

/** The optimal sub-Gaussian variance proxy of a centred Bernoulli(p) (Kearns & Saul, 1998). */
export function bernoulliProxy(p: number): number {
  if (Math.abs(p - 0.5) < 1e-12) return 0.25;
  return (1 - 2 * p) / (2 * Math.log((1 - p) / p));
}

/**
 * The mixture precision ρ that makes the boundary tightest near `n` samples (Howard et al. 2021,
 * the normal-mixture tuning): wider early, narrower around the planned size.
 */
export function tunedRho(n: number, p: number, alpha: number): number {
  const l = -2 * Math.log(alpha);
  return (bernoulliProxy(p) * n) / (l + Math.log(1 + l));
}

/** ε_n: the time-uniform bound on |F̂_n(q_p) − p| at level alpha, mixture precision rho, design effect deff (≥ 1). */
export function quantileEpsilon(n: number, p: number, alpha: number, rho: number, deff = 1): number {
  if (n <= 0) return 1;
  // rho stays as planned: a mixture precision chosen from the data would void the boundary.
  // Below 1 (or NaN) is never used: the sequence is never narrower than for independent requests.
  const v = n * bernoulliProxy(p) * (deff > 1 ? deff : 1);
  return Math.sqrt((v + rho) * Math.log((v + rho) / (rho * alpha * alpha))) / n;
}

/** A confidence interval that holds at every look; upper is Infinity until p + ε < 1. */
export interface QuantileSequence {
  estimate: number;
  lower: number;
  upper: number;
}

/**
 * The (1 − alpha) confidence sequence for the p-quantile of the values a sketch holds, widened by
 * the sketch's own relative error so the bucketing can never make it narrower than the truth.
 */
export function quantileSequence(sketch: LatencySketch, p: number, alpha: number, rho: number, deff = 1): QuantileSequence {
  const n = sketch.count;
  const eps = quantileEpsilon(n, p, alpha, rho, deff);
  const estimate = quantile(sketch, p);
  const lower = p - eps <= 0 ? 0 : quantile(sketch, p - eps) * (1 - sketch.alpha);
  const upper = p + eps >= 1 ? Infinity : quantile(sketch, p + eps) * (1 + sketch.alpha);
  return { estimate, lower, upper };
}

/** Each arm's design effect (1: requests independent). */
export interface ArmDesignEffects {
  control: number;
  treatment: number;
}

/**
 * Sequence for the ratio q_p(treatment) / q_p(control): each arm at alpha/2 (Bonferroni), so the
 * ratio's interval [lowerT/upperC, upperT/lowerC] holds at every look with probability ≥ 1 − alpha.
 * Each arm is widened by its own design effect: the arms' units differ, and so may their correlation.
 */
export function quantileRatioSequence(control: LatencySketch, treatment: LatencySketch, p: number, alpha: number, rho: number, deff: ArmDesignEffects = { control: 1, treatment: 1 }): QuantileSequence {
  const c = quantileSequence(control, p, alpha / 2, rho, deff.control);
  const t = quantileSequence(treatment, p, alpha / 2, rho, deff.treatment);
  return {
    estimate: t.estimate / c.estimate,
    lower: c.upper === Infinity ? 0 : t.lower / c.upper,
    upper: c.lower > 0 ? t.upper / c.lower : Infinity,
  };
}

/**
 * Samples per arm at which the ratio sequence's expected width leaves `shift` (0.1 = a 10 % rise)
 * outside it, for log-normal latencies with log-sd `logSd`: the p-quantile of ln X moves by
 * ε / φ(z_p) · logSd when the probability moves by ε. Plans the p95 test.
 */
export function quantileSampleSize(shift: number, p: number, alpha: number, logSd: number, sketchAlpha: number): number {
  const zp = inverseStdNormal(p);
  const density = Math.exp(-(zp * zp) / 2) / Math.sqrt(2 * Math.PI);
  // The ratio's bound is widened once by (1 + α)/(1 − α) for the sketch's own error.
  const target = Math.log(1 + shift) - Math.log((1 + sketchAlpha) / (1 - sketchAlpha));
  if (!(target > 0)) return Infinity;
  // Each arm's half-width in log space, twice (both arms), must fit in the shift.
  const halfWidths = (n: number) => 2 * ((quantileEpsilon(n, p, alpha / 2, tunedRho(n, p, alpha / 2)) * logSd) / density);
  let lo = 10;
  let hi = 10;
  while (halfWidths(hi) > target) hi *= 2;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (halfWidths(mid) > target) lo = mid;
    else hi = mid;
  }
  return hi;
}
