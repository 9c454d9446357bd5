import { describe, expect, it } from 'vitest';
import { rankCapacity, type CapacityRecommendation } from '../../domain/analytics/capacity/rank';

const NOW = Date.UTC(2026, 11, 7, 0, 0);
const H = 3_600_000;
type Plan = Omit<CapacityRecommendation, 'rank' | 'priority'>;
const plan = (service: string, kind: Plan['kind'], over: Partial<Plan> = {}): Plan => ({
  service,
  kind,
  currentReplicas: 4,
  replicasNeeded: kind === 'scale_up' ? 6 : kind === 'scale_down' ? 2 : 4,
  from: null,
  monthlyCostDeltaUsd: null,
  text: `${service} ${kind}`,
  perReplicaRps: 10,
  capacitySource: 'usl_fit',
  forecastPeakRps: 40,
  ...over,
});

describe('rankCapacity', () => {
  it('a scripted estate: urgent shortfall first, later shortfalls by date, then savings, then holds', () => {
    const ranked = rankCapacity(
      [
        plan('hold-rag', 'hold'),
        plan('small-saving', 'scale_down', { monthlyCostDeltaUsd: -100 }),
        plan('next-week', 'scale_up', { from: new Date(NOW + 120 * H).toISOString() }),
        plan('big-saving', 'scale_down', { monthlyCostDeltaUsd: -900 }),
        plan('tomorrow', 'scale_up', { from: new Date(NOW + 20 * H).toISOString() }),
        plan('in-three-days', 'scale_up', { from: new Date(NOW + 72 * H).toISOString() }),
      ],
      NOW,
    );
    expect(ranked.map((r) => [r.rank, r.service, r.priority])).toEqual([
      [1, 'tomorrow', 1], // needed within 48 h
      [2, 'in-three-days', 2],
      [3, 'next-week', 2],
      [4, 'big-saving', 3], // the larger saving first
      [5, 'small-saving', 3],
      [6, 'hold-rag', 3],
    ]);
  });

  it('equal urgency: the bigger replica gap first, then by name; nothing in, nothing out', () => {
    const at = new Date(NOW + 10 * H).toISOString();
    const ranked = rankCapacity([plan('b', 'scale_up', { from: at }), plan('a', 'scale_up', { from: at }), plan('c', 'scale_up', { from: at, replicasNeeded: 9 })], NOW);
    expect(ranked.map((r) => r.service)).toEqual(['c', 'a', 'b']);
    expect(rankCapacity([], NOW)).toEqual([]);
  });
});
