import type { Pool } from 'pg';

export interface StoredDeploy {
  id: string;
  service: string;
  version: string;
  at: string;
  description: string | null;
  recordedBy: string;
  recordedAt: string;
}

interface Row {
  id: string;
  service: string;
  version: string;
  at: Date;
  description: string | null;
  recorded_by: string;
  recorded_at: Date;
}

const COLUMNS = 'id, service, version, at, description, recorded_by, recorded_at';

const view = (r: Row): StoredDeploy => ({
  id: String(r.id),
  service: r.service,
  version: r.version,
  at: r.at.toISOString(),
  description: r.description,
  recordedBy: r.recorded_by,
  recordedAt: r.recorded_at.toISOString(),
});

/**
 * Stores a deploy once per (service, version, at); `created` is false when it was already stored,
 * and the stored row (with its first description) comes back, so a retried report changes nothing.
 */
export async function recordDeploy(
  pool: Pool,
  d: { service: string; version: string; at: Date; description?: string | undefined; recordedBy: string },
): Promise<{ deploy: StoredDeploy; created: boolean }> {
  const ins = await pool.query<Row>(
    `INSERT INTO deploys (service, version, at, description, recorded_by) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (service, version, at) DO NOTHING RETURNING ${COLUMNS}`,
    [d.service, d.version, d.at, d.description ?? null, d.recordedBy],
  );
  if (ins.rows[0]) return { deploy: view(ins.rows[0]), created: true };
  const got = await pool.query<Row>(`SELECT ${COLUMNS} FROM deploys WHERE service = $1 AND version = $2 AND at = $3`, [d.service, d.version, d.at]);
  return { deploy: view(got.rows[0]!), created: false };
}

/** Deploys at or after `since`, oldest first, for one service or all. */
export async function listDeploys(pool: Pool, q: { service?: string | undefined; since: Date; limit: number }): Promise<StoredDeploy[]> {
  const r = await pool.query<Row>(
    `SELECT ${COLUMNS} FROM deploys WHERE at >= $1 AND ($2::text IS NULL OR service = $2) ORDER BY at, id LIMIT $3`,
    [q.since, q.service ?? null, q.limit],
  );
  return r.rows.map(view);
}
