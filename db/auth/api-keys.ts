import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';

/** A pool or a client inside a transaction (admin changes are written with their audit entry). */
export type Queryable = Pick<Pool | PoolClient, 'query'>;
import { formatApiKey, parseApiKey } from '../../domain/auth/api-key';
import type { Scope } from '../../domain/auth/scopes';

export interface ApiKey {
  id: string;
  name: string;
  /** The user the key acts as, or null for an automation key. */
  owner: string | null;
  scopes: Scope[];
  createdBy: string;
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

interface Row {
  id: string;
  name: string;
  owner: string | null;
  scopes: string[];
  created_by: string;
  created_at: Date;
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const COLUMNS = 'id, name, owner, scopes, created_by, created_at, expires_at, last_used_at, revoked_at';
const toKey = (r: Row): ApiKey => ({
  id: r.id,
  name: r.name,
  owner: r.owner,
  scopes: r.scopes as Scope[],
  createdBy: r.created_by,
  createdAt: r.created_at.getTime(),
  expiresAt: r.expires_at?.getTime() ?? null,
  lastUsedAt: r.last_used_at?.getTime() ?? null,
  revokedAt: r.revoked_at?.getTime() ?? null,
});

const hashSecret = (secret: string) => createHash('sha256').update(secret, 'utf8').digest();

export interface NewKey {
  name: string;
  owner: string | null;
  scopes: Scope[];
  createdBy: string;
  expiresAt?: number | null;
}

/** Creates a key; the plaintext is returned here once and never again. */
export async function createApiKey(pool: Queryable, k: NewKey): Promise<{ key: string; record: ApiKey }> {
  const parsed = { id: randomBytes(6).toString('hex'), secret: randomBytes(32).toString('base64url') };
  const r = await pool.query<Row>(
    `INSERT INTO api_keys (id, secret_hash, name, owner, scopes, created_by, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
    [parsed.id, hashSecret(parsed.secret).toString('hex'), k.name, k.owner, k.scopes, k.createdBy, k.expiresAt ? new Date(k.expiresAt) : null],
  );
  return { key: formatApiKey(parsed), record: toKey(r.rows[0]!) };
}

export async function listApiKeys(pool: Pool, owner?: string): Promise<ApiKey[]> {
  const r = await pool.query<Row>(`SELECT ${COLUMNS} FROM api_keys WHERE $1::text IS NULL OR owner = $1 ORDER BY created_at, id`, [owner ?? null]);
  return r.rows.map(toKey);
}

/** Revokes a key; null when there is no such key or it was revoked already. */
export async function revokeApiKey(pool: Queryable, id: string): Promise<ApiKey | null> {
  const r = await pool.query<Row>(`UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING ${COLUMNS}`, [id]);
  return r.rows[0] ? toKey(r.rows[0]) : null;
}

/**
 * The key a presented string stands for, if it is valid now: shaped right, known, secret matching
 * (compared in constant time), not revoked, not expired. Looked up by id, so a wrong secret costs one
 * indexed read and reveals nothing through timing.
 */
export async function findValidApiKey(pool: Pool, presented: string, now = Date.now()): Promise<ApiKey | null> {
  const parsed = parseApiKey(presented);
  if (!parsed) return null;
  const r = await pool.query<Row & { secret_hash: string }>(`SELECT ${COLUMNS}, secret_hash FROM api_keys WHERE id = $1`, [parsed.id]);
  const row = r.rows[0];
  if (!row) return null;
  if (!timingSafeEqual(hashSecret(parsed.secret), Buffer.from(row.secret_hash, 'hex'))) return null;
  const key = toKey(row);
  if (key.revokedAt !== null || (key.expiresAt !== null && key.expiresAt <= now)) return null;
  return key;
}

/** Records use, at most once a minute per key (a hot key must not write on every request). */
export async function touchApiKey(pool: Pool, id: string): Promise<void> {
  await pool.query("UPDATE api_keys SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')", [id]);
}
