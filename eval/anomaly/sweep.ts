/**
 * One threshold for a whole corpus: every candidate cut-off is scored over all streams at once (NAB
 * scoring, nab.ts) and the best is kept — a detector is judged by its best single setting, never by a
 * threshold per stream. Also the numbers at one given threshold: score, false alarms, detection by kind.
 */
import { normalise, probationLength, scoreStream, type ScoringWindow } from './nab';

/** One stream's scores with its windows. */
export interface ScoredStream {
  family: string;
  scores: Float64Array;
  windows: ScoringWindow[];
}

/** The outcome at one threshold. */
export interface AtThreshold {
  threshold: number;
  score: number;
  falseAlarms: number;
  fpPer1000: number;
  /** False alarms per week of 5-minute points (2,016) on the streams without any anomaly: the page rate of clean traffic. */
  cleanPerWeek: number;
  detected: number;
  windows: number;
  /** Per anomaly kind: windows detected, windows, mean credit of the detected ones. */
  byKind: Record<string, { detected: number; windows: number; credit: number }>;
  /** Per stream family: normalised score. */
  byFamily: Record<string, number>;
}

/** The indices whose score reaches `threshold`. */
function alarmsOf(scores: Float64Array, threshold: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < scores.length; i++) if (scores[i]! >= threshold) out.push(i);
  return out;
}

/** Everything measured at one threshold. */
export function evaluateAt(streams: readonly ScoredStream[], threshold: number): AtThreshold {
  let raw = 0;
  let falseAlarms = 0;
  let windows = 0;
  let detected = 0;
  let points = 0;
  let cleanAlarms = 0;
  let cleanPoints = 0;
  const byKind: AtThreshold['byKind'] = {};
  const family = new Map<string, { raw: number; windows: number }>();
  for (const s of streams) {
    const r = scoreStream(alarmsOf(s.scores, threshold), s.windows, s.scores.length);
    raw += r.raw;
    falseAlarms += r.falseAlarms;
    windows += s.windows.length;
    points += s.scores.length;
    if (s.windows.length === 0) {
      cleanAlarms += r.falseAlarms;
      cleanPoints += s.scores.length - probationLength(s.scores.length);
    }
    const f = family.get(s.family) ?? { raw: 0, windows: 0 };
    family.set(s.family, { raw: f.raw + r.raw, windows: f.windows + s.windows.length });
    s.windows.forEach((w, i) => {
      const k = (byKind[w.kind] ??= { detected: 0, windows: 0, credit: 0 });
      k.windows++;
      const c = r.credits[i];
      if (c !== null && c !== undefined) {
        k.detected++;
        k.credit += c;
        detected++;
      }
    });
  }
  for (const k of Object.values(byKind)) k.credit = k.detected > 0 ? k.credit / k.detected : 0;
  const byFamily = Object.fromEntries([...family].map(([name, f]) => [name, normalise(f.raw, f.windows)]));
  const cleanPerWeek = cleanPoints === 0 ? 0 : (2016 * cleanAlarms) / cleanPoints;
  return { threshold, score: normalise(raw, windows), falseAlarms, fpPer1000: (1000 * falseAlarms) / points, cleanPerWeek, detected, windows, byKind, byFamily };
}

/** Candidate cut-offs: the distinct values among the top `share` of all scores, thinned to at most `max`. */
function candidates(streams: readonly ScoredStream[], share = 0.05, max = 300): number[] {
  const all: number[] = [];
  for (const s of streams) for (const v of s.scores) all.push(v);
  all.sort((a, b) => b - a);
  const top = all.slice(0, Math.max(1, Math.floor(all.length * share)));
  const distinct = [...new Set(top)].filter((v) => v > 0);
  const step = Math.max(1, Math.floor(distinct.length / max));
  const out = distinct.filter((_, i) => i % step === 0);
  return out.length > 0 ? out : [1];
}

/** The best single threshold over the corpus (highest normalised score; ties → the higher threshold). */
export function sweep(streams: readonly ScoredStream[]): AtThreshold {
  let best: AtThreshold | undefined;
  for (const t of candidates(streams)) {
    const r = evaluateAt(streams, t);
    if (!best || r.score > best.score) best = r;
  }
  return best!;
}
