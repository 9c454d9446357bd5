import type { Pool, PoolClient } from 'pg';
import { chainEntries, GENESIS_HASH } from '../domain/audit-hash';
import { canonicalJson } from '../domain/audit-hash';
import { inTransaction } from './pool';

export { verifyAudit, type VerifyOptions, type VerifyResult, type AuditProblem } from './audit/verify';

// Every appender in every process takes this transaction-scoped lock, so the chain has one head.
export const AUDIT_LOCK_KEY = 7_240_917;
/** A checkpoint (chain head) is recorded at every multiple of this seq. */
export const CHECKPOINT_EVERY = 1000;

/** One entry to append; `personal` is stored outside the hash, linked by seq, and is erasable. */
export interface AuditInput {
  kind: string;
  /** Must hold no personal data: it is hashed and can never be changed or removed. */
  payload: Record<string, unknown>;
  personal?: { subjectId: string; data: Record<string, unknown> };
  at?: Date;
}

/** What an append assigned. */
export interface AppendResult {
  firstSeq: number;
  lastSeq: number;
  headHash: string;
}

/** Appends entries on a client already inside a transaction: locks, reads the head, chains, inserts. */
export async function appendInTransaction(client: PoolClient, entries: readonly AuditInput[]): Promise<AppendResult> {
  await client.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK_KEY]);
  const headRow = (await client.query<{ seq: string; hash: string }>('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1')).rows[0];
  const head = headRow ? { seq: Number(headRow.seq), hash: headRow.hash } : { seq: 0, hash: GENESIS_HASH };
  if (entries.length === 0) return { firstSeq: head.seq + 1, lastSeq: head.seq, headHash: head.hash };
  const now = Date.now();
  const times = entries.map((e) => e.at?.getTime() ?? now);
  const chained = chainEntries(
    head,
    // Payloads go through canonical JSON first, so what is hashed is exactly what jsonb gives back.
    entries.map((e, i) => ({ atMicros: `${times[i]}000`, kind: e.kind, payload: JSON.parse(canonicalJson(e.payload)) as unknown })),
  );
  await client.query(
    `INSERT INTO audit_log (seq, at, kind, payload, prev_hash, hash)
     SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::jsonb[], $5::text[], $6::text[])`,
    [
      chained.map((c) => c.seq),
      times.map((t) => new Date(t).toISOString()),
      chained.map((c) => c.kind),
      chained.map((c) => canonicalJson(c.payload)),
      chained.map((c) => c.prevHash),
      chained.map((c) => c.hash),
    ],
  );
  const personal = entries.flatMap((e, i) => (e.personal ? [{ seq: chained[i]!.seq, ...e.personal }] : []));
  if (personal.length > 0) {
    await client.query(
      'INSERT INTO audit_personal (seq, subject_id, data) SELECT * FROM unnest($1::bigint[], $2::text[], $3::jsonb[])',
      [personal.map((p) => p.seq), personal.map((p) => p.subjectId), personal.map((p) => JSON.stringify(p.data))],
    );
  }
  const checkpoints = chained.filter((c) => c.seq % CHECKPOINT_EVERY === 0);
  if (checkpoints.length > 0) {
    await client.query('INSERT INTO audit_checkpoints (seq, hash) SELECT * FROM unnest($1::bigint[], $2::text[])', [
      checkpoints.map((c) => c.seq),
      checkpoints.map((c) => c.hash),
    ]);
  }
  const last = chained[chained.length - 1]!;
  return { firstSeq: chained[0]!.seq, lastSeq: last.seq, headHash: last.hash };
}

/** Appends a batch atomically, serialised against every other appender (any process) by an advisory lock. */
export function appendAudit(pool: Pool, entries: readonly AuditInput[]): Promise<AppendResult> {
  return inTransaction(pool, (client) => appendInTransaction(client, entries));
}

/** What an erasure removed. */
export interface ErasureResult {
  erased: number;
  /** The seq of the audit entry recording the erasure. */
  erasureSeq: number;
}

/**
 * GDPR erasure: deletes the subject's personal rows and, in the same transaction, appends an
 * `audit.erasure` entry (actor and count only; the subject id is not recorded), so the chain stays valid.
 */
export async function eraseSubject(pool: Pool, subjectId: string, actor: string): Promise<ErasureResult> {
  return inTransaction(pool, async (client) => {
    // Take the chain lock first so the erasure entry's seq orders after every entry it erased from.
    await client.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK_KEY]);
    const deleted = await client.query<{ seq: string }>('DELETE FROM audit_personal WHERE subject_id = $1 RETURNING seq', [subjectId]);
    const erased = deleted.rowCount ?? 0;
    const appended = await appendInTransaction(client, [{ kind: 'audit.erasure', payload: { actor, erased } }]);
    return { erased, erasureSeq: appended.lastSeq };
  });
}

/** Options for the batching writer. */
export interface AuditWriterOptions {
  maxBatch?: number;
  maxDelayMs?: number;
}

/** A writer that gathers single appends from one process into batched transactions; `append` resolves with the seq. */
export function createAuditWriter(pool: Pool, opts: AuditWriterOptions = {}): { append(entry: AuditInput): Promise<number>; flush(): Promise<void> } {
  const maxBatch = opts.maxBatch ?? 500;
  const maxDelayMs = opts.maxDelayMs ?? 5;
  let queue: Array<{ entry: AuditInput; resolve(seq: number): void; reject(err: unknown): void }> = [];
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const flush = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const batch = queue;
    queue = [];
    if (batch.length === 0) return running;
    // One flush at a time per writer keeps this process's entries in call order.
    running = running.then(async () => {
      try {
        const r = await appendAudit(pool, batch.map((b) => b.entry));
        batch.forEach((b, i) => b.resolve(r.firstSeq + i));
      } catch (err) {
        for (const b of batch) b.reject(err);
      }
    });
    return running;
  };
  return {
    append(entry) {
      return new Promise<number>((resolve, reject) => {
        queue.push({ entry, resolve, reject });
        if (queue.length >= maxBatch) void flush();
        else timer ??= setTimeout(() => void flush(), maxDelayMs);
      });
    },
    flush,
  };
}

/** One line for the CLI (`vigil audit verify`): what was checked, or the first bad entry and why. */
export function describeVerifyResult(r: import('./audit/verify').VerifyResult): string {
  if (r.ok) return `audit trail ok: ${r.checked} entries and ${r.checkpoints} checkpoints verified`;
  const b = r.firstBad!;
  return `audit trail TAMPERED: entry ${b.seq} ${b.problem} (${b.detail}); ${r.checked} entries verified before it`;
}
