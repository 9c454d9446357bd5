import { describe, expect, it } from 'vitest';
import { availabilityBurn, burnStateOf, burnView, windowLatency, withLatency } from '../../console/burn-view';
import { addToBurn, BURN_RESOLUTIONS, burnRates, emptyBurnState, type BurnState } from '../../domain/burn-rate';
import { addValue, emptySketch, type LatencySketch } from '../../domain/latency-sketch';
import type { WindowSummary } from '../../domain/window-summary';

// The console's burn figures must be the monitor's: the same state, built from bucket sums (as the
// console reads metric_windows) instead of window by window (as the ServiceMonitor records them).
const M = 60_000;
const H = 60 * M;
const T0 = Date.UTC(2026, 0, 10);
const SLO = { availability: 0.999, latency: 0.99 };

const window = (start: number, count: number, errors: number): WindowSummary => ({
  service: 's', start, durationMs: 10_000, count, errors, latency: emptySketch(), qualitySum: 0, qualityCount: 0,
  costUsdSum: 0, tokensSum: 0, satisfactionSum: 0, satisfactionCount: 0, dropped: 0,
});

/** Three clean days in 10 s windows, then `bad` minutes at `rate` errors, as both paths see them. */
function build(badMinutes: number, rate: number): { monitor: BurnState; sums: BurnState; now: number; windows: WindowSummary[] } {
  const windows: WindowSummary[] = [];
  const end = T0 + 3 * 24 * H;
  for (let t = T0; t < end; t += 10_000) windows.push(window(t, 100, t >= end - badMinutes * M ? Math.round(100 * rate) : 0));
  let monitor = emptyBurnState();
  for (const w of windows) monitor = addToBurn(monitor, w, 1000);
  const sum = (bucketMs: number, keepMs: number) => {
    const by = new Map<number, { start: number; count: number; errors: number }>();
    for (const w of windows.filter((x) => x.start > end - keepMs)) {
      const start = Math.floor(w.start / bucketMs) * bucketMs;
      const b = by.get(start) ?? { start, count: 0, errors: 0 };
      b.count += w.count;
      b.errors += w.errors;
      by.set(start, b);
    }
    return [...by.values()];
  };
  const sums = burnStateOf(sum(BURN_RESOLUTIONS.fine.bucketMs, 6 * H + 2 * M), sum(BURN_RESOLUTIONS.coarse.bucketMs, 3 * 24 * H + H));
  return { monitor, sums, now: end, windows };
}

describe('console burn view', () => {
  it('fires the rules the monitor fires, at the rates errors / requests / budget over each window', () => {
    const { monitor, sums, now } = build(20, 0.05); // 5 % errors for 20 min: 50× the 0.1 % budget
    const view = availabilityBurn(sums, now, SLO);
    const firing = burnRates(monitor, now, SLO).filter((a) => a.dimension.startsWith('availability:')).map((a) => a.dimension.split(':')[1]);
    expect(firing).toContain('fast');
    expect(view.rules.filter((r) => r.firing).map((r) => r.rule)).toEqual(firing);
    const fast = view.rules.find((r) => r.rule === 'fast')!;
    expect(fast.short).toBeCloseTo(50, 3); // the last 5 minutes are all bad
    expect(fast.long).toBeCloseTo((50 * 20) / 60, 3); // 20 bad minutes of 60
    const monitorFast = burnRates(monitor, now, SLO).find((a) => a.dimension === 'availability:fast')!;
    expect(fast.long).toBeCloseTo(monitorFast.burnLong, 4);
    expect(fast.short).toBeCloseTo(monitorFast.burnShort, 4);
  });

  it('fires nothing on a clean service, and shows no rate for a window without traffic', () => {
    const { sums, now } = build(0, 0);
    const view = availabilityBurn(sums, now, SLO);
    expect(view.rules.every((r) => !r.firing && r.long === 0 && r.short === 0)).toBe(true);
    expect(availabilityBurn(emptyBurnState(), now, SLO).rules.every((r) => r.long === null && r.short === null)).toBe(true);
  });

  it('gives the latency burn the monitor gives: slow (over the p95 threshold) / timed requests / budget, per window', () => {
    // 100 answers a window: all at 200 ms, or 20 of them at 3 s (20 % slow: 20× the 1 % latency budget).
    const sketchOf = (slow: number): LatencySketch => {
      let s = emptySketch();
      for (let i = 0; i < 100; i += 1) s = addValue(s, i < slow ? 3000 : 200);
      return s;
    };
    const clean = sketchOf(0);
    const bad = sketchOf(20);
    const end = T0 + 3 * 24 * H;
    const windows: WindowSummary[] = [];
    // Slow for the last 2 hours (fast and slow pages see it), clean before.
    for (let t = T0; t < end; t += 10_000) windows.push({ ...window(t, 100, 0), latency: t >= end - 2 * H ? bad : clean });
    let monitor = emptyBurnState();
    for (const w of windows) monitor = addToBurn(monitor, w, 1000);
    const { sums } = build(0, 0);
    const fromSums = withLatency(sums, windows.map((w) => windowLatency(w.start, w.latency, 1000)), end, 6 * H + 2 * M, 3 * 24 * H + H);
    const view = burnView(fromSums, end, SLO);
    const alerts = burnRates(monitor, end, SLO).filter((a) => a.dimension.startsWith('latency:'));
    expect(alerts.map((a) => a.dimension)).toEqual(['latency:fast', 'latency:slow']); // the ticket's 3 days burn 0.56×
    for (const rule of view.latency!) {
      const a = alerts.find((x) => x.dimension === `latency:${rule.rule}`);
      expect(rule.firing).toBe(a !== undefined);
      if (a) {
        expect(rule.long).toBeCloseTo(a.burnLong, 3);
        expect(rule.short).toBeCloseTo(a.burnShort, 3);
      }
    }
    const [fast, slow, ticket] = view.latency!;
    expect(fast!.long).toBeCloseTo(20, 3);
    expect(fast!.short).toBeCloseTo(20, 3);
    expect(slow!.long).toBeCloseTo((20 * 2) / 6, 3);
    expect(slow!.short).toBeCloseTo(20, 3);
    expect(ticket!.short).toBeCloseTo((20 * 2) / 6, 3);
    expect(ticket!.long).toBeCloseTo((20 * 2) / 72, 3);
    // The availability figures are untouched by the latency counts.
    expect(view.rules).toEqual(availabilityBurn(sums, end, SLO).rules);
  });
});
