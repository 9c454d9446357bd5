/**
 * The realistic evaluation: every detector on the seeded operational-stream corpus (corpus.ts), fed row
 * by row in file order exactly as `vigil detect` feeds them (duplicates and out-of-order rows scored with
 * a time that never goes back), scored NAB-style (nab.ts) at one threshold swept over the whole corpus
 * (sweep.ts) and at the detector's own default threshold. The rolling Gaussian z-score is the baseline.
 */
import type { StreamingDetector } from '../../domain/anomaly/detector';
import { ALARM_SCORE } from '../../domain/anomaly/calibration';
import { createForestMember, createStatDetector, defaultEnsemble } from '../../domain/anomaly/ensemble';
import { EVIDENCE_THRESHOLD } from '../../domain/anomaly/evidence';
import { createGaussianWindowDetector } from '../../domain/anomaly/gaussian-window';
import { TimeOrder } from '../../domain/anomaly/time-order';
import { calibrated, createVigilEnsemble, SPECIALISTS } from '../../domain/anomaly/vigil-ensemble';
import { generateCorpus, type CorpusStream } from './corpus';
import { windowsFor } from './nab';
import { evaluateAt, sweep, type AtThreshold, type ScoredStream } from './sweep';

/** A detector under evaluation: how to build one for a stream, and the threshold it alarms at by default. */
export interface Contender {
  name: string;
  make: (seed: number) => StreamingDetector;
  threshold: number;
  note: string;
}

/** The contenders, baseline first. */
export function contenders(): Contender[] {
  const specialists = Object.entries(SPECIALISTS).map(([name, make]) => ({
    name: `${name} (calibrated)`,
    make: () => calibrated(make(0)),
    threshold: EVIDENCE_THRESHOLD,
    note: `the ${name} specialist alone, through the likelihood calibration and repeat suppression`,
  }));
  return [
    { name: 'zscore', make: () => createGaussianWindowDetector(), threshold: ALARM_SCORE, note: 'baseline: z of each point against the mean and sd of the last 6,400 points' },
    { name: 'stat (before)', make: () => createStatDetector(1), threshold: ALARM_SCORE, note: 'the previous `--detector stat`: four statistical detectors as one Bonferroni vote' },
    { name: 'iforest (before)', make: (seed) => createForestMember(seed), threshold: ALARM_SCORE, note: 'the previous `--detector iforest`: isolation forest on values and changes' },
    { name: 'ensemble (before)', make: (seed) => defaultEnsemble(seed), threshold: ALARM_SCORE, note: 'the previous default ensemble without LSTM: stat and iforest must agree' },
    ...specialists,
    { name: 'stat', make: () => calibrated(createStatDetector(1)), threshold: EVIDENCE_THRESHOLD, note: '`--detector stat` now: the vote, calibrated, repeats suppressed' },
    { name: 'iforest', make: (seed) => calibrated(createForestMember(seed)), threshold: EVIDENCE_THRESHOLD, note: '`--detector iforest` now: the forest, calibrated, repeats suppressed' },
    { name: 'ensemble', make: () => createVigilEnsemble(1), threshold: EVIDENCE_THRESHOLD, note: '`--detector ensemble` (default) now: five specialists, evidence rule (evidence.ts)' },
  ];
}

/** Scores of one detector on one stream, in file order, and the time spent. */
export function scoreStreamRows(d: StreamingDetector, s: CorpusStream): { scores: Float64Array; ms: number } {
  const order = new TimeOrder();
  const scores = new Float64Array(s.values.length);
  const started = performance.now();
  for (let i = 0; i < s.values.length; i++) scores[i] = d.update({ t: order.next(s.t[i]!).t, values: [s.values[i]!] });
  return { scores, ms: performance.now() - started };
}

/** One detector's results on the corpus. */
export interface ContenderResult {
  name: string;
  note: string;
  best: AtThreshold;
  atDefault: AtThreshold;
  pointsPerSecond: number;
}

/** Runs one contender over the corpus. */
export function evaluateContender(c: Contender, corpus: readonly CorpusStream[], seed: number): ContenderResult {
  let ms = 0;
  let points = 0;
  const scored: ScoredStream[] = corpus.map((s) => {
    const r = scoreStreamRows(c.make(seed), s);
    ms += r.ms;
    points += s.values.length;
    return { family: s.family, scores: r.scores, windows: windowsFor(s.values.length, s.labels) };
  });
  return { name: c.name, note: c.note, best: sweep(scored), atDefault: evaluateAt(scored, c.threshold), pointsPerSecond: (1000 * points) / Math.max(ms, 1e-9) };
}

/** The corpus the evaluation uses for a seed (quick: fewer streams per family). */
export function evaluationCorpus(seed: number, quick: boolean): CorpusStream[] {
  return generateCorpus({ seed, perFamily: quick ? 3 : 7 });
}
