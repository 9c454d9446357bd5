import { describe, expect, it } from 'vitest';
import type { Forecast } from '../../domain/analytics/forecast/forecast';
import { crossing, slaCrossingInsight, trafficPeakInsight } from '../../domain/analytics/insights';

const H = 3_600_000;
const D = 86_400_000;
const START = Date.UTC(2026, 11, 5); // a Saturday

/** A scripted forecast: a straight line with a fixed-width band. */
function line(from: number, perStep: number, steps: number, halfWidth: number): Forecast {
  const point = Array.from({ length: steps }, (_, i) => from + perStep * i);
  return { method: 'holt_winters', mase: {}, coverage: { '0.8': 0.8 }, point, intervals: [{ level: 0.8, lower: point.map((p) => p - halfWidth), upper: point.map((p) => p + halfWidth) }] };
}

describe('predictive insights from forecast intervals', () => {
  it('p95 rising 100 ms/day from 1500 ms, ±200 ms: crosses 2000 ms between day 3 (upper) and day 7 (lower), 80 %', () => {
    const f = line(1500, 100 / 24, 14 * 24, 200);
    const c = crossing(f, 2000, 0.8, START, H)!;
    expect((c.from - START) / D).toBeCloseTo(3, 1);
    expect((c.to! - START) / D).toBeCloseTo(7, 1);
    const i = slaCrossingInsight('checkout-rag', f, 2000, START, H)!;
    expect(i.text).toBe('p95 of checkout-rag crosses its 2000 ms SLA between 2026-12-08 and 2026-12-12 (80 %)');
    expect(i.probability).toBe(0.8);
  });
  it('a flat p95 well below the SLA gives no insight; one whose lower bound never crosses says "possibly after"', () => {
    expect(slaCrossingInsight('s', line(800, 0, 168, 100), 2000, START, H)).toBeNull();
    const i = slaCrossingInsight('s', line(1900, 0, 168, 200), 2000, START, H)!;
    expect(i.to).toBeNull();
    expect(i.text).toMatch(/from 2026-12-05 \(possibly after 2026-12-12\)/);
  });
  it('traffic peak next Monday in req/s, with its 80 % range', () => {
    // Hourly requests: 3600 everywhere except Monday 14:00, 18,000 (= 5 req/s).
    const f = line(3600, 0, 7 * 24, 360);
    const mondayAt14 = (Date.UTC(2026, 11, 7, 14) - START) / H;
    f.point[mondayAt14] = 18_000;
    f.intervals[0]!.lower[mondayAt14] = 18_000 - 360;
    f.intervals[0]!.upper[mondayAt14] = 18_000 + 360;
    const i = trafficPeakInsight('search-rag', f, START, H)!;
    expect(i.text).toBe('traffic peak of search-rag on Monday 2026-12-07 ≈ 5.0 req/s (80 %: 4.9–5.1)');
    expect(i.from).toBe('2026-12-07T14:00:00.000Z');
  });
});

describe('monthly budget crossing', () => {
  it('spend so far + forecast cost crosses the budget between the upper- and lower-bound dates', async () => {
    const { budgetCrossingInsight } = await import('../../domain/analytics/insights');
    // Two services at $1/h each (±$0.5), $500 spent, budget $800, month ends in 10 days.
    const a = line(1, 0, 240, 0.5);
    const b = line(1, 0, 240, 0.5);
    const i = budgetCrossingInsight([{ forecast: a, start: START, stepMs: H }, { forecast: b, start: START, stepMs: H }], 500, 800, START + 10 * D)!;
    // Upper $3/h → over $800 after 101 h; lower $1/h → after 301 h, past the horizon.
    expect(i.from).toBe(new Date(START + 101 * H).toISOString());
    expect(i.to).toBeNull();
    expect(budgetCrossingInsight([{ forecast: a, start: START, stepMs: H }], 0, 800, START + 10 * D)).toBeNull();
  });
});

describe('error budget exhaustion', () => {
  it('20 % of a 10,000-error budget left, 10 errors/h forecast ±5: spent between 2000/15 h (upper) and 2000/5 h (lower), 80 %', async () => {
    const { errorBudgetInsight } = await import('../../domain/analytics/insights');
    const f = line(10, 0, 30 * 24, 5);
    const i = errorBudgetInsight('checkout-rag', f, { remainingShare: 0.2, allowedErrors: 10_000 }, START, H)!;
    // 2000 errors left: the upper bound (15/h) spends them after 134 h, the lower (5/h) after 400 h.
    expect(i.from).toBe(new Date(START + 134 * H).toISOString());
    expect(i.to).toBe(new Date(START + 400 * H).toISOString());
    expect(i.probability).toBe(0.8);
    expect(i.text).toBe('error budget of checkout-rag (20.0 % left, 2000 errors) exhausted between 2026-12-10 and 2026-12-21 (80 %)');
  });
  it('a budget that outlasts the horizon, one already spent, or a forecast without intervals give no insight; a lower bound that never gets there says "possibly after"', async () => {
    const { errorBudgetInsight } = await import('../../domain/analytics/insights');
    expect(errorBudgetInsight('s', line(1, 0, 168, 0.5), { remainingShare: 0.5, allowedErrors: 10_000 }, START, H)).toBeNull();
    expect(errorBudgetInsight('s', line(10, 0, 168, 5), { remainingShare: -0.1, allowedErrors: 10_000 }, START, H)).toBeNull();
    expect(errorBudgetInsight('s', { ...line(100, 0, 168, 5), intervals: [] }, { remainingShare: 0.5, allowedErrors: 100 }, START, H)).toBeNull();
    // Lower bound 0/h never spends the 100 left; the upper (10/h) does after 10 h.
    const i = errorBudgetInsight('s', line(5, 0, 168, 5), { remainingShare: 0.1, allowedErrors: 1000 }, START, H)!;
    expect(i.from).toBe(new Date(START + 10 * H).toISOString());
    expect(i.to).toBeNull();
    expect(i.text).toMatch(/from 2026-12-05 \(possibly after 2026-12-12\)/);
  });
});
