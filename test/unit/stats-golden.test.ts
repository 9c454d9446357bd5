import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { alwaysValidP, mixtureLikelihoodRatio } from '../../domain/stats/msprt';
import { studentTCdf, studentTQuantile } from '../../domain/stats/student-t';
import { assignmentPoint, assignVariant } from '../../domain/experiments/assignment';
import { cupedAdjust, cupedFromSums } from '../../domain/stats/cuped';
import { bootstrapCi } from '../../domain/stats/bootstrap';
import { normalQuantile } from '../../domain/stats/normal';
import { sampleSizePerArm } from '../../domain/stats/sample-size';
import { srmTest } from '../../domain/stats/srm';
import { holmAdjust, summarizeSample, twoProportionZTest, welchTTest } from '../../domain/stats/tests';

/** Computed by scripts/stats-golden.py with scipy and statsmodels; the tests only read them. */
const golden = JSON.parse(readFileSync(path.join(__dirname, '..', 'fixtures', 'stats-golden.json'), 'utf8')) as {
  t_cdf: Array<{ t: number; df: number; cdf: number }>;
  t_ppf: Array<{ p: number; df: number; q: number }>;
  welch: Array<{ a: number[]; b: number[]; t: number; df: number; p: number; ci95: [number, number] }>;
  two_proportions: Array<{ x1: number; n1: number; x2: number; n2: number; z: number; p: number }>;
  holm: { p: number[]; adjusted: number[] };
  msprt: Array<{ delta: number; variance: number; tau2: number; lambda: number }>;
  srm: Array<{ counts: number[]; weights: number[]; chi2: number; p: number }>;
  sample_size: Array<{ effect: number; alpha: number; power: number; n_per_arm: number }>;
  assignment: Array<{ experiment: string; salt: string; unit: string; point: number }>;
  cuped: { x: number[]; y: number[]; split: number; theta: number; t: number; p: number; raw_p: number };
  bootstrap: { a: number[]; b: number[]; ci95: [number, number]; se: number };
  lognormal_p95: { median: number; log_sd: number; p95: number; phi_z95: number };
};

/** Relative closeness, with an absolute floor for values near zero. */
function close(actual: number, expected: number, rel: number, abs = 1e-12): void {
  expect(Math.abs(actual - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(Math.max(abs, rel * Math.abs(expected)));
}

describe('domain/stats against scipy/statsmodels', () => {
  it.each(golden.t_cdf)('Student t CDF($t; df $df)', ({ t, df, cdf }) => close(studentTCdf(t, df), cdf, 1e-9, 1e-15));
  it.each(golden.t_ppf)('Student t quantile($p; df $df)', ({ p, df, q }) => close(studentTQuantile(p, df), q, 1e-9, 1e-12));

  it.each(golden.welch.map((w, i) => ({ ...w, i })))('Welch t test, case $i (n $a.length vs $b.length)', ({ a, b, t, df, p, ci95 }) => {
    const r = welchTTest(summarizeSample(a), summarizeSample(b));
    close(r.t, t, 1e-10);
    close(r.df, df, 1e-10);
    close(r.pTwoSided, p, 1e-8, 1e-14);
    close(r.ci[0], ci95[0], 1e-8);
    close(r.ci[1], ci95[1], 1e-8);
  });

  // The normal CDF is a Chebyshev fit good to about 1e-7 relative: p-values are held to that.
  it.each(golden.two_proportions)('two proportions $x1/$n1 vs $x2/$n2', ({ x1, n1, x2, n2, z, p }) => {
    const r = twoProportionZTest(x1, n1, x2, n2);
    close(r.z, z, 1e-12);
    close(r.pTwoSided, p, 2e-7, 1e-9);
  });

  it('Holm adjustment', () => {
    holmAdjust(golden.holm.p).forEach((x, i) => close(x, golden.holm.adjusted[i]!, 1e-12));
  });

  it.each(golden.msprt)('mSPRT mixture likelihood ratio (Δ $delta, V $variance, τ² $tau2) matches numerical integration', ({ delta, variance, tau2, lambda }) => {
    close(mixtureLikelihoodRatio(delta, variance, tau2), lambda, 1e-8);
  });

  it('the always-valid p-value never rises between looks', () => {
    let p = 1;
    const seen: number[] = [];
    for (const delta of [0.5, 0.1, 0.9, 0.0, 0.7]) {
      p = alwaysValidP(p, delta, 0.04, 0.25);
      seen.push(p);
    }
    expect(seen).toEqual([...seen].sort((x, y) => y - x));
    expect(seen.at(-1)).toBeLessThan(1);
  });

  it.each(golden.srm)('sample-ratio mismatch for $counts at weights $weights', ({ counts, weights, chi2, p }) => {
    const r = srmTest(counts, weights);
    close(r.chi2, chi2, 1e-12);
    close(r.p, p, 1e-9, 1e-15);
    expect(r.mismatch).toBe(p < 0.001);
  });

  // The normal quantile and CDF are rational fits (about 1e-9 and 1e-7 relative): sizes agree to 1e-5.
  it.each(golden.sample_size)('units per arm for effect $effect at alpha $alpha, power $power', ({ effect, alpha, power, n_per_arm }) => {
    close(sampleSizePerArm(effect, alpha, power), n_per_arm, 1e-5);
  });

  it.each(golden.assignment)('assignment point of $unit in $experiment matches the Python reference (FNV-1a 64 + fmix64)', ({ experiment, salt, unit, point }) => {
    expect(assignmentPoint(experiment, salt, unit)).toBe(point);
  });

  it('assignment is sticky and follows the weights', () => {
    const variants = [{ name: 'control', weight: 9 }, { name: 'b', weight: 1 }];
    const picks = Array.from({ length: 20_000 }, (_, i) => assignVariant(variants, 'exp', 'salt', `u${i}`).name);
    expect(assignVariant(variants, 'exp', 'salt', 'u7').name).toBe(picks[7]);
    const share = picks.filter((p) => p === 'b').length / picks.length;
    expect(share).toBeGreaterThan(0.09);
    expect(share).toBeLessThan(0.11);
    expect(srmTest([picks.length - picks.filter((p) => p === 'b').length, picks.filter((p) => p === 'b').length], [9, 1]).mismatch).toBe(false);
  });

  it('CUPED: θ and the adjusted Welch test match numpy/scipy, and the pre-period covariate turns p 0.58 into 0.005', () => {
    const { x, y, split, theta, t, p, raw_p } = golden.cuped;
    const adj = cupedAdjust(x, y);
    close(adj.theta, theta, 1e-10);
    const r = welchTTest(summarizeSample(adj.adjusted.slice(split)), summarizeSample(adj.adjusted.slice(0, split)));
    close(r.t, t, 1e-9);
    close(r.pTwoSided, p, 1e-7);
    close(welchTTest(summarizeSample(y.slice(split)), summarizeSample(y.slice(0, split))).pTwoSided, raw_p, 1e-8);
  });

  // The same CUPED from per-arm sums (what windows carry): the same θ, and the adjusted means'
  // variances give the same Welch statistic.
  it('CUPED from sums matches the sample-level golden values', () => {
    const { x, y, split, theta, t } = golden.cuped;
    const sums = (lo: number, hi: number) => {
      const s = { n: 0, sumX: 0, sumXX: 0, sumXY: 0, sumY: 0, sumYY: 0 };
      for (let i = lo; i < hi; i++) {
        s.n++;
        s.sumX += x[i]!;
        s.sumXX += x[i]! ** 2;
        s.sumXY += x[i]! * y[i]!;
        s.sumY += y[i]!;
        s.sumYY += y[i]! ** 2;
      }
      return s;
    };
    const r = cupedFromSums([sums(0, split), sums(split, x.length)])!;
    close(r.theta, theta, 1e-9);
    const [a, b] = r.arms as [{ mean: number; varianceOfMean: number }, { mean: number; varianceOfMean: number }];
    close((b.mean - a.mean) / Math.sqrt(a.varianceOfMean + b.varianceOfMean), t, 1e-8);
  });

  // scipy's interval has its own Monte Carlo error (se/√resamples-ish); ours another: a tenth of the bootstrap SE covers both.
  it('bootstrap percentile interval of a difference in means agrees with scipy.stats.bootstrap', () => {
    const { a, b, ci95, se } = golden.bootstrap;
    const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
    const ci = bootstrapCi([b, a], ([rb, ra]) => mean(rb!) - mean(ra!), { resamples: 20_000, seed: 3 });
    expect(Math.abs(ci[0] - ci95[0])).toBeLessThan(0.1 * se);
    expect(Math.abs(ci[1] - ci95[1])).toBeLessThan(0.1 * se);
  });

  it('the p95 plan density term and a log-normal p95 match scipy', () => {
    const { median, log_sd, p95, phi_z95 } = golden.lognormal_p95;
    const z = normalQuantile(0.95);
    close(median * Math.exp(log_sd * z), p95, 1e-8);
    close(Math.exp(-(z * z) / 2) / Math.sqrt(2 * Math.PI), phi_z95, 1e-8);
  });
});
