import { describe, expect, it } from 'vitest';
import { capacityRecommendations } from '../../domain/analytics/capacity/recommend';
import type { CapacityRecommendation } from '../../domain/analytics/capacity/rank';

const plan = (over: Partial<CapacityRecommendation>): CapacityRecommendation => ({
  service: 'checkout-rag',
  kind: 'scale_up',
  rank: 1,
  priority: 2,
  currentReplicas: 2,
  replicasNeeded: 3,
  perReplicaRps: 10,
  capacitySource: 'usl_fit',
  forecastPeakRps: 19, // 2 replicas carry 20: only the headroom is short
  from: '2026-12-09T14:00:00.000Z',
  monthlyCostDeltaUsd: 300,
  text: 'checkout-rag: scale from 2 to 3 replicas by 2026-12-09 (+$300.00/month)',
  ...over,
});

describe('capacity plans as recommendations (scripted scenarios)', () => {
  // Each case: the plan, the estate's spend, and the kinds (with priorities) that come out.
  const cases: Array<{ name: string; plan: Partial<CapacityRecommendation>; spend: { monthlySpendUsd: number; monthlyBudgetUsd?: number }; want: Array<[string, number]> }> = [
    // The headroom is short, the replicas still carry the peak: a plain scale-up at the plan's priority.
    { name: 'headroom short', plan: {}, spend: { monthlySpendUsd: 1000 }, want: [['scale_up', 2]] },
    // The peak exceeds what the replicas carry at all: latency will breach the SLA, act first.
    { name: 'peak above capacity', plan: { forecastPeakRps: 25, replicasNeeded: 4 }, spend: { monthlySpendUsd: 1000 }, want: [['sla_at_risk', 1]] },
    // The scale-up's cost takes spend past the budget: a second recommendation says so.
    { name: 'over budget', plan: {}, spend: { monthlySpendUsd: 1000, monthlyBudgetUsd: 1200 }, want: [['scale_up', 2], ['budget_at_risk', 2]] },
    // Within budget: nothing more.
    { name: 'within budget', plan: {}, spend: { monthlySpendUsd: 1000, monthlyBudgetUsd: 2000 }, want: [['scale_up', 2]] },
    // No replica cost configured: the budget cannot be judged, so no budget recommendation.
    { name: 'no replica cost', plan: { monthlyCostDeltaUsd: null }, spend: { monthlySpendUsd: 1000, monthlyBudgetUsd: 1000 }, want: [['scale_up', 2]] },
    // A scale-down saves money: never a budget risk.
    { name: 'scale down', plan: { kind: 'scale_down', replicasNeeded: 1, currentReplicas: 4, priority: 3, monthlyCostDeltaUsd: -450 }, spend: { monthlySpendUsd: 5000, monthlyBudgetUsd: 1000 }, want: [['scale_down', 3]] },
    // Holding is not a recommendation.
    { name: 'hold', plan: { kind: 'hold', replicasNeeded: 2, priority: 3 }, spend: { monthlySpendUsd: 1000 }, want: [] },
  ];
  it.each(cases)('$name', ({ plan: over, spend, want }) => {
    expect(capacityRecommendations([plan(over)], spend).map((r) => [r.kind, r.priority])).toEqual(want);
  });

  it('says what the replicas carry and from when', () => {
    const [r] = capacityRecommendations([plan({ forecastPeakRps: 25, replicasNeeded: 4 })], { monthlySpendUsd: 0 });
    expect(r!.title).toBe('checkout-rag: the forecast peak exceeds what 2 replicas carry (20.0 req/s) from 2026-12-09');
    expect(r!.detail).toContain('4 replicas needed for a forecast peak of 25.0 req/s (80 % upper bound) with headroom at 10.0 req/s per replica (USL fit of history); 2 report now');
  });
});
