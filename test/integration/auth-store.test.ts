import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DUMMY_HASH, hashPassword, verifyPassword } from '../../app/auth/password';
import { createApiKey, findValidApiKey, listApiKeys, revokeApiKey } from '../../db/auth/api-keys';
import { countAdmins, getUser, recentLoginFailures, recordLoginFailure, clearLoginFailures, setPasswordHash, setRoles, upsertUser, userBySlackId } from '../../db/auth/users';
import { connectServices, type Services } from '../support/integration';
import { parseConfig } from '../../app/config-file';
import { syncConfigUsers } from '../../app/auth/bootstrap';

let services: Services;
const suffix = Math.random().toString(36).slice(2, 8);
const alice = `alice-${suffix}`;

beforeAll(async () => {
  services = await connectServices();
});
afterAll(async () => {
  await services?.close();
});

describe('users, passwords and API keys in Postgres', () => {
  it('stores users with roles and finds them by Slack id', async () => {
    const before = await countAdmins(services.pool);
    await upsertUser(services.pool, { name: alice, email: 'alice@example.com', slackUserId: `U${suffix.toUpperCase()}`, roles: ['responder'] });
    expect((await userBySlackId(services.pool, `U${suffix.toUpperCase()}`))?.name).toBe(alice);
    expect((await setRoles(services.pool, alice, ['admin']))?.roles).toEqual(['admin']);
    expect(await countAdmins(services.pool)).toBe(before + 1);
    expect(await setRoles(services.pool, `nobody-${suffix}`, ['admin'])).toBeNull();
  });

  it('keeps only a salted scrypt hash of a password and checks it', async () => {
    const hash = await hashPassword('correct horse battery staple');
    expect(hash).not.toContain('correct');
    expect(await hashPassword('correct horse battery staple')).not.toBe(hash); // per-user salt
    expect(await setPasswordHash(services.pool, alice, hash)).toBe(true);
    const stored = (await getUser(services.pool, alice))!.passwordHash!;
    expect(await verifyPassword('correct horse battery staple', stored)).toBe(true);
    expect(await verifyPassword('correct horse battery stapler', stored)).toBe(false);
    expect(await verifyPassword('anything', DUMMY_HASH)).toBe(false);
    expect(await verifyPassword('anything', 'scrypt$garbage')).toBe(false);
  });

  it('counts login failures for back-off and clears them', async () => {
    await recordLoginFailure(services.pool, alice);
    await recordLoginFailure(services.pool, alice);
    expect(await recentLoginFailures(services.pool, alice, 60_000)).toHaveLength(2);
    await clearLoginFailures(services.pool, alice);
    expect(await recentLoginFailures(services.pool, alice, 60_000)).toHaveLength(0);
  });

  it('shows a key once, stores only its hash, and refuses it when forged, revoked or expired', async () => {
    const { key, record } = await createApiKey(services.pool, { name: 'ci', owner: alice, scopes: ['incidents:read'], createdBy: alice });
    expect(key.startsWith(`vk_${record.id}_`)).toBe(true);
    const raw = await services.pool.query<{ secret_hash: string }>('SELECT secret_hash FROM api_keys WHERE id = $1', [record.id]);
    expect(raw.rows[0]!.secret_hash).not.toContain(key.slice(`vk_${record.id}_`.length));
    expect((await findValidApiKey(services.pool, key))?.scopes).toEqual(['incidents:read']);
    const forged = key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A');
    expect(await findValidApiKey(services.pool, forged)).toBeNull();
    expect((await listApiKeys(services.pool, alice)).map((k) => k.id)).toContain(record.id);
    expect((await revokeApiKey(services.pool, record.id))?.revokedAt).not.toBeNull();
    expect(await revokeApiKey(services.pool, record.id)).toBeNull();
    expect(await findValidApiKey(services.pool, key)).toBeNull();
    const soon = await createApiKey(services.pool, { name: 'short', owner: null, scopes: ['metrics:write'], createdBy: alice, expiresAt: Date.now() + 60_000 });
    expect(await findValidApiKey(services.pool, soon.key)).not.toBeNull();
    expect(await findValidApiKey(services.pool, soon.key, Date.now() + 120_000)).toBeNull();
  });

  it('saves users the config gives roles to, once; a change in the config is saved again', async () => {
    const carl = `carl-${suffix}`;
    const config = (roles: string[]) => parseConfig({ users: { [carl]: { notify: ['console'], email: 'carl@example.com', slackId: `U0CARL${suffix.toUpperCase()}`, roles, teams: ['search'] }, oncallOnly: { notify: ['console'] } } }, 'test', {});
    expect(await syncConfigUsers(services.pool, config(['responder']).users)).toEqual([carl]);
    expect(await getUser(services.pool, carl)).toMatchObject({ roles: ['responder'], teams: ['search'], slackUserId: `U0CARL${suffix.toUpperCase()}` });
    expect(await getUser(services.pool, 'oncallOnly')).toBeNull(); // no roles: an on-call contact only
    expect(await syncConfigUsers(services.pool, config(['responder']).users)).toEqual([]);
    expect(await syncConfigUsers(services.pool, config(['admin']).users)).toEqual([carl]);
    expect((await getUser(services.pool, carl))?.roles).toEqual(['admin']);
  });
});
