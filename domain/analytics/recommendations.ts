// Recommendations from a period's rollups: rules an SRE lead would apply, ranked most urgent first.
import type { ServiceRollup } from './rollup';

export type RecommendationKind = 'sla_at_risk' | 'budget_at_risk' | 'error_budget' | 'quality_at_risk' | 'cost_increase' | 'scale_up' | 'scale_down';

export interface Recommendation {
  kind: RecommendationKind;
  service: string | null;
  /** 1 (act now) … 3 (worth a look). */
  priority: 1 | 2 | 3;
  title: string;
  detail: string;
}

export interface RecommendationInput {
  current: ServiceRollup;
  previous: ServiceRollup | null;
  minQuality: number;
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

/** Rules per service, plus the estate's spend against its monthly budget when one is configured. */
export function recommendations(services: readonly RecommendationInput[], spend: { periodDays: number; spendUsd: number; monthlyBudgetUsd?: number }): Recommendation[] {
  const out: Recommendation[] = [];
  for (const { current: c, previous: p, minQuality } of services) {
    if (c.budgetRemaining !== null && (c.budgetRemaining < 0.25 || (c.exhaustionHours !== null && c.exhaustionHours < 7 * 24))) {
      const when = c.exhaustionHours === null ? '' : c.exhaustionHours === 0 ? '; it is spent' : `; at the current burn it runs out in ${(c.exhaustionHours / 24).toFixed(1)} days`;
      out.push({ kind: 'error_budget', service: c.service, priority: c.budgetRemaining <= 0 || (c.exhaustionHours ?? Infinity) < 48 ? 1 : 2, title: `${c.service}: error budget at risk`, detail: `${pct(Math.max(0, c.budgetRemaining))} of the error budget left${when}. Freeze risky changes, look at the top error causes.` });
    }
    if (c.qualityAvg !== null && c.qualityAvg < minQuality) {
      out.push({ kind: 'quality_at_risk', service: c.service, priority: 2, title: `${c.service}: answer quality below its SLA`, detail: `average quality ${c.qualityAvg.toFixed(3)} < ${minQuality}. Review retrieval and the prompt changes of the period.` });
    }
    if (p?.costPerSuccess && c.costPerSuccess && c.costPerSuccess > p.costPerSuccess * 1.2) {
      out.push({ kind: 'cost_increase', service: c.service, priority: 3, title: `${c.service}: cost per successful answer up ${pct(c.costPerSuccess / p.costPerSuccess - 1)}`, detail: `$${c.costPerSuccess.toFixed(4)} against $${p.costPerSuccess.toFixed(4)} the period before. Check model and token changes.` });
    }
  }
  if (spend.monthlyBudgetUsd !== undefined && spend.periodDays > 0) {
    const monthly = (spend.spendUsd / spend.periodDays) * 30;
    if (monthly > spend.monthlyBudgetUsd) {
      out.push({ kind: 'budget_at_risk', service: null, priority: monthly > spend.monthlyBudgetUsd * 1.2 ? 1 : 2, title: 'Spend on course to exceed the monthly budget', detail: `at this period's rate the estate spends $${monthly.toFixed(2)} a month against a budget of $${spend.monthlyBudgetUsd.toFixed(2)}.` });
    }
  }
  return out.sort((a, b) => a.priority - b.priority || (a.service ?? '').localeCompare(b.service ?? ''));
}
