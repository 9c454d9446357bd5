import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { VigilError } from '../../domain/errors';
import { ALARM_SCORE, gaussianScore, quantileScore, thresholdScore } from '../../domain/anomaly/calibration';
import type { AnomalyPoint, StreamingDetector } from '../../domain/anomaly/detector';
import { restoreDetector } from '../../domain/anomaly/restore';
import { createRng, deriveSeed, rngFromState } from '../../domain/anomaly/rng';
import {
  createCusumDetector,
  createEwmaDetector,
  createRobustZDetector,
  createSeasonalDetector,
  restoreCusumDetector,
  restoreEwmaDetector,
  restoreRobustZDetector,
  restoreSeasonalDetector,
} from '../../domain/anomaly/statistical';
import { SYNTHETIC_KINDS, syntheticSeries, type SyntheticKind } from '../../domain/anomaly/synthetic';

// Property runs over thousands of points take seconds a test on a loaded machine. The 5 s default is for quick tests.
vi.setConfig({ testTimeout: 60_000 });

const DAY = 86_400_000;
const SEEDS = [1, 2, 3, 4, 5];
/** Skipped when counting alarms: every detector is still filling its history. */
const WARM_UP = 400;

// Each detector with its defaults (the seasonal one on a daily period, five-minute slots).
const DETECTORS: Record<string, () => StreamingDetector> = {
  'robust-z': () => createRobustZDetector(),
  ewma: () => createEwmaDetector(),
  cusum: () => createCusumDetector(),
  seasonal: () => createSeasonalDetector({ periodMs: DAY }),
};

const run = (d: StreamingDetector, points: readonly AnomalyPoint[]): number[] => points.map((p) => d.update(p));

/** First index ≥ onset whose score reaches ALARM_SCORE, as a delay in points (−1: never). */
function delay(scores: number[], onset: number, until = scores.length): number {
  for (let i = onset; i < until; i++) if (scores[i]! >= ALARM_SCORE) return i - onset;
  return -1;
}

/** Share of points in [from, to) that alarm. */
function alarmRate(scores: number[], from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if (scores[i]! >= ALARM_SCORE) n++;
  return n / (to - from);
}

describe('calibration', () => {
  it('maps 0 → 0, the alarm threshold → ALARM_SCORE, and stays in [0, 1] and monotone', () => {
    expect(gaussianScore(0)).toBe(0);
    expect(ALARM_SCORE).toBeCloseTo(0.9973, 4);
    expect(thresholdScore(5, 5)).toBe(ALARM_SCORE);
    expect(gaussianScore(1.959964)).toBeCloseTo(0.95, 6);
    expect(gaussianScore(-Infinity)).toBe(1);
    expect(quantileScore(0.4, 0.45, 0.6)).toBe(0); // below the training median
    expect(quantileScore(0.6, 0.45, 0.6)).toBe(ALARM_SCORE);
    fc.assert(
      fc.property(fc.double({ min: 0, max: 50, noNaN: true }), fc.double({ min: 0, max: 50, noNaN: true }), (a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const s = gaussianScore(lo);
        return s >= 0 && s <= 1 && s <= gaussianScore(hi);
      }),
    );
  });

  it('refuses NaN instead of scoring it', () => {
    expect(() => gaussianScore(Number.NaN)).toThrow(/NaN/);
  });
});

describe('rng', () => {
  it('repeats for a seed, continues from a captured state, and looks uniform and normal', () => {
    const a = createRng(7);
    const b = createRng(7);
    const xs = Array.from({ length: 1000 }, () => a.next());
    expect(Array.from({ length: 1000 }, () => b.next())).toEqual(xs);
    const c = rngFromState(a.state());
    expect(c.next()).toBe(a.next());
    expect(createRng(8).next()).not.toBe(createRng(7).next());
    expect(deriveSeed(7, 0)).not.toBe(deriveSeed(7, 1));
    const r = createRng(1);
    const u = Array.from({ length: 20_000 }, () => r.next());
    const z = Array.from({ length: 20_000 }, () => r.normal());
    const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
    expect(mean(u)).toBeCloseTo(0.5, 1);
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    expect(mean(z)).toBeCloseTo(0, 1);
    expect(Math.sqrt(mean(z.map((x) => x * x)))).toBeCloseTo(1, 1);
    expect(() => createRng(1.5)).toThrow(/safe integer/);
  });
});

describe('statistical detectors', () => {
  // Each anomaly type, the detector expected to catch it, and how soon (points after onset).
  const catches: Array<{ kind: SyntheticKind; detector: string; within: number }> = [
    // ±8σ single points: the robust z-score flags every one (checked per spike below).
    { kind: 'spikes', detector: 'robust-z', within: 1 },
    // +3σ step: CUSUM accumulates it within a few points.
    { kind: 'level-shift', detector: 'cusum', within: 10 },
    // +4σ per day: the EWMA chart sees the slow climb first.
    { kind: 'drift', detector: 'ewma', within: 100 },
    // σ × 3: large |z| values appear at once.
    { kind: 'variance-change', detector: 'robust-z', within: 10 },
    // The daily cycle stops for half a day (values stay inside the day's range): only the seasonal one can tell.
    { kind: 'seasonality-break', detector: 'seasonal', within: 36 },
  ];

  it.each(catches)('$detector catches $kind within $within points of onset, for every seed', ({ kind, detector, within }) => {
    for (const seed of SEEDS) {
      const s = syntheticSeries(kind, { seed });
      const scores = run(DETECTORS[detector]!(), s.points);
      const d = delay(scores, s.onset);
      expect(d, `seed ${seed}`).toBeGreaterThanOrEqual(0);
      expect(d, `seed ${seed}`).toBeLessThan(within);
      expect(alarmRate(scores, WARM_UP, s.onset), `false alarms before onset, seed ${seed}`).toBeLessThan(0.01);
    }
  });

  it('the robust z-score flags every spike, and misses the seasonality break that the seasonal detector catches', () => {
    for (const seed of SEEDS) {
      const spikes = syntheticSeries('spikes', { seed });
      const z = run(createRobustZDetector(), spikes.points);
      spikes.labels.forEach((anomalous, i) => anomalous && expect(z[i], `spike at ${i}, seed ${seed}`).toBeGreaterThanOrEqual(ALARM_SCORE));
      const broken = syntheticSeries('seasonality-break', { seed });
      const end = broken.labels.lastIndexOf(true) + 1;
      expect(delay(run(createRobustZDetector(), broken.points), broken.onset, end)).toBe(-1);
    }
  });

  it('every anomaly type is caught by at least one detector', () => {
    for (const kind of SYNTHETIC_KINDS.filter((k) => !k.startsWith('clean'))) {
      const s = syntheticSeries(kind, { seed: 11 });
      const caughtBy = Object.entries(DETECTORS).filter(([, make]) => delay(run(make(), s.points), s.onset) >= 0);
      expect(caughtBy.length, kind).toBeGreaterThan(0);
    }
  });

  // False-positive rate on clean series; EWMA and CUSUM assume no cycle within their window, so
  // they are held to it on the flat series only.
  const clean: Array<{ kind: SyntheticKind; detectors: string[] }> = [
    { kind: 'clean', detectors: ['robust-z', 'ewma', 'cusum', 'seasonal'] },
    { kind: 'clean-seasonal', detectors: ['robust-z', 'seasonal'] },
  ];

  it.each(clean)('alarms on under 1 % of a $kind series', ({ kind, detectors }) => {
    for (const name of detectors) {
      let alarms = 0;
      let points = 0;
      for (const seed of SEEDS) {
        const s = syntheticSeries(kind, { seed });
        const scores = run(DETECTORS[name]!(), s.points);
        alarms += alarmRate(scores, WARM_UP, scores.length) * (scores.length - WARM_UP);
        points += scores.length - WARM_UP;
      }
      expect(alarms / points, name).toBeLessThan(0.01);
    }
  });

  it('scores in [0, 1], neutral 0 until the history suffices', () => {
    const s = syntheticSeries('spikes', { seed: 3 });
    for (const [name, make] of Object.entries(DETECTORS)) {
      const scores = run(make(), s.points);
      expect(scores.slice(0, 30).every((x) => x === 0), name).toBe(true);
      expect(scores.every((x) => x >= 0 && x <= 1), name).toBe(true);
    }
    // The seasonal detector has nothing to compare with during the first day.
    const seasonal = run(createSeasonalDetector({ periodMs: DAY }), syntheticSeries('clean-seasonal', { seed: 3 }).points);
    expect(seasonal.slice(0, 288).every((x) => x === 0)).toBe(true);
  });

  it('gives byte-identical scores for the same input', () => {
    for (const kind of SYNTHETIC_KINDS) {
      const a = syntheticSeries(kind, { seed: 21 });
      const b = syntheticSeries(kind, { seed: 21 });
      for (const make of Object.values(DETECTORS)) expect(JSON.stringify(run(make(), b.points))).toBe(JSON.stringify(run(make(), a.points)));
    }
  });

  it('never looks ahead: appending any future points leaves earlier scores unchanged', () => {
    const names = Object.keys(DETECTORS);
    fc.assert(
      fc.property(
        fc.constantFrom(...names),
        fc.constantFrom(...SYNTHETIC_KINDS),
        fc.integer({ min: 1, max: 1_000 }),
        fc.integer({ min: 1, max: 900 }),
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 200 }),
        (name, kind, seed, k, future) => {
          const prefix = syntheticSeries(kind, { seed, length: 900 }).points.slice(0, k);
          const last = prefix[prefix.length - 1]!.t;
          const extended = [...prefix, ...future.map((v, i) => ({ t: last + (i + 1) * 300_000, values: [v] }))];
          const alone = run(DETECTORS[name]!(), prefix);
          const within = run(DETECTORS[name]!(), extended).slice(0, k);
          return JSON.stringify(alone) === JSON.stringify(within);
        },
      ),
      { numRuns: 60 },
    );
  });

  // Each detector's own restore, and the generic one, on a JSON round trip mid-stream.
  const restorers: Array<{ name: string; restore: (json: unknown) => StreamingDetector }> = [
    { name: 'robust-z', restore: restoreRobustZDetector },
    { name: 'ewma', restore: restoreEwmaDetector },
    { name: 'cusum', restore: restoreCusumDetector },
    { name: 'seasonal', restore: restoreSeasonalDetector },
    { name: 'seasonal', restore: restoreDetector },
    { name: 'cusum', restore: restoreDetector },
  ];

  it.each(restorers)('$name: toJSON → JSON → restore scores the rest identically', ({ name, restore }) => {
    const s = syntheticSeries(name === 'seasonal' ? 'seasonality-break' : 'level-shift', { seed: 5 });
    for (const cut of [0, 20, 700, 1200]) {
      const original = DETECTORS[name]!();
      run(original, s.points.slice(0, cut));
      const copy = restore(JSON.parse(JSON.stringify(original)));
      const rest = s.points.slice(cut);
      expect(JSON.stringify(run(copy, rest))).toBe(JSON.stringify(run(original, rest)));
    }
  });

  it('keeps its state bounded however long the stream', () => {
    const points = syntheticSeries('clean-seasonal', { seed: 2, length: 12 * 288 }).points;
    const z = createRobustZDetector({ window: 100 });
    const seasonal = createSeasonalDetector({ periodMs: DAY, periods: 2, window: 50 });
    run(z, points);
    run(seasonal, points);
    expect((z.toJSON() as { history: number[] }).history).toHaveLength(100);
    const snap = seasonal.toJSON() as { residuals: number[]; slots: unknown[] };
    expect(snap.residuals).toHaveLength(50);
    expect(snap.slots.length).toBeLessThanOrEqual(2 * 288 + 1);
  });

  // Bad readings, each with the message it must produce.
  const bad: Array<{ point: AnomalyPoint; message: RegExp }> = [
    // A missing reading that became NaN.
    { point: { t: 1, values: [Number.NaN] }, message: /point 3 .*non-finite value NaN at values\[0\]/ },
    // A division by zero upstream.
    { point: { t: 1, values: [1, Infinity] }, message: /point 3 .*non-finite value Infinity at values\[1\]/ },
    { point: { t: 1, values: [-Infinity] }, message: /point 3 .*-Infinity at values\[0\]/ },
    // A broken clock.
    { point: { t: Number.NaN, values: [1] }, message: /point 3 has a non-finite time t=NaN/ },
    // Nothing to read.
    { point: { t: 1, values: [] }, message: /point 3 has 0 values/ },
  ];

  it.each(bad)('rejects $point.values / t=$point.t with a clear error', ({ point, message }) => {
    for (const [name, make] of Object.entries(DETECTORS)) {
      const d = make();
      for (let i = 0; i < 3; i++) d.update({ t: i, values: [1, 2] });
      const attempt = () => d.update(point);
      expect(attempt, name).toThrow(VigilError);
      expect(attempt, name).toThrow(message);
      expect(attempt, name).toThrow(new RegExp(`^${name}:`));
    }
  });

  it('rejects bad options and foreign snapshots', () => {
    expect(() => createRobustZDetector({ window: 1 })).toThrow(/window must be an integer/);
    expect(() => createEwmaDetector({ alpha: 0 })).toThrow(/alpha/);
    expect(() => createCusumDetector({ h: -1 })).toThrow(/h must be/);
    expect(() => createSeasonalDetector({ periodMs: DAY, tolerance: 7 })).toThrow(/must divide periodMs/);
    expect(() => restoreCusumDetector(createEwmaDetector().toJSON())).toThrow(/kind "ewma"/);
    expect(() => restoreDetector({ kind: 'nope' })).toThrow(/known: robust-z/);
    const snap = createRobustZDetector({ window: 10 }).toJSON() as Record<string, unknown>;
    expect(() => restoreRobustZDetector({ ...snap, history: new Array(11).fill(1) })).toThrow(/history/);
  });

  it('watches the feature it is given', () => {
    const s = syntheticSeries('spikes', { seed: 6 });
    const wide = s.points.map((p) => ({ t: p.t, values: [0, p.values[0]!] }));
    for (const [name, make] of Object.entries(DETECTORS)) {
      const d = make();
      const json = d.toJSON() as { options: Record<string, number> };
      const restored = restoreDetector({ ...json, options: { ...json.options, feature: 1 } });
      expect(JSON.stringify(run(restored, wide)), name).toBe(JSON.stringify(run(make(), s.points)));
    }
  });

  it('the seasonal detector wants points in time order', () => {
    const d = createSeasonalDetector({ periodMs: DAY });
    d.update({ t: 1000, values: [1] });
    expect(() => d.update({ t: 999, values: [1] })).toThrow(/point 1 has t=999, earlier than/);
  });
});
