import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { Matcher } from '../domain/matchers';
import type { Silence } from '../domain/suppression';

interface SilenceRow {
  id: string;
  matchers: Matcher[];
  starts_at: Date;
  ends_at: Date;
  created_by: string;
  comment: string;
  incident_workflow_id: string | null;
  created_at: Date;
}

/** A stored silence as the API and CLI show it. */
export interface StoredSilence extends Silence {
  incidentWorkflowId: string | null;
  createdAt: number;
}

const toSilence = (r: SilenceRow): StoredSilence => ({
  id: r.id,
  matchers: r.matchers,
  startsAt: r.starts_at.getTime(),
  endsAt: r.ends_at.getTime(),
  createdBy: r.created_by,
  comment: r.comment,
  incidentWorkflowId: r.incident_workflow_id,
  createdAt: r.created_at.getTime(),
});

export interface NewSilence {
  matchers: Matcher[];
  startsAt: number;
  endsAt: number;
  createdBy: string;
  comment: string;
  incidentWorkflowId?: string;
}

/** Stores a silence and returns it with its new id. */
export async function createSilence(pool: Pick<Pool, 'query'>, s: NewSilence): Promise<StoredSilence> {
  const r = await pool.query<SilenceRow>(
    `INSERT INTO silences (id, matchers, starts_at, ends_at, created_by, comment, incident_workflow_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
    [randomUUID(), JSON.stringify(s.matchers), new Date(s.startsAt), new Date(s.endsAt), s.createdBy, s.comment, s.incidentWorkflowId ?? null],
  );
  return toSilence(r.rows[0]!);
}

/**
 * Silences in force at `now` (or starting later, with `includePending`): not yet ended, and when
 * tied to an incident, only while that incident is not resolved.
 */
export async function activeSilences(pool: Pool, now: number, includePending = false): Promise<StoredSilence[]> {
  const r = await pool.query<SilenceRow>(
    `SELECT s.* FROM silences s
     WHERE s.ends_at > $1 AND ($2 OR s.starts_at <= $1)
       AND (s.incident_workflow_id IS NULL OR EXISTS (
             SELECT 1 FROM incidents i WHERE i.workflow_id = s.incident_workflow_id AND i.status <> 'resolved'))
     ORDER BY s.starts_at`,
    [new Date(now), includePending],
  );
  return r.rows.map(toSilence);
}

/** Silences not ended at `now`, started or not, tied to an incident or not (db/silence-watch.ts). */
export async function unendedSilences(pool: Pick<Pool, 'query'>, now: number): Promise<StoredSilence[]> {
  const r = await pool.query<SilenceRow>('SELECT * FROM silences WHERE ends_at > $1 ORDER BY starts_at', [new Date(now)]);
  return r.rows.map(toSilence);
}

/** Every silence, newest first (for `list --all`). */
export async function allSilences(pool: Pool, limit = 200): Promise<StoredSilence[]> {
  const r = await pool.query<SilenceRow>('SELECT * FROM silences ORDER BY created_at DESC LIMIT $1', [limit]);
  return r.rows.map(toSilence);
}

/** One silence by id, running or not; undefined when there is none. */
export async function silenceById(pool: Pick<Pool, 'query'>, id: string): Promise<StoredSilence | undefined> {
  const r = await pool.query<SilenceRow>('SELECT * FROM silences WHERE id = $1', [id]);
  return r.rows[0] ? toSilence(r.rows[0]) : undefined;
}

/** Ends a silence now; false when no such silence is still running. */
export async function expireSilence(pool: Pick<Pool, 'query'>, id: string, now: number): Promise<boolean> {
  const r = await pool.query(
    `UPDATE silences SET ends_at = greatest(starts_at + interval '1 millisecond', $2) WHERE id = $1 AND ends_at > $2`,
    [id, new Date(now)],
  );
  return (r.rowCount ?? 0) > 0;
}

/** Open incidents with their labels, the candidates for inhibition sources. */
export async function openIncidentLabels(pool: Pool) {
  const r = await pool.query<{ workflow_id: string; service: string; kind: string; dimension: string; severity: string; labels: Record<string, string> }>(
    `SELECT workflow_id, service, kind, dimension, severity, labels FROM incidents WHERE status <> 'resolved'`,
  );
  return r.rows.map((o) => ({ workflowId: o.workflow_id, service: o.service, kind: o.kind, dimension: o.dimension, severity: o.severity, labels: o.labels }));
}
