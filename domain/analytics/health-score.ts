// One health score per service and for the estate, like Nobl9's reliability roll-up: each
// component in [0, 1], weighted by config (analytics.healthWeights), renormalised over the
// components a service has data for, times 100. The estate's score is the traffic-weighted mean of
// its services' (a quiet internal tool does not outweigh checkout), with the worst named beside it.
import type { HealthWeights } from './config-schema';
import type { ServiceRollup } from './rollup';

/** Open incidents by severity, as the open-incidents component counts them. */
export type OpenIncidents = Partial<Record<'critical' | 'high' | 'medium' | 'low' | 'info', number>>;

/** How much one open incident of a severity weighs: one critical halves the component. */
export const OPEN_INCIDENT_WEIGHT: Readonly<Record<keyof OpenIncidents, number>> = { critical: 1, high: 0.5, medium: 0.25, low: 0.1, info: 0 };

export interface HealthComponents {
  /** Mean of SLA compliance (timeslices) and error budget left (0 when overspent). */
  reliability: number | null;
  /** Mean of answer quality and user satisfaction, as available. */
  quality: number | null;
  /** target ÷ cost per successful answer, capped at 1; null without a configured target. */
  costEfficiency: number | null;
  /** 1 / (1 + Σ weight of open incidents). */
  openIncidents: number;
}

export interface HealthScore {
  score: number | null;
  components: HealthComponents;
}

const mean = (xs: Array<number | null>): number | null => {
  const v = xs.filter((x): x is number => x !== null && Number.isFinite(x));
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
};
const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

/** The components of one service's period rollup. */
export function healthComponents(r: ServiceRollup, open: OpenIncidents, targetCostPerSuccessUsd: number | undefined): HealthComponents {
  const weight = Object.entries(open).reduce((a, [sev, n]) => a + (OPEN_INCIDENT_WEIGHT[sev as keyof OpenIncidents] ?? 0) * (n ?? 0), 0);
  return {
    reliability: mean([r.slaCompliance, r.budgetRemaining === null ? null : clamp01(r.budgetRemaining)]),
    quality: mean([r.qualityAvg, r.satisfactionAvg]),
    costEfficiency: targetCostPerSuccessUsd !== undefined && r.costPerSuccess !== null && r.costPerSuccess > 0 ? clamp01(targetCostPerSuccessUsd / r.costPerSuccess) : null,
    openIncidents: 1 / (1 + weight),
  };
}

/** 100 × Σ wᵢcᵢ / Σ wᵢ over the components with data (one decimal); null when none has. */
export function healthScore(c: HealthComponents, w: HealthWeights): HealthScore {
  let num = 0;
  let den = 0;
  for (const key of ['reliability', 'quality', 'costEfficiency', 'openIncidents'] as const) {
    const v = c[key];
    if (v === null || w[key] === 0) continue;
    num += w[key] * v;
    den += w[key];
  }
  return { score: den > 0 ? Math.round((1000 * num) / den) / 10 : null, components: c };
}

/** The estate's score: services' scores weighted by their requests (equal weights when nobody had traffic). */
export function estateScore(services: ReadonlyArray<{ service: string; score: number | null; requests: number }>): { score: number | null; worst: { service: string; score: number } | null } {
  const scored = services.filter((s): s is { service: string; score: number; requests: number } => s.score !== null);
  if (!scored.length) return { score: null, worst: null };
  const total = scored.reduce((a, s) => a + s.requests, 0);
  const score = total > 0 ? scored.reduce((a, s) => a + s.score * s.requests, 0) / total : scored.reduce((a, s) => a + s.score, 0) / scored.length;
  const worst = scored.reduce((a, s) => (s.score < a.score ? s : a));
  return { score: Math.round(score * 10) / 10, worst: { service: worst.service, score: worst.score } };
}
