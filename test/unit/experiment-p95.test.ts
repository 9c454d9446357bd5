import { describe, expect, it } from 'vitest';
import { createRng } from '../../domain/anomaly/rng';
import { SketchAccumulator } from '../../domain/latency-sketch';
import { quantileEpsilon, quantileRatioSequence, quantileSampleSize, quantileSequence, tunedRho, bernoulliProxy } from '../../domain/stats/quantile-cs';

const P = 0.95;
const ALPHA = 0.05;
const LOG_SD = 0.5;

describe('confidence sequences for the p95', () => {
  it('the Bernoulli variance proxy is the Kearns–Saul value, 1/4 at p = 1/2 and below elsewhere', () => {
    expect(bernoulliProxy(0.5)).toBe(0.25);
    expect(bernoulliProxy(0.95)).toBeCloseTo(0.1528, 4);
    expect(bernoulliProxy(0.05)).toBeCloseTo(bernoulliProxy(0.95), 12);
  });

  it('ε shrinks like sqrt(log n / n)', () => {
    const rho = tunedRho(10_000, P, ALPHA);
    expect(quantileEpsilon(100_000, P, ALPHA, rho)).toBeLessThan(quantileEpsilon(10_000, P, ALPHA, rho));
    expect(quantileEpsilon(10_000, P, ALPHA, rho)).toBeLessThan(0.02);
  });

  // Coverage at every look: 300 runs of 40 looks of log-normal latencies; the true p95 is known.
  it('covers the true p95 at every look in at least 1 − alpha of runs', { timeout: 60_000 }, () => {
    const truth = 400 * Math.exp(LOG_SD * 1.6448536269514722);
    let missed = 0;
    for (let run = 0; run < 300; run++) {
      const rng = createRng(7000 + run);
      const acc = new SketchAccumulator();
      const rho = tunedRho(5000, P, ALPHA);
      for (let look = 0; look < 40; look++) {
        for (let i = 0; i < 250; i++) acc.add(400 * Math.exp(LOG_SD * rng.normal()));
        const cs = quantileSequence(acc.toSketch(), P, ALPHA, rho);
        if (cs.lower > truth || cs.upper < truth) {
          missed++;
          break;
        }
      }
    }
    expect(missed / 300).toBeLessThanOrEqual(ALPHA);
  });

  // The planned size for a 10 % p95 rise, looked at after every 1,000-request window: caught by then in ≥ 80 % of runs.
  it('catches a 10 % p95 shift by the planned units per arm', { timeout: 60_000 }, () => {
    const planned = quantileSampleSize(0.1, P, ALPHA, LOG_SD, 0.01);
    const runs = 60;
    let caught = 0;
    const at: number[] = [];
    const window = 1000;
    for (let run = 0; run < runs; run++) {
      const rng = createRng(90_000 + run);
      const a = new SketchAccumulator();
      const b = new SketchAccumulator();
      const rho = tunedRho(planned, P, ALPHA / 2);
      for (let n = 0; n < planned; n += window) {
        for (let i = 0; i < window; i++) {
          a.add(400 * Math.exp(LOG_SD * rng.normal()));
          b.add(440 * Math.exp(LOG_SD * rng.normal()));
        }
        if (quantileRatioSequence(a.toSketch(), b.toSketch(), P, ALPHA, rho).lower > 1) {
          caught++;
          at.push(n + window);
          break;
        }
      }
    }
    console.log(`p95: planned ${planned} per arm for a 10 % shift; caught in ${caught} / ${runs}, at ${Math.round(at.reduce((x, y) => x + y, 0) / at.length)} per arm on average`);
    expect(caught / runs).toBeGreaterThanOrEqual(0.8);
  });
});
