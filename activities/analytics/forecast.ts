import type { Pool } from 'pg';
import { readRollups } from '../../db/analytics/rollups';
import { storeForecast, type ForecastMetric } from '../../db/analytics/forecasts';
import { forecastSeries } from '../../domain/analytics/forecast/forecast';
import type { ServiceRollup } from '../../domain/analytics/rollup';
import { DAY_MS, HOUR_MS, slotOf } from '../../domain/analytics/slots';

/** Hourly history used per forecast: eight weeks (two to fit, two backtest origins of a week, room to spare). */
const HISTORY_MS = 56 * DAY_MS;
const WEEK_HOURS = 168;

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
}

export function createForecastActivities(deps: { pool: Pool }): ForecastActivities {
  return {
    async listForecastServices({ asOf }) {
      const r = await deps.pool.query<{ service: string }>('SELECT DISTINCT service FROM rollups_hourly WHERE slot_start >= $1 AND requests > 0 ORDER BY 1', [new Date(asOf - 7 * DAY_MS)]);
      return r.rows.map((row) => row.service);
    },
    async forecastService({ service, asOf }) {
      const end = slotOf(asOf, 'hour');
      const from = end - HISTORY_MS;
      const rows = await readRollups(deps.pool, 'hour', from, end, service);
      // Trim leading hours before the service existed; a missing hour later on is a gap (NaN), not a zero.
      const first = rows[0]?.slotStart ?? end;
      const byHour = new Map(rows.map((r) => [r.slotStart, r]));
      const methods: Record<string, string> = {};
      for (const [metric, read] of Object.entries(METRICS) as Array<[ForecastMetric, (r: ServiceRollup) => number | null]>) {
        const y: number[] = [];
        for (let t = first; t < end; t += HOUR_MS) {
          const r = byHour.get(t);
          const v = r ? read(r) : null;
          y.push(v === null ? Number.NaN : v);
        }
        const forecast = forecastSeries(y, { m1: 24, m2: WEEK_HOURS, horizon: WEEK_HOURS, origins: 2, levels: [0.8, 0.95] });
        await storeForecast(deps.pool, { service, metric, madeFor: end, stepMs: HOUR_MS, forecast });
        methods[metric] = forecast.method;
      }
      return { service, methods };
    },
  };
}
