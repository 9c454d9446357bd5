import { describe, expect, it } from 'vitest';
import { createRng } from '../../domain/anomaly/rng';
import { fitUsl, uslThroughput } from '../../domain/analytics/capacity/usl';
import { planCapacity } from '../../domain/analytics/capacity/planner';

describe('Universal Scalability Law fit', () => {
  // cases: known parameters, simulated load at concurrency 1…40 with 3 % multiplicative noise
  const cases = [
    { lambda: 50, sigma: 0.05, kappa: 0.002 },
    { lambda: 12, sigma: 0.15, kappa: 0.0005 },
    { lambda: 200, sigma: 0.01, kappa: 0.01 },
  ];
  for (const truth of cases) {
    it(`recovers λ=${truth.lambda}, σ=${truth.sigma}, κ=${truth.kappa} from simulated load`, () => {
      const rng = createRng(Math.round(truth.lambda));
      const n: number[] = [];
      const x: number[] = [];
      for (let k = 0; k < 120; k++) {
        const c = 1 + rng.int(40);
        n.push(c);
        x.push(uslThroughput(truth, c) * (1 + 0.03 * rng.normal()));
      }
      const fit = fitUsl(n, x)!;
      expect(Math.abs(fit.lambda - truth.lambda) / truth.lambda).toBeLessThan(0.05);
      expect(Math.abs(fit.sigma - truth.sigma)).toBeLessThan(0.02);
      expect(Math.abs(fit.kappa - truth.kappa) / truth.kappa).toBeLessThan(0.25);
      const peak = Math.sqrt((1 - truth.sigma) / truth.kappa);
      expect(Math.abs(fit.peakThroughput - uslThroughput(truth, peak)) / uslThroughput(truth, peak)).toBeLessThan(0.05);
    });
  }
  it('needs at least four usable points', () => {
    expect(fitUsl([1, 2, 3], [10, 19, 27])).toBeNull();
  });
});

describe('capacity planner', () => {
  const start = Date.UTC(2026, 11, 7);
  const H = 3_600_000;
  it('forecast peak above capacity with headroom → scale up from the first hour it is needed, with the cost', () => {
    // 4 replicas of 100 req/s; the peak grows 300 → 420 req/s over the week; 30 % headroom.
    const peaks = Array.from({ length: 168 }, (_, i) => 300 + (120 * i) / 167);
    const plan = planCapacity({ service: 'checkout-rag', perReplicaRps: 100, currentReplicas: 4, forecastPeakRps: peaks, start, stepMs: H, headroom: 0.3, costPerReplicaHourUsd: 0.5 });
    expect(plan.kind).toBe('scale_up');
    expect(plan.replicasNeeded).toBe(6); // ⌈420 × 1.3 / 100⌉
    // 4 replicas carry up to 400/1.3 ≈ 307.7 req/s: exceeded from hour ⌈(307.7−300)/120×167⌉ = 11.
    expect(plan.from).toBe(new Date(start + 11 * H).toISOString());
    expect(plan.monthlyCostDeltaUsd).toBe(730);
  });
  it('far more replicas than the peak needs → scale down; one spare → hold', () => {
    expect(planCapacity({ service: 's', perReplicaRps: 100, currentReplicas: 10, forecastPeakRps: [200], start, stepMs: H, headroom: 0.3 }).kind).toBe('scale_down');
    expect(planCapacity({ service: 's', perReplicaRps: 100, currentReplicas: 4, forecastPeakRps: [200], start, stepMs: H, headroom: 0.3 }).kind).toBe('hold');
  });
});
