import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { createRng } from '../../domain/anomaly/rng';
import type { StreamingDetector } from '../../domain/anomaly/detector';
import { createLstmDetector, restoreLstmDetector, type LstmDetectorOptions } from '../../activities/ml/lstm';
import { forecastNext, initialWeights } from '../../activities/ml/lstm-cell';
import { disposeVariables, forecastBatch, trainForecaster, weightsToVariables } from '../../activities/ml/lstm-train';
import { initTensorflow, type TfBackend } from '../../activities/ml/tf-backend';

// Training TensorFlow.js models on CPU takes seconds a test alone, several times that on a loaded machine. The 5 s default is for quick tests.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

// Timeline of the series (one point a second): a sine of period 50 with noise; the first model is
// trained at point 64 and retrained at 320 and 576; a +3 spike at 400; the level rises by 1.5 at 500.
const N = 600;
const SPIKE = 400;
const SHIFT = 500;
// Small windows keep each training near a second; defaults are for real metric streams.
const OPTIONS: LstmDetectorOptions = { lookback: 32, hidden: 16, trainEvery: 256, trainWindow: 256, minHistory: 64, epochs: 5, seed: 1 };

function series(): number[][] {
  const rng = createRng(42);
  return Array.from({ length: N }, (_, i) => [
    Math.sin((2 * Math.PI * i) / 50) + 0.1 * rng.normal() + (i === SPIKE ? 3 : 0) + (i >= SHIFT ? 1.5 : 0),
  ]);
}

function run(detector: StreamingDetector, values: number[][], from = 0): number[] {
  return values.map((v, i) => detector.update({ t: (from + i) * 1000, values: v }));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

describe('LSTM anomaly detector', () => {
  const data = series();
  let backend: TfBackend;
  const logged: Array<{ obj: Record<string, unknown>; msg: string }> = [];
  let scores: number[];
  let snapshotAt300: string;
  let runMs: number;

  beforeAll(async () => {
    const logger = { info: (obj: Record<string, unknown>, msg: string) => logged.push({ obj, msg }) };
    backend = await initTensorflow(logger);
    await initTensorflow(logger); // chosen once, logged once
    const detector = createLstmDetector(OPTIONS);
    const started = performance.now();
    scores = data.map((v, i) => {
      if (i === 300) snapshotAt300 = JSON.stringify(detector.toJSON());
      return detector.update({ t: i * 1000, values: v });
    });
    runMs = performance.now() - started;
  });

  it('reports the backend it chose, once', () => {
    expect(['tensorflow', 'wasm', 'cpu']).toContain(backend);
    expect(tf.getBackend()).toBe(backend);
    expect(logged).toHaveLength(1);
    expect(logged[0]!.obj.backend).toBe(backend);
    let nodeBackendInstalled = true;
    try {
      createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
    } catch {
      nodeBackendInstalled = false;
    }
    // wasm is a dependency, so without tfjs-node anything but wasm means the wasm setup broke.
    if (!nodeBackendInstalled) expect(backend).toBe('wasm');
  });

  it('scores the spike and the level shift far above the clean part', () => {
    // Clean: from the first model on, leaving out each anomaly and the lookback after it.
    const clean = scores.filter((_, i) => i >= 64 && !(i >= SPIKE && i <= SPIKE + 32) && !(i >= SHIFT && i <= SHIFT + 32));
    expect(scores.slice(0, 64).every((s) => s === 0)).toBe(true); // neutral before the first model
    expect(scores[SPIKE]).toBeGreaterThan(0.95);
    expect(scores[SHIFT]).toBeGreaterThan(0.95);
    expect(median(clean)).toBeLessThan(0.6);
    expect(scores.every((s) => s >= 0 && s <= 1)).toBe(true);
    expect(runMs).toBeLessThan(10_000);
  });

  it('gives byte-identical scores for the same input and seed, other scores for another seed', () => {
    expect(JSON.stringify(run(createLstmDetector(OPTIONS), data))).toBe(JSON.stringify(scores));
    const other = run(createLstmDetector({ ...OPTIONS, seed: 2 }), data.slice(0, 100));
    expect(JSON.stringify(other)).not.toBe(JSON.stringify(scores.slice(0, 100)));
  });

  it('never looks ahead: the first k scores do not change when more points follow', () => {
    const k = 450;
    expect(run(createLstmDetector(OPTIONS), data.slice(0, k))).toEqual(scores.slice(0, k));
  });

  it('restores from JSON and scores the next 50 points (a retrain among them) identically', () => {
    const restored = restoreLstmDetector(JSON.parse(snapshotAt300));
    expect(run(restored, data.slice(300, 350), 300)).toEqual(scores.slice(300, 350));
    // A restored snapshot writes the very same snapshot back.
    expect(JSON.stringify(restoreLstmDetector(JSON.parse(snapshotAt300)).toJSON())).toBe(snapshotAt300);
  });

  it('rejects snapshots that do not fit', () => {
    const snap = JSON.parse(snapshotAt300) as { errors: number[]; model: { weights: { wo: number[] } } };
    expect(() => restoreLstmDetector({ ...snap, kind: 'isolation-forest' })).toThrow(/cannot restore lstm: kind/);
    expect(() => restoreLstmDetector({ ...snap, errors: [Number.NaN] })).toThrow(/cannot restore lstm: errors/);
    expect(() => restoreLstmDetector({ ...snap, model: { ...snap.model, weights: { ...snap.model.weights, wo: [1] } } })).toThrow(/model shapes/);
  });

  it('scores multivariate points, a spike in one feature included', () => {
    const rng = createRng(5);
    const points = Array.from({ length: 160 }, (_, i) => [
      Math.sin((2 * Math.PI * i) / 40) + 0.1 * rng.normal(),
      Math.cos((2 * Math.PI * i) / 40) + 0.1 * rng.normal() + (i === 150 ? 3 : 0),
    ]);
    const multi = run(createLstmDetector({ ...OPTIONS, lookback: 16, minHistory: 64 }), points);
    expect(multi[150]).toBeGreaterThan(0.95);
    expect(median(multi.slice(64, 150))).toBeLessThan(0.6);
  });

  // Each case: the bad point fed after ten good ones, and what the error must name.
  const badPoints = [
    { name: 'NaN value', point: { t: 10_000, values: [Number.NaN] }, message: /lstm: point 10 \(t=10000\) has a non-finite value NaN at values\[0\]/ },
    { name: 'Infinity value', point: { t: 10_000, values: [Infinity] }, message: /point 10 \(t=10000\) has a non-finite value Infinity/ },
    { name: 'non-finite time', point: { t: Number.NaN, values: [1] }, message: /point 10 has a non-finite time t=NaN/ },
    { name: 'changed width', point: { t: 10_000, values: [1, 2] }, message: /point 10 has 2 values, earlier points had 1/ },
  ];
  it.each(badPoints)('rejects a $name with a clear error', ({ point, message }) => {
    const detector = createLstmDetector(OPTIONS);
    run(detector, data.slice(0, 10));
    expect(() => detector.update(point)).toThrow(message);
  });

  it('rejects options it cannot work with', () => {
    expect(() => createLstmDetector({ lookback: 32, minHistory: 20 })).toThrow(/minHistory must be an integer in \[33/);
    expect(() => createLstmDetector({ learningRate: 0 })).toThrow(/learningRate/);
  });

  it('forecasts in JavaScript exactly what the tensors it trains compute, and leaks no tensors', () => {
    const before = tf.memory().numTensors;
    const rng = createRng(3);
    const d = 2;
    const steps = 8;
    const weights = initialWeights(d, 5, rng);
    const windows = Array.from({ length: 3 }, () => Float64Array.from({ length: steps * d }, () => rng.normal()));
    // Train a little so the biases and head are not at their initial values.
    const trained = trainForecaster(weights, Float64Array.from({ length: 40 * d }, () => rng.normal()), 40, { lookback: steps, epochs: 2, batchSize: 8, learningRate: 0.05 }, rng);
    const vars = weightsToVariables(trained);
    const fromTensors = tf.tidy(() => {
      const x = tf.tensor3d(Array.from({ length: steps }, (_, t) => windows.map((w) => Array.from(w.subarray(t * d, t * d + d)))));
      const last = tf.tensor2d(windows.map((w) => Array.from(w.subarray((steps - 1) * d))));
      return forecastBatch(vars, x, last).arraySync();
    });
    disposeVariables(vars);
    windows.forEach((w, b) => {
      const out = new Float64Array(d);
      forecastNext(trained, w, steps, out);
      out.forEach((v, k) => expect(v).toBeCloseTo(fromTensors[b]![k]!, 5));
    });
    expect(tf.memory().numTensors).toBe(before);
  });
});
