import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRng } from '../../domain/anomaly/rng';
import { experimentDefinitionSchema } from '../../domain/experiments/definition';
import { varianceBasis } from '../../domain/experiments/estimates';
import { evaluateLook, initialLookState } from '../../domain/experiments/evaluate';
import { MIN_SLOW_UNITS, p95DesignEffect } from '../../domain/experiments/p95-design-effect';
import { planExperiment } from '../../domain/experiments/plan';
import { buildExperimentReport, renderExperimentMarkdown } from '../../domain/experiments/report';
import { VariantAccumulator } from '../../domain/experiments/variant-accumulator';
import { addTotals, emptyTotals, type VariantTotals, type VariantWindow } from '../../domain/experiments/variant-window';
import { variantWindowSchema } from '../../domain/experiments/variant-window-schema';
import type { UnitSums } from '../../domain/experiments/unit-sums';
import { addCluster, emptyClusterSums } from '../../domain/stats/cluster';
import { proportionDesignEffect, weightedClusterSize } from '../../domain/stats/design-effect';
import { quantileEpsilon, tunedRho } from '../../domain/stats/quantile-cs';

type DeffCase = { user_sd: number; request_sd: number; m: number; rho: number; deff: number; numpy_deff: number };
/** scripts/stats-golden.py: 1 + (m − 1)ρ with ρ from scipy's bivariate normal, and numpy's simulated check of it. */
const golden = (JSON.parse(readFileSync(path.join(__dirname, '..', 'fixtures', 'stats-golden.json'), 'utf8')) as { p95_design_effect: DeffCase[] }).p95_design_effect;
const Z95 = 1.6448536269514722;

/** Per-unit sums as an SDK from before slow counts sends them. */
function withoutSlow(u: UnitSums): UnitSums {
  const out = { ...u };
  delete out.slow;
  return out;
}

describe('design effect of the slow indicator (random effect per user on log latency)', () => {
  it('the golden cases: numpy\'s simulation agrees with 1 + (m − 1)ρ, and the independent case is 1', () => {
    expect(golden).toHaveLength(3);
    for (const g of golden) expect(Math.abs(g.numpy_deff / g.deff - 1)).toBeLessThan(0.05);
    expect(golden[2]!.deff).toBeCloseTo(1, 10);
    expect(golden[0]!.deff).toBeGreaterThan(5);
  });

  // 4,000 users with m requests each, slow when above the true p95: the estimate from the per-user
  // sums is the formula's value within its sampling error (a few per cent at 4,000 clusters).
  it.each(golden.map((g) => [g.user_sd, g.request_sd, g.m, g] as const))('σ_user %s, σ_request %s, m %s: estimate ≈ 1 + (m − 1)ρ', (_su, _se, _m, g) => {
    const rng = createRng(4_000 + Math.round(g.user_sd * 100));
    const s = emptyClusterSums();
    const cut = Z95 * Math.hypot(g.user_sd, g.request_sd);
    for (let u = 0; u < 4000; u++) {
      const effect = g.user_sd * rng.normal();
      let slow = 0;
      for (let i = 0; i < g.m; i++) if (effect + g.request_sd * rng.normal() > cut) slow++;
      addCluster(s, slow, g.m, 0);
    }
    const d = proportionDesignEffect(s);
    console.log(`deff σ_user ${g.user_sd}, m ${g.m}: estimated ${d.toFixed(3)}, 1 + (m − 1)ρ = ${g.deff.toFixed(3)}`);
    expect(Math.abs(d / g.deff - 1)).toBeLessThan(0.1);
    expect(weightedClusterSize(s)).toBe(g.m);
  });

  // Through the SDK's accumulator: 300 users in two windows, the second counted against the first's
  // p95; ρ is read off the second window's counts and carried to both windows' requests (m doubles).
  it('through the SDK accumulator: a returning user is one cluster and ρ is carried to all its requests', () => {
    const g = golden[0]!;
    const rng = createRng(77);
    const acc = new VariantAccumulator();
    const effects = Array.from({ length: 300 }, () => g.user_sd * rng.normal());
    let totals = emptyTotals();
    for (let w = 0; w < 2; w++) {
      effects.forEach((e, u) => {
        for (let i = 0; i < g.m; i++) acc.add({ latencyMs: 400 * Math.exp(e + g.request_sd * rng.normal()), ok: true }, true, `user-${u}`);
      });
      const window = { experiment: 'e', variant: 'control', start: w, durationMs: 10_000, ...acc.toTotals() };
      expect(variantWindowSchema.safeParse(window).success).toBe(true);
      expect(window.units!.slow!.counts.n).toBe(w === 0 ? 0 : 300 * g.m);
      totals = addTotals(totals, window);
      acc.reset();
    }
    const threshold = totals.units!.slow!.thresholdMs;
    expect(threshold / (400 * Math.exp(Z95 * Math.hypot(g.user_sd, g.request_sd)))).toBeGreaterThan(0.8);
    const d = p95DesignEffect(totals, varianceBasis('user', [totals]));
    const want = 1 + g.rho * (2 * g.m - 1);
    console.log(`deff through the accumulator (2 windows of ${g.m} requests per user, threshold ${threshold.toFixed(0)} ms): ${d.deff.toFixed(2)} against 1 + (2m − 1)ρ = ${want.toFixed(2)}; ${d.why}`);
    expect(d.kind).toBe('unit');
    expect(Math.abs(d.deff / want - 1)).toBeLessThan(0.25);
  });

  it('independent requests tagged with users: deff ≈ 1, and never below 1', () => {
    const rng = createRng(5);
    const acc = new VariantAccumulator();
    let totals = emptyTotals();
    for (let w = 0; w < 3; w++) {
      for (let u = 0; u < 400; u++) for (let i = 0; i < 20; i++) acc.add({ latencyMs: 400 * Math.exp(0.5 * rng.normal()), ok: true }, true, `user-${u}`);
      totals = addTotals(totals, acc.toTotals());
      acc.reset();
    }
    const raw = proportionDesignEffect(totals.units!.slow!.counts);
    const d = p95DesignEffect(totals, varianceBasis('user', [totals]));
    console.log(`independent requests: raw deff ${raw.toFixed(3)}, used ${d.deff.toFixed(3)}`);
    expect(Math.abs(raw - 1)).toBeLessThan(0.15);
    expect(d.deff).toBeGreaterThanOrEqual(1);
    expect(d.deff).toBeLessThan(1.3);
  });
});

/** Per-user windows with a strong per-user latency effect, as the SDK makes them. */
function userWindows(windows: number, users: number, seed: number): VariantTotals {
  const rng = createRng(seed);
  const acc = new VariantAccumulator();
  const effects = Array.from({ length: users }, () => 0.5 * rng.normal());
  let totals = emptyTotals();
  for (let w = 0; w < windows; w++) {
    effects.forEach((e, u) => {
      for (let i = 0; i < 20; i++) acc.add({ latencyMs: 400 * Math.exp(e + 0.5 * rng.normal()), ok: true }, true, `user-${u}`);
    });
    totals = addTotals(totals, acc.toTotals());
    acc.reset();
  }
  return totals;
}

describe('when the design effect applies', () => {
  const totals = userWindows(3, 100, 9);
  const basis = varianceBasis('user', [totals]);

  it('unit = request: 1', () => {
    expect(p95DesignEffect(totals, varianceBasis('request', [totals]))).toMatchObject({ deff: 1, kind: 'request' });
  });

  // Windows from an SDK before slow counts: no `slow` at all, or only some windows with it.
  it('windows without slow counts (older SDK), or only some of them: 1, as before', () => {
    const units = withoutSlow(totals.units!);
    expect(p95DesignEffect({ ...totals, units }, basis)).toMatchObject({ deff: 1, kind: 'request' });
    const old = { ...emptyTotals(), requests: 10, ok: 10, units: { ...units, slow: undefined } } as VariantTotals;
    const mixed = addTotals(totals, { ...old, units: { ...old.units!, success_rate: { ...emptyClusterSums(), n: 10, k: 10, nn: 10 } } });
    expect(mixed.units!.slow!.requests).toBe(totals.requests);
    expect(p95DesignEffect(mixed, varianceBasis('user', [mixed])).deff).toBe(1);
  });

  // The first window has no threshold yet, and then too few units: the bound m (as if a user's requests were all alike).
  it(`fewer than ${MIN_SLOW_UNITS} units with slow counts: the bound Σn²/Σn`, () => {
    const first = userWindows(1, 100, 9);
    const d = p95DesignEffect(first, varianceBasis('user', [first]));
    expect(d.deff).toBeCloseTo(weightedClusterSize(first.units!.success_rate), 10);
    expect(d.deff).toBeGreaterThan(15);
    const few = userWindows(3, 20, 9);
    expect(p95DesignEffect(few, varianceBasis('user', [few])).why).toMatch(/fewer than 30/);
  });

  it('the sequence widens as the effective sample n / deff shrinks: v = n·σ²·deff', () => {
    const rho = tunedRho(10_000, 0.95, 0.025);
    expect(quantileEpsilon(10_000, 0.95, 0.025, rho, 1)).toBe(quantileEpsilon(10_000, 0.95, 0.025, rho));
    expect(quantileEpsilon(10_000, 0.95, 0.025, rho, 4)).toBeGreaterThan(1.5 * quantileEpsilon(10_000, 0.95, 0.025, rho));
    // Floored at 1: a deff below 1 never narrows it.
    expect(quantileEpsilon(10_000, 0.95, 0.025, rho, 0.5)).toBe(quantileEpsilon(10_000, 0.95, 0.025, rho));
  });
});

describe('windows and reports', () => {
  const base = (): VariantWindow => {
    const acc = new VariantAccumulator();
    for (let w = 0; w < 2; w++) {
      if (w === 1) acc.reset();
      for (let u = 0; u < 50; u++) acc.add({ latencyMs: 100 + u, ok: true }, true, `user-${u}`);
    }
    return { experiment: 'e', variant: 'control', start: 0, durationMs: 10_000, ...acc.toTotals() };
  };

  it('an old window without slow counts is accepted; inconsistent slow counts are refused', () => {
    const w = base();
    expect(w.units!.slow!.counts.n).toBe(50);
    expect(variantWindowSchema.safeParse(w).success).toBe(true);
    const old = withoutSlow(w.units!);
    expect(variantWindowSchema.safeParse({ ...w, units: old }).success).toBe(true);
    const wrong = { ...w, units: { ...w.units!, slow: { ...w.units!.slow!, requests: 49 } } };
    expect(variantWindowSchema.safeParse(wrong).error?.issues[0]?.path).toEqual(['units', 'slow', 'requests']);
    const tooMany = { ...w, units: { ...w.units!, slow: { ...w.units!.slow!, counts: { ...w.units!.slow!.counts, y: 51 } } } };
    expect(variantWindowSchema.safeParse(tooMany).error?.issues[0]?.path).toEqual(['units', 'slow', 'counts', 'y']);
  });

  // The report says per arm what the p95 sequence used; looks from before it (no designEffect) say per request.
  it('the report states each arm\'s design effect and whether per-user variance was used', () => {
    const d = experimentDefinitionSchema.parse({ name: 'r', service: 'rag', unit: 'user', variants: [{ name: 'control', weight: 0.5 }, { name: 'b', weight: 0.5 }], primary: 'p95_latency', mde: 0.1, baseline: { mean: 400, sd: 0.5 } });
    const plan = planExperiment(d, null);
    const totals = { control: userWindows(3, 100, 1), b: userWindows(3, 100, 2) };
    const report = (p95DesignEffect: boolean) => {
      const r = evaluateLook(d, plan, totals, initialLookState(), undefined, { p95DesignEffect });
      return { r, report: buildExperimentReport({ definition: d, plan, kind: 'manual', state: r.state, srm: r.srm, results: r.results, totals, windows: {} }) };
    };
    const now = report(true);
    const p95 = now.r.results.b![0]!;
    expect(p95.variance).toBe('unit');
    expect(p95.designEffect!.control).toBeGreaterThan(3);
    expect(now.report.p95Variance).toMatch(/^per user, design effect control \d+\.\d\d \(intra-unit correlation .*; b \d+\.\d\d/);
    expect(renderExperimentMarkdown(now.report)).toContain('p95 variance: per user, design effect control');
    const before = report(false);
    expect(before.r.results.b![0]!.designEffect).toBeUndefined();
    expect(before.report.p95Variance).toMatch(/^per request/);
    // The wider sequence: the corrected interval contains the per-request one.
    const [lo, hi] = p95.ci;
    const [blo, bhi] = before.r.results.b![0]!.ci;
    expect(lo).toBeLessThan(blo);
    expect(hi).toBeGreaterThan(bhi);
  });
});
