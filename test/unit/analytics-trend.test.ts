import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalCdf, normalQuantile } from '../../domain/stats/normal';
import { trendOf } from '../../domain/analytics/trend';

// Golden values from scipy.stats.theilslopes and a textbook Mann–Kendall (scripts/analytics-golden.py).
interface Golden {
  name: string;
  y: number[];
  theilSen: { slope: number; intercept: number; low: number; high: number };
  mannKendall: { s: number; variance: number; z: number; p: number };
}
const golden = JSON.parse(readFileSync(path.join(__dirname, '../fixtures/analytics/trend-golden.json'), 'utf8')) as { cases: Golden[] };

describe('satisfaction trend (Theil–Sen + Mann–Kendall) against scipy', () => {
  for (const g of golden.cases) {
    it(g.name, () => {
      const t = trendOf(g.y)!;
      expect(t.slope).toBeCloseTo(g.theilSen.slope, 12);
      expect(t.intercept).toBeCloseTo(g.theilSen.intercept, 12);
      expect(t.low).toBeCloseTo(g.theilSen.low, 12);
      expect(t.high).toBeCloseTo(g.theilSen.high, 12);
      expect(t.mannKendall.s).toBe(g.mannKendall.s);
      expect(t.mannKendall.variance).toBeCloseTo(g.mannKendall.variance, 9);
      expect(t.mannKendall.z).toBeCloseTo(g.mannKendall.z, 9);
      expect(Math.abs(t.mannKendall.p - g.mannKendall.p)).toBeLessThan(1e-6);
    });
  }
  it('says which way, and only when significant', () => {
    const byName = Object.fromEntries(golden.cases.map((g) => [g.name, trendOf(g.y)!]));
    expect(byName.rising!.verdict).toBe('rising');
    expect(byName.falling_short!.verdict).toBe('falling');
    expect(byName.flat!.verdict).toBe('no significant trend');
    expect(trendOf([1, 2])).toBeNull();
  });
});

describe('normal distribution', () => {
  it('matches known values', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 8);
    expect(normalQuantile(0.1)).toBeCloseTo(-1.2815515655446004, 8);
    expect(normalCdf(1.959963984540054)).toBeCloseTo(0.975, 7);
    expect(normalCdf(-3)).toBeCloseTo(0.0013498980316301, 8);
  });
});
