import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Pool } from 'pg';

/** Every ingest token starts with this, so a leaked one is easy to recognise (and to grep for). */
export const INGEST_TOKEN_PREFIX = 'vgl_';

/** A stored token as lists show it; the plaintext is never stored and so never listed. */
export interface IngestToken {
  id: string;
  service: string;
  name: string;
  createdAt: number;
  revokedAt: number | null;
}

interface TokenRow {
  id: string;
  service: string;
  name: string;
  created_at: Date;
  revoked_at: Date | null;
}

const toToken = (r: TokenRow): IngestToken => ({
  id: r.id,
  service: r.service,
  name: r.name,
  createdAt: r.created_at.getTime(),
  revokedAt: r.revoked_at?.getTime() ?? null,
});

/** SHA-256 hex: tokens carry 256 random bits, so a plain (unsalted, fast) hash is enough to make a stolen table useless. */
export function hashIngestToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Creates a token for one service; the plaintext is returned here once and never again. */
export async function createIngestToken(pool: Pool, service: string, name = ''): Promise<{ token: string; record: IngestToken }> {
  const token = `${INGEST_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  const r = await pool.query<TokenRow>(
    `INSERT INTO ingest_tokens (id, service, token_hash, name) VALUES ($1, $2, $3, $4)
     RETURNING id, service, name, created_at, revoked_at`,
    [randomUUID(), service, hashIngestToken(token), name],
  );
  return { token, record: toToken(r.rows[0]!) };
}

/** The service a token may report for, or null for an unknown or revoked token. */
export async function verifyIngestToken(pool: Pool, token: string): Promise<{ service: string } | null> {
  if (!token.startsWith(INGEST_TOKEN_PREFIX)) return null;
  const r = await pool.query<{ service: string }>('SELECT service FROM ingest_tokens WHERE token_hash = $1 AND revoked_at IS NULL', [
    hashIngestToken(token),
  ]);
  return r.rows[0] ?? null;
}

/** Tokens oldest first, revoked ones included (they say when they were revoked). */
export async function listIngestTokens(pool: Pool, service?: string): Promise<IngestToken[]> {
  const r = await pool.query<TokenRow>(
    `SELECT id, service, name, created_at, revoked_at FROM ingest_tokens
     WHERE ($1::text IS NULL OR service = $1) ORDER BY created_at, id`,
    [service ?? null],
  );
  return r.rows.map(toToken);
}

/** Revokes a token at once; false when no such token is still active. */
export async function revokeIngestToken(pool: Pool, id: string): Promise<boolean> {
  const r = await pool.query('UPDATE ingest_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [id]);
  return (r.rowCount ?? 0) > 0;
}
