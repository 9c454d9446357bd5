import type { Pool } from 'pg';
import type { Queryable } from './api-keys';
import type { Role } from '../../domain/auth/scopes';

export interface User {
  name: string;
  email: string | null;
  slackUserId: string | null;
  roles: Role[];
  /** Empty: every team. */
  teams: string[];
  hasPassword: boolean;
  createdAt: number;
  disabledAt: number | null;
}

interface Row {
  name: string;
  email: string | null;
  slack_user_id: string | null;
  roles: string[];
  teams: string[];
  password_hash: string | null;
  created_at: Date;
  disabled_at: Date | null;
}

const COLUMNS = 'name, email, slack_user_id, roles, teams, password_hash, created_at, disabled_at';
const toUser = (r: Row): User => ({
  name: r.name,
  email: r.email,
  slackUserId: r.slack_user_id,
  roles: r.roles as Role[],
  teams: r.teams,
  hasPassword: r.password_hash !== null,
  createdAt: r.created_at.getTime(),
  disabledAt: r.disabled_at?.getTime() ?? null,
});

export interface UserInput {
  name: string;
  email?: string | null;
  slackUserId?: string | null;
  roles: Role[];
  teams?: string[];
}

/** Adds a user, or updates the one of that name (its password and keys stay). */
export async function upsertUser(pool: Queryable, u: UserInput): Promise<User> {
  const r = await pool.query<Row>(
    `INSERT INTO users (name, email, slack_user_id, roles, teams) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (name) DO UPDATE SET email = EXCLUDED.email, slack_user_id = EXCLUDED.slack_user_id, roles = EXCLUDED.roles, teams = EXCLUDED.teams
     RETURNING ${COLUMNS}`,
    [u.name, u.email ?? null, u.slackUserId ?? null, u.roles, u.teams ?? []],
  );
  return toUser(r.rows[0]!);
}

export async function getUser(pool: Pool, name: string): Promise<(User & { passwordHash: string | null }) | null> {
  const r = await pool.query<Row>(`SELECT ${COLUMNS} FROM users WHERE name = $1`, [name]);
  const row = r.rows[0];
  return row ? { ...toUser(row), passwordHash: row.password_hash } : null;
}

export async function userBySlackId(pool: Pool, slackUserId: string): Promise<User | null> {
  const r = await pool.query<Row>(`SELECT ${COLUMNS} FROM users WHERE slack_user_id = $1 AND disabled_at IS NULL`, [slackUserId]);
  return r.rows[0] ? toUser(r.rows[0]) : null;
}

export async function listUsers(pool: Pool): Promise<User[]> {
  return (await pool.query<Row>(`SELECT ${COLUMNS} FROM users ORDER BY name`)).rows.map(toUser);
}

export async function countAdmins(pool: Pool): Promise<number> {
  const r = await pool.query<{ n: string }>("SELECT count(*) AS n FROM users WHERE 'admin' = ANY (roles) AND disabled_at IS NULL");
  return Number(r.rows[0]!.n);
}

/** Sets the roles; null when there is no such user. */
export async function setRoles(pool: Queryable, name: string, roles: Role[]): Promise<User | null> {
  const r = await pool.query<Row>(`UPDATE users SET roles = $2 WHERE name = $1 RETURNING ${COLUMNS}`, [name, roles]);
  return r.rows[0] ? toUser(r.rows[0]) : null;
}

/** Stores a password hash (see app/auth/password.ts); false when there is no such user. */
export async function setPasswordHash(pool: Queryable, name: string, hash: string): Promise<boolean> {
  return ((await pool.query('UPDATE users SET password_hash = $2 WHERE name = $1', [name, hash])).rowCount ?? 0) > 0;
}

export async function recordLoginFailure(pool: Pool, name: string): Promise<void> {
  await pool.query('INSERT INTO login_failures (user_name) VALUES ($1)', [name]);
}

/** Failure times (ms) of the last `windowMs`, for domain/auth/lockout.ts. */
export async function recentLoginFailures(pool: Pool, name: string, windowMs: number): Promise<number[]> {
  const r = await pool.query<{ at: Date }>("SELECT at FROM login_failures WHERE user_name = $1 AND at > now() - ($2::bigint * interval '1 millisecond') ORDER BY at", [name, windowMs]);
  return r.rows.map((x) => x.at.getTime());
}

export async function clearLoginFailures(pool: Pool, name: string): Promise<void> {
  await pool.query('DELETE FROM login_failures WHERE user_name = $1', [name]);
}
