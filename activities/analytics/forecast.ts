import type { Pool } from 'pg';
import { readRollups } from '../../db/analytics/rollups';
import { computeCapacity, storeCapacity } from '../../db/analytics/capacity';
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
};

/** Activities of the Forecast workflow, on the vigil-ml queue (CPU-bound fits). */
export interface ForecastActivities {
  listForecastServices(input: { asOf: number }): Promise<string[]>;
  forecastService(input: { service: string; asOf: number }): Promise<{ service: string; methods: Record<string, string> }>;
  /** Plans capacity from the run's traffic forecasts and stores the ranked recommendations (replacing the run's own). */
  planCapacity(input: { asOf: number }): Promise<{ recommendations: number }>;
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
      return { recommendations: recs.length };
    },
  };
}
