import { describe, expect, it } from 'vitest';
import { ALARM_SCORE } from '../../domain/anomaly/calibration';
import { createChangepointDetector } from '../../domain/anomaly/changepoint';
import type { StreamingDetector } from '../../domain/anomaly/detector';
import { createDriftDetector } from '../../domain/anomaly/drift';
import { EpisodeGate } from '../../domain/anomaly/episodes';
import { createFlatlineDetector } from '../../domain/anomaly/flatline';
import { createGaussianWindowDetector } from '../../domain/anomaly/gaussian-window';
import { Likelihood, surpriseOfZ } from '../../domain/anomaly/likelihood';
import { createRng } from '../../domain/anomaly/rng';
import { createEvidenceEnsemble, EVIDENCE_THRESHOLD } from '../../domain/anomaly/evidence';
import { createVigilEnsemble } from '../../domain/anomaly/vigil-ensemble';
import { TimeOrder } from '../../domain/anomaly/time-order';

const STEP = 300_000;
const run = (d: StreamingDetector, xs: readonly number[]) => xs.map((x, i) => d.update({ t: i * STEP, values: [x] }));
const noise = (seed: number, n: number, sd = 1, level = 100) => {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => level + sd * rng.normal());
};
/** Indices where the score reaches the detector's own alarm rule. */
const alarms = (scores: number[], from = 0, to = scores.length) => scores.map((s, i) => (i >= from && i < to && s >= ALARM_SCORE ? i : -1)).filter((i) => i >= 0);

describe('likelihood calibration', () => {
  it('is silent in its learning period, then rarely surprised by its own kind of noise', () => {
    const l = new Likelihood({ learning: 200 });
    const rng = createRng(3);
    const s = Array.from({ length: 5000 }, () => l.update(Math.abs(rng.normal())));
    expect(s.slice(0, 200).every((x) => x === 0)).toBe(true);
    // One-in-10,000 events (4 decades) should be about that rare on the stream it learned.
    expect(s.filter((x) => x >= 4).length).toBeLessThanOrEqual(3);
  });

  it('means the same on a quiet and a noisy stream: raw statistics 10× apart alarm about equally often', () => {
    const rates = [1, 10].map((scale) => {
      const l = new Likelihood();
      const rng = createRng(5);
      const s = Array.from({ length: 4000 }, () => l.update(scale * Math.abs(rng.normal())));
      return s.filter((x) => x >= 3).length;
    });
    expect(Math.abs(rates[0]! - rates[1]!)).toBeLessThanOrEqual(3);
  });

  it('is surprised by a statistic far beyond its history, and not by one it has often seen', () => {
    const l = new Likelihood({ average: 1, memory: 2000, point: false });
    const rng = createRng(9);
    // A bursty stream: 2 % of raw statistics are 20, the rest small.
    for (let i = 0; i < 3000; i++) l.update(rng.next() < 0.02 ? 20 : Math.abs(rng.normal()));
    expect(l.update(20)).toBeLessThan(2.5);
    expect(l.update(500)).toBeGreaterThan(5);
  });

  it('judges the latest statistic alone too: one extreme point is not averaged away', () => {
    const surprises = [true, false].map((point) => {
      const l = new Likelihood({ average: 5, point });
      const rng = createRng(13);
      for (let i = 0; i < 2000; i++) l.update(Math.abs(rng.normal()));
      return l.update(8);
    });
    expect(surprises[0]).toBeGreaterThan(surprises[1]! + 1);
    expect(surprises[0]).toBeGreaterThan(3);
  });

  it('forgets: after a lasting change of the raw level the surprise fades', () => {
    const l = new Likelihood({ horizon: 500 });
    const rng = createRng(11);
    for (let i = 0; i < 2000; i++) l.update(Math.abs(rng.normal()));
    const after = Array.from({ length: 4000 }, () => l.update(3 + Math.abs(rng.normal())));
    expect(Math.max(...after.slice(0, 10))).toBeGreaterThan(3);
    expect(Math.max(...after.slice(3000))).toBeLessThan(3);
  });

  it('turns z into decades of a two-sided-equivalent tail, continuous across the exact/asymptotic switch', () => {
    expect(surpriseOfZ(0)).toBe(0);
    expect(surpriseOfZ(1.959964)).toBeCloseTo(-Math.log10(0.05), 4);
    expect(Math.abs(surpriseOfZ(5.999999) - surpriseOfZ(6))).toBeLessThan(1e-3);
    expect(surpriseOfZ(10)).toBeGreaterThan(surpriseOfZ(8));
  });
});

describe('changepoint detector', () => {
  it.each([
    // each case: what changes at point 1000, how fast it must be found (points)
    ['level up 5σ', (x: number) => x + 5, 5],
    ['level down 3σ', (x: number) => x - 3, 12],
    ['noise ×4', (x: number) => 100 + (x - 100) * 4, 12],
    ['flat', () => 100, 12],
  ])('finds %s quickly, alarms once and adapts to the new regime', (_, change, within) => {
    const xs = noise(21, 3000).map((x, i) => (i >= 1000 ? change(x) : x));
    const s = run(createChangepointDetector(), xs);
    expect(alarms(s, 200, 1000).length).toBeLessThanOrEqual(1);
    const found = alarms(s, 1000);
    expect(found[0]! - 1000).toBeLessThanOrEqual(within);
    // The new regime is normal once learned: far fewer alarms afterwards than a detector that never adapts.
    expect(alarms(s, found[0]! + 100).length).toBeLessThanOrEqual(3);
  });
});

describe('flat-line detector', () => {
  it('finds a stuck reading within a window and stays quiet on normal noise', () => {
    const xs = noise(31, 2000).map((x, i) => (i >= 1200 && i < 1300 ? 99.5 : x));
    const s = run(createFlatlineDetector(), xs);
    expect(alarms(s, 100, 1200).length).toBeLessThanOrEqual(2);
    expect(alarms(s, 1200, 1215).length).toBeGreaterThan(0);
  });
});

describe('drift detector', () => {
  it('finds a slow climb (no single point unusual) before it is over', () => {
    // +4σ over 400 points: each step is 0.01σ.
    const xs = noise(41, 3000).map((x, i) => x + (i >= 1500 ? Math.min(4, (i - 1500) / 100) : 0));
    const s = run(createDriftDetector(), xs);
    const found = alarms(s, 1500);
    expect(found.length).toBeGreaterThan(0);
    expect(found[0]!).toBeLessThan(1900);
    expect(alarms(s, 300, 1500).length).toBeLessThanOrEqual(found.length);
  });
});

describe('repeat suppression', () => {
  it('lets the first strong score of an episode through and damps the rest, until evidence fades and returns', () => {
    const g = new EpisodeGate();
    const episode = [0.5, 6, 6.5, 6.8, 7, 7, 6, 5];
    const out = episode.map((s) => g.pass(s));
    expect(out.filter((s) => s >= 5)).toEqual([6]);
    // Much stronger evidence within the episode still gets through.
    expect(g.pass(9.5)).toBe(9.5);
    for (let i = 0; i < 300; i++) g.pass(0.3);
    expect(g.pass(6)).toBe(6); // a separate, later anomaly
  });
});

describe('rolling Gaussian z-score baseline', () => {
  it('is the plain z of the point against the window mean and sample sd', () => {
    const d = createGaussianWindowDetector({ window: 4 });
    run(d, [1, 2, 3, 4]);
    // Mean 2.5, sample sd 1.291: 2.5 + 3·1.291 = 6.37 sits at the 3σ alarm level.
    expect(d.update({ t: 0, values: [2.5 + 3 * Math.sqrt(5 / 3)] })).toBeCloseTo(ALARM_SCORE, 6);
  });
});

describe('time order', () => {
  it('passes increasing times, holds the latest for repeats and earlier rows, and names them', () => {
    const o = new TimeOrder();
    expect([10, 20, 20, 15, 30].map((t) => o.next(t))).toEqual([{ t: 10 }, { t: 20 }, { t: 20, issue: 'duplicate' }, { t: 20, issue: 'out-of-order' }, { t: 30 }]);
  });
});

describe('evidence ensemble', () => {
  it('lets one very sure member alarm alone, lets two agreeing members alarm at less each, and says nothing while learning', () => {
    // Members that replay given raw scores (common scale), so the rule itself is what is tested.
    const member = (name: string, at: Record<number, number>): StreamingDetector => {
      let i = 0;
      const rng = createRng(name.length);
      return { name, update: () => at[i++] ?? 0.3 + 0.3 * rng.next(), toJSON: () => ({}) };
    };
    const run2 = (a: Record<number, number>, b: Record<number, number>) => {
      const e = createEvidenceEnsemble({ members: [member('a', a), member('bb', b)], likelihood: { average: 1, point: false } });
      const scores = Array.from({ length: 1200 }, () => e.update({ t: 0, values: [0] }));
      return { scores, surprise: e.lastScores()[0]!.score * 10 };
    };
    // Against a background of raw scores 0.3–0.6: 0.99 is far beyond anything seen, 0.75 unusual but not alone enough.
    const certain = 0.99;
    const fair = 0.75;
    expect(run2({ 1000: certain }, {}).scores[1000]).toBeGreaterThanOrEqual(EVIDENCE_THRESHOLD);
    const alone = run2({ 1199: fair }, {});
    expect(alone.surprise).toBeGreaterThan(2); // surprising…
    expect(alone.scores[1199]).toBeLessThan(EVIDENCE_THRESHOLD); // …but not enough alone
    expect(run2({ 1199: fair }, { 1199: fair }).scores[1199]).toBeGreaterThanOrEqual(EVIDENCE_THRESHOLD); // two agree: alarm
    expect(run2({ 100: certain }, { 100: certain }).scores[100]).toBe(0); // in the learning period
  });

  it('takes log10(features) decades off for watching more features', () => {
    expect((createVigilEnsemble(1).toJSON() as { correction: number }).correction).toBe(0);
    expect((createVigilEnsemble(10).toJSON() as { correction: number }).correction).toBeCloseTo(1, 12);
  });
});
