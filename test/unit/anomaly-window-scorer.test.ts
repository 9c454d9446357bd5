import { beforeAll, describe, expect, it } from 'vitest';
import type { EvidenceDetector } from '../../domain/anomaly/evidence';
import { restoreDetector } from '../../domain/anomaly/restore';
import { cleanWindows, SERVICE_SHAPES, type ServiceShape } from '../../domain/anomaly/synthetic-windows';
import { createWindowEnsemble, judgeWindow, MONITOR_SURPRISE, windowPoint, type WindowJudgement } from '../../domain/anomaly/window-scorer';
import type { WindowSummary } from '../../domain/window-summary';

// Scoring thousands of windows through 27 specialists takes seconds on a loaded machine.
const SLOW = 120_000;
const steady = SERVICE_SHAPES.find((s) => s.name === 'steady')!;
const START = Date.UTC(2026, 0, 5);
const WARM = 1_500;

/** The steady service after WARM clean windows: its detector's snapshot and the last window. */
let warmed: { snapshot: string; last: WindowSummary };

beforeAll(() => {
  const d = createWindowEnsemble();
  let prev: WindowSummary | undefined;
  for (const w of cleanWindows(steady, { service: 's', start: START, count: WARM, seed: 5 })) {
    d.update(windowPoint(w, prev));
    prev = w;
  }
  warmed = { snapshot: JSON.stringify(d.toJSON()), last: prev! };
}, SLOW);

/** Judges `count` windows of `shape` continuing the warmed service, from a restored copy of its detector. */
function continueWith(shape: ServiceShape, count: number, seed = 6): WindowJudgement[] {
  const d = restoreDetector(JSON.parse(warmed.snapshot)) as EvidenceDetector;
  let prev = warmed.last;
  const out: WindowJudgement[] = [];
  for (const w of cleanWindows(shape, { service: 's', start: START + WARM * 10_000, count, seed })) {
    out.push(judgeWindow(d, windowPoint(w, prev)));
    prev = w;
  }
  return out;
}

describe('the monitor\'s window scorer (evidence ensemble on window levels)', () => {
  it('learns first and never alarms in its learning period, however wild the windows', () => {
    const d = createWindowEnsemble();
    let prev: WindowSummary | undefined;
    const wild: ServiceShape = { ...steady, load: (_t, rng) => (rng.next() < 0.1 ? 20 : 1), latencyMs: (l) => 100 * l * l };
    for (const w of cleanWindows(wild, { service: 's', start: START, count: 150, seed: 1 })) {
      expect(judgeWindow(d, windowPoint(w, prev)).anomalous).toBe(false);
      prev = w;
    }
  }, SLOW);

  it('stays quiet on more clean windows of the same service', () => {
    const j = continueWith(steady, 300);
    expect(j.filter((x) => x.anomalous)).toEqual([]);
  }, SLOW);

  it('a low-traffic service (a handful of requests a window, 3 % failing) is not anomalous on its chance failures', () => {
    // One failure among 2–6 requests is a 17–50 % error rate: the error-rate level strays far by chance,
    // the failure count given the requests does not.
    const low = SERVICE_SHAPES.find((s) => s.name === 'low-traffic')!;
    const d = createWindowEnsemble();
    let prev: WindowSummary | undefined;
    let failing = 0;
    const anomalous: number[] = [];
    let i = 0;
    for (const w of cleanWindows(low, { service: 'low', start: START, count: 6_000, seed: 3 })) {
      if (w.errors > 0 && w.errors === w.count) failing++;
      if (judgeWindow(d, windowPoint(w, prev)).anomalous) anomalous.push(i);
      prev = w;
      i++;
    }
    // The stream does hold windows whose every request failed; none of them is an anomaly.
    expect(failing).toBeGreaterThan(0);
    expect(anomalous).toEqual([]);
  }, SLOW);

  // Each case: a changed service from the next window on, the class its incident must get and a feature it must name.
  const cases: Array<{ name: string; shape: ServiceShape; cls: string; feature: string }> = [
    { name: 'errors +10 pp', shape: { ...steady, errorRate: 0.105 }, cls: 'performance', feature: 'errorRate' },
    { name: 'latency ×3', shape: { ...steady, latencyMs: () => 900 }, cls: 'performance', feature: 'p95Ms' },
    { name: 'quality −0.15', shape: { ...steady, quality: 0.7 }, cls: 'data_quality', feature: 'qualityAvg' },
    { name: 'traffic stops', shape: { ...steady, rate: 0 }, cls: 'performance', feature: 'throughputPerSec' },
  ];
  for (const c of cases) {
    it(`${c.name}: anomalous within 3 windows, classed ${c.cls}, naming ${c.feature}`, () => {
      const j = continueWith(c.shape, 3);
      const first = j.find((x) => x.anomalous);
      expect(first, `surprises ${j.map((x) => x.surprise.toFixed(1)).join(', ')}`).toBeDefined();
      expect(first!.surprise).toBeGreaterThanOrEqual(MONITOR_SURPRISE);
      expect(first!.anomalyClass).toBe(c.cls);
      expect(first!.features).toContain(c.feature);
    }, SLOW);
  }

  it('adapts after a change: a shift that persists becomes the new normal (the incident can resolve)', () => {
    const j = continueWith({ ...steady, errorRate: 0.105 }, 600);
    expect(j[0]!.anomalous || j[1]!.anomalous).toBe(true);
    const lastAnomalous = j.map((x) => x.anomalous).lastIndexOf(true);
    expect(lastAnomalous).toBeLessThan(400);
    expect(j.slice(400).filter((x) => x.anomalous)).toEqual([]);
  }, SLOW);

  it('a restored snapshot scores the following windows identically (what the activity relies on between workers)', () => {
    const a = restoreDetector(JSON.parse(warmed.snapshot)) as EvidenceDetector;
    const windows = [...cleanWindows({ ...steady, errorRate: 0.05 }, { service: 's', start: START + WARM * 10_000, count: 60, seed: 9 })];
    let prev = warmed.last;
    const first = windows.slice(0, 30).map((w) => {
      const j = judgeWindow(a, windowPoint(w, prev));
      prev = w;
      return j.surprise;
    });
    const b = restoreDetector(JSON.parse(JSON.stringify(a.toJSON()))) as EvidenceDetector;
    const prevAt30 = prev;
    const fromA = windows.slice(30).map((w, i) => judgeWindow(a, windowPoint(w, i === 0 ? prevAt30 : windows[29 + i]!)).surprise);
    const fromB = windows.slice(30).map((w, i) => judgeWindow(b, windowPoint(w, i === 0 ? prevAt30 : windows[29 + i]!)).surprise);
    expect(first.some((s) => s > 0)).toBe(true);
    expect(fromB).toEqual(fromA);
  }, SLOW);
});
