import { createHash, randomBytes } from 'node:crypto';
import type { Pool } from 'pg';

/** The cookie holds 256 random bits; only their hash is stored, so a leaked table opens no session. */
const hashId = (id: string) => createHash('sha256').update(id, 'utf8').digest('hex');

export interface Session {
  user: string;
  csrfToken: string;
  expiresAt: number;
}

export async function createSession(pool: Pool, user: string, ttlMs: number): Promise<{ id: string } & Session> {
  const id = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(32).toString('base64url');
  const expiresAt = Date.now() + ttlMs;
  await pool.query('INSERT INTO sessions (id_hash, user_name, csrf_token, expires_at) VALUES ($1, $2, $3, $4)', [hashId(id), user, csrfToken, new Date(expiresAt)]);
  // Expired sessions are of no use to anyone: clear them as new ones are made.
  await pool.query('DELETE FROM sessions WHERE expires_at < now()');
  return { id, user, csrfToken, expiresAt };
}

/** The live session a cookie names, or null (unknown, expired, or its user disabled). */
export async function findSession(pool: Pool, id: string): Promise<Session | null> {
  const r = await pool.query<{ user_name: string; csrf_token: string; expires_at: Date }>(
    `SELECT s.user_name, s.csrf_token, s.expires_at FROM sessions s JOIN users u ON u.name = s.user_name
     WHERE s.id_hash = $1 AND s.expires_at > now() AND u.disabled_at IS NULL`,
    [hashId(id)],
  );
  const row = r.rows[0];
  return row ? { user: row.user_name, csrfToken: row.csrf_token, expiresAt: row.expires_at.getTime() } : null;
}

export async function deleteSession(pool: Pool, id: string): Promise<void> {
  await pool.query('DELETE FROM sessions WHERE id_hash = $1', [hashId(id)]);
}
