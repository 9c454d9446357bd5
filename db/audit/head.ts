import type { Pool, PoolClient } from 'pg';

/**
 * An entry's seq and hash, kept outside the database. Checkpoints live in the same database as the
 * chain, so whoever can rewrite the tail can rewrite them too; a copy held elsewhere cannot be.
 */
export interface AuditAnchor {
  seq: number;
  hash: string;
}

/** The chain head (the last entry's seq and hash), or undefined while the trail is empty. */
export async function auditHead(db: Pool | PoolClient): Promise<AuditAnchor | undefined> {
  const r = await db.query<{ seq: string; hash: string }>('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
  const row = r.rows[0];
  return row ? { seq: Number(row.seq), hash: row.hash } : undefined;
}

/** The anchor as `vigil audit verify --expect` takes it: `<seq>:<hash>`. */
export function formatAnchor(a: AuditAnchor): string {
  return `${a.seq}:${a.hash}`;
}

const ANCHOR = /^([1-9][0-9]*):([0-9a-fA-F]{64})$/;

/** Parses `<seq>:<hash>` (a whole number ≥ 1, a colon, 64 hex digits); undefined if it is not one. */
export function parseAnchor(text: string): AuditAnchor | undefined {
  const m = ANCHOR.exec(text);
  if (!m) return undefined;
  const seq = Number(m[1]);
  return Number.isSafeInteger(seq) ? { seq, hash: m[2]!.toLowerCase() } : undefined;
}
