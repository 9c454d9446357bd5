import type { Pool } from 'pg';
import { readRollups } from '../../db/analytics/rollups';
import { computeCapacity, storeCapacity } from '../../db/analytics/capacity';
import { perService, rollupsCovering } from '../../db/analytics/dashboard';
import { storeRecommendations } from '../../db/analytics/recommendations';
import { allRecommendations } from '../../domain/analytics/ranked-recommendations';
import { slaFor } from '../../domain/sla-config';
import { storeForecast, type ForecastHorizon, type ForecastMetric } from '../../db/analytics/forecasts';
import type { VigilConfig } from '../../domain/config';
import { forecastSeries } from '../../domain/analytics/forecast/forecast';
import type { ServiceRollup } from '../../domain/analytics/rollup';
import { DAY_MS, HOUR_MS, slotOf } from '../../domain/analytics/slots';

const WEEK_HOURS = 168;

/**
 * Per horizon, the hourly history read: two long seasons to fit plus two backtest origins of the
 * horizon, with room to spare (7 days: 8 weeks; 30 days: 120 days). Shorter history gets the
 * seasonal-naive baseline with a note saying so.
 */
const HORIZONS: ReadonlyArray<{ days: ForecastHorizon; historyMs: number }> = [
  { days: 7, historyMs: 56 * DAY_MS },
  { days: 30, historyMs: 120 * DAY_MS },
];

const METRICS: Record<ForecastMetric, (r: ServiceRollup) => number | null> = {
  requests: (r) => r.requests,
  p95_ms: (r) => r.p95Ms,
  quality: (r) => r.qualityAvg,
  cost_usd: (r) => r.costUsd,
  // For the error-budget insight: the SLO window's remaining budget against the errors' 80 % band.
  errors: (r) => r.errors,
};

/** The rollup rules (error budget, quality, cost, spend) judge the week before the run against the week before that. */
const JUDGED_MS = 7 * DAY_MS;

/** Activities of the Forecast workflow, on the vigil-ml queue (CPU-bound fits). */
export interface ForecastActivities {
  listForecastServices(input: { asOf: number }): Promise<string[]>;
  forecastService(input: { service: string; asOf: number }): Promise<{ service: string; methods: Record<string, string> }>;
  /**
   * Plans capacity from the run's traffic forecasts (capacity_recommendations), then stores every
   * recommendation of the run ranked in one list (recommendations): the capacity plans' and the
   * rules' on the last week of rollups. Both replace the run's own rows.
   */
  planCapacity(input: { asOf: number }): Promise<{ recommendations: number; ranked: number }>;
}

/** `config` gives capacity planning its headroom, per-replica overrides and replica cost. */
export function createForecastActivities(deps: { pool: Pool; config: VigilConfig }): ForecastActivities {
  return {
    async listForecastServices({ asOf }) {
      const r = await deps.pool.query<{ service: string }>('SELECT DISTINCT service FROM rollups_hourly WHERE slot_start >= $1 AND requests > 0 ORDER BY 1', [new Date(asOf - 7 * DAY_MS)]);
      return r.rows.map((row) => row.service);
    },
    async forecastService({ service, asOf }) {
      const end = slotOf(asOf, 'hour');
      const longest = Math.max(...HORIZONS.map((h) => h.historyMs));
      const rows = await readRollups(deps.pool, 'hour', end - longest, end, service);
      const byHour = new Map(rows.map((r) => [r.slotStart, r]));
      const methods: Record<string, string> = {};
      for (const h of HORIZONS) {
        // Trim leading hours before the service existed; a missing hour later on is a gap (NaN), not a zero.
        const first = rows.find((r) => r.slotStart >= end - h.historyMs)?.slotStart ?? end;
        for (const [metric, read] of Object.entries(METRICS) as Array<[ForecastMetric, (r: ServiceRollup) => number | null]>) {
          const y: number[] = [];
          for (let t = first; t < end; t += HOUR_MS) {
            const r = byHour.get(t);
            const v = r ? read(r) : null;
            y.push(v === null ? Number.NaN : v);
          }
          const forecast = forecastSeries(y, { m1: 24, m2: WEEK_HOURS, horizon: h.days * 24, origins: 2, levels: [0.8, 0.95] });
          await storeForecast(deps.pool, { service, metric, horizonDays: h.days, madeFor: end, stepMs: HOUR_MS, forecast });
          methods[h.days === 7 ? metric : `${metric}@${h.days}d`] = forecast.method;
        }
      }
      return { service, methods };
    },
    async planCapacity({ asOf }) {
      const madeFor = slotOf(asOf, 'hour');
      const recs = await computeCapacity(deps.pool, deps.config, madeFor);
      await storeCapacity(deps.pool, madeFor, recs);
      const from = madeFor - JUDGED_MS;
      const [current, previous] = await Promise.all([rollupsCovering(deps.pool, from, madeFor), rollupsCovering(deps.pool, from - JUDGED_MS, from)]);
      const prev = new Map(perService(previous, from - JUDGED_MS).map((r) => [r.service, r]));
      const now = perService(current, from);
      const c = deps.config;
      const budget = c.analytics.assumptions.monthlyBudgetUsd;
      const ranked = allRecommendations({
        capacity: recs,
        services: now.map((r) => ({ current: r, previous: prev.get(r.service) ?? null, minQuality: slaFor(c.services, c.slaDefaults, r.service).minQuality })),
        periodDays: JUDGED_MS / DAY_MS,
        spendUsd: now.reduce((a, r) => a + r.costUsd, 0),
        ...(budget !== undefined ? { monthlyBudgetUsd: budget } : {}),
      });
      await storeRecommendations(deps.pool, madeFor, from, ranked);
      return { recommendations: recs.length, ranked: ranked.length };
    },
  };
}
