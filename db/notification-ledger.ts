import type { Pool } from 'pg';
import { storable } from './pg-text';
import { VigilError } from '../domain/errors';

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

/** What a send leaves in the ledger, and what a duplicate gets back instead of sending. */
export interface StoredSend {
  detail: string;
  ref?: Record<string, string>;
}

/** The answer to a claim: send now holding `token`, or the earlier result, or wait for the holder. */
export type LedgerClaim =
  | { kind: 'claimed'; token: number; attempt: number }
  | { kind: 'sent'; stored: StoredSend }
  | { kind: 'busy'; retryAfterMs: number };

/**
 * Default lease: well above a provider call (10 s timeout) and the activity's startToClose (30 s),
 * so a live sender never loses its lease; a dead one blocks its step for at most this long.
 */
export const DEFAULT_LEASE_MS = 60_000;

/** Another sender holds the step's lease: retry after `retryAfterMs` (a retryable condition). */
export class LedgerBusyError extends VigilError {
  constructor(
    readonly key: LedgerKey,
    readonly retryAfterMs: number,
  ) {
    super(
      'unavailable',
      `notification ${key.workflowId} / ${key.runId} / ${key.step} / ${key.target} is being sent by another attempt; retry in ${retryAfterMs} ms`,
      { ...key, retryAfterMs },
    );
    this.name = 'LedgerBusyError';
  }
}

const KEY_MATCH = 'workflow_id = $1 AND run_id = $2 AND step = $3 AND target = $4';
const keyParams = (k: LedgerKey) => [k.workflowId, k.runId, k.step, k.target];

/** SQL appending {attempt, at, error} to an attempt log, keeping the newest 20 (a row must stay small). */
const appendAttempt = (log: string, attempt: string, error: string) =>
  `jsonb_path_query_array(${log} || jsonb_build_array(jsonb_build_object('attempt', ${attempt}, 'at', clock_timestamp(), 'error', left(${error}, 1000))), '$[last - 19 to last]')`;

/**
 * Takes the step's lease if nobody may still be sending it: a new row, a failed one, or one whose
 * holder's lease ran out (it died, or hangs past any timeout). Leases use the database clock only,
 * so workers with skewed clocks agree on when one expires.
 */
export async function claimSend(pool: Pool, key: LedgerKey, channelType: string, leaseMs: number): Promise<LedgerClaim> {
  // Twice at most: the row can change between the two statements (its holder failing or its
  // lease running out); then claiming again is right, and after a second miss the caller retries.
  for (let round = 0; round < 2; round++) {
    const claimed = await pool.query<{ token: string; attempts: number }>({
      name: 'vigil-ledger-claim',
      text: `INSERT INTO notifications AS n (workflow_id, run_id, step, target, channel_type, status, attempts, lease_token, lease_until)
       VALUES ($1, $2, $3, $4, $5, 'sending', 1, 1, clock_timestamp() + $6::float8 * interval '1 millisecond')
       ON CONFLICT (workflow_id, run_id, step, target) DO UPDATE SET
         status = 'sending', attempts = n.attempts + 1, lease_token = n.lease_token + 1,
         lease_until = clock_timestamp() + $6::float8 * interval '1 millisecond',
         -- A holder that never reported is an attempt too: its provider may or may not have the message.
         attempt_log = CASE WHEN n.status = 'sending'
           THEN ${appendAttempt('n.attempt_log', 'n.attempts', "'lease expired before the sender recorded a result'")}
           ELSE n.attempt_log END
       WHERE n.status = 'failed' OR (n.status = 'sending' AND (n.lease_until IS NULL OR n.lease_until <= clock_timestamp()))
       RETURNING lease_token::text AS token, attempts`,
      values: [...keyParams(key), channelType, leaseMs],
    });
    const won = claimed.rows[0];
    if (won) return { kind: 'claimed', token: Number(won.token), attempt: won.attempts };

    const seen = await pool.query<{ status: string; detail: string | null; provider_ref: Record<string, string> | null; wait_ms: number | null }>(
      `SELECT status, detail, provider_ref,
              ceil(extract(epoch FROM lease_until - clock_timestamp()) * 1000)::int AS wait_ms
       FROM notifications WHERE ${KEY_MATCH}`,
      keyParams(key),
    );
    const row = seen.rows[0];
    if (row?.status === 'sent') {
      const stored: StoredSend = { detail: row.detail ?? 'sent' };
      if (row.provider_ref) stored.ref = row.provider_ref;
      return { kind: 'sent', stored };
    }
    if (row?.status === 'sending' && row.wait_ms !== null && row.wait_ms > 0) return { kind: 'busy', retryAfterMs: row.wait_ms };
  }
  return { kind: 'busy', retryAfterMs: 0 };
}

/** Records the holder's successful send; false when `token` is no longer the row's (fenced out). */
export async function markSent(pool: Pool, key: LedgerKey, token: number, result: StoredSend): Promise<boolean> {
  const r = await pool.query({
    name: 'vigil-ledger-sent',
    text: `UPDATE notifications SET status = 'sent', detail = $6, provider_ref = $7, error = NULL, sent_at = clock_timestamp(), lease_until = NULL
     WHERE ${KEY_MATCH} AND lease_token = $5 AND status = 'sending'`,
    // What the provider answered is stored as Postgres can hold it: a refused mark would resend the step.
    values: [...keyParams(key), token, storable(result.detail), storable(result.ref ?? null)],
  });
  return r.rowCount === 1;
}

/** Records the holder's failed attempt and releases the lease so a retry may claim at once; false when fenced out. */
export async function markFailed(pool: Pool, key: LedgerKey, token: number, error: string): Promise<boolean> {
  const r = await pool.query(
    `UPDATE notifications SET status = 'failed', error = $6::text, lease_until = NULL,
       attempt_log = ${appendAttempt('attempt_log', 'attempts', '$6::text')}
     WHERE ${KEY_MATCH} AND lease_token = $5 AND status = 'sending'`,
    [...keyParams(key), token, storable(error)],
  );
  return r.rowCount === 1;
}

/**
 * Runs `send` at most once per key across retries, replays and worker crashes, holding no database
 * connection while it runs: claim (lease + fencing token), send, mark. A committed 'sent' row
 * short-circuits every later attempt. The window left: a sender that dies after the provider
 * accepted and before marking; its step is sent again once the lease expires, and the notifiers'
 * provider keys (derived from the ledger key) let receivers that honour them drop the copy.
 * Throws LedgerBusyError while another attempt holds the lease.
 */
export async function sendOnce<T extends StoredSend>(
  pool: Pool,
  key: LedgerKey,
  channelType: string,
  send: () => Promise<T>,
  opts: { leaseMs?: number } = {},
): Promise<LedgerOutcome<StoredSend>> {
  const claim = await claimSend(pool, key, channelType, opts.leaseMs ?? DEFAULT_LEASE_MS);
  if (claim.kind === 'sent') return { result: claim.stored, duplicate: true };
  if (claim.kind === 'busy') throw new LedgerBusyError(key, claim.retryAfterMs);

  let result: T;
  try {
    result = await send();
  } catch (err) {
    // The send's own error is what the caller must classify (retryable or not); if recording it
    // fails too, the lease simply runs out and the step can be claimed again later.
    await markFailed(pool, key, claim.token, err instanceof Error ? err.message : String(err)).catch(() => undefined);
    throw err;
  }
  // When markSent is fenced out (our lease ran out and another attempt claimed the step), the
  // provider still has our message: returning the result tells the workflow the truth about what
  // went out, while throwing would make Temporal retry and risk a third copy. The row keeps the
  // other holder's outcome; its copy carries the same provider key as ours.
  await markSent(pool, key, claim.token, result);
  return { result, duplicate: false };
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
    /** While 'sending': until when the current attempt holds the step. */
    lease_until: Date | null;
    /** The latest attempts that did not end in 'sent', oldest first. */
    attempt_log: Array<{ attempt: number; at: string; error: string }>;
  }>(
    `SELECT run_id, step, target, channel_type, status, attempts, detail, error, sent_at, lease_until, attempt_log
     FROM notifications WHERE workflow_id = $1 ORDER BY created_at, step, target`,
    [workflowId],
  );
  return r.rows;
}
