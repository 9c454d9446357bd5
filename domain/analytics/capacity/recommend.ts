// Capacity plans as recommendations beside the others, named for the risk they answer.
import type { Recommendation } from '../recommendations';
import type { CapacityRecommendation } from './rank';

/** What the estate spends a month at the period's rate, and its budget when configured. */
export interface SpendContext {
  monthlySpendUsd: number;
  monthlyBudgetUsd?: number;
}

const usd = (x: number) => `$${x.toFixed(2)}`;

/**
 * One recommendation per plan that changes something: a scale-up whose forecast peak exceeds what
 * the current replicas carry at all (not just the headroom) is an SLA at risk (priority 1); other
 * scale-ups and scale-downs keep their kind and the plan's priority. A scale-up whose monthly cost
 * takes the estate's spend over its budget adds a budget-at-risk recommendation (priority 2).
 */
export function capacityRecommendations(plans: readonly CapacityRecommendation[], spend: SpendContext): Recommendation[] {
  const out: Recommendation[] = [];
  for (const p of plans) {
    if (p.kind === 'hold') continue;
    const carries = p.currentReplicas * p.perReplicaRps;
    const numbers = `${p.replicasNeeded} replicas needed for a forecast peak of ${p.forecastPeakRps.toFixed(1)} req/s (80 % upper bound) with headroom at ${p.perReplicaRps.toFixed(1)} req/s per replica (${p.capacitySource === 'config' ? 'configured' : 'USL fit of history'}); ${p.currentReplicas} report now`;
    if (p.kind === 'scale_up' && p.forecastPeakRps > carries) {
      out.push({ kind: 'sla_at_risk', service: p.service, priority: 1, title: `${p.service}: the forecast peak exceeds what ${p.currentReplicas} replicas carry (${carries.toFixed(1)} req/s)${p.from ? ` from ${p.from.slice(0, 10)}` : ''}`, detail: `${p.text}. ${numbers}` });
    } else {
      out.push({ kind: p.kind, service: p.service, priority: p.priority, title: p.text, detail: numbers });
    }
    const delta = p.monthlyCostDeltaUsd;
    if (p.kind === 'scale_up' && delta !== null && delta > 0 && spend.monthlyBudgetUsd !== undefined && spend.monthlySpendUsd + delta > spend.monthlyBudgetUsd) {
      out.push({ kind: 'budget_at_risk', service: p.service, priority: 2, title: `${p.service}: scaling up takes spend over the monthly budget`, detail: `${usd(spend.monthlySpendUsd)} a month at the current rate + ${usd(delta)} for ${p.replicasNeeded - p.currentReplicas} more replicas > the ${usd(spend.monthlyBudgetUsd)} budget.` });
    }
  }
  return out;
}
