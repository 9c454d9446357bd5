import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installAuth } from '../../api/auth/plugin';
import { errorHandler } from '../../api/errors';
import { deployRoutes } from '../../api/routes/deploys';
import { createApiKey } from '../../db/auth/api-keys';
import { connectServices, type Services } from '../support/integration';
import { spawnVigil } from '../support/processes';

// POST/GET /v1/deploys behind the real auth layer against real Postgres: idempotence on
// (service, version, at), refusals naming the field, and the scopes each method needs.
let services: Services;
let app: FastifyInstance;
const tag = Math.random().toString(36).slice(2, 8);
const service = `deploy-svc-${tag}`;
let ciKey = '';
let readKey = '';

beforeAll(async () => {
  services = await connectServices();
  ciKey = (await createApiKey(services.pool, { name: `ci-${tag}`, owner: null, scopes: ['metrics:write'], createdBy: 'test' })).key;
  readKey = (await createApiKey(services.pool, { name: `viewer-${tag}`, owner: null, scopes: ['incidents:read'], createdBy: 'test' })).key;
  app = Fastify();
  app.setErrorHandler(errorHandler);
  installAuth(app, { pool: services.pool, mode: 'keys', metricsPublic: true, keyCacheMs: 300 });
  deployRoutes(app, services.pool);
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await services?.close();
});

const as = (key: string) => ({ authorization: `Bearer ${key}` });
const post = (body: unknown, key = ciKey) => app.inject({ method: 'POST', url: '/v1/deploys', headers: as(key), payload: body as object });
const stored = async () => Number((await services.pool.query<{ n: string }>('SELECT count(*) AS n FROM deploys WHERE service = $1', [service])).rows[0]!.n);

describe('POST /v1/deploys', () => {
  it('stores a deploy once: 201 the first time, 200 with the stored row on a repeat', async () => {
    const at = new Date(Date.now() - 60_000).toISOString();
    const first = await post({ service, version: 'v1.2.3', at, description: 'canary to 100 %' });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({ service, version: 'v1.2.3', at, description: 'canary to 100 %', recordedBy: `key:ci-${tag}` });
    const again = await post({ service, version: 'v1.2.3', at, description: 'a retried report' });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(first.json());
    expect(await stored()).toBe(1);
  });

  it('dates a deploy without `at` now', async () => {
    const before = Date.now();
    const r = await post({ service, version: 'v1.2.4' });
    expect(r.statusCode).toBe(201);
    const at = Date.parse(r.json().at);
    expect(at).toBeGreaterThanOrEqual(before - 1);
    expect(at).toBeLessThanOrEqual(Date.now() + 1);
  });

  it.each([
    ['a NUL byte in the version', { service, version: 'v1\u0000' }, 'body.version'],
    ['a control character in the description', { service, version: 'v9', description: 'bad\u0007bell' }, 'body.description'],
    ['a time more than 5 minutes ahead', { service, version: 'v9', at: new Date(Date.now() + 10 * 60_000).toISOString() }, 'body.at'],
    ['a time that is not ISO 8601', { service, version: 'v9', at: 'yesterday' }, 'body.at'],
    ['an unknown field', { service, version: 'v9', commit: 'abc' }, 'body'],
    ['a service name with a slash', { service: 'a/b', version: 'v9' }, 'body.service'],
    ['no version', { service }, 'body.version'],
  ])('refuses %s with a 400 naming the field, storing nothing', async (_what, body, field) => {
    const before = await stored();
    const r = await post(body);
    expect(r.statusCode).toBe(400);
    expect(r.json().error).toBe('invalid_input');
    expect(r.json().issues.map((i: { field: string }) => i.field)).toContain(field);
    expect(r.json().message).toContain(field);
    expect(await stored()).toBe(before);
  });

  it('accepts a time within the 5 minutes of clock skew', async () => {
    const r = await post({ service, version: 'v1.3.0', at: new Date(Date.now() + 2 * 60_000).toISOString() });
    expect(r.statusCode).toBe(201);
  });

  it('answers 401 without credentials and 403 to a key without metrics:write', async () => {
    const before = await stored();
    const anon = await app.inject({ method: 'POST', url: '/v1/deploys', payload: { service, version: 'v8' } });
    expect(anon.statusCode).toBe(401);
    const reader = await post({ service, version: 'v8' }, readKey);
    expect(reader.statusCode).toBe(403);
    expect(await stored()).toBe(before);
  });
});

describe('GET /v1/deploys', () => {
  it('lists a service\'s deploys oldest first, for incidents:read', async () => {
    const r = await app.inject({ method: 'GET', url: `/v1/deploys?service=${service}`, headers: as(readKey) });
    expect(r.statusCode).toBe(200);
    const versions = r.json().deploys.map((d: { version: string }) => d.version);
    expect(versions).toEqual(['v1.2.3', 'v1.2.4', 'v1.3.0']);
    const since = await app.inject({ method: 'GET', url: `/v1/deploys?service=${service}&since=${encodeURIComponent(new Date(Date.now() - 30_000).toISOString())}`, headers: as(readKey) });
    expect(since.json().deploys.map((d: { version: string }) => d.version)).toEqual(['v1.2.4', 'v1.3.0']);
  });

  it('answers 400 naming a bad query field, and 401/403 without incidents:read', async () => {
    const bad = await app.inject({ method: 'GET', url: '/v1/deploys?since=soon', headers: as(readKey) });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().issues[0].field).toBe('query.since');
    expect((await app.inject({ method: 'GET', url: '/v1/deploys' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/v1/deploys', headers: as(ciKey) })).statusCode).toBe(403);
  });
});

describe('vigil deploys record', () => {
  const run = async (args: string[]) => {
    const p = spawnVigil(['deploys', 'record', ...args], { DATABASE_URL: services.databaseUrl });
    return { code: (await p.exited).code, out: p.output() };
  };

  it('records a deploy, and says so when it was already recorded', async () => {
    const at = new Date(Date.now() - 120_000).toISOString();
    const first = await run(['--service', service, '--version', 'cli-1', '--at', at]);
    expect(first.code, first.out).toBe(0);
    expect(first.out).toContain(`recorded: ${service} cli-1 at ${at}`);
    const again = await run(['--service', service, '--version', 'cli-1', '--at', at]);
    expect(again.code, again.out).toBe(0);
    expect(again.out).toContain('already recorded');
    expect((await services.pool.query('SELECT 1 FROM deploys WHERE service = $1 AND version = $2', [service, 'cli-1'])).rowCount).toBe(1);
  });

  it.each([
    ['a future --at', ['--service', service, '--version', 'cli-2', '--at', new Date(Date.now() + 3_600_000).toISOString()], '--at'],
    ['a malformed --at', ['--service', service, '--version', 'cli-2', '--at', 'tomorrow'], '--at'],
    ['a bad --service', ['--service', 'no/slash', '--version', 'cli-2'], '--service'],
    ['a control character in --version', ['--service', service, '--version', 'cli\u001b[2J'], '--version'],
  ])('exits 2 naming the flag for %s, storing nothing', async (_what, args, flag) => {
    const before = await stored();
    const r = await run(args);
    expect(r.code, r.out).toBe(2);
    expect(r.out).toContain(flag);
    expect(await stored()).toBe(before);
  });
});
