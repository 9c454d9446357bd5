import type { Pool } from 'pg';
import { findValidApiKey, touchApiKey } from '../../db/auth/api-keys';
import { getUser } from '../../db/auth/users';
import { findSession } from '../../db/auth/sessions';
import { hasScope, scopesOfRoles, type Scope } from '../../domain/auth/scopes';

/** Who is calling, as every route and the timeline see it. */
export interface Principal {
  /** A user's name, or `key:<name>` for an automation key. */
  name: string;
  via: 'api-key' | 'session' | 'proxy' | 'none';
  scopes: Scope[];
  /** Teams the principal may touch; empty: all. */
  teams: string[];
  keyId?: string;
  /** A session's CSRF token (state-changing requests must echo it). */
  csrfToken?: string;
}

/** A user's scopes, or null when the user is unknown or disabled. */
async function userPrincipal(pool: Pool, name: string, via: Principal['via']): Promise<Principal | null> {
  const user = await getUser(pool, name);
  if (!user || user.disabledAt !== null) return null;
  return { name: user.name, via, scopes: scopesOfRoles(user.roles), teams: user.teams };
}

/** The principal of an API key: a user's key never carries more than the user holds now. */
export async function keyPrincipal(pool: Pool, presented: string): Promise<Principal | null> {
  const key = await findValidApiKey(pool, presented);
  if (!key) return null;
  void touchApiKey(pool, key.id).catch(() => undefined);
  if (key.owner === null) return { name: `key:${key.name}`, via: 'api-key', scopes: key.scopes, teams: [], keyId: key.id };
  const owner = await userPrincipal(pool, key.owner, 'api-key');
  if (!owner) return null;
  return { ...owner, scopes: key.scopes.filter((s) => hasScope(owner.scopes, s)), keyId: key.id };
}

export async function sessionPrincipal(pool: Pool, id: string): Promise<Principal | null> {
  const s = await findSession(pool, id);
  if (!s) return null;
  const p = await userPrincipal(pool, s.user, 'session');
  return p ? { ...p, csrfToken: s.csrfToken } : null;
}

/** A trusted proxy's asserted identity: a user of that name or email. */
export async function proxyPrincipal(pool: Pool, asserted: string): Promise<Principal | null> {
  const r = await pool.query<{ name: string }>('SELECT name FROM users WHERE (name = $1 OR lower(email) = lower($1)) AND disabled_at IS NULL LIMIT 1', [asserted]);
  return r.rows[0] ? userPrincipal(pool, r.rows[0].name, 'proxy') : null;
}

/**
 * Keys are looked up at most once per `ttlMs` per key: a revoked key stops working within that
 * bound (stated in the README), and a busy ingest client costs no query per request.
 */
export class KeyCache {
  private readonly entries = new Map<string, { principal: Principal | null; until: number }>();
  constructor(
    private readonly pool: Pool,
    readonly ttlMs: number,
    private readonly max = 10_000,
  ) {}

  async get(presented: string, now = Date.now()): Promise<Principal | null> {
    const hit = this.entries.get(presented);
    if (hit && hit.until > now) return hit.principal;
    const principal = await keyPrincipal(this.pool, presented);
    if (this.entries.size >= this.max) this.entries.clear();
    this.entries.set(presented, { principal, until: now + this.ttlMs });
    return principal;
  }
}
