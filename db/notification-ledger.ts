import type { Pool } from 'pg';

/** The ledger's unique key: one row per (incident run chain, escalation step, target). */
export interface LedgerKey {
  workflowId: string;
  runId: string;
  step: string;
  target: string;
}

export interface LedgerOutcome<T> {
  result: T;
  /** True when the ledger already had this send: nothing was sent again. */
  duplicate: boolean;
}

interface StoredSend {
  detail: string;
  ref?: Record<string, string>;
}

/**
 * Runs `send` at most once per key across retries, replays and worker crashes: the row is locked
 * for the duration of the send, and a committed 'sent' row short-circuits every later attempt.
 * The one window left is a crash during the provider call itself (then the send is retried).
 */
export async function sendOnce<T extends StoredSend>(
  pool: Pool,
  key: LedgerKey,
  channelType: string,
  send: () => Promise<T>,
): Promise<LedgerOutcome<StoredSend>> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO notifications (workflow_id, run_id, step, target, channel_type, status, attempts)
       VALUES ($1, $2, $3, $4, $5, 'sending', 0) ON CONFLICT DO NOTHING`,
      [key.workflowId, key.runId, key.step, key.target, channelType],
    );
    const row = await client.query<{ status: string; detail: string | null; provider_ref: Record<string, string> | null }>(
      `SELECT status, detail, provider_ref FROM notifications
       WHERE workflow_id = $1 AND run_id = $2 AND step = $3 AND target = $4 FOR UPDATE`,
      [key.workflowId, key.runId, key.step, key.target],
    );
    const existing = row.rows[0]!;
    if (existing.status === 'sent') {
      await client.query('COMMIT');
      const stored: StoredSend = { detail: existing.detail ?? 'sent' };
      if (existing.provider_ref) stored.ref = existing.provider_ref;
      return { result: stored, duplicate: true };
    }
    try {
      const result = await send();
      await client.query(
        `UPDATE notifications SET status = 'sent', attempts = attempts + 1, detail = $5, provider_ref = $6, error = NULL, sent_at = now()
         WHERE workflow_id = $1 AND run_id = $2 AND step = $3 AND target = $4`,
        [key.workflowId, key.runId, key.step, key.target, result.detail, result.ref ?? null],
      );
      await client.query('COMMIT');
      return { result, duplicate: false };
    } catch (err) {
      await client.query(
        `UPDATE notifications SET status = 'failed', attempts = attempts + 1, error = $5
         WHERE workflow_id = $1 AND run_id = $2 AND step = $3 AND target = $4`,
        [key.workflowId, key.runId, key.step, key.target, (err as Error).message],
      );
      await client.query('COMMIT');
      throw err;
    }
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** Ledger rows for one incident, oldest first (for `vigil incidents show` and tests). */
export async function ledgerRows(pool: Pool, workflowId: string) {
  const r = await pool.query<{
    run_id: string;
    step: string;
    target: string;
    channel_type: string;
    status: string;
    attempts: number;
    detail: string | null;
    error: string | null;
    sent_at: Date | null;
  }>(
    `SELECT run_id, step, target, channel_type, status, attempts, detail, error, sent_at
     FROM notifications WHERE workflow_id = $1 ORDER BY created_at, step, target`,
    [workflowId],
  );
  return r.rows;
}
