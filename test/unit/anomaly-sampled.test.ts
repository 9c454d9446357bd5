import { describe, expect, it } from 'vitest';
import { ALARM_SCORE } from '../../domain/anomaly/calibration';
import type { StreamingDetector } from '../../domain/anomaly/detector';
import { restoreDetector } from '../../domain/anomaly/restore';
import { createRng, type Rng } from '../../domain/anomaly/rng';
import { createSampledDetector, poissonMidTail } from '../../domain/anomaly/sampled';

// Points as the monitor builds them for these detectors: [failures or score sum, sample size].
const STEP = 10_000;
const binomial = () => createSampledDetector('binomial', { sum: 0, count: 1 });
const sampleMean = () => createSampledDetector('sample-mean', { sum: 0, count: 1 });

/** k failures out of n requests, each failing with probability p. */
function failures(rng: Rng, n: number, p: number): number {
  let k = 0;
  for (let i = 0; i < n; i++) if (rng.next() < p) k++;
  return k;
}

/** The sum of n quality scores around `mean` (sd 0.08). */
function scores(rng: Rng, n: number, mean: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += mean + 0.08 * rng.normal();
  return s;
}

const feed = (d: StreamingDetector, points: Array<[number, number]>, from = 0) => points.map(([s, n], i) => d.update({ t: (from + i) * STEP, values: [s, n] }));

describe('count-aware detectors of sampled levels (error rate, quality)', () => {
  it('poissonMidTail is the mid-p upper tail of a Poisson', () => {
    // Mean 1: P(X > 0) + ½P(X = 0) = 1 − e⁻¹/2; P(X > 3) + ½P(X = 3) computed by hand.
    expect(poissonMidTail(0, 1)).toBeCloseTo(1 - Math.exp(-1) / 2, 12);
    const pmf = (j: number) => Math.exp(-1) / [1, 1, 2, 6][j]!;
    expect(poissonMidTail(3, 1)).toBeCloseTo(1 - pmf(0) - pmf(1) - pmf(2) - pmf(3) / 2, 12);
    // Far in the tail it keeps its relative precision: P(X ≥ 21 | mean 1) ≈ 1/21! · e⁻¹.
    expect(poissonMidTail(21, 1)).toBeGreaterThan(1e-21);
    expect(poissonMidTail(21, 1)).toBeLessThan(1e-19);
  });

  it('binomial: one failure in a handful of requests is not an alarm, 10 % of 200 on a 0.5 % service is', () => {
    const rng = createRng(1);
    // A low-traffic service at 3 %: 2–6 requests a window, so a single failure is 17–50 % of a window.
    const low = binomial();
    const quiet = feed(low, Array.from({ length: 5000 }, () => {
      const n = 2 + Math.floor(5 * rng.next());
      return [failures(rng, n, 0.03), n] as [number, number];
    }));
    expect(quiet.slice(0, 100).every((s) => s === 0)).toBe(true);
    expect(quiet.filter((s) => s >= 0.999999).length).toBe(0);
    // A steady service at 0.5 % of 200 requests, then 10.5 %.
    const busy = binomial();
    const clean = feed(busy, Array.from({ length: 2000 }, () => [failures(rng, 200, 0.005), 200] as [number, number]));
    expect(clean.filter((s) => s >= 0.999999).length).toBe(0);
    const broken = feed(busy, Array.from({ length: 3 }, () => [failures(rng, 200, 0.105), 200] as [number, number]), 2000);
    expect(Math.min(...broken)).toBeGreaterThan(0.999999);
  });

  it('binomial: a window without requests carries no evidence and teaches nothing', () => {
    const d = binomial();
    const rng = createRng(2);
    feed(d, Array.from({ length: 300 }, () => [failures(rng, 100, 0.01), 100] as [number, number]));
    const before = JSON.stringify(d.toJSON());
    expect(d.update({ t: 0, values: [0, 0] })).toBe(0);
    expect({ ...(d.toJSON() as object), seen: 0 }).toEqual({ ...JSON.parse(before), seen: 0 });
  });

  it('sample-mean: the same small drop is noise over 3 scores and an alarm over 2,000; only a drop alarms', () => {
    const rng = createRng(3);
    const run = (n: number, drop: number) => {
      const d = sampleMean();
      feed(d, Array.from({ length: 1000 }, () => [scores(rng, n, 0.85), n] as [number, number]));
      return {
        down: feed(d, [[scores(rng, n, 0.85 - drop), n]], 1000)[0]!,
        up: feed(d, [[scores(rng, n, 0.85 + drop), n]], 1001)[0]!,
      };
    };
    expect(run(3, 0.03).down).toBeLessThan(ALARM_SCORE);
    const busy = run(2000, 0.03);
    expect(busy.down).toBeGreaterThan(0.999999);
    expect(busy.up).toBe(0);
  });

  it('a shift that persists becomes the new normal', () => {
    const rng = createRng(4);
    const d = binomial();
    feed(d, Array.from({ length: 1000 }, () => [failures(rng, 200, 0.005), 200] as [number, number]));
    // Alone (before the ensemble's calibration, which stops paging much sooner) it needs about two horizons.
    const after = feed(d, Array.from({ length: 2000 }, () => [failures(rng, 200, 0.105), 200] as [number, number]), 1000);
    expect(after[0]).toBeGreaterThan(ALARM_SCORE);
    expect(after.slice(1500).filter((s) => s >= ALARM_SCORE).length).toBeLessThanOrEqual(5);
  });

  it('restores from its snapshot to identical scores', () => {
    const rng = createRng(5);
    for (const make of [binomial, sampleMean]) {
      const d = make();
      const pts = Array.from({ length: 400 }, (_, i) => {
        const n = 20 + (i % 7);
        return (make === binomial ? [failures(rng, n, 0.02), n] : [scores(rng, n, 0.8), n]) as [number, number];
      });
      feed(d, pts.slice(0, 250));
      const copy = restoreDetector(JSON.parse(JSON.stringify(d.toJSON())));
      expect(feed(copy, pts.slice(250), 250)).toEqual(feed(d, pts.slice(250), 250));
    }
  });

  it('rejects a snapshot with a broken field, naming it', () => {
    const d = binomial();
    const json = { ...(d.toJSON() as Record<string, unknown>), a: 'x' };
    expect(() => restoreDetector(json)).toThrow(/binomial: a must be a finite number/);
  });
});
