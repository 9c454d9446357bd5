// Every recommendation in one ranked list, as the Forecast run stores it and the dashboard shows it:
// capacity plans beside the rules on the rollups, what to act on first at rank 1.
import type { CapacityRecommendation } from './capacity/rank';
import { capacityRecommendations } from './capacity/recommend';
import { recommendations, type Recommendation, type RecommendationInput, type RecommendationKind } from './recommendations';

export interface RankedRecommendation extends Recommendation {
  rank: number;
}

/** Within a priority: a shortfall of capacity first (it pages soonest), then the budgets, quality, cost, savings. */
const KIND_ORDER: Record<RecommendationKind, number> = { sla_at_risk: 0, scale_up: 1, error_budget: 2, budget_at_risk: 3, quality_at_risk: 4, cost_increase: 5, scale_down: 6 };

export interface AllRecommendationsInput {
  capacity: readonly CapacityRecommendation[];
  services: readonly RecommendationInput[];
  periodDays: number;
  spendUsd: number;
  monthlyBudgetUsd?: number;
}

/** Ranks by priority, then kind, then service (the estate's own last), numbering from 1. */
export function rankRecommendations(recs: readonly Recommendation[]): RankedRecommendation[] {
  return [...recs]
    .sort((a, b) => a.priority - b.priority || KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || (a.service ?? '\uffff').localeCompare(b.service ?? '\uffff'))
    .map((r, i) => ({ ...r, rank: i + 1 }));
}

export function allRecommendations(i: AllRecommendationsInput): RankedRecommendation[] {
  const budget = i.monthlyBudgetUsd !== undefined ? { monthlyBudgetUsd: i.monthlyBudgetUsd } : {};
  const monthlySpendUsd = i.periodDays > 0 ? (i.spendUsd / i.periodDays) * 30 : 0;
  return rankRecommendations([...capacityRecommendations(i.capacity, { monthlySpendUsd, ...budget }), ...recommendations(i.services, { periodDays: i.periodDays, spendUsd: i.spendUsd, ...budget })]);
}
