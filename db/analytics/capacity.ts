import type { Pool } from 'pg';
import { inTransaction } from '../pool';
import { planCapacity } from '../../domain/analytics/capacity/planner';
import { rankCapacity, type CapacityRecommendation, type CapacitySource } from '../../domain/analytics/capacity/rank';
import { fitUsl } from '../../domain/analytics/capacity/usl';
import { DAY_MS } from '../../domain/analytics/slots';
import type { VigilConfig } from '../../domain/config';
import { latestForecasts } from './forecasts';
import { replicaLoad } from './replica-load';

/**
 * Capacity per service, ranked: per-replica capacity from the USL fit of its replicas' last week of
 * load (or the config override), against the 7-day traffic forecast's hourly 80 % upper bound as
 * req/s (an hourly mean: peaks within the hour need the headroom). Services without a traffic
 * forecast with intervals, or without a usable fit or override, get no plan.
 */
export async function computeCapacity(pool: Pool, config: VigilConfig, asOf: number): Promise<CapacityRecommendation[]> {
  const c = config.analytics.capacity;
  const [load, traffic] = await Promise.all([replicaLoad(pool, asOf - 7 * DAY_MS), latestForecasts(pool, 'requests', 7)]);
  const plans = [];
  for (const f of traffic) {
    const l = load.find((x) => x.service === f.service);
    const band = f.forecast.intervals.find((i) => i.level === 0.8);
    const override = c.perReplicaRps[f.service];
    const fit = l && override === undefined ? fitUsl(l.concurrency, l.throughput) : null;
    const perReplicaRps = override ?? (fit && Number.isFinite(fit.peakThroughput) ? fit.peakThroughput : undefined);
    if (!band || perReplicaRps === undefined) continue;
    const peaks = band.upper.map((v) => v / (f.stepMs / 1000));
    const source: CapacitySource = override !== undefined ? 'config' : 'usl_fit';
    const plan = planCapacity({
      service: f.service,
      perReplicaRps,
      currentReplicas: l?.currentReplicas ?? 1,
      forecastPeakRps: peaks,
      start: f.madeFor,
      stepMs: f.stepMs,
      headroom: c.headroom,
      ...(c.costPerReplicaHourUsd !== undefined ? { costPerReplicaHourUsd: c.costPerReplicaHourUsd } : {}),
    });
    plans.push({ ...plan, perReplicaRps, capacitySource: source, forecastPeakRps: Math.max(0, ...peaks) });
  }
  return rankCapacity(plans, asOf);
}

/** Replaces the recommendations of one Forecast run (a retry rewrites its own rows, in one transaction). */
export async function storeCapacity(pool: Pool, madeFor: number, recs: readonly CapacityRecommendation[]): Promise<void> {
  await inTransaction(pool, async (client) => {
    await client.query('DELETE FROM capacity_recommendations WHERE made_for = $1', [new Date(madeFor)]);
    for (const r of recs) {
      await client.query(
        `INSERT INTO capacity_recommendations (made_for, service, rank, kind, priority, current_replicas, replicas_needed, per_replica_rps, capacity_source,
           forecast_peak_rps, needed_from, monthly_cost_delta_usd, text)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
        [new Date(madeFor), r.service, r.rank, r.kind, r.priority, r.currentReplicas, r.replicasNeeded, r.perReplicaRps, r.capacitySource, r.forecastPeakRps, r.from, r.monthlyCostDeltaUsd, r.text],
      );
    }
  });
}

interface Row {
  service: string;
  rank: number;
  kind: CapacityRecommendation['kind'];
  priority: 1 | 2 | 3;
  current_replicas: number;
  replicas_needed: number;
  per_replica_rps: number;
  capacity_source: CapacitySource;
  forecast_peak_rps: number;
  needed_from: Date | null;
  monthly_cost_delta_usd: number | null;
  text: string;
}

/** The latest Forecast run's recommendations, in rank order (none before the first run). */
export async function latestCapacity(pool: Pool): Promise<CapacityRecommendation[]> {
  const r = await pool.query<Row>(
    `SELECT service, rank, kind, priority, current_replicas, replicas_needed, per_replica_rps, capacity_source, forecast_peak_rps, needed_from, monthly_cost_delta_usd, text
     FROM capacity_recommendations WHERE made_for = (SELECT max(made_for) FROM capacity_recommendations) ORDER BY rank`,
  );
  return r.rows.map((row) => ({
    service: row.service,
    rank: row.rank,
    kind: row.kind,
    priority: row.priority,
    currentReplicas: row.current_replicas,
    replicasNeeded: row.replicas_needed,
    perReplicaRps: row.per_replica_rps,
    capacitySource: row.capacity_source,
    forecastPeakRps: row.forecast_peak_rps,
    from: row.needed_from ? row.needed_from.toISOString() : null,
    monthlyCostDeltaUsd: row.monthly_cost_delta_usd,
    text: row.text,
  }));
}
