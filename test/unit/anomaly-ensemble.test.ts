import { describe, expect, it } from 'vitest';
import { ALARM_SCORE, gaussianScore } from '../../domain/anomaly/calibration';
import {
  anomalyReport,
  classifyAnomaly,
  classOfFeature,
  createFeatureDeviation,
  RECOMMENDED_ACTIONS,
  type AnomalyClass,
} from '../../domain/anomaly/classify';
import type { StreamingDetector } from '../../domain/anomaly/detector';
import {
  agreeingMembers,
  createEnsembleDetector,
  createMaxDetector,
  createScaleCalibrator,
  defaultEnsemble,
  scoreToZ,
  withChanges,
} from '../../domain/anomaly/ensemble';
import { createRng } from '../../domain/anomaly/rng';

/** A hand-written member that says what it is told: one score per update, the last one repeated. */
function scripted(name: string, scores: number[]): StreamingDetector {
  let i = 0;
  return { name, update: () => scores[Math.min(i++, scores.length - 1)]!, toJSON: () => ({ name, i }) };
}

const point = (t: number) => ({ t, values: [0] });
const LOUD = 1;
const QUIET = 0.2;
/** Just past the common cut-off, as a member at its own alarm rule scores. */
const AT_ALARM = gaussianScore(3.01);

describe('vote rule', () => {
  const cases: Array<{ name: string; scores: number[]; alarm: boolean }> = [
    // One certain detector and two quiet ones: one loud voice is not a consensus.
    { name: 'one loud member alone', scores: [LOUD, QUIET, QUIET], alarm: false },
    // Two members at their own alarm rule agree: alarm.
    { name: 'two members at their alarm rule', scores: [AT_ALARM, AT_ALARM, QUIET], alarm: true },
    // Two loud, one quiet: alarm.
    { name: 'two loud members', scores: [LOUD, LOUD, QUIET], alarm: true },
    // Everyone just below the cut-off: suspicious everywhere, alarming nowhere.
    { name: 'all just below their alarm rule', scores: [0.997, 0.997, 0.997], alarm: false },
  ];
  it.each(cases)('$name → alarm $alarm', ({ scores, alarm }) => {
    const e = createEnsembleDetector({ members: scores.map((s, i) => scripted(`m${i}`, [s])), rule: 'vote', calibrationWindow: 0 });
    const score = e.update(point(0));
    expect(score).toBeGreaterThanOrEqual(0);
    expect(score).toBeLessThanOrEqual(1);
    expect(score >= e.threshold).toBe(alarm);
  });

  it('keeps a graded score: the weakest needed voter decides how high', () => {
    const e = (second: number) => createEnsembleDetector({ members: [scripted('a', [LOUD]), scripted('b', [second]), scripted('c', [0])], rule: 'vote', calibrationWindow: 0 }).update(point(0));
    expect(e(0.5)).toBeLessThan(e(0.9));
    expect(e(0.9)).toBeLessThan(e(0.999));
  });

  it('maps memberThreshold onto threshold when they differ', () => {
    const e = createEnsembleDetector({ members: [scripted('a', [0.9]), scripted('b', [0.9])], rule: 'vote', memberThreshold: 0.9, threshold: 0.99, calibrationWindow: 0 });
    expect(e.update(point(0))).toBe(0.99);
  });

  it('reports per-member scores and which members agreed', () => {
    const e = createEnsembleDetector({ members: [scripted('stat', [LOUD]), scripted('iforest', [LOUD]), scripted('lstm', [QUIET])], rule: 'vote', calibrationWindow: 0 });
    expect(e.lastScores()).toEqual([]);
    e.update(point(0));
    expect(e.lastScores()).toEqual([
      { detector: 'stat', score: LOUD },
      { detector: 'iforest', score: LOUD },
      { detector: 'lstm', score: QUIET },
    ]);
    expect(agreeingMembers(e)).toEqual(['stat', 'iforest']);
  });

  it('rejects options that cannot work', () => {
    expect(() => createEnsembleDetector({ members: [], rule: 'vote' })).toThrow(/at least one member/);
    expect(() => createEnsembleDetector({ members: [scripted('a', [0])], rule: 'weighted', weights: [1, 2] })).toThrow(/weights/);
    expect(() => createEnsembleDetector({ members: [scripted('a', [0])], rule: 'vote', threshold: 1 })).toThrow(/threshold/);
  });
});

describe('weighted rule', () => {
  const z = (x: number) => gaussianScore(x);
  const cases: Array<{ name: string; scores: number[]; weights?: number[]; alarm: boolean }> = [
    // One certain member, two silent: the mean z is 8.2 / 3 ≈ 2.7 < 3.
    { name: 'one certain member alone', scores: [LOUD, 0, 0], alarm: false },
    // Two members at z = 4.5 and one silent: mean z = 3.
    { name: 'two strong members', scores: [z(4.55), z(4.55), 0], alarm: true },
    // Three members at z = 3: the mean is z = 3.
    { name: 'all three at their alarm rule', scores: [AT_ALARM, AT_ALARM, AT_ALARM], alarm: true },
    // The weight moves the decision: a heavily weighted certain member outweighs two silent ones.
    { name: 'a heavy weight on the certain member', scores: [LOUD, 0, 0], weights: [4, 1, 1], alarm: true },
  ];
  it.each(cases)('$name → alarm $alarm', ({ scores, weights, alarm }) => {
    const e = createEnsembleDetector({ members: scores.map((s, i) => scripted(`m${i}`, [s])), rule: 'weighted', weights, calibrationWindow: 0 });
    expect(e.update(point(0)) >= e.threshold).toBe(alarm);
  });
});

describe('calibration', () => {
  it('inverts the common scale', () => {
    for (const x of [0.1, 1, 2.5, 3, 5]) expect(scoreToZ(gaussianScore(x))).toBeCloseTo(x, 6);
    // Near 1 a double has few digits left for the tail: three decimals of z survive at 7.5.
    expect(scoreToZ(gaussianScore(7.5))).toBeCloseTo(7.5, 3);
    expect(scoreToZ(0)).toBe(0);
    expect(scoreToZ(1)).toBeGreaterThan(8);
  });

  it('stays silent until it has seen enough of a member, then trusts a calibrated member', () => {
    const rng = createRng(7);
    const c = createScaleCalibrator(2016);
    expect(c.calibrate(LOUD)).toBe(0);
    // A member whose z really is |N(0, 1)|: its recent q99 sits at the nominal 2.576, so nothing changes.
    for (let i = 0; i < 2000; i++) c.learn(gaussianScore(rng.normal()));
    expect(c.inflation()).toBeLessThan(1.15);
    expect(c.calibrate(AT_ALARM)).toBeGreaterThan(0.99);
  });

  it('scales down a member that claims rare events too often', () => {
    const rng = createRng(8);
    const c = createScaleCalibrator(2016);
    // Over-confident by a factor of three: every z is three times what it should be.
    for (let i = 0; i < 2000; i++) c.learn(gaussianScore(3 * rng.normal()));
    expect(c.inflation()).toBeGreaterThan(2.5);
    expect(c.calibrate(AT_ALARM)).toBeLessThan(ALARM_SCORE);
    expect(c.calibrate(gaussianScore(12))).toBeLessThan(ALARM_SCORE + 1e-3);
  });

  it('ignores a member until its first non-zero score (its own warm-up)', () => {
    const c = createScaleCalibrator(2016);
    for (let i = 0; i < 500; i++) c.learn(0);
    expect(c.recent()).toHaveLength(0);
  });
});

describe('max detector (the stat vote)', () => {
  it('is Bonferroni-corrected: one of four at its alarm rule is not enough, a fourfold rarer score is', () => {
    const four = (top: number) => createMaxDetector('stat', [scripted('a', [top]), scripted('b', [0]), scripted('c', [0]), scripted('d', [0])], 0);
    expect(four(AT_ALARM).update(point(0))).toBeLessThan(ALARM_SCORE);
    expect(four(1 - (1 - ALARM_SCORE) / 4 + 1e-6).update(point(0))).toBeGreaterThanOrEqual(ALARM_SCORE);
  });

  it('names the agreeing specialists inside an ensemble', () => {
    const stat = createMaxDetector('stat', [scripted('robust-z', [LOUD]), scripted('cusum', [QUIET])], 0);
    const e = createEnsembleDetector({ members: [stat, scripted('iforest', [LOUD])], rule: 'vote', calibrationWindow: 0 });
    e.update(point(0));
    expect(agreeingMembers(e)).toEqual(['stat/robust-z', 'iforest']);
  });
});

describe('withChanges', () => {
  it('feeds the values and their change since the previous point', () => {
    const seen: number[][] = [];
    const inner: StreamingDetector = { name: 'probe', update: (p) => (seen.push(p.values), 0), toJSON: () => ({}) };
    const d = withChanges(inner);
    for (const [t, values] of [[0, [10, 1]], [1, [13, 1]], [2, [12, 5]]] as const) d.update({ t, values: [...values] });
    expect(seen).toEqual([
      [10, 1, 0, 0],
      [13, 1, 3, 0],
      [12, 5, -1, 4],
    ]);
    expect(d.name).toBe('probe');
  });
});

describe('defaultEnsemble', () => {
  it('is deterministic for a seed, on the common scale, and snapshots to plain JSON', () => {
    const rng = createRng(3);
    const values = Array.from({ length: 700 }, (_, i) => 100 + 5 * Math.sin(i / 20) + rng.normal() + (i === 650 ? 60 : 0));
    const run = () => {
      const e = defaultEnsemble(1);
      return { e, scores: values.map((v, i) => e.update({ t: i * 60_000, values: [v] })) };
    };
    const a = run();
    const b = run();
    expect(a.scores).toEqual(b.scores);
    expect(a.scores.every((s) => s >= 0 && s <= 1)).toBe(true);
    expect(a.e.lastScores().map((s) => s.detector)).toEqual(['stat', 'isolation-forest']);
    expect(JSON.parse(JSON.stringify(a.e.toJSON()))).toMatchObject({ kind: 'ensemble', rule: 'vote', minVotes: 2 });
  });
});

describe('classifyAnomaly', () => {
  const table: Array<[feature: string, cls: AnomalyClass]> = [
    ['p95_latency_ms', 'performance'],
    ['retrieval_latency_ms', 'performance'], // latency wins over "retrieval"
    ['error_rate', 'performance'],
    ['requests_per_second', 'performance'],
    ['throughput', 'performance'],
    ['auth_failures', 'security'],
    ['auth_errors', 'security'], // auth wins over "errors"
    ['http_401', 'security'],
    ['requests_per_client', 'security'], // one actor's access volume, not throughput
    ['distinct_ips', 'security'],
    ['new_api_keys', 'security'],
    ['quality_score', 'data_quality'],
    ['empty_retrievals', 'data_quality'],
    ['answer_length', 'data_quality'],
    ['groundedness', 'data_quality'],
    ['value', 'performance'], // unnamed metric: the documented fallback
  ];
  it.each(table)('%s → %s', (feature, cls) => expect(classOfFeature(feature)).toBe(cls));

  const cases: Array<{ name: string; features: string[]; deviations: number[]; want: AnomalyClass; deviating: string[] }> = [
    // Latency far out, the rest normal: performance, and only latency is named.
    { name: 'latency spike', features: ['latency_ms', 'auth_failures', 'quality_score'], deviations: [8, 0.5, -1], want: 'performance', deviating: ['latency_ms'] },
    // Auth failures and the number of distinct actors both jump: security, largest first.
    { name: 'credential stuffing', features: ['latency_ms', 'auth_failures', 'distinct_ips'], deviations: [1, 6, 9], want: 'security', deviating: ['distinct_ips', 'auth_failures'] },
    // Empty retrievals up and quality down (negative deviation counts by magnitude): data quality.
    { name: 'broken index', features: ['empty_retrievals', 'quality_score', 'latency_ms'], deviations: [5, -7, 3.5], want: 'data_quality', deviating: ['quality_score', 'empty_retrievals', 'latency_ms'] },
    // Equal evidence for security and performance: security, the costlier miss.
    { name: 'tie goes to security', features: ['latency_ms', 'auth_failures'], deviations: [5, 5], want: 'security', deviating: ['latency_ms', 'auth_failures'] },
    // Nothing over the bar (a joint pattern): the most deviating feature decides.
    { name: 'nothing deviates on its own', features: ['latency_ms', 'answer_length'], deviations: [1, -2.5], want: 'data_quality', deviating: ['answer_length'] },
  ];
  it.each(cases)('$name', ({ features, deviations, want, deviating }) => {
    const c = classifyAnomaly(features, deviations);
    expect(c.class).toBe(want);
    expect(c.features).toEqual(deviating);
    expect(c.recommended_actions).toEqual(RECOMMENDED_ACTIONS[want]);
  });

  it('has concrete actions for every class', () => {
    for (const actions of Object.values(RECOMMENDED_ACTIONS)) expect(actions.length).toBeGreaterThanOrEqual(3);
    expect(RECOMMENDED_ACTIONS.performance.join(' ')).toMatch(/reranker/);
    expect(RECOMMENDED_ACTIONS.security.join(' ')).toMatch(/[Rr]otate/);
    expect(RECOMMENDED_ACTIONS.data_quality.join(' ')).toMatch(/index rebuild/);
  });
});

describe('anomalyReport', () => {
  it('has the seed shape: count, details in order, one confidence per detail, actions of every class seen', () => {
    const t0 = Date.UTC(2025, 0, 1);
    const report = anomalyReport(
      ['latency_ms', 'auth_failures'],
      [
        { t: t0, score: 0.99912345, deviations: [9, 0], detectors: ['stat/robust-z', 'isolation-forest'] },
        { t: t0 + 60_000, score: 0.9981, deviations: [0, 7], detectors: ['stat/cusum', 'lstm'] },
        { t: t0 + 120_000, score: 1, deviations: [6, 1], detectors: ['isolation-forest', 'lstm'] },
      ],
    );
    expect(Object.keys(report)).toEqual(['anomalies_detected', 'anomaly_details', 'confidence_scores', 'recommended_actions']);
    expect(report.anomalies_detected).toBe(3);
    expect(report.anomaly_details[0]).toEqual({ t: '2025-01-01T00:00:00.000Z', score: 0.9991, class: 'performance', features: ['latency_ms'], detectors: ['stat/robust-z', 'isolation-forest'] });
    expect(report.anomaly_details.map((d) => d.class)).toEqual(['performance', 'security', 'performance']);
    expect(report.confidence_scores).toEqual([0.9991, 0.9981, 1]);
    // Performance seen twice, security once: performance's actions first, no repeats.
    expect(report.recommended_actions).toEqual([...RECOMMENDED_ACTIONS.performance, ...RECOMMENDED_ACTIONS.security]);
  });

  it('is empty but complete with no anomalies', () => {
    expect(anomalyReport(['value'], [])).toEqual({ anomalies_detected: 0, anomaly_details: [], confidence_scores: [], recommended_actions: [] });
  });
});

describe('createFeatureDeviation', () => {
  it('measures each feature against its own recent past, before learning the point', () => {
    const rng = createRng(11);
    const d = createFeatureDeviation(120);
    expect(d.deviations([1, 1])).toEqual([0, 0]);
    for (let i = 0; i < 200; i++) d.learn([100 + rng.normal(), 5 + 0.1 * rng.normal()]);
    const [a, b] = d.deviations([108, 5]);
    expect(a).toBeGreaterThan(5);
    expect(Math.abs(b!)).toBeLessThan(2);
  });
});
