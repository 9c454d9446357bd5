import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyIngestToken } from '../../db/ingest-tokens';
import { connectServices, type Services } from '../support/integration';
import { spawnVigil } from '../support/processes';

const SERVICE = `cli-rag-${randomUUID().slice(0, 8)}`;
let services: Services;

beforeAll(async () => {
  services = await connectServices();
});
afterAll(async () => {
  await services?.close();
});

/** Runs `vigil tokens …` against the test database; stdout is kept apart from the merged output. */
async function vigil(...args: string[]) {
  const p = spawnVigil(['tokens', ...args], { DATABASE_URL: services.databaseUrl, VIGIL_DATA_DIR: '/nonexistent-vigil-data' });
  let stdout = '';
  p.child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  const { code } = await p.exited;
  return { code, stdout, output: p.output() };
}

describe('vigil tokens', () => {
  let token = '';
  let id = '';

  it('create prints the token once on stdout (alone, for scripts), warns on stderr, and stores only its hash', async () => {
    const r = await vigil('create', '--service', SERVICE, '--name', 'checkout pods');
    expect(r.code, r.output).toBe(0);
    expect(r.stdout).toMatch(/^vgl_[A-Za-z0-9_-]{43}\n$/);
    expect(r.output).toMatch(/shown only this once/);
    token = r.stdout.trim();
    id = /Created ingest token (\S+) for service/.exec(r.output)![1]!;

    const rows = await services.pool.query('SELECT * FROM ingest_tokens WHERE id = $1', [id]);
    expect(rows.rows[0]).toMatchObject({ service: SERVICE, name: 'checkout pods', token_hash: createHash('sha256').update(token).digest('hex'), revoked_at: null });
    expect(JSON.stringify(rows.rows)).not.toContain(token.slice(4));
    expect(await verifyIngestToken(services.pool, token)).toEqual({ service: SERVICE });
  });

  it('list shows id, service, state and name, never the token', async () => {
    const r = await vigil('list', '--service', SERVICE);
    expect(r.code, r.output).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^${id}\\s+${SERVICE}\\s+active\\s+created \\S+\\s+checkout pods$`, 'm'));
    expect(r.output).not.toContain(token.slice(4));
  });

  it('revoke makes the token fail verification at once, and a second revoke says there is nothing to revoke', async () => {
    const r = await vigil('revoke', id);
    expect(r.code, r.output).toBe(0);
    expect(r.stdout).toBe(`revoked ${id}\n`);
    expect(await verifyIngestToken(services.pool, token)).toBeNull();
    expect((await vigil('list', '--service', SERVICE)).stdout).toMatch(new RegExp(`^${id}\\s+${SERVICE}\\s+revoked \\S+`, 'm'));
    const again = await vigil('revoke', id);
    expect(again.code).toBe(1);
    expect(again.output).toMatch(/No active ingest token/);
  });

  it.each([
    // each case: arguments, what the message must say
    [['create', '--service', 'bad name!'], /--service: "bad name!" may contain only/],
    [['list', '--service', ''], /--service: "" must not be empty/],
  ])('%j exits 2 (invalid input)', async (args, says) => {
    const r = await vigil(...args);
    expect(r.code, r.output).toBe(2);
    expect(r.output).toMatch(says);
  });
});
