// generate_executive_dashboard(period) in the seed's shape, from period rollups: pure, so the API,
// the CLI and the weekly report show the very same numbers.
import { businessImpact, type ImpactFigure } from './business-impact';
import type { Assumptions, HealthWeights } from './config-schema';
import { estateScore, healthComponents, healthScore, type HealthComponents, type OpenIncidents } from './health-score';
import type { DashboardPeriod } from './period';
import { allRecommendations, type RankedRecommendation } from './ranked-recommendations';
import { combineRollups, type ServiceRollup } from './rollup';
import { trendOf, type Trend } from './trend';
import type { Insight } from './insights';
import type { CapacityRecommendation } from './capacity/rank';

export interface DashboardInput {
  period: DashboardPeriod;
  from: number;
  to: number;
  /** Each service's rollup over the period, and over the period before (same length). */
  current: readonly ServiceRollup[];
  previous: readonly ServiceRollup[];
  /** Rollups of each day (hour for 24h) of the period, for trends (per service or already the estate's: they are summed per step). */
  steps: readonly ServiceRollup[];
  open: Readonly<Record<string, OpenIncidents>>;
  weights: HealthWeights;
  assumptions: Assumptions;
  minQuality: (service: string) => number;
  sliceMs: number;
  generatedAt: number;
  /** Insights read off the latest forecasts (domain/analytics/insights.ts). */
  insights?: readonly Insight[];
  /** Ranked capacity recommendations of the latest Forecast run (USL capacity against the traffic forecast). */
  capacity?: readonly CapacityRecommendation[];
  /** The latest Forecast run's stored, ranked recommendations; absent (no run yet): computed from this period's rollups. */
  recommendations?: readonly RankedRecommendation[];
}

/** A figure beside its value for the period before: what an executive reads first. */
export interface Delta {
  value: number | null;
  previous: number | null;
  change: number | null;
}

export interface ServiceSummary {
  service: string;
  health_score: number | null;
  components: HealthComponents;
  requests: number;
  availability: number | null;
  sla_compliance: number | null;
  p95_ms: number | null;
  quality: number | null;
  satisfaction: number | null;
  cost_usd: number;
  cost_per_successful_answer: number | null;
  error_budget_remaining: number | null;
  budget_exhaustion_hours: number | null;
  incidents_opened: number;
  mtta_seconds: number | null;
  mttr_seconds: number | null;
  open_incidents: OpenIncidents;
}

export interface ExecutiveDashboard {
  period: { name: DashboardPeriod; from: string; to: string; generated_at: string };
  executive_summary: {
    overall_health_score: Delta & { worst_service: { service: string; score: number } | null };
    sla_compliance_rate: Delta;
    cost_efficiency_trend: Delta & { unit: 'usd_per_successful_answer'; trend: Trend | null };
    user_satisfaction: Delta & { trend: Trend | null };
    requests: Delta;
    mtta_seconds: Delta;
    mttr_seconds: Delta;
  };
  business_impact: { figures: ImpactFigure[]; not_configured: string[] };
  predictive_insights: Array<{ service: string; kind: string; text: string; from: string | null; to: string | null; probability: number | null; method: string }>;
  recommendations: RankedRecommendation[];
  capacity: CapacityRecommendation[];
  services: ServiceSummary[];
}

const delta = (value: number | null, previous: number | null): Delta => ({ value, previous, change: value !== null && previous !== null ? value - previous : null });
const ratio = (a: number, b: number) => (b > 0 ? a / b : null);
const r4 = (x: number | null) => (x === null ? null : Math.round(x * 10_000) / 10_000);

function summarise(service: string, r: ServiceRollup, open: OpenIncidents, i: DashboardInput): ServiceSummary {
  const h = healthScore(healthComponents(r, open, i.assumptions.targetCostPerSuccessUsd), i.weights);
  return {
    service,
    health_score: h.score,
    components: h.components,
    requests: r.requests,
    availability: r.availability,
    sla_compliance: r.slaCompliance,
    p95_ms: r.p95Ms,
    quality: r.qualityAvg,
    satisfaction: r.satisfactionAvg,
    cost_usd: r.costUsd,
    cost_per_successful_answer: r.costPerSuccess,
    error_budget_remaining: r.budgetRemaining,
    budget_exhaustion_hours: r.exhaustionHours,
    incidents_opened: r.incidentsOpened,
    mtta_seconds: ratio(r.ackSeconds, r.acks),
    mttr_seconds: ratio(r.resolveSeconds, r.resolves),
    open_incidents: open,
  };
}

/** The estate's step series (one point per day or hour), summed over services. */
function estateSteps(steps: readonly ServiceRollup[]): ServiceRollup[] {
  const bySlot = new Map<number, ServiceRollup[]>();
  for (const s of steps) {
    const list = bySlot.get(s.slotStart);
    if (list) list.push(s);
    else bySlot.set(s.slotStart, [s]);
  }
  return [...bySlot].sort((a, b) => a[0] - b[0]).map(([slot, parts]) => combineRollups('*', slot, parts));
}

function seriesTrend(points: Array<[number, number | null]>, stepMs: number): Trend | null {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const [t, v] of points) {
    if (v === null) continue;
    xs.push(t / stepMs);
    ys.push(v);
  }
  return trendOf(ys, xs);
}

export function executiveDashboard(i: DashboardInput): ExecutiveDashboard {
  const prevOf = new Map(i.previous.map((r) => [r.service, r]));
  const services = i.current.map((r) => summarise(r.service, r, i.open[r.service] ?? {}, i)).sort((a, b) => (a.health_score ?? 101) - (b.health_score ?? 101));
  const previous = i.previous.map((r) => summarise(r.service, r, {}, i));
  const estate = estateScore(services.map((s) => ({ service: s.service, score: s.health_score, requests: s.requests })));
  const estatePrev = estateScore(previous.map((s) => ({ service: s.service, score: s.health_score, requests: s.requests })));
  const all = combineRollups('*', i.from, i.current);
  const allPrev = i.previous.length ? combineRollups('*', i.from, i.previous) : null;
  const stepMs = i.period === '24h' ? 3_600_000 : 86_400_000;
  const est = estateSteps(i.steps);
  const periodDays = (i.to - i.from) / 86_400_000;
  const badMinutes = ((all.slicesJudged - all.slicesGood) * i.sliceMs) / 60_000;
  const figures = businessImpact(i.assumptions, { successfulAnswers: all.requests - all.errors, outageMinutes: badMinutes, spendUsd: all.costUsd, periodDays });
  const wanted: Array<[string, Array<keyof Assumptions>]> = [
    ['productivity_value', ['minutesSavedPerAnswer', 'loadedHourlyCostUsd']],
    ['revenue_value', ['valuePerResolvedQueryUsd']],
    ['outage_cost', ['outageMinuteCostUsd']],
    ['spend_vs_budget', ['monthlyBudgetUsd']],
  ];
  const notConfigured = wanted.filter(([name]) => !figures.some((f) => f.name === name)).map(([name, keys]) => `${name}: set analytics.assumptions.${keys.join(' and analytics.assumptions.')}`);
  const insights: ExecutiveDashboard['predictive_insights'] = [...(i.insights ?? [])];
  // The linear projection only where no errors forecast gave a dated range with its probability.
  const forecastBudget = new Set(insights.filter((x) => x.kind === 'error_budget_exhaustion').map((x) => x.service));
  for (const s of services) {
    if (forecastBudget.has(s.service)) continue;
    if (s.budget_exhaustion_hours !== null && s.budget_exhaustion_hours > 0 && s.budget_exhaustion_hours < 30 * 24) {
      const at = new Date(i.to + s.budget_exhaustion_hours * 3_600_000).toISOString();
      insights.push({ service: s.service, kind: 'error_budget_exhaustion', text: `error budget of ${s.service} exhausted around ${at.slice(0, 10)} at the latest hour's burn rate`, from: at, to: at, probability: null, method: 'linear projection of the current burn rate (no forecast interval)' });
    }
  }
  return {
    period: { name: i.period, from: new Date(i.from).toISOString(), to: new Date(i.to).toISOString(), generated_at: new Date(i.generatedAt).toISOString() },
    executive_summary: {
      overall_health_score: { ...delta(estate.score, estatePrev.score), worst_service: estate.worst },
      sla_compliance_rate: delta(r4(all.slaCompliance), r4(allPrev?.slaCompliance ?? null)),
      cost_efficiency_trend: {
        ...delta(all.costPerSuccess, allPrev?.costPerSuccess ?? null),
        unit: 'usd_per_successful_answer',
        trend: seriesTrend(est.map((s) => [s.slotStart, s.costPerSuccess]), stepMs),
      },
      user_satisfaction: { ...delta(r4(all.satisfactionAvg), r4(allPrev?.satisfactionAvg ?? null)), trend: seriesTrend(est.map((s) => [s.slotStart, s.satisfactionAvg]), stepMs) },
      requests: delta(all.requests, allPrev?.requests ?? null),
      mtta_seconds: delta(ratio(all.ackSeconds, all.acks), allPrev ? ratio(allPrev.ackSeconds, allPrev.acks) : null),
      mttr_seconds: delta(ratio(all.resolveSeconds, all.resolves), allPrev ? ratio(allPrev.resolveSeconds, allPrev.resolves) : null),
    },
    business_impact: { figures, not_configured: notConfigured },
    predictive_insights: insights,
    capacity: [...(i.capacity ?? [])],
    recommendations: i.recommendations
      ? [...i.recommendations]
      : allRecommendations({
          capacity: i.capacity ?? [],
          services: i.current.map((c) => ({ current: c, previous: prevOf.get(c.service) ?? null, minQuality: i.minQuality(c.service) })),
          periodDays,
          spendUsd: all.costUsd,
          ...(i.assumptions.monthlyBudgetUsd !== undefined ? { monthlyBudgetUsd: i.assumptions.monthlyBudgetUsd } : {}),
        }),
    services,
  };
}
