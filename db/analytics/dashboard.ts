import type { Pool } from 'pg';
import { executiveDashboard, type ExecutiveDashboard } from '../../domain/analytics/dashboard';
import type { OpenIncidents } from '../../domain/analytics/health-score';
import { PERIOD_LENGTH_MS, type DashboardPeriod } from '../../domain/analytics/period';
import { combineRollups, type ServiceRollup } from '../../domain/analytics/rollup';
import { DAY_MS, HOUR_MS } from '../../domain/analytics/slots';
import type { VigilConfig } from '../../domain/config';
import { slaFor } from '../../domain/sla-config';
import { fromRow, ROLLUP_COLUMNS } from './rollup-rows';
import { rollupWatermark } from './rollups';
import { latestForecasts, type ForecastMetric, type StoredForecast } from './forecasts';
import { latestCapacity } from './capacity';
import { budgetCrossingInsight, errorBudgetInsight, slaCrossingInsight, trafficPeakInsight, type Insight } from '../../domain/analytics/insights';
import { latestRecommendations } from './recommendations';

const COLUMNS = ROLLUP_COLUMNS.map(([c]) => c).join(', ');

/**
 * The rollups covering [from, to): daily rows for the whole days that have one, hourly rows for the
 * rest (the edges, and days not rolled yet), so a 90-day period reads ~90 rows per service, not 2,160.
 */
export async function rollupsCovering(pool: Pool, from: number, to: number): Promise<ServiceRollup[]> {
  const days = await pool.query(
    `SELECT ${COLUMNS} FROM rollups_daily WHERE slot_start >= $1 AND slot_start + interval '1 day' <= $2`,
    [new Date(from), new Date(to)],
  );
  const runs = await pool.query<{ slot_start: Date }>(
    `SELECT slot_start FROM rollup_runs WHERE period = 'day' AND slot_start >= $1 AND slot_start + interval '1 day' <= $2`,
    [new Date(from), new Date(to)],
  );
  const covered = runs.rows.map((r) => r.slot_start);
  const hours = await pool.query(
    `SELECT ${COLUMNS} FROM rollups_hourly WHERE slot_start >= $1 AND slot_start < $2 AND date_trunc('day', slot_start AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' <> ALL($3::timestamptz[])`,
    [new Date(from), new Date(to), covered],
  );
  return [...days.rows, ...hours.rows].map(fromRow);
}

/** Each service's rollups combined into one per service. */
export function perService(parts: readonly ServiceRollup[], from: number): ServiceRollup[] {
  const by = new Map<string, ServiceRollup[]>();
  for (const p of parts) {
    const list = by.get(p.service);
    if (list) list.push(p);
    else by.set(p.service, [p]);
  }
  return [...by].map(([service, ps]) => combineRollups(service, from, ps));
}

/** The estate per step (hour for 24h, day otherwise): the trend series, one combine per step. */
function perStep(parts: readonly ServiceRollup[], stepMs: number): ServiceRollup[] {
  const by = new Map<number, ServiceRollup[]>();
  for (const p of parts) {
    const k = Math.floor(p.slotStart / stepMs) * stepMs;
    const list = by.get(k);
    if (list) list.push(p);
    else by.set(k, [p]);
  }
  return [...by].map(([k, ps]) => combineRollups('*', k, ps));
}

/** Open incidents per service by severity (for the health score's open-incidents component). */
export async function openIncidentsByService(pool: Pool): Promise<Record<string, OpenIncidents>> {
  const r = await pool.query<{ service: string; severity: keyof OpenIncidents; n: string }>(
    "SELECT service, severity, count(*) AS n FROM incidents WHERE status <> 'resolved' GROUP BY 1, 2",
  );
  const out: Record<string, OpenIncidents> = {};
  for (const row of r.rows) out[row.service] = { ...out[row.service], [row.severity]: Number(row.n) };
  return out;
}

/**
 * The 30-day forecasts when every service's has intervals (they see further), else the 7-day ones:
 * a 30-day forecast is the interval-less baseline on less than 74 days of history, and the budget
 * sums services step by step, so all must reach as far.
 */
async function furthestForecasts(pool: Pool, metric: ForecastMetric): Promise<StoredForecast[]> {
  const [week, month] = await Promise.all([latestForecasts(pool, metric, 7), latestForecasts(pool, metric, 30)]);
  const usable = month.filter((f) => f.forecast.intervals.length > 0);
  return usable.length > 0 && usable.length === week.length && week.every((w) => usable.some((m) => m.service === w.service)) ? usable : week;
}

/** The estate's monthly budget against spend so far plus the latest cost forecasts (30-day where they have intervals). */
async function budgetInsight(pool: Pool, monthlyBudgetUsd: number): Promise<Insight | null> {
  const cost = await furthestForecasts(pool, 'cost_usd');
  const start = Math.min(...cost.map((c) => c.madeFor));
  if (!cost.length || !Number.isFinite(start)) return null;
  const d = new Date(start);
  const monthStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  const monthEnd = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  const spent = await pool.query<{ usd: number | null }>('SELECT sum(cost_usd) AS usd FROM rollups_hourly WHERE slot_start >= $1 AND slot_start < $2', [new Date(monthStart), new Date(start)]);
  return budgetCrossingInsight(cost.map((c) => ({ forecast: c.forecast, start: c.madeFor, stepMs: c.stepMs })), spent.rows[0]?.usd ?? 0, monthlyBudgetUsd, monthEnd);
}

/**
 * Each service's error budget as of the latest rolled hour before `to`: the share left, and the errors
 * the SLO window allows ((1 − objective) × its requests), for projecting against the errors forecast.
 */
async function errorBudgetInsights(pool: Pool, config: VigilConfig, to: number): Promise<Insight[]> {
  const errors = await furthestForecasts(pool, 'errors');
  if (!errors.length) return [];
  const window = config.analytics.sloWindow;
  const r = await pool.query<{ service: string; remaining: number | null; requests: string }>(
    `SELECT l.service, l.budget_remaining AS remaining, w.requests
     FROM (SELECT DISTINCT ON (service) service, budget_remaining FROM rollups_hourly WHERE slot_start < $2 ORDER BY service, slot_start DESC) l
     JOIN (SELECT service, sum(requests) AS requests FROM rollups_hourly WHERE slot_start >= $1 AND slot_start < $2 GROUP BY service) w USING (service)`,
    [new Date(to - window), new Date(to)],
  );
  const out: Insight[] = [];
  for (const f of errors) {
    const row = r.rows.find((x) => x.service === f.service);
    if (!row || row.remaining === null) continue;
    const objective = slaFor(config.services, config.slaDefaults, f.service).slo.availability;
    const i = errorBudgetInsight(f.service, f.forecast, { remainingShare: row.remaining, allowedErrors: (1 - objective) * Number(row.requests) }, f.madeFor, f.stepMs);
    if (i) out.push(i);
  }
  return out;
}

/**
 * The executive dashboard for a period ending with the last rolled hour (so a half-written hour
 * never shows), compared with the period before it. `endAt` caps the end (a scheduled report
 * covers the period up to its own slot, even when it runs late).
 */
export async function loadDashboard(pool: Pool, config: VigilConfig, period: DashboardPeriod, now = Date.now(), o: { endAt?: number } = {}): Promise<ExecutiveDashboard> {
  const watermark = await rollupWatermark(pool, 'hour');
  const rolled = watermark !== null ? watermark + HOUR_MS : Math.floor(now / HOUR_MS) * HOUR_MS;
  const to = o.endAt !== undefined ? Math.min(rolled, Math.floor(o.endAt / HOUR_MS) * HOUR_MS) : rolled;
  const len = PERIOD_LENGTH_MS[period];
  const from = to - len;
  const [current, previous, open, p95, traffic, capacity, stored, budgets] = await Promise.all([
    rollupsCovering(pool, from, to),
    rollupsCovering(pool, from - len, from),
    openIncidentsByService(pool),
    furthestForecasts(pool, 'p95_ms'),
    latestForecasts(pool, 'requests'),
    // Stored by the Forecast workflow with its forecasts: the report shows what was planned, ranked.
    latestCapacity(pool),
    // Every recommendation of the latest Forecast run, ranked there (null before the first run).
    latestRecommendations(pool),
    errorBudgetInsights(pool, config, to),
  ]);
  const insights: Insight[] = [...budgets];
  for (const f of p95) {
    const sla = slaFor(config.services, config.slaDefaults, f.service).p95LatencyMs;
    const i = slaCrossingInsight(f.service, f.forecast, sla, f.madeFor, f.stepMs);
    if (i) insights.push(i);
  }
  for (const f of traffic) {
    const i = trafficPeakInsight(f.service, f.forecast, f.madeFor, f.stepMs);
    if (i) insights.push(i);
  }
  const budget = config.analytics.assumptions.monthlyBudgetUsd;
  if (budget !== undefined) {
    const i = await budgetInsight(pool, budget);
    if (i) insights.push(i);
  }
  return executiveDashboard({
    period,
    from,
    to,
    current: perService(current, from),
    previous: perService(previous, from - len),
    steps: perStep(current, period === '24h' ? HOUR_MS : DAY_MS),
    open,
    weights: config.analytics.healthWeights,
    assumptions: config.analytics.assumptions,
    minQuality: (service) => slaFor(config.services, config.slaDefaults, service).minQuality,
    sliceMs: config.analytics.sliceDuration,
    generatedAt: now,
    insights,
    capacity,
    ...(stored ? { recommendations: stored } : {}),
  });
}
