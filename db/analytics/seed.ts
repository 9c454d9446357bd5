import type { Pool } from 'pg';
import type { IncidentFact } from '../../domain/analytics/rollup';

/** A synthetic incident for `vigil seed` (ids prefixed seed-, labelled seed=true). */
export interface SeedIncident extends IncidentFact {
  id: string;
  service: string;
  title: string;
}

/** Inserts synthetic incident projections once (a second seed of the same span adds nothing). */
export async function insertSeedIncidents(pool: Pool, incidents: readonly SeedIncident[]): Promise<number> {
  let inserted = 0;
  for (const i of incidents) {
    const status = i.resolvedAt !== null ? 'resolved' : i.acknowledgedAt !== null ? 'acknowledged' : 'open';
    const r = await pool.query(
      `INSERT INTO incidents (incident_id, workflow_id, fingerprint, service, kind, dimension, severity, status, title, labels, episode, occurrences,
                              opened_at, acknowledged_at, acknowledged_by, resolved_at, resolved_by, last_seq)
       VALUES ($1, $2, $3, $4, $5, 'seed', $6, $7, $8, '{"seed":"true"}', 1, 1, $9, $10, $11, $12, $13, 0)
       ON CONFLICT (incident_id) DO NOTHING`,
      [
        i.id, `seed/${i.id}`, i.id, i.service, i.kind, i.severity, status, i.title, new Date(i.openedAt),
        i.acknowledgedAt === null ? null : new Date(i.acknowledgedAt), i.acknowledgedAt === null ? null : 'seed',
        i.resolvedAt === null ? null : new Date(i.resolvedAt), i.resolvedAt === null ? null : 'seed',
      ],
    );
    inserted += r.rowCount ?? 0;
  }
  return inserted;
}
