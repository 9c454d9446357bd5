import { describe, expect, it } from 'vitest';
import { createRng } from '../../domain/anomaly/rng';
import { coverage } from '../../domain/analytics/forecast/conformal';
import { forecastSeries } from '../../domain/analytics/forecast/forecast';
import { naiveScale, seasonalNaive } from '../../domain/analytics/forecast/seasonal-naive';

// The 30-day horizon: the same candidates and conformal intervals as the 7-day one, with its own
// backtest (two origins of 720 hours), so the intervals are as wide as 30-day-ahead errors are.
const WEEK = 168;
const MONTH = 720;
const OPTIONS = { m1: 24, m2: WEEK, horizon: MONTH, origins: 2, levels: [0.8, 0.95] };

/** Hourly traffic with daily and weekly rhythms, a slow trend and AR(1) noise. */
function seasonal(seed: number, hours: number): number[] {
  const rng = createRng(seed);
  const out: number[] = [];
  let ar = 0;
  for (let t = 0; t < hours; t++) {
    const hour = t % 24;
    const day = Math.floor(t / 24) % 7;
    ar = 0.5 * ar + 4 * rng.normal();
    out.push(200 + 0.01 * t + 60 * Math.sin(((hour - 6) / 24) * 2 * Math.PI) + (day >= 5 ? -50 : 0) + ar);
  }
  return out;
}

describe('30-day forecasts on seasonal generated series', () => {
  const seeds = [1, 2, 3, 4, 5, 6];
  const results = seeds.map((seed) => {
    const y = seasonal(seed, 2 * WEEK + 2 * MONTH + MONTH + 24);
    const train = y.slice(0, y.length - MONTH);
    const held = y.slice(y.length - MONTH);
    const f = forecastSeries(train, OPTIONS);
    const scale = naiveScale(train, WEEK);
    const naive = seasonalNaive(train, WEEK, MONTH);
    const mase = held.reduce((a, v, i) => a + Math.abs(v - f.point[i]!), 0) / held.length / scale;
    const naiveMase = held.reduce((a, v, i) => a + Math.abs(v - naive[i]!), 0) / held.length / scale;
    const i80 = f.intervals.find((i) => i.level === 0.8)!;
    const i95 = f.intervals.find((i) => i.level === 0.95)!;
    return { f, mase, naiveMase, c80: coverage(held, i80.lower, i80.upper), c95: coverage(held, i95.lower, i95.upper) };
  });

  it('forecast 720 hours and beat the seasonal naive baseline on the held-out month', () => {
    for (const r of results) {
      expect(r.f.point).toHaveLength(MONTH);
      expect(r.f.method).not.toBe('seasonal_naive');
      expect(r.mase).toBeLessThan(1);
      expect(r.mase).toBeLessThan(r.naiveMase);
    }
  });

  it('80 % intervals cover 75–85 % of the held-out month (pooled), 95 % ones at least 90 %; the stored coverage is measured', () => {
    const c80 = results.reduce((a, r) => a + r.c80, 0) / results.length;
    const c95 = results.reduce((a, r) => a + r.c95, 0) / results.length;
    expect(c80).toBeGreaterThanOrEqual(0.75);
    expect(c80).toBeLessThanOrEqual(0.85);
    expect(c95).toBeGreaterThanOrEqual(0.9);
    for (const r of results) expect(Object.keys(r.f.coverage).sort()).toEqual(['0.8', '0.95']);
  });

  it('history shorter than two weeks plus two backtest months gets the baseline, and says how much is needed', () => {
    const f = forecastSeries(seasonal(9, 60 * 24), OPTIONS);
    expect([f.method, f.intervals.length, f.point.length]).toEqual(['seasonal_naive', 0, MONTH]);
    expect(f.note).toBe('only 1440 points (1776 needed to fit and backtest): seasonal naive baseline, no intervals');
  });
});
