import { describe, expect, it } from 'vitest';
import { DEFAULT_ALPHA, mergeSketches, quantile, SketchAccumulator } from '../../domain/latency-sketch';
import { atMonitorAccuracy, latencySketchSchema } from '../../domain/metrics-input';

// Regression: a window sketched at another alpha than the monitors' failed the monitor's workflow
// task on every later window (sketches of different accuracy cannot merge); schemathesis found it.
describe('atMonitorAccuracy', () => {
  const sketch = (alpha: number) => {
    const acc = new SketchAccumulator(alpha);
    for (let i = 0; i < 2000; i++) acc.add(i % 7 === 0 ? 0 : ((i * 37) % 1500) + 0.25);
    return acc.toSketch();
  };

  it('leaves a sketch at the default accuracy as it is', () => {
    const s = sketch(DEFAULT_ALPHA);
    expect(atMonitorAccuracy(s)).toBe(s);
  });

  it.each([0.0001, 0.001, 0.05, 0.1])('re-buckets alpha %s so it merges, keeping totals and (within both accuracies) quantiles', (alpha) => {
    const s = atMonitorAccuracy(sketch(alpha));
    const reference = sketch(DEFAULT_ALPHA);
    expect(s.alpha).toBe(DEFAULT_ALPHA);
    expect(latencySketchSchema.safeParse(s).success).toBe(true);
    expect({ count: s.count, zeroCount: s.zeroCount, sum: s.sum, min: s.min, max: s.max }).toEqual({ count: 2000, zeroCount: reference.zeroCount, sum: reference.sum, min: reference.min, max: reference.max });
    expect(mergeSketches(s, reference).count).toBe(4000);
    for (const q of [0.5, 0.9, 0.99]) {
      expect(Math.abs(quantile(s, q) / quantile(reference, q) - 1)).toBeLessThan(2 * (alpha + DEFAULT_ALPHA));
    }
  });
});
