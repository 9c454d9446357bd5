import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../../app/auth/password';
import { findValidApiKey } from '../../db/auth/api-keys';
import { getUser } from '../../db/auth/users';
import { connectServices, type Services } from '../support/integration';
import { spawnVigil } from '../support/processes';

let services: Services;
const tag = Math.random().toString(36).slice(2, 8);
const alice = `alice-${tag}`;
const bob = `bob-${tag}`;

beforeAll(async () => {
  services = await connectServices();
});
afterAll(async () => {
  await services?.close();
});

const env = () => ({ DATABASE_URL: services.databaseUrl, VIGIL_DATA_DIR: '/nonexistent-vigil-data' });

async function vigil(...args: string[]) {
  const p = spawnVigil(args, env());
  let stdout = '';
  p.child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  const { code } = await p.exited;
  return { code, stdout, output: p.output() };
}

/** `vigil users passwd` reads the password from stdin. */
function passwd(name: string, password: string): Promise<number | null> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', '..', 'cli', 'main.ts'), 'users', 'passwd', name], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env() },
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  child.stdin.end(`${password}\n`);
  return new Promise((resolve) => child.on('exit', resolve));
}

async function auditKinds(): Promise<string[]> {
  const r = await services.pool.query<{ kind: string }>("SELECT kind FROM audit_log WHERE kind LIKE 'admin.%' ORDER BY seq");
  return r.rows.map((x) => x.kind);
}

describe('vigil users and vigil keys', () => {
  it('adds users with roles, sets a password from stdin, and refuses unknown roles with exit 2', async () => {
    expect((await vigil('users', 'add', alice, '--admin', '--email', `${alice}@example.com`)).code).toBe(0);
    expect((await vigil('users', 'add', bob, '--role', 'responder')).code).toBe(0);
    const bad = await vigil('users', 'add', `carol-${tag}`, '--role', 'superuser');
    expect(bad.code).toBe(2);
    expect(bad.output).toContain('--role: "superuser" is not a role');
    expect(await passwd(alice, 'a passphrase of some length')).toBe(0);
    expect(await verifyPassword('a passphrase of some length', (await getUser(services.pool, alice))!.passwordHash!)).toBe(true);
    expect(await passwd(bob, 'short')).toBe(2);
    const list = await vigil('users', 'list');
    expect(list.stdout).toMatch(new RegExp(`^${alice}\\s+admin\\s+${alice}@example.com`, 'm'));
  });

  it('creates a key shown once, lists it without the secret, never beyond its owner, and revokes it', async () => {
    const r = await vigil('keys', 'create', '--name', 'pager bridge', '--user', bob, '--scope', 'incidents:read', '--scope', 'incidents:write', '--expires', '90d');
    expect(r.code, r.output).toBe(0);
    expect(r.stdout).toMatch(/^vk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}\n$/);
    const key = r.stdout.trim();
    const id = key.split('_')[1]!;
    // The secret may itself hold "_": everything after the id is the secret.
    const secret = key.slice(`vk_${id}_`.length);
    expect((await findValidApiKey(services.pool, key))?.owner).toBe(bob);
    const list = await vigil('keys', 'list', '--user', bob);
    expect(list.stdout).toContain(`vk_${id}_…`);
    expect(list.output).not.toContain(secret);
    const tooMuch = await vigil('keys', 'create', '--name', 'sneaky', '--user', bob, '--scope', 'admin');
    expect(tooMuch.code).toBe(2);
    expect(tooMuch.output).toContain(`${bob} does not hold "admin"`);
    expect((await vigil('keys', 'create', '--name', 'x', '--scope', 'everything')).code).toBe(2);
    expect((await vigil('keys', 'revoke', id)).code).toBe(0);
    expect(await findValidApiKey(services.pool, key)).toBeNull();
    expect((await vigil('keys', 'revoke', id)).code).not.toBe(0);
  });

  it('puts every change in the audit trail, and the chain still verifies', async () => {
    const kinds = await auditKinds();
    for (const k of ['admin.user_saved', 'admin.password_set', 'admin.key_created', 'admin.key_revoked']) expect(kinds).toContain(k);
    const v = await vigil('audit', 'verify');
    expect(v.code, v.output).toBe(0);
  });
});
