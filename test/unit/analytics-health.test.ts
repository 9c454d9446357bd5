import { describe, expect, it } from 'vitest';
import { businessImpact } from '../../domain/analytics/business-impact';
import { estateScore, healthComponents, healthScore } from '../../domain/analytics/health-score';
import { recommendations } from '../../domain/analytics/recommendations';
import type { ServiceRollup } from '../../domain/analytics/rollup';
import { emptySketch } from '../../domain/latency-sketch';

const W = { reliability: 0.4, quality: 0.3, costEfficiency: 0.15, openIncidents: 0.15 };

function rollup(over: Partial<ServiceRollup> = {}): ServiceRollup {
  return {
    service: 's', slotStart: 0, requests: 1000, errors: 1, availability: 0.999, p50Ms: 300, p95Ms: 900, p99Ms: 1500, qualitySum: 800, qualityCount: 1000, qualityAvg: 0.8,
    satisfactionSum: 70, satisfactionCount: 100, satisfactionAvg: 0.7, costUsd: 2, tokens: 0, costPerQuery: 0.002, costPerSuccess: 0.002002, slicesJudged: 100, slicesGood: 90, slaCompliance: 0.9,
    budgetConsumed: 0.5, budgetRemaining: 0.5, exhaustionHours: null, incidentsBySeverity: {}, incidentsByKind: {}, incidentsOpened: 0, acks: 0, ackSeconds: 0, resolves: 0, resolveSeconds: 0,
    notificationsByChannel: {}, complianceViolations: 0, replicas: 1, windows: 1, sketch: emptySketch(), ...over,
  };
}

describe('health score', () => {
  // cases: scripted services and the score the documented formula gives by hand
  const cases: Array<[string, ServiceRollup, Parameters<typeof healthComponents>[1], number | undefined, number]> = [
    // reliability (0.9+0.5)/2 = 0.7, quality (0.8+0.7)/2 = 0.75, no cost target, no open incidents → (0.4·0.7+0.3·0.75+0.15·1)/0.85
    ['no cost target: the component is left out and weights renormalise', rollup(), {}, undefined, 77.1],
    // + cost: target 0.001 / 0.002002 = 0.4995 → (0.28+0.225+0.0749+0.15)/1
    ['with a cost target', rollup(), {}, 0.001, 73],
    // one critical open → 1/(1+1) = 0.5 → (0.28+0.225+0.075)/0.85
    ['a critical incident open halves that component', rollup(), { critical: 1 }, undefined, 68.2],
    // overspent budget counts 0, not negative
    ['an overspent budget counts as none left', rollup({ budgetRemaining: -2, slaCompliance: 0.5 }), {}, undefined, (100 * (0.4 * 0.25 + 0.3 * 0.75 + 0.15)) / 0.85],
  ];
  for (const [name, r, open, target, expected] of cases) {
    it(name, () => {
      expect(healthScore(healthComponents(r, open, target), W).score).toBeCloseTo(expected, 1);
    });
  }
  it('the estate is weighted by traffic, and names its worst service', () => {
    expect(estateScore([{ service: 'big', score: 90, requests: 9000 }, { service: 'tiny', score: 40, requests: 1000 }, { service: 'idle', score: null, requests: 0 }])).toEqual({ score: 85, worst: { service: 'tiny', score: 40 } });
    expect(estateScore([])).toEqual({ score: null, worst: null });
  });
});

describe('business impact', () => {
  it('computes only the figures whose assumptions are all set, each with them', () => {
    const inputs = { successfulAnswers: 10_000, outageMinutes: 30, spendUsd: 400, periodDays: 7 };
    expect(businessImpact({}, inputs)).toEqual([]);
    expect(businessImpact({ minutesSavedPerAnswer: 2 }, inputs)).toEqual([]); // half the productivity assumptions
    const all = businessImpact({ minutesSavedPerAnswer: 2, loadedHourlyCostUsd: 60, valuePerResolvedQueryUsd: 0.05, outageMinuteCostUsd: 100, monthlyBudgetUsd: 1500 }, inputs);
    expect(all.map((f) => [f.name, f.valueUsd])).toEqual([
      ['productivity_value', 20_000],
      ['revenue_value', 500],
      ['outage_cost', 3000],
      ['spend_vs_budget', 50],
    ]);
    expect(all[0]!.assumptions).toEqual({ minutesSavedPerAnswer: 2, loadedHourlyCostUsd: 60 });
  });
});

describe('recommendations on scripted scenarios', () => {
  it('budget burning fast → error budget first; quality below SLA; cost up 50 %; spend over budget', () => {
    const recs = recommendations(
      [
        { current: rollup({ service: 'checkout', budgetRemaining: 0.3, exhaustionHours: 30 }), previous: null, minQuality: 0.7 },
        { current: rollup({ service: 'search', qualityAvg: 0.6 }), previous: null, minQuality: 0.7 },
        { current: rollup({ service: 'docs', costPerSuccess: 0.003 }), previous: rollup({ service: 'docs', costPerSuccess: 0.002 }), minQuality: 0.7 },
      ],
      { periodDays: 7, spendUsd: 500, monthlyBudgetUsd: 1500 },
    );
    expect(recs.map((r) => [r.kind, r.service, r.priority])).toEqual([
      ['budget_at_risk', null, 1],
      ['error_budget', 'checkout', 1],
      ['quality_at_risk', 'search', 2],
      ['cost_increase', 'docs', 3],
    ]);
    expect(recs[1]!.detail).toMatch(/runs out in 1\.3 days/);
  });
  it('a healthy estate gets none', () => {
    expect(recommendations([{ current: rollup(), previous: rollup(), minQuality: 0.7 }], { periodDays: 7, spendUsd: 10, monthlyBudgetUsd: 1500 })).toEqual([]);
  });
});
