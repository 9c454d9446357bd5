import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { VigilError } from '../../domain/errors';
import { SketchAccumulator } from '../../domain/latency-sketch';
import type { WindowSummary } from '../../domain/window-summary';
import { base64ToFloat64, base64ToInt32, float64ToBase64, int32ToBase64 } from '../../domain/anomaly/base64';
import { ALARM_SCORE } from '../../domain/anomaly/calibration';
import type { AnomalyPoint, StreamingDetector } from '../../domain/anomaly/detector';
import { rocAuc } from '../../domain/anomaly/evaluation';
import { FEATURE_NAMES, windowFeatures } from '../../domain/anomaly/features';
import {
  averagePathLength,
  createIsolationForestDetector,
  deserializeModel,
  fitIsolationForest,
  restoreIsolationForestDetector,
  scoreIsolationForest,
  serializeModel,
  type IsolationForestModel,
} from '../../domain/anomaly/isolation-forest';
import { restoreDetector } from '../../domain/anomaly/restore';
import { createRng } from '../../domain/anomaly/rng';

// Fitting forests over thousands of rows takes seconds a test on a loaded machine. The 5 s default is for quick tests.
vi.setConfig({ testTimeout: 60_000 });

/** n × d standard-normal rows with correlated pairs, and ~share planted outliers far out in two features. */
function planted(seed: number, n: number, d: number, share: number): { x: Float64Array; labels: boolean[] } {
  const rng = createRng(seed);
  const x = new Float64Array(n * d);
  const labels: boolean[] = [];
  for (let i = 0; i < n; i++) {
    const common = rng.normal();
    for (let j = 0; j < d; j++) x[i * d + j] = 0.7 * common + 0.7 * rng.normal();
    const outlier = rng.next() < share;
    labels.push(outlier);
    if (outlier) for (let k = 0; k < 2; k++) x[i * d + rng.int(d)]! += (rng.next() < 0.5 ? -1 : 1) * (4 + 2 * rng.next());
  }
  return { x, labels };
}

/** The paper's PathLength, written plainly on the model's own arrays: the reference for the fast scorer. */
function referenceScores(m: IsolationForestModel, rows: Float64Array): number[] {
  const out: number[] = [];
  for (let r = 0; r < rows.length / m.d; r++) {
    let total = 0;
    for (let t = 0; t < m.trees; t++) {
      let node = m.treeOffsets[t]!;
      let depth = 0;
      while (m.left[node]! >= 0) {
        node = rows[r * m.d + m.feature[node]!]! < m.split[node]! ? m.left[node]! : m.left[node]! + 1;
        depth++;
      }
      total += depth + averagePathLength(m.size[node]!);
    }
    out.push(2 ** (total * (-1 / (m.trees * averagePathLength(m.sampleSize)))));
  }
  return out;
}

const bytes = (a: Float64Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

describe('isolation forest (batch)', () => {
  const { x, labels } = planted(1, 4000, 6, 0.02);
  const D = 6;

  it('ranks planted outliers first: ROC-AUC ≥ 0.95', () => {
    const model = fitIsolationForest(x, D, { seed: 7 });
    expect(rocAuc(scoreIsolationForest(model, x, D), labels)).toBeGreaterThanOrEqual(0.95);
  });

  it('same data and seed → the same model and byte-identical scores; another seed → another model', () => {
    const a = fitIsolationForest(x, D, { seed: 3 });
    const b = fitIsolationForest(x, D, { seed: 3 });
    expect(JSON.stringify(serializeModel(b))).toBe(JSON.stringify(serializeModel(a)));
    expect(JSON.stringify(Array.from(scoreIsolationForest(b, x, D)))).toBe(JSON.stringify(Array.from(scoreIsolationForest(a, x, D))));
    expect(JSON.stringify(serializeModel(fitIsolationForest(x, D, { seed: 4 })))).not.toBe(JSON.stringify(serializeModel(a)));
  });

  it('scores exactly as the textbook path-length walk does', () => {
    const model = fitIsolationForest(x, D, { seed: 5, trees: 25 });
    const fast = Array.from(scoreIsolationForest(model, x.subarray(0, 301 * D), D)); // 301: the 4-row blocks and the tail
    expect(fast).toEqual(referenceScores(model, x.subarray(0, 301 * D)));
  });

  it('builds trees within the paper limits: ψ = min(sampleSize, n), depth ⌈log₂ψ⌉, ≤ 2ψ − 1 nodes', () => {
    const m = fitIsolationForest(x.subarray(0, 100 * D), D, { seed: 1, sampleSize: 256, trees: 10 });
    expect(m.sampleSize).toBe(100);
    for (let t = 0; t < m.trees; t++) {
      const nodes = m.treeOffsets[t + 1]! - m.treeOffsets[t]!;
      expect(nodes).toBeLessThanOrEqual(2 * 100 - 1);
      expect(m.size[m.treeOffsets[t]!]).toBe(100);
    }
    expect(averagePathLength(2)).toBe(1);
    expect(averagePathLength(256)).toBeCloseTo(10.2448, 3);
  });

  it('places the threshold at the contamination quantile of the training scores', () => {
    const model = fitIsolationForest(x, D, { seed: 2, contamination: 0.05 });
    const scores = scoreIsolationForest(model, x, D);
    const above = scores.filter((s) => s >= model.threshold).length / scores.length;
    expect(above).toBeGreaterThan(0.04);
    expect(above).toBeLessThan(0.06);
    expect(model.medianScore).toBeLessThan(model.threshold);
  });

  it('serialise → JSON text → load gives byte-identical scores', () => {
    const model = fitIsolationForest(x, D, { seed: 9 });
    const loaded = deserializeModel(JSON.parse(JSON.stringify(serializeModel(model))));
    expect(loaded.threshold).toBe(model.threshold);
    expect(bytes(scoreIsolationForest(loaded, x, D))).toBe(bytes(scoreIsolationForest(model, x, D)));
  });

  // Damaged models, each refused with its reason.
  const damaged: Array<{ name: string; edit: (s: Record<string, unknown>, m: IsolationForestModel) => void; message: RegExp }> = [
    // A child pointing back at its parent would loop forever.
    { name: 'child loop', edit: (s, m) => { const left = m.left.slice(); left[0] = 0; s.left = int32ToBase64(left); }, message: /node 0 has children/ },
    { name: 'feature out of range', edit: (s, m) => { const f = m.feature.slice(); f[0] = 99; s.feature = int32ToBase64(f); }, message: /feature 99/ },
    { name: 'truncated array', edit: (s, m) => { s.split = float64ToBase64(m.split.slice(1)); }, message: /differ in length/ },
    { name: 'not base64', edit: (s) => { s.size = 'AAA*'; }, message: /invalid base64/ },
    { name: 'other format', edit: (s) => { s.format = 'sklearn'; }, message: /expected format/ },
  ];

  it.each(damaged)('refuses a damaged model: $name', ({ edit, message }) => {
    const model = fitIsolationForest(x, D, { seed: 1, trees: 3 });
    const s = serializeModel(model) as unknown as Record<string, unknown>;
    edit(s, model);
    expect(() => deserializeModel(s)).toThrow(message);
  });

  // Non-finite inputs, named by row and column.
  const nonFinite: Array<{ value: number; row: number; column: number }> = [
    { value: Number.NaN, row: 3, column: 2 },
    { value: Infinity, row: 0, column: 0 },
    { value: -Infinity, row: 3999, column: 5 },
  ];

  it.each(nonFinite)('fit and score reject $value at row $row, column $column', ({ value, row, column }) => {
    const bad = x.slice();
    bad[row * D + column] = value;
    const message = new RegExp(`non-finite value ${String(value)} at row ${row}, column ${column}`);
    expect(() => fitIsolationForest(bad, D)).toThrow(VigilError);
    expect(() => fitIsolationForest(bad, D)).toThrow(message);
    expect(() => scoreIsolationForest(fitIsolationForest(x, D, { trees: 2 }), bad, D)).toThrow(message);
  });

  it('rejects shapes and options it cannot use', () => {
    expect(() => fitIsolationForest(x.subarray(0, 7), D)).toThrow(/not a multiple of d=6/);
    expect(() => fitIsolationForest(x.subarray(0, D), D)).toThrow(/at least 2 rows/);
    expect(() => fitIsolationForest(x, D, { contamination: 0.7 })).toThrow(/contamination/);
    expect(() => scoreIsolationForest(fitIsolationForest(x, D, { trees: 2 }), x.subarray(0, 10), 5)).toThrow(/fitted on 6/);
  });
});

/**
 * A 3-feature stream (latency, error rate, cost moving together with load). At `incidents` all
 * three rise at once, each by a few σ (an outage-like point); at `spikes` one feature alone jumps.
 */
function stream(seed: number, n: number, incidents: Set<number>, spikes = new Set<number>()): AnomalyPoint[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, (_, i) => {
    const load = rng.normal();
    const values = [200 + 20 * load + 5 * rng.normal(), 0.01 + 0.002 * load + 0.001 * rng.normal(), 0.02 + 0.001 * rng.normal()];
    if (incidents.has(i)) [100, 0.01, 0.005].forEach((up, j) => (values[j]! += up)); // ≈ 5σ, 4.5σ, 5σ
    if (spikes.has(i)) values[i % 3]! += [150, 0.03, 0.01][i % 3]!; // 7–13σ in one feature
    return { t: i * 10_000, values };
  });
}

const run = (d: StreamingDetector, points: readonly AnomalyPoint[]): number[] => points.map((p) => d.update(p));

describe('isolation forest (streaming)', () => {
  const incidents = new Set([700, 905, 1111, 1402, 1733, 1900]);
  const points = stream(4, 2000, incidents);

  it('is neutral until its first model, then flags joint incidents with few false alarms', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const scores = run(createIsolationForestDetector({ seed }), stream(seed, 2000, incidents));
      expect(scores.slice(0, 500).every((s) => s === 0)).toBe(true);
      for (const i of incidents) expect(scores[i], `incident at ${i}, seed ${seed}`).toBeGreaterThanOrEqual(ALARM_SCORE);
      const clean = scores.slice(500).filter((_, k) => !incidents.has(k + 500));
      // Contamination 1 %: about 1 % of ordinary points sit above the threshold by construction.
      expect(clean.filter((s) => s >= ALARM_SCORE).length / clean.length, `seed ${seed}`).toBeLessThan(0.015);
    }
  });

  it('ranks single-feature spikes high, though not always past its alarm (the univariate detectors cover those)', () => {
    const spikes = new Set([700, 905, 1111, 1402, 1733]);
    const scores = run(createIsolationForestDetector({ seed: 1 }), stream(4, 2000, new Set(), spikes)).slice(500);
    expect(rocAuc(scores, scores.map((_, k) => spikes.has(k + 500)))).toBeGreaterThanOrEqual(0.95);
  });

  it('gives byte-identical scores for the same seed and input, other scores for another seed', () => {
    const a = JSON.stringify(run(createIsolationForestDetector({ seed: 8 }), points));
    expect(JSON.stringify(run(createIsolationForestDetector({ seed: 8 }), points))).toBe(a);
    expect(JSON.stringify(run(createIsolationForestDetector({ seed: 9 }), points))).not.toBe(a);
  });

  it('never looks ahead: appending any future points leaves earlier scores unchanged', () => {
    const small = { trainEvery: 40, window: 120, trees: 15, sampleSize: 64 };
    const finite = fc.double({ min: -1e6, max: 1e6, noNaN: true });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 300 }), fc.array(fc.tuple(finite, finite, finite), { minLength: 1, maxLength: 120 }), (seed, k, future) => {
        const prefix = points.slice(0, k);
        const extended = [...prefix, ...future.map((values, i) => ({ t: (k + i) * 10_000, values }))];
        const alone = run(createIsolationForestDetector({ ...small, seed }), prefix);
        const within = run(createIsolationForestDetector({ ...small, seed }), extended).slice(0, k);
        return JSON.stringify(alone) === JSON.stringify(within);
      }),
      { numRuns: 40 },
    );
  });

  it('toJSON → JSON → restore scores the rest identically (before and after the first model)', () => {
    for (const cut of [0, 300, 500, 1234]) {
      const original = createIsolationForestDetector({ seed: 5 });
      run(original, points.slice(0, cut));
      const json = JSON.parse(JSON.stringify(original)) as unknown;
      const rest = points.slice(cut);
      const expected = JSON.stringify(run(original, rest));
      expect(JSON.stringify(run(restoreIsolationForestDetector(json), rest))).toBe(expected);
      expect(JSON.stringify(run(restoreDetector(json), rest))).toBe(expected);
    }
  });

  it('rejects non-finite values and a change of width, naming the point', () => {
    const d = createIsolationForestDetector();
    d.update({ t: 0, values: [1, 2, 3] });
    expect(() => d.update({ t: 1, values: [1, Number.NaN, 3] })).toThrow(/isolation-forest: point 1 .*non-finite value NaN at values\[1\]/);
    expect(() => d.update({ t: 1, values: [1, 2] })).toThrow(/point 1 has 2 values, earlier points had 3/);
  });
});

/** A window summary with these latencies and fields. */
function summary(latencies: number[], fields: Partial<WindowSummary> = {}): WindowSummary {
  const acc = new SketchAccumulator();
  for (const v of latencies) acc.add(v);
  return {
    service: 'rag',
    start: 0,
    durationMs: 10_000,
    count: latencies.length,
    errors: 0,
    latency: acc.toSketch(),
    qualitySum: 0,
    qualityCount: 0,
    costUsdSum: 0,
    tokensSum: 0,
    satisfactionSum: 0,
    satisfactionCount: 0,
    dropped: 0,
    ...fields,
  };
}

describe('window features', () => {
  const lat = Array.from({ length: 100 }, (_, i) => i + 1); // 1…100 ms: p95 ≈ 95

  it('computes the five levels and their deltas, in FEATURE_NAMES order', () => {
    const prev = summary(lat, { errors: 5, qualitySum: 80, qualityCount: 100, costUsdSum: 1 });
    const now = summary(lat.map((v) => v * 2), { errors: 10, qualitySum: 35, qualityCount: 50, costUsdSum: 3 });
    const f = windowFeatures(now, prev);
    expect(f).toHaveLength(FEATURE_NAMES.length);
    const byName = Object.fromEntries(FEATURE_NAMES.map((n, i) => [n, f[i]!]));
    expect(byName.p95Ms).toBeCloseTo(190, -1);
    expect(byName.errorRate).toBe(0.1);
    expect(byName.qualityAvg).toBe(0.7);
    expect(byName.costPerQueryUsd).toBe(0.03);
    expect(byName.throughputPerSec).toBe(10);
    expect(byName.errorRateDelta).toBeCloseTo(0.05, 12);
    expect(byName.qualityAvgDelta).toBeCloseTo(-0.1, 12);
    expect(byName.p95MsDelta).toBeCloseTo(95, -1);
    expect(byName.throughputPerSecDelta).toBe(0);
  });

  it('stays finite for empty and unscored windows, with zero deltas and no previous window', () => {
    const f = windowFeatures(summary([]));
    expect(f).toEqual([0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
    // No quality scores this window: the previous window's average carries over.
    const carried = windowFeatures(summary(lat), summary(lat, { qualitySum: 30, qualityCount: 50 }));
    expect(carried[2]).toBe(0.6);
  });

  it('rejects a window with a non-finite or negative field, naming it', () => {
    expect(() => windowFeatures(summary(lat, { errors: Number.NaN }))).toThrow(/errors = NaN/);
    expect(() => windowFeatures(summary(lat, { costUsdSum: -1 }))).toThrow(/costUsdSum = -1/);
    expect(() => windowFeatures(summary(lat, { durationMs: 0 }))).toThrow(/durationMs 0/);
  });
});

describe('evaluation and encoding helpers', () => {
  it('rocAuc: ranks, ties count one half', () => {
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75);
    expect(rocAuc([1, 1, 1, 1], [0, 1, 0, 1])).toBe(0.5);
    expect(rocAuc([3, 2, 1], [true, false, false])).toBe(1);
    expect(() => rocAuc([1, 2], [0, 0])).toThrow(/at least one positive/);
  });

  it('base64 round-trips typed arrays bit for bit, any length', () => {
    fc.assert(
      fc.property(fc.array(fc.double()), fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })), (floats, ints) => {
        const f = Float64Array.from(floats);
        const i = Int32Array.from(ints);
        return bytes(base64ToFloat64(float64ToBase64(f), 'f')) === bytes(f) && base64ToInt32(int32ToBase64(i), 'i').join() === i.join();
      }),
    );
    // Same text as Node's encoder.
    const sample = Float64Array.from([1.5, -0, Number.NaN, 1e-300]);
    expect(float64ToBase64(sample)).toBe(Buffer.from(sample.buffer).toString('base64'));
  });
});
