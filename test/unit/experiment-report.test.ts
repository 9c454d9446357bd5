// Issue 17: the report's window bootstrap now covers p95 latency, and every metric carries the
// power achieved so far. Simulated windows with a known truth: a 30 % slower treatment must get a
// p95 interval around +30 % and excluding 0; the A/A arm's must straddle 0; power must grow with n.
import { describe, expect, it } from 'vitest';
import { createRng } from '../../domain/anomaly/rng';
import { experimentDefinitionSchema } from '../../domain/experiments/definition';
import { evaluateLook, initialLookState } from '../../domain/experiments/evaluate';
import { planExperiment } from '../../domain/experiments/plan';
import { buildExperimentReport, powerFromSe, renderExperimentMarkdown, windowPoint, type WindowPoint } from '../../domain/experiments/report';
import { DEFAULT_TRUTH, simulateWindow } from '../../domain/experiments/simulate';
import { addTotals, emptyTotals, totalsOf, type VariantTotals } from '../../domain/experiments/variant-window';

const def = experimentDefinitionSchema.parse({
  name: 'r17',
  service: 'rag',
  variants: [
    { name: 'control', weight: 40 },
    { name: 'same', weight: 30 },
    { name: 'slow', weight: 30 },
  ],
  primary: 'quality',
  secondary: ['success_rate'],
  guardrails: [{ metric: 'p95_latency', margin: 0.5 }],
  mde: 0.02,
  stopForFutility: false,
});

function run(windowsCount: number, requests: number) {
  const rng = createRng(11);
  // The truths' weights are the configured split, so the SRM gate passes and results are shown.
  const truths = { control: { ...DEFAULT_TRUTH, weight: 40 }, same: { ...DEFAULT_TRUTH, weight: 30 }, slow: { ...DEFAULT_TRUTH, weight: 30, latencyMedianMs: DEFAULT_TRUTH.latencyMedianMs * 1.3 } };
  const totals: Record<string, VariantTotals> = { control: emptyTotals(), same: emptyTotals(), slow: emptyTotals() };
  const windows: Record<string, WindowPoint[]> = { control: [], same: [], slow: [] };
  for (let w = 0; w < windowsCount; w++) {
    for (const vw of simulateWindow(rng, 'r17', truths, requests, w * 60_000)) {
      totals[vw.variant] = addTotals(totals[vw.variant]!, totalsOf(vw));
      windows[vw.variant]!.push(windowPoint(totalsOf(vw)));
    }
  }
  const plan = planExperiment(def, null);
  const r = evaluateLook(def, plan, totals, initialLookState());
  return buildExperimentReport({ definition: def, plan, kind: 'manual', state: r.state, srm: r.srm, results: r.results, totals, windows });
}

describe('experiment report: p95 bootstrap CI and achieved power per metric', () => {
  const report = run(30, 1500);
  const metric = (variant: string, name: string) => report.variants.find((v) => v.name === variant)!.metrics.find((m) => m.metric === name)!;

  it('the p95 bootstrap interval finds a 30 % slower variant and brackets 0 for an identical one', () => {
    const slow = metric('slow', 'p95_latency').bootstrapCi!;
    expect(slow[0]).toBeGreaterThan(0.15);
    expect(slow[1]).toBeLessThan(0.45);
    const same = metric('same', 'p95_latency').bootstrapCi!;
    expect(same[0]).toBeLessThan(0);
    expect(same[1]).toBeGreaterThan(0);
  });

  it('every metric has an achieved power in (0, 1], and p95 gets one from the bootstrap width', () => {
    for (const v of report.variants.slice(1)) {
      for (const m of v.metrics) {
        expect(m.achievedPower, `${v.name} ${m.metric}`).not.toBeNull();
        expect(m.achievedPower!).toBeGreaterThan(0);
        expect(m.achievedPower!).toBeLessThanOrEqual(1);
      }
    }
  });

  it('power grows with the units seen', () => {
    const small = run(6, 300);
    const q = (r: typeof report) => r.variants[1]!.metrics.find((m) => m.metric === 'quality')!.achievedPower!;
    expect(q(small)).toBeLessThan(q(report));
    expect(small.variants[1]!.metrics.find((m) => m.metric === 'p95_latency')!.achievedPower!).toBeLessThan(metric('same', 'p95_latency').achievedPower!);
  });

  it('powerFromSe: alpha at no signal, near 1 when the MDE is 5 standard errors, null without an SE', () => {
    expect(powerFromSe(0, 0.01, 0.05)).toBeCloseTo(0.05, 6);
    expect(powerFromSe(0.05, 0.01, 0.05)!).toBeGreaterThan(0.99);
    expect(powerFromSe(0.05, 0.05, 0.05)!).toBeCloseTo(0.17, 2);
    expect(powerFromSe(0.05, 0, 0.05)).toBeNull();
    expect(powerFromSe(0.05, Number.NaN, 0.05)).toBeNull();
  });

  it('fewer than 5 windows a side: no bootstrap interval, and the Markdown shows the power column', () => {
    const tiny = run(3, 600);
    expect(tiny.variants[1]!.metrics.every((m) => m.bootstrapCi === null)).toBe(true);
    const md = renderExperimentMarkdown(report);
    expect(md).toContain('| power |');
    expect(md).toMatch(/\| p95_latency \| guardrail \|.*\| \d+\.\d\d % \|/);
  });
});
