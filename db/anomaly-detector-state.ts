// Where the ServiceMonitor's anomaly ensemble lives between windows (migration 020): a checkpoint per
// service plus the windows applied since, each with the verdict it got. All reads and writes of one
// window happen in one transaction holding the service's row lock (see activities/ml/anomaly.ts).
import type { PoolClient } from 'pg';

/** The service's row, locked for this transaction. */
export interface DetectorHead {
  format: number;
  headSeq: number;
  checkpointSeq: number;
  headT: number | null;
  hasSnapshot: boolean;
}

/** One window applied since the checkpoint, to replay. */
export interface AppliedWindow {
  seq: number;
  t: number;
  point: number[];
}

/** Creates the service's row if missing and locks it; `format` is what a new row is stamped with. */
export async function lockDetectorHead(c: PoolClient, service: string, format: number): Promise<DetectorHead> {
  await c.query('INSERT INTO anomaly_detector_state (service, format, head_seq, checkpoint_seq) VALUES ($1, $2, 0, 0) ON CONFLICT (service) DO NOTHING', [service, format]);
  const r = await c.query<{ format: number; head_seq: string; checkpoint_seq: string; head_t: string | null; has_snapshot: boolean }>(
    'SELECT format, head_seq, checkpoint_seq, head_t, snapshot IS NOT NULL AS has_snapshot FROM anomaly_detector_state WHERE service = $1 FOR UPDATE',
    [service],
  );
  const row = r.rows[0]!;
  return { format: row.format, headSeq: Number(row.head_seq), checkpointSeq: Number(row.checkpoint_seq), headT: row.head_t === null ? null : Number(row.head_t), hasSnapshot: row.has_snapshot };
}

/** The verdict a window got when it was applied, if it was. */
export async function appliedVerdict(c: PoolClient, service: string, windowKey: string): Promise<unknown> {
  const r = await c.query<{ verdict: unknown }>('SELECT verdict FROM anomaly_detector_windows WHERE service = $1 AND window_key = $2', [service, windowKey]);
  return r.rows[0]?.verdict;
}

/** Forgets the service's detector (a new format): the next window starts it afresh, with sequence numbers going on. */
export async function resetDetector(c: PoolClient, service: string, head: DetectorHead, format: number): Promise<DetectorHead> {
  await c.query('DELETE FROM anomaly_detector_windows WHERE service = $1', [service]);
  await c.query('UPDATE anomaly_detector_state SET format = $2, snapshot = NULL, checkpoint_seq = head_seq, updated_at = now() WHERE service = $1', [service, format]);
  return { ...head, format, checkpointSeq: head.headSeq, hasSnapshot: false };
}

/** The checkpoint's snapshot (JSON text) and the windows applied after it, in order. */
export async function loadCheckpoint(c: PoolClient, service: string, checkpointSeq: number): Promise<{ snapshot: string | null; after: AppliedWindow[] }> {
  const s = await c.query<{ snapshot: string | null }>('SELECT snapshot FROM anomaly_detector_state WHERE service = $1', [service]);
  const w = await c.query<{ seq: string; t: string; point: number[] }>('SELECT seq, t, point FROM anomaly_detector_windows WHERE service = $1 AND seq > $2 ORDER BY seq', [service, checkpointSeq]);
  return { snapshot: s.rows[0]?.snapshot ?? null, after: w.rows.map((r) => ({ seq: Number(r.seq), t: Number(r.t), point: r.point })) };
}

/** Records one applied window and moves the head; with `snapshot`, also checkpoints at it and drops rows no longer needed. */
export async function recordWindow(
  c: PoolClient,
  o: { service: string; seq: number; windowKey: string; t: number; point: number[]; verdict: unknown; snapshot?: string; previousCheckpoint: number },
): Promise<void> {
  await c.query('INSERT INTO anomaly_detector_windows (service, seq, window_key, t, point, verdict) VALUES ($1, $2, $3, $4, $5, $6)', [
    o.service,
    o.seq,
    o.windowKey,
    o.t,
    o.point,
    JSON.stringify(o.verdict),
  ]);
  if (o.snapshot === undefined) {
    await c.query('UPDATE anomaly_detector_state SET head_seq = $2, head_t = $3, updated_at = now() WHERE service = $1', [o.service, o.seq, o.t]);
    return;
  }
  await c.query('UPDATE anomaly_detector_state SET head_seq = $2, head_t = $3, checkpoint_seq = $2, snapshot = $4, updated_at = now() WHERE service = $1', [o.service, o.seq, o.t, o.snapshot]);
  // Rows up to the previous checkpoint are in both checkpoints; those since stay one more round, so a
  // retry of a recent window still finds the verdict it got.
  await c.query('DELETE FROM anomaly_detector_windows WHERE service = $1 AND seq <= $2', [o.service, o.previousCheckpoint]);
}
