import { describe, expect, it } from 'vitest';
import { createRng } from '../../domain/anomaly/rng';
import { coverage, conformalHalfWidth } from '../../domain/analytics/forecast/conformal';
import { forecastSeries } from '../../domain/analytics/forecast/forecast';
import { naiveScale, seasonalNaive } from '../../domain/analytics/forecast/seasonal-naive';

const WEEK = 168;
const OPTIONS = { m1: 24, m2: WEEK, horizon: WEEK, origins: 2, levels: [0.8, 0.95] };

/** Hourly traffic with a daily and a weekly rhythm, a slow trend, and noise with some persistence (AR(1)). */
function seasonal(seed: number, weeks: number): number[] {
  const rng = createRng(seed);
  const out: number[] = [];
  let ar = 0;
  for (let t = 0; t < weeks * WEEK; t++) {
    const hour = t % 24;
    const day = Math.floor(t / 24) % 7;
    ar = 0.5 * ar + 4 * rng.normal();
    out.push(200 + 0.03 * t + 60 * Math.sin(((hour - 6) / 24) * 2 * Math.PI) + (day >= 5 ? -50 : 0) + ar);
  }
  return out;
}

describe('forecasts on seasonal generated series', () => {
  const seeds = [1, 2, 3, 4, 5, 6, 7, 8];
  const results = seeds.map((seed) => {
    const y = seasonal(seed, 7);
    const train = y.slice(0, 6 * WEEK);
    const held = y.slice(6 * WEEK);
    const f = forecastSeries(train, OPTIONS);
    const scale = naiveScale(train, WEEK);
    const mase = held.reduce((a, v, i) => a + Math.abs(v - f.point[i]!), 0) / held.length / scale;
    const naiveMase = held.reduce((a, v, i) => a + Math.abs(v - seasonalNaive(train, WEEK, WEEK)[i]!), 0) / held.length / scale;
    const i80 = f.intervals.find((i) => i.level === 0.8)!;
    const i95 = f.intervals.find((i) => i.level === 0.95)!;
    return { f, mase, naiveMase, c80: coverage(held, i80.lower, i80.upper), c95: coverage(held, i95.lower, i95.upper) };
  });

  it('beat the seasonal naive baseline on held-out weeks (MASE < 1), choosing Holt–Winters by backtest', () => {
    for (const r of results) {
      expect(r.f.method).not.toBe('seasonal_naive');
      expect(r.mase).toBeLessThan(1);
      expect(r.mase).toBeLessThan(r.naiveMase);
    }
  });

  it('80 % conformal intervals cover 75–85 % of held-out values (pooled over 8 series), 95 % ones about 95 %', () => {
    const c80 = results.reduce((a, r) => a + r.c80, 0) / results.length;
    const c95 = results.reduce((a, r) => a + r.c95, 0) / results.length;
    expect(c80).toBeGreaterThanOrEqual(0.75);
    expect(c80).toBeLessThanOrEqual(0.85);
    expect(c95).toBeGreaterThanOrEqual(0.9);
    // The coverage each forecast stores (measured on its own last backtest origin) says the same.
    const stored = results.reduce((a, r) => a + r.f.coverage['0.8']!, 0) / results.length;
    expect(stored).toBeGreaterThan(0.7);
    expect(stored).toBeLessThan(0.9);
  });

  it('short or gappy series get the baseline and say so', () => {
    const short = forecastSeries(seasonal(9, 2), OPTIONS);
    expect(short).toMatchObject({ method: 'seasonal_naive', intervals: [], coverage: {} });
    expect(short.note).toMatch(/only 336 points/);
    const gappy = seasonal(9, 7);
    gappy[100] = Number.NaN;
    expect(forecastSeries(gappy, OPTIONS).note).toMatch(/gaps/);
  });
});

describe('conformal half-width', () => {
  it('is the ⌈(n+1)·level⌉-th smallest residual; too few residuals give an unbounded interval', () => {
    const r = [5, 1, 4, 2, 3, 9, 7, 8, 6, 10];
    expect(conformalHalfWidth(r, 0.8)).toBe(9); // ⌈11·0.8⌉ = 9
    expect(conformalHalfWidth(r, 0.95)).toBe(Number.POSITIVE_INFINITY); // ⌈11·0.95⌉ = 11 > 10
  });
});
