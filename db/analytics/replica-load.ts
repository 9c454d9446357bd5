import type { Pool } from 'pg';

/** Per-replica load points of a service: (concurrency by Little's law, throughput), one per window. */
export interface ReplicaLoad {
  service: string;
  concurrency: number[];
  throughput: number[];
  /** Replicas (sources) that reported in the latest hour with windows. */
  currentReplicas: number;
}

/**
 * Each replica window (source) since `since` as a load point: throughput = requests / duration,
 * concurrency = throughput × mean latency (Little's law: busy requests at once). Capped per service.
 */
export async function replicaLoad(pool: Pool, since: number, perService = 5000): Promise<ReplicaLoad[]> {
  const r = await pool.query<{ service: string; n: number[]; x: number[] }>(
    `SELECT service, array_agg(n) AS n, array_agg(x) AS x FROM (
       SELECT service, (sketch->>'sum')::float8 / 1000 / (duration_ms / 1000.0) AS n, count / (duration_ms / 1000.0) AS x,
              row_number() OVER (PARTITION BY service ORDER BY window_start DESC) AS k
       FROM metric_windows WHERE window_start >= $1 AND count > 0 AND source <> '~samples') w
     WHERE k <= $2 GROUP BY service`,
    [new Date(since), perService],
  );
  const cur = await pool.query<{ service: string; replicas: number }>(
    `SELECT service, replicas FROM (SELECT service, replicas, row_number() OVER (PARTITION BY service ORDER BY slot_start DESC) AS k
     FROM rollups_hourly WHERE slot_start >= $1 AND replicas > 0) r WHERE k = 1`,
    [new Date(since)],
  );
  const replicas = new Map(cur.rows.map((row) => [row.service, row.replicas]));
  return r.rows.map((row) => ({ service: row.service, concurrency: row.n.map(Number), throughput: row.x.map(Number), currentReplicas: replicas.get(row.service) ?? 1 }));
}
