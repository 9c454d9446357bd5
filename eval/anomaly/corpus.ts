/**
 * A seeded, labelled corpus of streams shaped like real operational data — the hard cases real
 * streams showed: bursty heavy-tailed counts, non-stationary cloud metrics, latencies that degrade
 * slowly, traffic sensors with weekly cycles, holidays and stuck readings, artificial level shifts,
 * flat-lines and variance changes, regime changes after which the new normal must be learned, and
 * exports with gaps, duplicate and out-of-order timestamps. Each anomaly is labelled at its onset (the
 * NAB convention: the scorer builds a window around it). Same seed → same corpus. Generated here, never
 * read from any public corpus, so a hold-out stays a hold-out.
 */
import { createRng, deriveSeed, type Rng } from '../../domain/anomaly/rng';

/** The shapes of anomaly the corpus labels. */
export const CORPUS_KINDS = ['spike', 'surge', 'level_shift', 'variance', 'flatline', 'drift', 'holiday', 'regime_change'] as const;
/** One of CORPUS_KINDS. */
export type CorpusKind = (typeof CORPUS_KINDS)[number];

/** The kinds of stream, each with its own noise and normal behaviour. */
export const FAMILIES = ['social', 'cloud', 'latency', 'traffic', 'artificial', 'regime'] as const;
/** One of FAMILIES. */
export type Family = (typeof FAMILIES)[number];

/** A labelled anomaly: the row index (in file order) where it starts. */
export interface Label {
  at: number;
  kind: CorpusKind;
}

/** One stream as a file would hold it: rows in file order (timestamps may repeat or go back). */
export interface CorpusStream {
  name: string;
  family: Family;
  t: number[];
  values: number[];
  labels: Label[];
}

const STEP = 300_000; // five minutes
const DAY = 288; // points per day
const T0 = Date.UTC(2025, 0, 6); // a Monday

const uniform = (rng: Rng, lo: number, hi: number) => lo + (hi - lo) * rng.next();
const between = (rng: Rng, lo: number, hi: number) => lo + rng.int(hi - lo + 1);
const sign = (rng: Rng) => (rng.next() < 0.5 ? -1 : 1);

/** Gamma(shape, 1) by Marsaglia & Tsang; shape < 1 by the boost Gamma(a+1)·U^(1/a). */
function gamma(rng: Rng, shape: number): number {
  if (shape < 1) return gamma(rng, shape + 1) * Math.pow(1 - rng.next(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = rng.normal();
    const v = (1 + c * x) ** 3;
    if (v <= 0) continue;
    const u = 1 - rng.next();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** Poisson(λ): Knuth's product method for small λ, a rounded normal for large. */
function poisson(rng: Rng, lambda: number): number {
  if (lambda > 60) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * rng.normal()));
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = 1 - rng.next();
  while (p > limit) {
    k++;
    p *= 1 - rng.next();
  }
  return k;
}

/** Student-t with 3 degrees of freedom: the heavy tails of cloud metrics. */
function t3(rng: Rng): number {
  let chi2 = 0;
  for (let i = 0; i < 3; i++) chi2 += rng.normal() ** 2;
  return rng.normal() / Math.sqrt(chi2 / 3);
}

const diurnal = (i: number, phase = 0) => Math.sin((2 * Math.PI * (i + phase)) / DAY) + 0.3 * Math.sin((4 * Math.PI * (i + phase)) / DAY);
const weekend = (i: number) => Math.floor(i / DAY) % 7 >= 5;

/** Onsets for `n` anomalies spread over the scored part of a stream of `length` (after 25 %), at least `gap` apart. */
function onsets(rng: Rng, length: number, n: number, gap: number, tail = 0.05): number[] {
  const lo = Math.floor(length * 0.25);
  const hi = Math.floor(length * (1 - tail));
  const span = Math.floor((hi - lo) / Math.max(1, n));
  return Array.from({ length: n }, (_, k) => lo + k * span + between(rng, Math.floor(gap / 4), Math.max(Math.floor(gap / 4), span - gap)));
}

type Gen = (rng: Rng, length: number, anomalies: number) => { values: number[]; labels: Label[] };

// Social-media volumes: overdispersed counts on a daily cycle, with frequent benign bursts that decay
// within minutes; anomalies are sustained surges and lasting level shifts.
const social: Gen = (rng, length, anomalies) => {
  const base = uniform(rng, 5, 80);
  const labels: Label[] = onsets(rng, length, anomalies, 150).map((at) => ({ at, kind: rng.next() < 0.6 ? 'surge' : 'level_shift' }));
  const factor = new Array<number>(length).fill(1);
  for (const l of labels) {
    if (l.kind === 'surge') {
      const len = between(rng, 20, 80);
      const size = uniform(rng, 3, 6);
      for (let i = l.at; i < Math.min(length, l.at + len); i++) factor[i] = 1 + (size - 1) * Math.exp(-(i - l.at) / len);
    } else {
      const size = rng.next() < 0.7 ? uniform(rng, 2.5, 4) : uniform(rng, 0.15, 0.35);
      for (let i = l.at; i < length; i++) factor[i]! *= size;
    }
  }
  let burst = 0;
  let drift = 0;
  const values = factor.map((f, i) => {
    if (rng.next() < 0.012) burst += Math.exp(uniform(rng, 0.3, 2.2)); // benign: gone in a few points
    burst *= 0.55;
    // Interest wanders: a slow mean-reverting walk of the log level, never labelled.
    drift = 0.998 * drift + 0.02 * rng.normal();
    const lambda = (base * Math.exp(drift) * (1 + 0.5 * diurnal(i)) * f * (1 + burst) * gamma(rng, 4)) / 4;
    return poisson(rng, lambda);
  });
  return { values, labels };
};

// Cloud metrics (CPU %): a mean-reverting wandering level, heavy-tailed noise with benign blips.
const cloud: Gen = (rng, length, anomalies) => {
  const level0 = uniform(rng, 20, 60);
  const sd = uniform(rng, 1, 4);
  const kinds: CorpusKind[] = ['level_shift', 'spike', 'variance'];
  const labels: Label[] = onsets(rng, length, anomalies, 200).map((at) => ({ at, kind: kinds[rng.int(3)]! }));
  const offset = new Array<number>(length).fill(0);
  const scale = new Array<number>(length).fill(1);
  for (const l of labels) {
    if (l.kind === 'level_shift') {
      const size = (sign(rng) > 0 || level0 < 30 ? 1 : -1) * sd * uniform(rng, 5, 8);
      for (let i = l.at; i < length; i++) offset[i]! += size;
    } else if (l.kind === 'spike') for (let i = l.at; i < Math.min(length, l.at + between(rng, 1, 4)); i++) offset[i]! += sd * uniform(rng, 10, 16);
    else for (let i = l.at; i < Math.min(length, l.at + between(rng, 100, 250)); i++) scale[i] = uniform(rng, 3.5, 5);
  }
  let wander = 0;
  const values = offset.map((o, i) => {
    wander = 0.995 * wander + 0.35 * sd * rng.normal();
    // Benign blips (a cron job, a GC pause): unlabelled, as in real metrics.
    const blip = rng.next() < 0.003 ? sd * uniform(rng, 4, 9) : 0;
    return Math.min(100, Math.max(0, level0 + wander + o + blip + sd * scale[i]! * 0.6 * t3(rng)));
  });
  return { values, labels };
};

// Request latencies (ms): log-normal around a base with a mild daily cycle; anomalies are slow
// degradations (a leak, a growing queue) and short spikes.
const latency: Gen = (rng, length, anomalies) => {
  const base = uniform(rng, 80, 400);
  const cv = uniform(rng, 0.08, 0.2);
  const labels: Label[] = onsets(rng, length, anomalies, 300).map((at) => ({ at, kind: rng.next() < 0.6 ? 'drift' : 'spike' }));
  const mult = new Array<number>(length).fill(1);
  for (const l of labels) {
    if (l.kind === 'drift') {
      const ramp = between(rng, 150, 400);
      const size = uniform(rng, 0.6, 1.2);
      const end = Math.min(length, l.at + ramp + between(rng, 50, 200));
      for (let i = l.at; i < end; i++) mult[i]! *= 1 + size * Math.min(1, (i - l.at) / ramp);
    } else for (let i = l.at; i < Math.min(length, l.at + between(rng, 1, 3)); i++) mult[i]! *= uniform(rng, 2.5, 4);
  }
  const values = mult.map((m, i) => base * m * (1 + 0.15 * diurnal(i, 60)) * Math.exp(cv * rng.normal()));
  return { values, labels };
};

// Traffic sensors: a strong daily cycle with a quieter weekend; anomalies are holidays (a weekday
// that looks like a Sunday) and stuck sensors repeating one reading.
const traffic: Gen = (rng, length, anomalies) => {
  const level = uniform(rng, 200, 800);
  const sd = level * uniform(rng, 0.03, 0.07);
  const days = Math.floor(length / DAY);
  const weekdays = Array.from({ length: days }, (_, d) => d).filter((d) => d % 7 < 5 && d * DAY > length * 0.3 && (d + 1) * DAY < length * 0.95);
  const labels: Label[] = [];
  const holiday = new Array<boolean>(length).fill(false);
  const stuck = new Array<number | null>(length).fill(null);
  for (let k = 0; k < anomalies; k++) {
    if (k % 2 === 0 && weekdays.length > 0) {
      const day = weekdays.splice(rng.int(weekdays.length), 1)[0]!;
      for (let i = day * DAY; i < (day + 1) * DAY; i++) holiday[i] = true;
      // The label sits where the day departs from a normal weekday: its morning rise.
      labels.push({ at: day * DAY + 60, kind: 'holiday' });
    } else {
      const at = between(rng, Math.floor(length * 0.3), Math.floor(length * 0.9));
      if (labels.some((l) => Math.abs(l.at - at) < 2 * DAY)) continue;
      for (let i = at; i < Math.min(length, at + between(rng, 40, 150)); i++) stuck[i] = -1;
      labels.push({ at, kind: 'flatline' });
    }
  }
  let last = level;
  const values = holiday.map((h, i) => {
    const quiet = h || weekend(i);
    const v = level * (quiet ? 0.55 : 1) * (1 + (quiet ? 0.35 : 0.6) * diurnal(i, 30)) + sd * rng.normal();
    if (stuck[i] === null) last = v;
    return Math.round(stuck[i] === null ? v : last);
  });
  return { values, labels: labels.sort((a, b) => a.at - b.at) };
};

// Artificial series in the style of synthetic benchmark files: a clean cycle or flat level with
// small noise, and one clear shape each — jumps, a flat middle, a noise burst, a slow climb.
const artificial: Gen = (rng, length, anomalies) => {
  const level = uniform(rng, 20, 100);
  const amp = rng.next() < 0.5 ? level * uniform(rng, 0.2, 0.5) : 0;
  const sd = level * uniform(rng, 0.01, 0.04);
  const period = [DAY, DAY / 2, 144][rng.int(3)]!;
  const kinds: CorpusKind[] = ['level_shift', 'flatline', 'variance', 'drift'];
  const labels: Label[] = onsets(rng, length, anomalies, 250).map((at) => ({ at, kind: kinds[rng.int(4)]! }));
  const offset = new Array<number>(length).fill(0);
  const scale = new Array<number>(length).fill(1);
  const flat = new Array<boolean>(length).fill(false);
  for (const l of labels) {
    const len = between(rng, 80, 200);
    if (l.kind === 'level_shift') {
      const size = sign(rng) * (amp > 0 ? amp * uniform(rng, 0.6, 1) : sd * uniform(rng, 8, 15));
      for (let i = l.at; i < length; i++) offset[i]! += size;
    } else if (l.kind === 'flatline') for (let i = l.at; i < Math.min(length, l.at + len); i++) flat[i] = true;
    else if (l.kind === 'variance') for (let i = l.at; i < Math.min(length, l.at + len); i++) scale[i] = uniform(rng, 4, 6);
    else for (let i = l.at; i < length; i++) offset[i]! += sd * 12 * Math.min(1, (i - l.at) / (2 * len));
  }
  let held = 0;
  const values = offset.map((o, i) => {
    const v = level + amp * Math.sin((2 * Math.PI * i) / period) + o + sd * scale[i]! * rng.normal();
    if (!flat[i]) held = v;
    return flat[i] ? held : v;
  });
  return { values, labels };
};

// A regime change (new level and noise, say after a deploy or a migration) that must become the new
// normal, followed by a smaller anomaly a detector only sees if it has learned that new normal.
const regime: Gen = (rng, length) => {
  const level = uniform(rng, 50, 300);
  const sd = level * uniform(rng, 0.02, 0.05);
  const change = between(rng, Math.floor(length * 0.3), Math.floor(length * 0.45));
  const later = between(rng, change + Math.floor(length * 0.25), Math.floor(length * 0.9));
  const newLevel = level * (rng.next() < 0.5 ? uniform(rng, 1.4, 2) : uniform(rng, 0.5, 0.7));
  const newSd = sd * uniform(rng, 1.5, 3);
  const kind: CorpusKind = rng.next() < 0.5 ? 'spike' : 'surge';
  const len = kind === 'spike' ? between(rng, 1, 3) : between(rng, 20, 60);
  let ar = 0;
  const values = Array.from({ length }, (_, i) => {
    ar = 0.5 * ar + Math.sqrt(0.75) * rng.normal();
    const after = i >= change;
    const bump = i >= later && i < later + len ? (kind === 'spike' ? 8 : 5) * newSd : 0;
    return (after ? newLevel : level) + (after ? newSd : sd) * ar + bump;
  });
  return { values, labels: [{ at: change, kind: 'regime_change' }, { at: later, kind }] };
};

const GENERATORS: Record<Family, Gen> = { social, cloud, latency, traffic, artificial, regime };

/**
 * What real exports do to timestamps: runs of missing points (collector down), a duplicated row and a
 * pair of rows swapped. Labels move with their rows.
 */
function roughen(rng: Rng, values: number[], labels: Label[]): { t: number[]; values: number[]; labels: Label[] } {
  const keep: number[] = [];
  for (let i = 0; i < values.length; i++) {
    // Gaps: a run of 3–30 points lost now and then (never the labelled point itself).
    if (rng.next() < 0.004 && !labels.some((l) => l.at >= i && l.at < i + 30)) {
      i += between(rng, 3, 30);
      continue;
    }
    keep.push(i);
  }
  const rows = keep.map((i) => ({ t: T0 + i * STEP, v: values[i]!, label: labels.find((l) => l.at === i)?.kind }));
  for (let k = 0; k < 3; k++) {
    const i = between(rng, 10, rows.length - 3);
    if (k === 0) rows.splice(i, 0, { ...rows[i]!, label: undefined }); // a duplicated row
    else [rows[i], rows[i + 1]] = [rows[i + 1]!, rows[i]!]; // out of order
  }
  return {
    t: rows.map((r) => r.t),
    values: rows.map((r) => r.v),
    labels: rows.flatMap((r, i) => (r.label ? [{ at: i, kind: r.label }] : [])),
  };
}

/** The corpus: `perFamily` streams per family (one of each family clean), lengths 2,000–4,000 points (social 4,000–8,000). */
export function generateCorpus(opts: { seed: number; perFamily: number }): CorpusStream[] {
  const out: CorpusStream[] = [];
  let k = 0;
  for (const family of FAMILIES) {
    for (let j = 0; j < opts.perFamily; j++) {
      const rng = createRng(deriveSeed(opts.seed, ++k));
      // Social volumes come as long exports (weeks of 5-minute points), the rest as 1–2 weeks.
      const length = family === 'social' ? between(rng, 4000, 8000) : between(rng, 2000, 4000);
      // The last stream of a family is clean (except regime, whose change is its point).
      const anomalies = j === opts.perFamily - 1 && family !== 'regime' ? 0 : between(rng, 1, 3);
      const { values, labels } = GENERATORS[family](rng, length, anomalies);
      const rough = j % 3 === 1;
      const s = rough ? roughen(rng, values, labels) : { t: values.map((_, i) => T0 + i * STEP), values, labels };
      out.push({ name: `${family}-${j + 1}${rough ? '-rough' : ''}`, family, ...s });
    }
  }
  return out;
}
