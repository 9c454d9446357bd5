/**
 * Seeded, labelled synthetic series for the anomaly evaluation: a noisy base (level, AR(1) noise, some
 * heavy-tailed, about half with daily seasonality) with one injected anomaly of a known kind and its
 * window, plus clean series for the false-positive rate. The same seed always gives the same series.
 */
import { createRng, deriveSeed, type Rng } from '../../domain/anomaly/rng';

/** The anomaly shapes the suite injects. */
export type AnomalyKind = 'spike' | 'level_shift' | 'drift' | 'variance' | 'seasonality_break';
/** Every kind, in table order. */
export const ANOMALY_KINDS: readonly AnomalyKind[] = ['spike', 'level_shift', 'drift', 'variance', 'seasonality_break'];

/** Indices [start, end) where an anomaly is present and an alarm is a true positive. */
export interface AnomalyWindow {
  start: number;
  end: number;
  kind: AnomalyKind;
}

/** A generated series with the windows where its anomaly is. */
export interface LabelledSeries {
  name: string;
  kind: AnomalyKind | 'clean';
  /** Epoch ms of each point, evenly spaced so that the seasonal period is one day. */
  t: number[];
  values: number[];
  windows: AnomalyWindow[];
}

const uniform = (rng: Rng, lo: number, hi: number) => lo + (hi - lo) * rng.next();
/** Uniform integer in [lo, hi]. */
const between = (rng: Rng, lo: number, hi: number) => lo + rng.int(hi - lo + 1);
const sign = (rng: Rng) => (rng.next() < 0.5 ? -1 : 1);

/** Student-t with 5 degrees of freedom, scaled to unit variance: real metrics have fatter tails than a normal. */
function heavyTailed(rng: Rng): number {
  let chi2 = 0;
  for (let i = 0; i < 5; i++) chi2 += rng.normal() ** 2;
  return rng.normal() / Math.sqrt(chi2 / 5) / Math.sqrt(5 / 3);
}

interface Base {
  level: number;
  sigma: number;
  phi: number;
  period: number;
  amplitude: number;
  heavy: boolean;
}

function base(rng: Rng, seasonal: boolean): Base {
  const level = uniform(rng, 50, 500);
  const sigma = level * uniform(rng, 0.02, 0.08);
  return {
    level,
    sigma,
    phi: uniform(rng, 0, 0.5),
    // One day at 5-, 15-, 30- and 60-minute resolution.
    period: [288, 96, 48, 24][between(rng, 0, 3)]!,
    amplitude: seasonal ? sigma * uniform(rng, 3, 6) : 0,
    heavy: rng.next() < 0.5,
  };
}

const DAY_MS = 86_400_000;
const T0 = Date.UTC(2025, 0, 1);

/**
 * One series of `length` points with one anomaly of `kind` (or none for 'clean'), placed after the first
 * 40 % so every detector has had a fair warm-up.
 */
export function generateSeries(kind: AnomalyKind | 'clean', length: number, seed: number): LabelledSeries {
  const rng = createRng(seed);
  const b = base(rng, kind === 'seasonality_break' || rng.next() < 0.5);
  const at = between(rng, Math.floor(length * 0.4), Math.floor(length * 0.75));
  // Per-point modifiers, filled by the anomaly below.
  const offset = new Array<number>(length).fill(0);
  const noiseScale = new Array<number>(length).fill(1);
  const seasonalPhase = new Array<number>(length).fill(0);
  const seasonalGain = new Array<number>(length).fill(1);
  const windows: AnomalyWindow[] = [];
  switch (kind) {
    case 'spike': {
      const len = between(rng, 1, 3);
      const size = sign(rng) * b.sigma * uniform(rng, 6, 10);
      for (let i = at; i < at + len; i++) offset[i] = size;
      windows.push({ start: at, end: at + len, kind });
      break;
    }
    case 'level_shift': {
      const size = sign(rng) * b.sigma * uniform(rng, 4, 7);
      for (let i = at; i < length; i++) offset[i] = size;
      // Detection is expected soon after the step; later points are the new normal.
      windows.push({ start: at, end: at + 50, kind });
      break;
    }
    case 'drift': {
      const ramp = between(rng, 150, 300);
      const size = sign(rng) * b.sigma * uniform(rng, 6, 9);
      for (let i = at; i < length; i++) offset[i] = size * Math.min(1, (i - at) / ramp);
      windows.push({ start: at, end: at + ramp, kind });
      break;
    }
    case 'variance': {
      const len = between(rng, 100, 200);
      const factor = uniform(rng, 3, 5);
      for (let i = at; i < Math.min(length, at + len); i++) noiseScale[i] = factor;
      windows.push({ start: at, end: at + len, kind });
      break;
    }
    case 'seasonality_break': {
      // Either the daily cycle flattens (a stuck batch job, a frozen cache) or it shifts by half a day.
      const flatten = rng.next() < 0.5;
      for (let i = at; i < length; i++) {
        if (flatten) seasonalGain[i] = 0.1;
        else seasonalPhase[i] = Math.PI;
      }
      windows.push({ start: at, end: at + b.period, kind });
      break;
    }
    case 'clean':
      break;
  }
  const t: number[] = [];
  const values: number[] = [];
  let ar = 0;
  for (let i = 0; i < length; i++) {
    const eps = b.heavy ? heavyTailed(rng) : rng.normal();
    ar = b.phi * ar + Math.sqrt(1 - b.phi * b.phi) * eps;
    const angle = (2 * Math.PI * i) / b.period + seasonalPhase[i]!;
    // A fundamental plus a weaker second harmonic: daily traffic is not a pure sine.
    const season = b.amplitude * seasonalGain[i]! * (Math.sin(angle) + 0.3 * Math.sin(2 * angle));
    t.push(T0 + i * (DAY_MS / b.period));
    values.push(b.level + season + offset[i]! + b.sigma * noiseScale[i]! * ar);
  }
  return { name: `${kind}-${seed}`, kind, t, values, windows: windows.filter((w) => w.start < length).map((w) => ({ ...w, end: Math.min(w.end, length) })) };
}

/** `perKind` series of each anomaly kind and `clean` clean series, seeds derived from `seed`. */
export function generateSuite(opts: { seed: number; perKind: number; clean: number; length: number }): LabelledSeries[] {
  const out: LabelledSeries[] = [];
  let k = 0;
  for (const kind of ANOMALY_KINDS) {
    for (let i = 0; i < opts.perKind; i++) out.push(generateSeries(kind, opts.length, deriveSeed(opts.seed, ++k)));
  }
  for (let i = 0; i < opts.clean; i++) out.push(generateSeries('clean', opts.length, deriveSeed(opts.seed, ++k)));
  return out;
}
