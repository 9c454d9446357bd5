// The LSTM next-step forecaster's weights and its forward pass in plain float64 JavaScript. Training
// runs in TensorFlow.js (lstm-train.ts); scoring runs here, because one point's forecast is ~300 tiny
// tensor ops whose dispatch costs 3–5 ms in tfjs, against ~0.1 ms here, and because a forecast that
// does not depend on the backend makes a restored detector score identically wherever it runs.
// lstm-train.ts builds the very same function from tensors; a unit test keeps the two in step.
import type { Rng } from '../../domain/anomaly/rng';

/** Gate order of every per-gate array: input, forget, output, candidate. */
export const GATE = { input: 0, forget: 1, output: 2, candidate: 3 } as const;
export const GATES = 4;

/** The forecaster's parameters as plain numbers (JSON-ready); matrices are row-major. */
export interface LstmWeights {
  /** Features per point (d). */
  inputs: number;
  hidden: number;
  /** Per gate: input kernel, d × hidden. */
  wx: number[][];
  /** Per gate: recurrent kernel, hidden × hidden. */
  wh: number[][];
  /** Per gate: bias, hidden. */
  b: number[][];
  /** Output head, hidden × d: the forecast is the last input plus h·wo + bo. */
  wo: number[];
  bo: number[];
}

// Glorot-uniform draws, rounded to float32 so the tensors built from them hold exactly these numbers.
function glorot(rng: Rng, fanIn: number, fanOut: number, count: number): number[] {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return Array.from({ length: count }, () => Math.fround((2 * rng.next() - 1) * limit));
}

/** Seeded initial weights; the forget-gate bias starts at 1 so early training keeps the cell's memory. */
export function initialWeights(inputs: number, hidden: number, rng: Rng): LstmWeights {
  const gates = [0, 1, 2, 3];
  return {
    inputs,
    hidden,
    wx: gates.map(() => glorot(rng, inputs, hidden, inputs * hidden)),
    wh: gates.map(() => glorot(rng, hidden, hidden, hidden * hidden)),
    b: gates.map((g) => new Array<number>(hidden).fill(g === GATE.forget ? 1 : 0)),
    // Small head: the untrained forecaster starts close to "the next value equals the last one".
    wo: glorot(rng, hidden, inputs, hidden * inputs).map((w) => Math.fround(w * 0.1)),
    bo: new Array<number>(inputs).fill(0),
  };
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/**
 * The forecast of the next point from `steps` standardised points (`window`, steps × d, oldest first),
 * written into `out` (d values, standardised).
 */
export function forecastNext(w: LstmWeights, window: Float64Array, steps: number, out: Float64Array): void {
  const { inputs: d, hidden: n } = w;
  const h = new Float64Array(n);
  const c = new Float64Array(n);
  const z = [new Float64Array(n), new Float64Array(n), new Float64Array(n), new Float64Array(n)];
  for (let t = 0; t < steps; t++) {
    const x = t * d;
    for (let g = 0; g < GATES; g++) {
      const zg = z[g]!;
      const wx = w.wx[g]!;
      const wh = w.wh[g]!;
      const b = w.b[g]!;
      for (let j = 0; j < n; j++) {
        let s = b[j]!;
        for (let k = 0; k < d; k++) s += window[x + k]! * wx[k * n + j]!;
        for (let k = 0; k < n; k++) s += h[k]! * wh[k * n + j]!;
        zg[j] = s;
      }
    }
    for (let j = 0; j < n; j++) {
      const cell = sigmoid(z[GATE.forget]![j]!) * c[j]! + sigmoid(z[GATE.input]![j]!) * Math.tanh(z[GATE.candidate]![j]!);
      c[j] = cell;
      h[j] = sigmoid(z[GATE.output]![j]!) * Math.tanh(cell);
    }
  }
  const last = (steps - 1) * d;
  for (let k = 0; k < d; k++) {
    let s = window[last + k]! + w.bo[k]!;
    for (let j = 0; j < n; j++) s += h[j]! * w.wo[j * d + k]!;
    out[k] = s;
  }
}
