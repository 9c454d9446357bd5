import type { Pool } from 'pg';
import type { Forecast } from '../../domain/analytics/forecast/forecast';

export type ForecastMetric = 'requests' | 'p95_ms' | 'quality' | 'cost_usd' | 'errors';

/** The two horizons every series is forecast for (days); each has its own backtest and intervals. */
export type ForecastHorizon = 7 | 30;

/** A stored forecast: the series starts at madeFor and moves in stepMs. */
export interface StoredForecast {
  service: string;
  metric: ForecastMetric;
  /** Days ahead; absent means 7 (rows from before the 30-day horizon existed). */
  horizonDays?: ForecastHorizon;
  madeFor: number;
  stepMs: number;
  forecast: Forecast;
}

/** Stores (or replaces, on a retry) one forecast. */
export async function storeForecast(pool: Pool, f: StoredForecast): Promise<void> {
  const x = f.forecast;
  await pool.query(
    `INSERT INTO forecasts (service, metric, made_for, step_ms, method, mase, coverage, point, intervals, note, horizon_days)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     ON CONFLICT (service, metric, horizon_days, made_for) DO UPDATE SET step_ms = EXCLUDED.step_ms, method = EXCLUDED.method, mase = EXCLUDED.mase,
       coverage = EXCLUDED.coverage, point = EXCLUDED.point, intervals = EXCLUDED.intervals, note = EXCLUDED.note, computed_at = now()`,
    [f.service, f.metric, new Date(f.madeFor), f.stepMs, x.method, JSON.stringify(x.mase), JSON.stringify(x.coverage), JSON.stringify(x.point), JSON.stringify(x.intervals), x.note ?? null, f.horizonDays ?? 7],
  );
}

/** The latest forecast of each service for a metric and horizon (7 days unless asked). */
export async function latestForecasts(pool: Pool, metric: ForecastMetric, horizonDays: ForecastHorizon = 7): Promise<StoredForecast[]> {
  const r = await pool.query<{ service: string; made_for: Date; step_ms: number; method: Forecast['method']; mase: Forecast['mase']; coverage: Forecast['coverage']; point: number[]; intervals: Forecast['intervals']; note: string | null }>(
    `SELECT DISTINCT ON (service) service, made_for, step_ms, method, mase, coverage, point, intervals, note
     FROM forecasts WHERE metric = $1 AND horizon_days = $2 ORDER BY service, made_for DESC`,
    [metric, horizonDays],
  );
  return r.rows.map((row) => ({
    service: row.service,
    metric,
    horizonDays,
    madeFor: row.made_for.getTime(),
    stepMs: row.step_ms,
    forecast: { method: row.method, mase: row.mase, coverage: row.coverage, point: row.point, intervals: row.intervals, ...(row.note ? { note: row.note } : {}) },
  }));
}
