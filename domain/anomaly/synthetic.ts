// Seeded synthetic series with planted anomalies of known type and position, for tests, demos and
// tuning: five-minute points around a level with Gaussian noise (optionally a daily cycle), and one
// kind of trouble starting at `onset`. Same seed and options → the very same points.
import { VigilError } from '../errors';
import type { AnomalyPoint } from './detector';
import { createRng } from './rng';

/** The anomaly types the detectors are tested against ('clean' and 'clean-seasonal' have none). */
export const SYNTHETIC_KINDS = ['clean', 'clean-seasonal', 'spikes', 'level-shift', 'drift', 'variance-change', 'seasonality-break'] as const;

/** One of SYNTHETIC_KINDS. */
export type SyntheticKind = (typeof SYNTHETIC_KINDS)[number];

/** Shape of the generated series. */
export interface SyntheticOptions {
  seed: number;
  /** Points (default 2016: a week of five-minute points). */
  length?: number;
  stepMs?: number;
  /** First point's time (default: a midnight UTC in November 2023). */
  start?: number;
  level?: number;
  /** σ of the noise. */
  noise?: number;
  /** Amplitude of the daily cycle of the seasonal kinds. */
  amplitude?: number;
  /** Index where the anomaly starts (default: four days in). */
  onset?: number;
}

/** A generated series and where its anomalies are. */
export interface SyntheticSeries {
  kind: SyntheticKind;
  points: AnomalyPoint[];
  /** labels[i]: point i is anomalous. */
  labels: boolean[];
  /** First anomalous index (−1 for the clean kinds). */
  onset: number;
}

const DAY_MS = 86_400_000;

/** Generates one series of the given kind. */
export function syntheticSeries(kind: SyntheticKind, options: SyntheticOptions): SyntheticSeries {
  if (!SYNTHETIC_KINDS.includes(kind)) throw new VigilError('invalid_input', `unknown synthetic series kind ${String(kind)}`);
  const { seed, length = 2016, stepMs = 300_000, start = 1_700_006_400_000 - (1_700_006_400_000 % DAY_MS), level = 100, noise = 5, amplitude = 30 } = options;
  const perDay = Math.round(DAY_MS / stepMs);
  const onset = kind.startsWith('clean') ? -1 : (options.onset ?? Math.min(4 * perDay, Math.floor(length * 0.6)));
  const rng = createRng(seed);
  const seasonal = kind === 'clean-seasonal' || kind === 'seasonality-break';
  const spikes = new Set(onset < 0 ? [] : [0, 97, 211, 330, 459].map((k) => onset + k).filter((i) => i < length));
  const breakEnd = onset + Math.round(perDay / 2); // half a day without the daily pattern
  const points: AnomalyPoint[] = [];
  const labels: boolean[] = [];
  for (let i = 0; i < length; i++) {
    const t = start + i * stepMs;
    const cycle = seasonal ? amplitude * Math.sin((2 * Math.PI * (t % DAY_MS)) / DAY_MS) : 0;
    const e = rng.normal();
    const after = onset >= 0 && i >= onset;
    let x = level + cycle + noise * e;
    let anomalous = false;
    if (kind === 'spikes' && spikes.has(i)) {
      x += (i % 2 === 0 ? 8 : -8) * noise;
      anomalous = true;
    } else if (kind === 'level-shift' && after) {
      x += 3 * noise;
      anomalous = true;
    } else if (kind === 'drift' && after) {
      x += (4 * noise * (i - onset)) / perDay; // +4σ per day
      anomalous = true;
    } else if (kind === 'variance-change' && after) {
      x += 2 * noise * e; // σ × 3
      anomalous = true;
    } else if (kind === 'seasonality-break' && after && i < breakEnd) {
      x -= cycle; // the daily pattern stops: the level alone, well inside the day's range
      anomalous = true;
    }
    points.push({ t, values: [x] });
    labels.push(anomalous);
  }
  return { kind, points, labels, onset };
}
