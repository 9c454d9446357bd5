/**
 * The realistic evaluation: every detector on the seeded operational-stream corpus (corpus.ts), fed row
 * by row in file order exactly as `vigil detect` feeds them (duplicates and out-of-order rows scored with
 * a time that never goes back), scored NAB-style (nab.ts) at one threshold swept over the whole corpus
 * (sweep.ts) and at the detector's own default threshold. The rolling Gaussian z-score is the baseline.
 */
import type { StreamingDetector } from '../../domain/anomaly/detector';
import { ALARM_SCORE } from '../../domain/anomaly/calibration';
import { createEnsembleDetector, createForestMember, createStatDetector, DEFAULT_RULE, defaultEnsemble } from '../../domain/anomaly/ensemble';
import { createEvidenceEnsemble, EVIDENCE_THRESHOLD } from '../../domain/anomaly/evidence';
import { deriveSeed } from '../../domain/anomaly/rng';
import { createGaussianWindowDetector } from '../../domain/anomaly/gaussian-window';
import { TimeOrder } from '../../domain/anomaly/time-order';
import { calibrated, createStatEnsemble, createVigilEnsemble, SPECIALISTS } from '../../domain/anomaly/vigil-ensemble';
import { generateCorpus, type CorpusStream } from './corpus';
import { windowsFor } from './nab';
import { evaluateAt, sweep, type AtThreshold, type ScoredStream } from './sweep';

/** A detector under evaluation: how to build one for a stream, and the threshold it alarms at by default. */
export interface Contender {
  name: string;
  /** Builds the detector; `replayed` holds the named contenders' recorded scores as stand-in detectors. */
  make: (seed: number, replayed: Record<string, StreamingDetector>) => StreamingDetector;
  threshold: number;
  note: string;
  /**
   * Contenders whose scores this one is a function of (a wrapper or a vote over them): their recorded
   * scores are replayed instead of running them again, which keeps the evaluation within its time.
   * `npm run eval:anomaly` checks on one stream that replaying gives the very same scores.
   */
  replays?: string[];
}

/**
 * A detector that replays recorded scores: wrappers and ensembles only read their members' scores, so
 * they need not rerun them. Composites stay composites (the previous ensemble does not recalibrate them).
 */
export function replay(source: StreamingDetector, scores: ArrayLike<number>): StreamingDetector {
  let i = 0;
  const base = { name: source.name, update: () => scores[i++]!, toJSON: () => ({ kind: 'replay', name: source.name, at: i }) };
  if (!('members' in source)) return base;
  return { ...base, members: [], lastScores: () => [] } as StreamingDetector;
}

/** The contenders, baseline first; groups that replay others are in one list so they run in one process. */
export function contenderGroups(): Contender[][] {
  const specialists = Object.entries(SPECIALISTS).map(([name, make]) => ({
    name: `${name} (calibrated)`,
    make: () => calibrated(make(0)),
    threshold: EVIDENCE_THRESHOLD,
    note: `the ${name} specialist alone, through the likelihood calibration and repeat suppression`,
  }));
  return [
    [
      { name: 'stat (before)', make: () => createStatDetector(1), threshold: ALARM_SCORE, note: 'the previous `--detector stat`: four statistical detectors as one Bonferroni vote' },
      { name: 'iforest (before)', make: (seed) => createForestMember(seed), threshold: ALARM_SCORE, note: 'the previous `--detector iforest`: isolation forest on values and changes' },
      {
        name: 'ensemble (before)',
        make: (_, r) => createEnsembleDetector({ members: [r['stat (before)']!, r['iforest (before)']!], ...DEFAULT_RULE }),
        replays: ['stat (before)', 'iforest (before)'],
        threshold: ALARM_SCORE,
        note: 'the previous default ensemble without LSTM: stat and iforest must agree',
      },
      { name: 'iforest', make: (_, r) => calibrated(r['iforest (before)']!), replays: ['iforest (before)'], threshold: EVIDENCE_THRESHOLD, note: '`--detector iforest` now: the forest, calibrated, repeats suppressed' },
    ],
    [
      { name: 'zscore', make: () => createGaussianWindowDetector(), threshold: ALARM_SCORE, note: 'baseline: z of each point against the mean and sd of the last 6,400 points' },
      ...specialists,
      { name: 'stat', make: () => createStatEnsemble(1), threshold: EVIDENCE_THRESHOLD, note: '`--detector stat` now: robust z, EWMA, CUSUM and seasonal, each calibrated, combined by the evidence rule' },
      { name: 'ensemble', make: () => createVigilEnsemble(1), threshold: EVIDENCE_THRESHOLD, note: '`--detector ensemble` (default) now: six specialists, evidence rule (evidence.ts)' },
    ],
  ];
}

/**
 * The LSTM question, answered on a subset (it costs milliseconds a point): the LSTM alone, the default
 * ensemble, and the default ensemble with the LSTM as a sixth member (its scores replayed, not rerun).
 */
export function lstmGroup(create: (o: { seed: number }) => StreamingDetector): Contender[] {
  const members = () => Object.values(SPECIALISTS).map((make) => make(0));
  return [
    { name: 'lstm', make: (seed) => create({ seed: deriveSeed(seed, 2) }), threshold: ALARM_SCORE, note: 'the LSTM forecaster alone, uncalibrated' },
    { name: 'lstm (calibrated)', make: (_, r) => calibrated(r.lstm!), replays: ['lstm'], threshold: EVIDENCE_THRESHOLD, note: '`--detector lstm`: the LSTM, calibrated, repeats suppressed' },
    { name: 'ensemble', make: () => createVigilEnsemble(1), threshold: EVIDENCE_THRESHOLD, note: 'the default ensemble (no LSTM)' },
    {
      name: 'ensemble + lstm',
      make: (_, r) => createEvidenceEnsemble({ name: 'ensemble', members: [...members(), r.lstm!] }),
      replays: ['lstm'],
      threshold: EVIDENCE_THRESHOLD,
      note: 'the default ensemble with the LSTM as a sixth member',
    },
  ];
}

/** The subset the LSTM comparison runs on: the first stream of each family. */
export function lstmCorpus(seed: number): CorpusStream[] {
  const corpus = evaluationCorpus(seed, false);
  return corpus.filter((s, i) => corpus.findIndex((o) => o.family === s.family) === i);
}

/** Every contender, in table order. */
export function contenders(): Contender[] {
  const order = ['zscore', 'stat (before)', 'iforest (before)', 'ensemble (before)'];
  const all = contenderGroups().flat();
  return [...order.map((n) => all.find((c) => c.name === n)!), ...all.filter((c) => !order.includes(c.name))];
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
  /** Points per second of its own scoring (for a replaying contender: including its sources' time). */
  pointsPerSecond: number;
}

/** Every contender of a group on one stream (replaying contenders after their sources), with the time each took. */
function groupScores(group: readonly Contender[], s: CorpusStream, seed: number): Record<string, { scores: Float64Array; ms: number }> {
  const out: Record<string, { scores: Float64Array; ms: number }> = {};
  for (const c of group) {
    const sources = c.replays ?? [];
    const replayed = Object.fromEntries(sources.map((n) => [n, replay(group.find((g) => g.name === n)!.make(seed, {}), out[n]!.scores)]));
    const r = scoreStreamRows(c.make(seed, replayed), s);
    // A replaying contender would have had to compute its sources: their time is its time too.
    out[c.name] = { scores: r.scores, ms: r.ms + sources.reduce((sum, n) => sum + out[n]!.ms, 0) };
  }
  return out;
}

/** Runs a group of contenders over the corpus. */
export function evaluateGroup(group: readonly Contender[], corpus: readonly CorpusStream[], seed: number): ContenderResult[] {
  const ms = new Map<string, number>();
  const scored = new Map<string, ScoredStream[]>();
  for (const s of corpus) {
    const r = groupScores(group, s, seed);
    const windows = windowsFor(s.values.length, s.labels);
    for (const c of group) {
      ms.set(c.name, (ms.get(c.name) ?? 0) + r[c.name]!.ms);
      scored.set(c.name, [...(scored.get(c.name) ?? []), { family: s.family, scores: r[c.name]!.scores, windows }]);
    }
  }
  const points = corpus.reduce((sum, s) => sum + s.values.length, 0);
  return group.map((c) => ({
    name: c.name,
    note: c.note,
    best: sweep(scored.get(c.name)!),
    atDefault: evaluateAt(scored.get(c.name)!, c.threshold),
    pointsPerSecond: (1000 * points) / Math.max(ms.get(c.name)!, 1e-9),
  }));
}

/** Runs one contender that replays nobody over the corpus. */
export function evaluateContender(c: Contender, corpus: readonly CorpusStream[], seed: number): ContenderResult {
  return evaluateGroup([c], corpus, seed)[0]!;
}

/** Throws unless replaying recorded scores gives exactly what the real composite gives (checked on one stream). */
export function checkReplay(corpus: readonly CorpusStream[], seed: number): void {
  const s = corpus[0]!;
  const real = scoreStreamRows(defaultEnsemble(seed), s).scores;
  const replayed = groupScores(contenderGroups()[0]!, s, seed)['ensemble (before)']!.scores;
  real.forEach((x, i) => {
    if (x !== replayed[i]) throw new Error(`replayed ensemble differs from defaultEnsemble at point ${i}: ${replayed[i]} vs ${x}`);
  });
}

/** The corpus the evaluation uses for a seed (quick: fewer streams per family). */
export function evaluationCorpus(seed: number, quick: boolean): CorpusStream[] {
  return generateCorpus({ seed, perFamily: quick ? 3 : 7 });
}
