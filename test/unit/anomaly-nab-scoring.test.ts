import { describe, expect, it } from 'vitest';
import { generateCorpus } from '../../eval/anomaly/corpus';
import { normalise, probationLength, scaledSigmoid, scoreStream, windowsFor } from '../../eval/anomaly/nab';
import { evaluateAt, sweep } from '../../eval/anomaly/sweep';

describe('NAB-style scoring', () => {
  it('credits early detection most, nothing at the window end, and fades false alarms in after a window', () => {
    expect(scaledSigmoid(-1)).toBeCloseTo(0.9866, 4);
    expect(scaledSigmoid(0)).toBe(0);
    expect(scaledSigmoid(0.5)).toBeLessThan(0);
    expect(scaledSigmoid(3.01)).toBe(-1);
  });

  it('windows are 10 % of the stream split over its anomalies, centred on each onset', () => {
    expect(windowsFor(2000, [{ at: 1000, kind: 'spike' }])).toEqual([{ start: 900, end: 1100, kind: 'spike' }]);
    expect(windowsFor(2000, [{ at: 600, kind: 'a' }, { at: 1500, kind: 'b' }])).toEqual([
      { start: 550, end: 650, kind: 'a' },
      { start: 1450, end: 1550, kind: 'b' },
    ]);
    expect(probationLength(2000)).toBe(300);
    expect(probationLength(10_000)).toBe(750);
  });

  it.each([
    // each case: alarms, expected raw score for one window [900, 1100] in 2,000 points
    [[], -1], // missed window
    [[900], scaledSigmoid(-1)], // at the start: full credit
    [[900, 950, 1000], scaledSigmoid(-1)], // only the first alarm in a window counts
    [[1100], 0], // at the end: nothing
    [[100], -1], // in the learning period: ignored; the window is still missed
    [[500], -1 - 0.11], // a false alarm before any window costs the full 0.11
    [[1000, 1500], scaledSigmoid(-0.5) + 0.11 * scaledSigmoid(2)], // after a window it costs less
  ])('alarms %j score %d', (alarms, expected) => {
    const windows = windowsFor(2000, [{ at: 1000, kind: 'spike' }]);
    expect(scoreStream(alarms, windows, 2000).raw).toBeCloseTo(expected, 10);
  });

  it('normalises never-alarming to 0 and start-of-window detection to 100', () => {
    expect(normalise(-3, 3)).toBe(0);
    expect(normalise(3 * scaledSigmoid(-1), 3)).toBeCloseTo(100, 10);
  });

  it('sweeps one threshold for the whole corpus and finds the one that separates', () => {
    const windows = windowsFor(2000, [{ at: 1000, kind: 'spike' }]);
    const scores = new Float64Array(2000).fill(0.1);
    scores[950] = 0.9; // inside the window
    scores[1500] = 0.5; // a false alarm at a lower level
    const streams = [{ family: 'x', scores, windows }];
    const best = sweep(streams);
    expect(best.threshold).toBeGreaterThan(0.5);
    expect(best.falseAlarms).toBe(0);
    expect(evaluateAt(streams, 0.5).falseAlarms).toBe(1);
    expect(best.byKind.spike).toMatchObject({ detected: 1, windows: 1 });
  });
});

describe('the evaluation corpus', () => {
  const corpus = generateCorpus({ seed: 7, perFamily: 3 });

  it('is the same for the same seed and labels anomalies after the learning period', () => {
    expect(generateCorpus({ seed: 7, perFamily: 3 })).toEqual(corpus);
    for (const s of corpus) {
      expect(s.t).toHaveLength(s.values.length);
      for (const l of s.labels) expect(l.at).toBeGreaterThanOrEqual(probationLength(s.values.length));
      expect(s.values.every(Number.isFinite)).toBe(true);
    }
  });

  it('has the hard cases: every family, clean streams, gaps, duplicate and out-of-order timestamps', () => {
    expect(new Set(corpus.map((s) => s.family)).size).toBe(6);
    expect(corpus.some((s) => s.labels.length === 0)).toBe(true);
    const rough = corpus.filter((s) => s.name.endsWith('-rough'));
    expect(rough.length).toBeGreaterThan(0);
    for (const s of rough) {
      const steps = s.t.slice(1).map((t, i) => t - s.t[i]!);
      expect(steps.some((d) => d < 0)).toBe(true); // out of order
      expect(steps.some((d) => d === 0)).toBe(true); // duplicate
      expect(steps.some((d) => d > 300_000)).toBe(true); // gap
    }
  });
});
