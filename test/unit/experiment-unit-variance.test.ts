import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { experimentDefinitionSchema } from '../../domain/experiments/definition';
import { cupedEstimates, meanEstimate, varianceBasis, type VarianceBasis } from '../../domain/experiments/estimates';
import { evaluateLook, initialLookState } from '../../domain/experiments/evaluate';
import { planExperiment } from '../../domain/experiments/plan';
import { VariantAccumulator } from '../../domain/experiments/variant-accumulator';
import { addTotals, emptyTotals, type VariantTotals } from '../../domain/experiments/variant-window';
import { variantWindowSchema } from '../../domain/experiments/variant-window-schema';
import type { VariantWindow } from '../../domain/experiments/variant-window';
import { holmAdjust } from '../../domain/stats/tests';
import { createReporter } from '../../sdk';
import { FakeClock } from '../support/fake-clock';

type Arm = { unit: number[]; x: number[]; quality: number[]; satisfaction: number[]; ok: number[]; cost: number[] };
type MeanVar = { mean: number; variance: number };

/** Computed by scripts/stats-golden.py (statsmodels' cluster-robust OLS, numpy, scipy); the tests only read them. */
const golden = (JSON.parse(readFileSync(path.join(__dirname, '..', 'fixtures', 'stats-golden.json'), 'utf8')) as { cluster: {
  arms: [Arm, Arm];
  cluster: Array<Record<'quality' | 'satisfaction' | 'ok' | 'cost' | 'cost_per_success', MeanVar> & { naive_quality_variance: number }>;
  cuped_unit: Record<'quality' | 'satisfaction' | 'ok' | 'cost', { theta: number; arms: [MeanVar, MeanVar] }>;
  cuped_request: Record<'quality' | 'satisfaction' | 'ok' | 'cost', { theta: number; t: number; reduction: number }>;
} }).cluster;

// Golden keys → definition metric names.
const METRICS = [
  ['quality', 'quality'],
  ['satisfaction', 'satisfaction'],
  ['ok', 'success_rate'],
  ['cost', 'cost_per_query'],
] as const;

function close(actual: number, expected: number, rel: number, abs = 1e-15): void {
  expect(Math.abs(actual - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(Math.max(abs, rel * Math.abs(expected)));
}

/** An arm's requests through the SDK's accumulator, each tagged with its user. */
function totalsOf(a: Arm): VariantTotals {
  const acc = new VariantAccumulator();
  a.unit.forEach((u, i) => acc.add({ latencyMs: 1, ok: a.ok[i] === 1, qualityScore: a.quality[i], satisfaction: a.satisfaction[i], costUsd: a.cost[i], covariate: a.x[i] }, false, `member-${u}`));
  acc.exposures = new Set(a.unit).size;
  return addTotals(emptyTotals(), acc.toTotals());
}

const [control, treatment] = golden.arms.map(totalsOf) as [VariantTotals, VariantTotals];
const unitBasis = varianceBasis('user', [control, treatment]);
const requestBasis: VarianceBasis = { kind: 'request', why: '' };

describe('delta-method variance over users against statsmodels', () => {
  // The ids `member-0` … `member-39` land in 40 distinct slots (checked here), so the sums are exactly per user.
  it('every user of the fixture is its own cluster and every request carried a user id', () => {
    expect(control.units!.quality.k).toBe(40);
    expect(treatment.units!.quality.k).toBe(40);
    expect(unitBasis.kind).toBe('unit');
  });

  it.each([0, 1])('arm %i: mean and variance of each metric match the cluster-robust values', (i) => {
    const t = i === 0 ? control : treatment;
    const g = golden.cluster[i]!;
    for (const [key, metric] of [...METRICS, ['cost_per_success', 'cost_per_success'] as const]) {
      const e = meanEstimate(metric, t, unitBasis);
      close(e.mean, g[key].mean, 1e-10);
      close(e.varianceOfMean, g[key].variance, 1e-8);
    }
    // A user's 1–30 requests share its effect: per request the variance is an order of magnitude too small.
    expect(g.quality.variance / g.naive_quality_variance).toBeGreaterThan(5);
    close(meanEstimate('quality', t, requestBasis).varianceOfMean, g.naive_quality_variance, 1e-8);
  });

  it.each(METRICS)('CUPED on %s per user: the adjusted means and their cluster-robust variances match', (key, metric) => {
    const r = cupedEstimates(metric, control, treatment, unitBasis, false)!;
    const g = golden.cuped_unit[key];
    close(r.control.mean, g.arms[0].mean, 1e-9);
    close(r.treatment.mean, g.arms[1].mean, 1e-9);
    close(r.control.varianceOfMean, g.arms[0].variance, 1e-7);
    close(r.treatment.varianceOfMean, g.arms[1].variance, 1e-7);
  });

  it.each(METRICS)('CUPED on %s per request: Welch t of the adjusted values and the variance removed match', (key, metric) => {
    const r = cupedEstimates(metric, control, treatment, requestBasis, false)!;
    const g = golden.cuped_request[key];
    close((r.treatment.mean - r.control.mean) / Math.sqrt(r.control.varianceOfMean + r.treatment.varianceOfMean), g.t, 1e-8);
    close(r.reduction, g.reduction, 1e-7, 1e-9);
  });

  it('a look adjusts every secondary metric on its own, reports each reduction and the variance used, and Holm runs over the adjusted p-values', () => {
    const d = experimentDefinitionSchema.parse({
      name: 'cuped',
      service: 'rag',
      unit: 'user',
      variants: [{ name: 'control', weight: 0.5 }, { name: 'b', weight: 0.5 }],
      primary: 'quality',
      secondary: ['satisfaction', 'success_rate', 'cost_per_query'],
      mde: 0.05,
    });
    const r = evaluateLook(d, planExperiment(d, null), { control, b: treatment }, initialLookState());
    expect(r.variance.kind).toBe('unit');
    const byMetric = Object.fromEntries(r.results.b!.map((m) => [m.metric, m]));
    for (const [key, metric] of METRICS) {
      expect(byMetric[metric]!.cuped).toBe(true);
      expect(byMetric[metric]!.variance).toBe('unit');
      const raw = meanEstimate(metric, control, unitBasis).varianceOfMean + meanEstimate(metric, treatment, unitBasis).varianceOfMean;
      const adj = golden.cuped_unit[key].arms[0].variance + golden.cuped_unit[key].arms[1].variance;
      close(byMetric[metric]!.cupedReduction!, 1 - adj / raw, 1e-6, 1e-9);
    }
    const secondary = r.results.b!.filter((m) => m.role === 'secondary');
    expect(secondary.map((m) => m.pAdjusted)).toEqual(holmAdjust(secondary.map((m) => m.p!)));
    console.log(`CUPED variance removed per user: ${METRICS.map(([, m]) => `${m} ${(100 * byMetric[m]!.cupedReduction!).toFixed(1)} %`).join(', ')}`);
  });

  // A user's requests spread over three windows of the same accumulator: the windows' increments add
  // up to the same sums as one window, so a returning user stays one cluster.
  it('windows add up to one cluster per user across windows; forgetUnits starts new clusters', () => {
    const a = golden.arms[0];
    const acc = new VariantAccumulator();
    let sum = emptyTotals();
    const windows = [];
    a.unit.forEach((u, i) => {
      acc.add({ latencyMs: 1, ok: a.ok[i] === 1, qualityScore: a.quality[i], satisfaction: a.satisfaction[i], costUsd: a.cost[i], covariate: a.x[i] }, false, `member-${u}`);
      if (i % 200 === 199 || i === a.unit.length - 1) {
        const w = { experiment: 'e', variant: 'control', start: i, durationMs: 10_000, ...acc.toTotals() };
        expect(variantWindowSchema.safeParse(w).success).toBe(true);
        windows.push(w);
        sum = addTotals(sum, w);
        acc.reset();
      }
    });
    expect(windows.length).toBeGreaterThan(2);
    for (const m of ['quality', 'cost_per_success'] as const) {
      for (const k of ['k', 'n', 'y'] as const) close(sum.units![m][k], control.units![m][k], 1e-12);
      for (const k of ['yy', 'nn', 'yn', 'xx', 'xy', 'xn'] as const) close(sum.units![m][k], control.units![m][k], 1e-10);
    }
    close(meanEstimate('quality', sum, unitBasis).varianceOfMean, golden.cluster[0]!.quality.variance, 1e-8);
    acc.forgetUnits();
    acc.add({ latencyMs: 1, ok: true, qualityScore: 0.5 }, false, 'user-0');
    expect(acc.toTotals().units!.quality.k).toBe(1);
  });

  it('a window whose per-unit counts disagree with its request counts is refused', () => {
    const w = { experiment: 'e', variant: 'control', start: 0, durationMs: 10_000, ...control };
    expect(variantWindowSchema.safeParse(w).success).toBe(true);
    const bad = { ...w, units: { ...w.units!, quality: { ...w.units!.quality, n: w.units!.quality.n - 1 } } };
    expect(variantWindowSchema.safeParse(bad).error?.issues[0]?.path).toEqual(['units', 'quality', 'n']);
  });

  // Through the reporter: an assignment carrying the unit makes per-user sums; one without falls back to one cluster per request.
  it('the reporter keeps per-user sums for samples tagged with a unit, across its windows', async () => {
    const clock = new FakeClock(Date.UTC(2026, 11, 5, 12, 0, 0));
    const sent: VariantWindow[] = [];
    const reporter = createReporter({ service: 'rag', source: 'r1', transport: { maxBatch: 100, send: async () => undefined }, clock, windowMs: 10_000, experimentTransport: { send: async (w) => void sent.push(...w) } });
    for (let round = 0; round < 2; round++) {
      for (let u = 0; u < 10; u++) for (let i = 0; i < 3; i++) reporter.record({ latencyMs: 100, ok: true, qualityScore: 0.5 + u / 100, experiment: { name: 'e', variant: 'control', live: true, unit: `user-${u}` } });
      reporter.record({ latencyMs: 100, ok: true, qualityScore: 0.9, experiment: { name: 'e', variant: 'control', live: true } });
      await clock.advance(10_000);
    }
    await reporter.shutdown();
    expect(sent).toHaveLength(2);
    // The same ten users in both windows: ten clusters in the first, none new in the second; the untagged request is one each time.
    expect(sent.map((w) => [w.units!.quality.k, w.units!.tagged, w.requests])).toEqual([
      [11, 30, 31],
      [1, 30, 31],
    ]);
  });

  // The plan counts units; per user, twice the plan is counted in first exposures (40 users here, 568 requests).
  it('stop-for-futility after twice the planned units counts users, not requests, on a per-user basis', () => {
    const d = experimentDefinitionSchema.parse({ name: 'f', service: 'rag', unit: 'user', variants: [{ name: 'control', weight: 0.5 }, { name: 'b', weight: 0.5 }], primary: 'cost_per_success', mde: 0.05 });
    const look = (perArm: number) => evaluateLook(d, { ...planExperiment(d, null), perArm }, { control, b: control }, initialLookState()).state;
    expect(look(100).stopped.b).toBeUndefined();
    expect(look(15).stopped.b?.why).toMatch(/twice the planned 15 units/);
  });

  it('windows from an older SDK (no per-unit sums) fall back to the per-request variance, and say so', () => {
    const old: VariantTotals = { ...control };
    delete old.units;
    delete old.covariates;
    const mixed = addTotals(control, old);
    const basis = varianceBasis('user', [mixed, treatment]);
    expect(basis.kind).toBe('request');
    expect(basis.why).toMatch(/older SDK/);
    expect(varianceBasis('request', [control, treatment]).kind).toBe('request');
  });
});
