import type { Pool } from 'pg';
import { storable } from './pg-text';
import type { TimelineEntry } from '../domain/incident-state';
import type { IncidentView } from '../domain/incident-view';

const ts = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms));

/**
 * Mirrors one workflow state change: upserts the incident row (never going back to an older
 * state, since projections may arrive late) and inserts the new timeline entries once each. One
 * statement (a data-modifying CTE), so it is atomic without a transaction: a projection costs one
 * round trip, not BEGIN, an upsert, one INSERT per entry and COMMIT.
 */
export async function projectIncident(pool: Pool, view: IncidentView, lastSeq: number, events: TimelineEntry[]): Promise<void> {
  await pool.query({
    name: 'vigil-project-incident',
    text: `WITH incident AS (
       INSERT INTO incidents (incident_id, workflow_id, fingerprint, service, kind, dimension, severity, status, title,
         details, labels, episode, occurrences, level, opened_at, acknowledged_at, acknowledged_by, resolved_at, resolved_by, last_seq)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20)
       ON CONFLICT (incident_id) DO UPDATE SET
         severity = EXCLUDED.severity, status = EXCLUDED.status, title = EXCLUDED.title, details = EXCLUDED.details,
         episode = EXCLUDED.episode, occurrences = EXCLUDED.occurrences, level = EXCLUDED.level,
         acknowledged_at = COALESCE(incidents.acknowledged_at, EXCLUDED.acknowledged_at),
         acknowledged_by = COALESCE(incidents.acknowledged_by, EXCLUDED.acknowledged_by),
         resolved_at = EXCLUDED.resolved_at, resolved_by = EXCLUDED.resolved_by,
         last_seq = EXCLUDED.last_seq, updated_at = now()
       WHERE incidents.last_seq < EXCLUDED.last_seq
     )
     INSERT INTO incident_events (incident_id, seq, at, type, actor, text, data)
     SELECT $1, e.seq, e.at, e.type, e.actor, e.text, e.data::jsonb
     FROM unnest($21::int[], $22::timestamptz[], $23::text[], $24::text[], $25::text[], $26::text[]) AS e(seq, at, type, actor, text, data)
     ON CONFLICT DO NOTHING`,
    values: [
      view.incidentId, view.workflowId, view.fingerprint, view.service, view.kind, view.dimension, view.severity,
      view.status, view.title, view.details, view.labels, view.episode, view.occurrences, view.level,
      ts(view.openedAt), ts(view.acknowledged?.at), view.acknowledged?.by ?? null, ts(view.resolved?.at),
      view.resolved?.by ?? null, lastSeq,
      events.map((e) => e.seq), events.map((e) => ts(e.at)), events.map((e) => e.type), events.map((e) => e.actor),
      events.map((e) => e.text), events.map((e) => (e.data === undefined || e.data === null ? null : JSON.stringify(e.data))),
    ],
  });
}

/**
 * Records a projection Postgres refused for its data (see activities/store): counted by /metrics.
 * `changedAt` is when the change was made in the workflow; an unrecovered one is projection lag
 * until a later change of the incident lands.
 */
export async function recordProjectionFailure(
  pool: Pool,
  view: IncidentView,
  lastSeq: number,
  error: string,
  recovered: boolean,
  changedAt: number,
): Promise<void> {
  await pool.query(
    'INSERT INTO projection_failures (incident_id, workflow_id, last_seq, error, recovered, changed_at) VALUES ($1, $2, $3, $4, $5, $6)',
    [storable(view.incidentId), storable(view.workflowId), lastSeq, storable(error).slice(0, 2000), recovered, new Date(changedAt)],
  );
}

/** What is not in Postgres yet: changes pending and the change time of the oldest (null when none). */
export interface ProjectionBacklog {
  pending: number;
  oldestChangeAt: Date | null;
  now: Date;
}

/**
 * The changes Postgres does not hold, as far as Postgres itself can tell: refused changes no later
 * change of their incident has superseded (the incident row is a whole view, so a later one that
 * lands carries everything), and projections the store activity is still retrying (connection
 * trouble, a constraint), dated by when their first attempt was scheduled. Changes still queued in
 * Temporal are invisible here; a projection activity that cannot even start shows in neither, but
 * then Temporal or the workers are down, which /healthz reports on its own.
 */
export async function projectionBacklog(pool: Pool, projectionActivity: string, staleAfterMs: number): Promise<ProjectionBacklog> {
  const r = await pool.query<{ pending: number; oldest: Date | null; now: Date }>(
    `WITH pending AS (
       SELECT f.changed_at AS since
       FROM projection_failures f LEFT JOIN incidents i ON i.incident_id = f.incident_id
       WHERE NOT f.recovered AND f.changed_at IS NOT NULL AND (i.last_seq IS NULL OR i.last_seq < f.last_seq)
       UNION ALL
       SELECT scheduled_at FROM activity_failures
       WHERE activity_type = $1 AND last_failed_at > now() - make_interval(secs => $2)
     )
     SELECT count(*)::int AS pending, min(since) AS oldest, now() AS now FROM pending`,
    [projectionActivity, staleAfterMs / 1000],
  );
  const row = r.rows[0];
  return { pending: row?.pending ?? 0, oldestChangeAt: row?.oldest ?? null, now: row?.now ?? new Date() };
}

/** A row of the incidents table as lists show it. */
export interface IncidentRow {
  incident_id: string;
  workflow_id: string;
  fingerprint: string;
  service: string;
  kind: string;
  severity: string;
  status: string;
  title: string;
  episode: number;
  occurrences: number;
  level: string | null;
  opened_at: Date;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
  resolved_at: Date | null;
  resolved_by: string | null;
}

export interface ListFilter {
  status?: 'open' | 'resolved' | 'all';
  service?: string;
  limit?: number;
}

/** Incidents newest first; "open" means anything not resolved. */
export async function listIncidents(pool: Pool, f: ListFilter = {}): Promise<IncidentRow[]> {
  const where: string[] = [];
  const args: unknown[] = [];
  if (f.status === 'open') where.push(`status <> 'resolved'`);
  if (f.status === 'resolved') where.push(`status = 'resolved'`);
  if (f.service) {
    args.push(f.service);
    where.push(`service = $${args.length}`);
  }
  args.push(Math.min(Math.max(f.limit ?? 50, 1), 1000));
  const r = await pool.query<IncidentRow>(
    `SELECT incident_id, workflow_id, fingerprint, service, kind, severity, status, title, episode, occurrences, level,
            opened_at, acknowledged_at, acknowledged_by, resolved_at, resolved_by
     FROM incidents ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY opened_at DESC LIMIT $${args.length}`,
    args,
  );
  return r.rows;
}

/** The newest incident for a workflow ID (an ID is reused after an incident closes). */
export async function latestIncident(pool: Pool, workflowId: string): Promise<IncidentRow | undefined> {
  const r = await pool.query<IncidentRow>(
    `SELECT incident_id, workflow_id, fingerprint, service, kind, severity, status, title, episode, occurrences, level,
            opened_at, acknowledged_at, acknowledged_by, resolved_at, resolved_by
     FROM incidents WHERE workflow_id = $1 ORDER BY opened_at DESC LIMIT 1`,
    [workflowId],
  );
  return r.rows[0];
}

/** Timeline entries of one incident as stored (complete, unlike the bounded workflow copy). */
export async function incidentEvents(pool: Pool, incidentId: string) {
  const r = await pool.query<{ seq: number; at: Date; type: string; actor: string; text: string }>(
    'SELECT seq, at, type, actor, text FROM incident_events WHERE incident_id = $1 ORDER BY seq',
    [incidentId],
  );
  return r.rows;
}
