import type { Pool } from 'pg';
import type { ActivitySubject } from '../domain/health/activity-subject';
import type { PendingSuccess } from '../domain/health/failure-hints';
import { storable } from './pg-text';

/** Stored error text: enough to recognise the cause on /healthz, never a whole provider response. */
export const MAX_ERROR_CHARS = 500;

/** Cut first, then made storable: a cut through a surrogate pair leaves a lone half, which storable replaces. */
export function storableError(message: string): string {
  return storable(message.slice(0, MAX_ERROR_CHARS));
}

export interface FailedAttempt extends ActivitySubject {
  attempt: number;
  scheduledAt: number;
  at: number;
  error: string;
}

/**
 * One failed attempt: creates the subject's row or bumps it. The first failure time and scheduled
 * time stay those of the first failure, which is what "failing for how long" measures.
 */
export async function recordActivityFailure(pool: Pool, f: FailedAttempt): Promise<void> {
  await pool.query(
    `INSERT INTO activity_failures AS a (activity_type, workflow_id, subject, attempts, scheduled_at, first_failed_at, last_failed_at, last_error)
     VALUES ($1, $2, $3, $4, $5, $6, $6, $7)
     ON CONFLICT (activity_type, workflow_id, subject) DO UPDATE SET
       attempts = GREATEST(a.attempts + 1, EXCLUDED.attempts), last_failed_at = GREATEST(a.last_failed_at, EXCLUDED.last_failed_at),
       last_error = EXCLUDED.last_error`,
    [storable(f.activityType), storable(f.workflowId), storable(f.subject), f.attempt, new Date(f.scheduledAt), new Date(f.at), storableError(f.error)],
  );
}

/**
 * A retry starting after a failure no worker saw end: its attempt timed out or its worker was lost
 * (an activity that throws is recorded by the worker it ran on). Creates the row if that failure
 * left none; a row that exists keeps its error, which says more than this.
 */
export async function recordUnseenFailure(pool: Pool, f: Omit<FailedAttempt, 'error'>): Promise<void> {
  await pool.query(
    `INSERT INTO activity_failures AS a (activity_type, workflow_id, subject, attempts, scheduled_at, first_failed_at, last_failed_at, last_error)
     VALUES ($1, $2, $3, $4, $5, $6, $6, $7)
     ON CONFLICT (activity_type, workflow_id, subject) DO UPDATE SET
       attempts = GREATEST(a.attempts, EXCLUDED.attempts), last_failed_at = GREATEST(a.last_failed_at, EXCLUDED.last_failed_at)`,
    [
      storable(f.activityType), storable(f.workflowId), storable(f.subject), f.attempt - 1, new Date(f.scheduledAt), new Date(f.at),
      `attempt ${f.attempt - 1} ended without a result (timed out, or its worker was lost)`,
    ],
  );
}

export async function clearActivityFailure(pool: Pool, s: ActivitySubject): Promise<void> {
  await pool.query('DELETE FROM activity_failures WHERE activity_type = $1 AND workflow_id = $2 AND subject = $3', [
    storable(s.activityType),
    storable(s.workflowId),
    storable(s.subject),
  ]);
}

/** Activity types with any failure row: a batch of successes of other types has nothing to clear. */
export async function typesWithFailures(pool: Pool): Promise<Set<string>> {
  const r = await pool.query<{ activity_type: string }>('SELECT DISTINCT activity_type FROM activity_failures');
  return new Set(r.rows.map((row) => row.activity_type));
}

/** Clears the rows of successes seen elsewhere, unless the subject failed again after its success. */
export async function clearSucceeded(pool: Pool, done: PendingSuccess[]): Promise<number> {
  if (done.length === 0) return 0;
  const r = await pool.query(
    `DELETE FROM activity_failures a
     USING unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[]) AS s(activity_type, workflow_id, subject, at)
     WHERE a.activity_type = s.activity_type AND a.workflow_id = s.workflow_id AND a.subject = s.subject AND a.last_failed_at <= s.at`,
    [
      done.map((d) => storable(d.activityType)),
      done.map((d) => storable(d.workflowId)),
      done.map((d) => storable(d.subject)),
      done.map((d) => new Date(d.at)),
    ],
  );
  return r.rowCount ?? 0;
}

/** Rows long past mattering (their workflow gave up or closed): kept a while for a look by hand, then dropped. */
export async function purgeActivityFailures(pool: Pool, olderThanMs: number): Promise<number> {
  const r = await pool.query(`DELETE FROM activity_failures WHERE last_failed_at < now() - make_interval(secs => $1)`, [olderThanMs / 1000]);
  return r.rowCount ?? 0;
}

export interface FailingActivityRow {
  activity_type: string;
  failing: number;
  oldest_failed_at: Date;
  last_error: string;
  now: Date;
}

/**
 * Per activity type: how many subjects are failing and the oldest one's first failure and last
 * error. Rows untouched for `staleAfterMs` no longer count (nothing retries them any more). The
 * index on last_failed_at bounds the scan to the live rows.
 */
export async function failingActivities(pool: Pool, staleAfterMs: number): Promise<FailingActivityRow[]> {
  const r = await pool.query<FailingActivityRow>(
    `SELECT DISTINCT ON (activity_type) activity_type, count(*) OVER (PARTITION BY activity_type)::int AS failing,
            first_failed_at AS oldest_failed_at, last_error, now() AS now
     FROM activity_failures WHERE last_failed_at > now() - make_interval(secs => $1)
     ORDER BY activity_type, first_failed_at`,
    [staleAfterMs / 1000],
  );
  return r.rows;
}
