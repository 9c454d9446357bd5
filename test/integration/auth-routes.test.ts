import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registeredRoutes } from '../../api/openapi';
import { accessFor, ROUTE_ACCESS } from '../../api/auth/route-access';
import { createApiServer } from '../../api/server';
import { createIncidentService } from '../../app/incident-service';
import { createApiKey } from '../../db/auth/api-keys';
import { upsertUser } from '../../db/auth/users';
import { connectServices, silentLogger, testConfig, type Services } from '../support/integration';

// The real API with every optional route switched on and authentication as deployed (keys).
let services: Services;
let api: FastifyInstance;
const tag = Math.random().toString(36).slice(2, 8);
let viewerKey = '';

beforeAll(async () => {
  services = await connectServices();
  const config = testConfig({ channels: { console: { type: 'console' } } }, services);
  const incidents = createIncidentService({ client: services.client, pool: services.pool, config });
  api = createApiServer({
    incidents,
    client: services.client,
    pool: services.pool,
    logger: silentLogger,
    compliance: config.compliance,
    actionSecret: 'route-test-secret',
    pagerDutyWebhookSecret: 'route-test-pd',
    auth: { mode: 'keys', metricsPublic: true, keyCacheTtl: 1000, sessionTtl: 60_000 },
  });
  await api.ready();
  await upsertUser(services.pool, { name: `viewer-${tag}`, roles: ['viewer'] });
  viewerKey = (await createApiKey(services.pool, { name: 'v', owner: `viewer-${tag}`, scopes: ['incidents:read', 'silences:read'], createdBy: 'test' })).key;
});

afterAll(async () => {
  await api?.close();
  await services?.close();
});

/** A concrete path for a route pattern. */
const pathOf = (url: string) => url.replace(':id', '0123456789abcdef').replace(':service', 'checkout-rag').replace(':file', 'r.json').replace('*', 'x');

describe('the route table', () => {
  it('every registered route has an access rule (a new route without one fails here, and is refused meanwhile)', () => {
    // Recorded as /openapi.json records them (HEAD follows GET, so it is left out there and here).
    const routes = registeredRoutes(api).map((r) => ({ method: r.method.toUpperCase(), url: r.url }));
    expect(routes.length).toBeGreaterThan(15);
    const missing = routes.filter((r) => accessFor(r.method, r.url) === undefined).map((r) => `${r.method} ${r.url}`);
    expect(missing).toEqual([]);
  });

  it('has no stale entries: every rule names a route that exists', () => {
    const registered = new Set(registeredRoutes(api).map((r) => `${r.method.toUpperCase()} ${r.url}`));
    expect(Object.keys(ROUTE_ACCESS).filter((k) => !registered.has(k))).toEqual([]);
  });

  it('every route that needs a scope answers 401 without credentials and 403 naming the scope to a key without it', async () => {
    for (const r of registeredRoutes(api)) {
      const [method, url] = [r.method.toUpperCase(), r.url];
      const rule = accessFor(method, url);
      if (rule?.kind !== 'scope') continue;
      const bare = await api.inject({ method: method as 'GET', url: pathOf(url), payload: method === 'GET' ? undefined : {} });
      expect([method, url, bare.statusCode]).toEqual([method, url, 401]);
      const viewer = await api.inject({ method: method as 'GET', url: pathOf(url), headers: { authorization: `Bearer ${viewerKey}` }, payload: method === 'GET' ? undefined : {} });
      if (rule.scope === 'incidents:read' || rule.scope === 'silences:read') expect([method, url, viewer.statusCode]).not.toEqual([method, url, 401]);
      else {
        expect([method, url, viewer.statusCode]).toEqual([method, url, 403]);
        expect(viewer.json().message).toContain(`"${rule.scope}"`);
      }
    }
  });

  it('never leaves Alertmanager open: without ALERTMANAGER_TOKEN it takes an API key holding incidents:write, nothing else', async () => {
    const post = (authorization?: string) => api.inject({ method: 'POST', url: '/v1/alertmanager', headers: authorization ? { authorization } : {}, payload: { alerts: [] } });
    expect((await post()).statusCode).toBe(401);
    expect((await post('Bearer anything-at-all')).statusCode).toBe(401);
    expect((await post(`Bearer ${viewerKey}`)).statusCode).toBe(403);
    await upsertUser(services.pool, { name: `responder-${tag}`, roles: ['responder'] });
    const key = (await createApiKey(services.pool, { name: 'am', owner: `responder-${tag}`, scopes: ['incidents:write'], createdBy: 'test' })).key;
    expect((await post(`Bearer ${key}`)).statusCode).toBe(400); // past access control, to the body's own check
  });

  it('ingest takes an API key holding metrics:write, for any service; a key without it gets 403', async () => {
    const body = { samples: [{ service: `keyed-${tag}`, at: new Date().toISOString(), latencyMs: 800, ok: true }] };
    const post = (key: string) => api.inject({ method: 'POST', url: '/v1/metrics', headers: { authorization: `Bearer ${key}` }, payload: body });
    const denied = await post(viewerKey);
    expect(denied.statusCode).toBe(403);
    expect(denied.json().message).toContain('"metrics:write"');
    const writer = (await createApiKey(services.pool, { name: 'pipeline', owner: null, scopes: ['metrics:write'], createdBy: 'test' })).key;
    const ok = await post(writer);
    expect(ok.statusCode, ok.body).toBe(202);
    expect(ok.json()).toMatchObject({ accepted: 1 });
  });

  it('leaves /healthz, /metrics, /openapi.json and the login open', async () => {
    for (const url of ['/healthz', '/metrics', '/openapi.json']) expect((await api.inject({ method: 'GET', url })).statusCode).not.toBe(401);
    expect((await api.inject({ method: 'POST', url: '/v1/auth/login', payload: { user: 'nobody', password: 'x' } })).statusCode).toBe(401);
  });
});
