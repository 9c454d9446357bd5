import { describe, expect, it } from 'vitest';
import { availabilityBurn, burnStateOf } from '../../console/burn-view';
import { addToBurn, BURN_RESOLUTIONS, burnRates, emptyBurnState, type BurnState } from '../../domain/burn-rate';
import { emptySketch } from '../../domain/latency-sketch';
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
});
