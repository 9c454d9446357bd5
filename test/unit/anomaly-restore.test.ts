import { describe, expect, it } from 'vitest';
import { createChangepointDetector } from '../../domain/anomaly/changepoint';
import type { StreamingDetector } from '../../domain/anomaly/detector';
import { createDriftDetector } from '../../domain/anomaly/drift';
import { createForestMember, createStatDetector, defaultEnsemble } from '../../domain/anomaly/ensemble';
import { createFlatlineDetector } from '../../domain/anomaly/flatline';
import { createGaussianWindowDetector } from '../../domain/anomaly/gaussian-window';
import { restoreDetector } from '../../domain/anomaly/restore';
import { createRng } from '../../domain/anomaly/rng';
import { createCusumDetector, createEwmaDetector, createRobustZDetector, createSeasonalDetector } from '../../domain/anomaly/statistical';
import { calibrated, createStatEnsemble, createVigilEnsemble } from '../../domain/anomaly/vigil-ensemble';

/** A daily wave with noise, a level shift, a flat stretch and spikes: every detector has state to carry. */
function stream(n: number) {
  const rng = createRng(77);
  return Array.from({ length: n }, (_, i) => ({
    t: Date.UTC(2025, 0, 1) + i * 300_000,
    values: [100 + 10 * Math.sin((2 * Math.PI * i) / 288) + (i > 700 ? 15 : 0) + (i % 97 === 0 ? 40 : 0) + (i > 900 && i < 960 ? 0 : 2 * rng.normal())],
  }));
}

// Every detector `vigil detect` or the running system can build, leaves and composites.
const DETECTORS: Array<[string, () => StreamingDetector]> = [
  ['robust-z', () => createRobustZDetector()],
  ['ewma', () => createEwmaDetector()],
  ['cusum', () => createCusumDetector()],
  ['seasonal', () => createSeasonalDetector()],
  ['zscore', () => createGaussianWindowDetector()],
  ['changepoint', () => createChangepointDetector()],
  ['flatline', () => createFlatlineDetector()],
  ['drift', () => createDriftDetector()],
  ['forest member (isolation forest on values and changes)', () => createForestMember(3)],
  ['stat vote', () => createStatDetector(1)],
  ['previous ensemble (vote of stat and forest)', () => defaultEnsemble(3)],
  ['calibrated vote', () => calibrated(createStatDetector(1))],
  ['--detector stat (evidence over the four statistical detectors)', () => createStatEnsemble(1)],
  ['--detector iforest (calibrated forest)', () => calibrated(createForestMember(3))],
  ['--detector ensemble (evidence ensemble)', () => createVigilEnsemble(1)],
];

describe('every detector restores from its snapshot to identical scores', () => {
  const points = stream(1400);

  it.each(DETECTORS)('%s', (_, make) => {
    const original = make();
    // Cut in the middle of everything: after the shift, inside the flat stretch, while calibrating.
    const cut = 930;
    for (const p of points.slice(0, cut)) original.update(p);
    const copy = restoreDetector(JSON.parse(JSON.stringify(original.toJSON())));
    const a = points.slice(cut).map((p) => original.update(p));
    const b = points.slice(cut).map((p) => copy.update(p));
    expect(b).toEqual(a);
    // The test can fail: the scores after the cut are not all zero.
    expect(a.some((s) => s > 0)).toBe(true);
  });

  it('refuses a snapshot of an unknown kind or a broken composite, naming what is wrong', () => {
    expect(() => restoreDetector({ kind: 'magic' })).toThrow(/kind "magic"/);
    expect(() => restoreDetector({ kind: 'max', name: 'stat', members: [] })).toThrow(/members must be a non-empty array/);
    expect(() => restoreDetector({ kind: 'evidence', version: 1 })).toThrow(/not an evidence snapshot/);
  });
});
