// Synchronous training of the LSTM forecaster in TensorFlow.js. `model.fit` is async, and a
// StreamingDetector's update() is not, so this is a hand-written loop: `optimizer.minimize` inside
// `tf.tidy` computes gradients and applies them synchronously. Deterministic for a seed: the weights
// come in as numbers, minibatches are shuffled by a seeded generator, there is no dropout, and the
// order of floating-point work is fixed by the backend (see tf-backend.ts for what was measured).
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../domain/anomaly/rng';
import { GATE, type LstmWeights } from './lstm-cell';

/** How one (re)training pass runs. */
export interface TrainSettings {
  /** Points of history each forecast reads. */
  lookback: number;
  /** Passes over the training windows. */
  epochs: number;
  batchSize: number;
  learningRate: number;
}

/** The forecaster's weights as trainable tensors. */
export interface LstmVariables {
  wx: tf.Variable[];
  wh: tf.Variable[];
  b: tf.Variable[];
  wo: tf.Variable;
  bo: tf.Variable;
}

/** Trainable tensors holding `w`; the caller disposes them (disposeVariables). */
export function weightsToVariables(w: LstmWeights): LstmVariables {
  const { inputs: d, hidden: n } = w;
  // tidy frees the initial-value tensors; the variables keep their own reference to the data.
  return tf.tidy(() => ({
    wx: w.wx.map((a) => tf.variable(tf.tensor2d(a, [d, n]))),
    wh: w.wh.map((a) => tf.variable(tf.tensor2d(a, [n, n]))),
    b: w.b.map((a) => tf.variable(tf.tensor1d(a))),
    wo: tf.variable(tf.tensor2d(w.wo, [n, d])),
    bo: tf.variable(tf.tensor1d(w.bo)),
  }));
}

function variableList(v: LstmVariables): tf.Variable[] {
  return [...v.wx, ...v.wh, ...v.b, v.wo, v.bo];
}

function variablesToWeights(v: LstmVariables, inputs: number, hidden: number): LstmWeights {
  const read = (t: tf.Variable) => Array.from(t.dataSync());
  return { inputs, hidden, wx: v.wx.map(read), wh: v.wh.map(read), b: v.b.map(read), wo: read(v.wo), bo: read(v.bo) };
}

/**
 * forecastNext (lstm-cell.ts) on a batch: `x` is time-major [steps, batch, d], `last` its final step.
 * One matrix per gate rather than one wide matrix split four ways: slicing columns is slow in the
 * CPU backend and its gradient is slower still; per-gate matmuls cost the same on every backend.
 */
export function forecastBatch(v: LstmVariables, x: tf.Tensor3D, last: tf.Tensor2D): tf.Tensor2D {
  const [steps, batch, d] = x.shape;
  const n = v.wh[0]!.shape[0]!;
  const flat = tf.reshape(x, [steps * batch, d]);
  // Input projections for all steps at once, then one contiguous [batch, n] slice per step.
  const xp = v.wx.map((wx, g) => tf.unstack(tf.reshape(tf.add(tf.matMul(flat, wx), v.b[g]!), [steps, batch, n])) as tf.Tensor2D[]);
  let h: tf.Tensor2D | null = null;
  let c: tf.Tensor2D | null = null;
  for (let t = 0; t < steps; t++) {
    const hPrev: tf.Tensor2D | null = h;
    const z = xp.map((p, g): tf.Tensor2D => (hPrev ? tf.add(p[t]!, tf.matMul(hPrev, v.wh[g]!)) : p[t]!));
    const fresh: tf.Tensor2D = tf.mul(tf.sigmoid(z[GATE.input]!), tf.tanh(z[GATE.candidate]!));
    c = c ? tf.add<tf.Tensor2D>(tf.mul(tf.sigmoid(z[GATE.forget]!), c), fresh) : fresh;
    h = tf.mul<tf.Tensor2D>(tf.sigmoid(z[GATE.output]!), tf.tanh(c));
  }
  return tf.add(last, tf.add(tf.matMul(h!, v.wo), v.bo));
}

/**
 * Trains from `start` on every window of `series` (length × d standardised values, oldest first):
 * the `lookback` points before position i forecast point i. Returns new weights; `start` is untouched.
 */
export function trainForecaster(start: LstmWeights, series: Float64Array, length: number, s: TrainSettings, rng: Rng): LstmWeights {
  const { inputs: d, hidden } = start;
  const { lookback } = s;
  const targets = Array.from({ length: Math.max(0, length - lookback) }, (_, i) => i + lookback);
  if (targets.length === 0) return start;
  const vars = weightsToVariables(start);
  const optimizer = tf.train.adam(s.learningRate);
  try {
    for (let epoch = 0; epoch < s.epochs; epoch++) {
      // Fisher–Yates with the seeded generator: the same seed visits the windows in the same order.
      for (let i = targets.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [targets[i], targets[j]] = [targets[j]!, targets[i]!];
      }
      for (let from = 0; from < targets.length; from += s.batchSize) {
        const batch = targets.slice(from, from + s.batchSize);
        const b = batch.length;
        const xs = new Float32Array(lookback * b * d);
        const ys = new Float32Array(b * d);
        batch.forEach((target, k) => {
          for (let t = 0; t < lookback; t++) xs.set(series.subarray((target - lookback + t) * d, (target - lookback + t + 1) * d), (t * b + k) * d);
          ys.set(series.subarray(target * d, (target + 1) * d), k * d);
        });
        tf.tidy(() => {
          const x = tf.tensor3d(xs, [lookback, b, d]);
          const last = tf.tensor2d(xs.subarray((lookback - 1) * b * d), [b, d]);
          const y = tf.tensor2d(ys, [b, d]);
          optimizer.minimize(() => tf.mean(tf.squaredDifference(forecastBatch(vars, x, last), y)) as tf.Scalar, false, variableList(vars));
        });
      }
    }
    return variablesToWeights(vars, d, hidden);
  } finally {
    optimizer.dispose();
    disposeVariables(vars);
  }
}

/** Releases variables made by weightsToVariables. */
export function disposeVariables(v: LstmVariables): void {
  for (const t of variableList(v)) t.dispose();
}
