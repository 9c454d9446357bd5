import type { Pool, PoolClient } from 'pg';
import { appendInTransaction } from '../../db/audit-log';
import { inTransaction } from '../../db/pool';
import { createApiKey, revokeApiKey, type ApiKey, type NewKey } from '../../db/auth/api-keys';
import { getUser, setPasswordHash, setRoles, upsertUser, type User, type UserInput } from '../../db/auth/users';
import { grantableScopes, scopesOfRoles, type Role } from '../../domain/auth/scopes';
import { VigilError } from '../../domain/errors';
import { hashPassword } from './password';

/**
 * Changes to who may do what, each written together with its entry in the hash-chained audit trail
 * (one transaction: no key exists that the trail does not show). Names are personal data, so they go
 * in the erasable part of the entry; the chained payload says what changed, never who.
 */
export async function audited<T>(pool: Pool, actor: string, kind: string, payload: Record<string, unknown>, subject: string, change: (c: PoolClient) => Promise<T>): Promise<T> {
  return inTransaction(pool, async (client) => {
    const out = await change(client);
    await appendInTransaction(client, [{ kind, payload, personal: { subjectId: `user:${subject}`, data: { actor, subject } } }]);
    return out;
  });
}

export async function addUser(pool: Pool, actor: string, u: UserInput): Promise<User> {
  return audited(pool, actor, 'admin.user_saved', { roles: u.roles, teams: u.teams ?? [] }, u.name, (c) => upsertUser(c, u));
}

export async function changeRoles(pool: Pool, actor: string, name: string, roles: Role[]): Promise<User> {
  const user = await audited(pool, actor, 'admin.roles_changed', { roles }, name, (c) => setRoles(c, name, roles));
  if (!user) throw new VigilError('not_found', `no user named "${name}" (vigil users list)`);
  return user;
}

export async function changePassword(pool: Pool, actor: string, name: string, password: string): Promise<void> {
  if (password.length < 12) throw new VigilError('invalid_input', 'the password must be at least 12 characters');
  const hash = await hashPassword(password);
  const ok = await audited(pool, actor, 'admin.password_set', {}, name, (c) => setPasswordHash(c, name, hash));
  if (!ok) throw new VigilError('not_found', `no user named "${name}" (vigil users list)`);
}

/** Creates a key; a user's key may not carry scopes its owner lacks. */
export async function issueKey(pool: Pool, actor: string, k: NewKey): Promise<{ key: string; record: ApiKey }> {
  if (k.owner !== null) {
    const owner = await getUser(pool, k.owner);
    if (!owner) throw new VigilError('not_found', `no user named "${k.owner}" (vigil users list)`);
    const check = grantableScopes(scopesOfRoles(owner.roles), k.scopes);
    if (!check.ok) throw new VigilError('invalid_input', `--scope: ${k.owner} does not hold "${check.scope}" (roles: ${owner.roles.join(', ') || 'none'})`);
  }
  return audited(pool, actor, 'admin.key_created', { scopes: k.scopes, expiresAt: k.expiresAt ?? null }, k.owner ?? `key:${k.name}`, (c) => createApiKey(c, { ...k, createdBy: actor }));
}

export async function withdrawKey(pool: Pool, actor: string, id: string): Promise<ApiKey> {
  const key = await audited(pool, actor, 'admin.key_revoked', { keyId: id }, actor, (c) => revokeApiKey(c, id));
  if (!key) throw new VigilError('not_found', `no active key ${id} (vigil keys list)`);
  return key;
}
