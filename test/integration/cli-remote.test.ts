import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIncidentService, type IncidentService } from '../../app/incident-service';
import { createConfiguredApi } from '../../cli/entry-points';
import { createApiKey } from '../../db/auth/api-keys';
import { upsertUser } from '../../db/auth/users';
import type { IncidentState } from '../../domain/incident-state';
import { connectServices, eventually, silentLogger, startWorker, testConfig, type Services } from '../support/integration';
import { spawnVigil } from '../support/processes';

// The CLI against a remote API: VIGIL_API_URL + VIGIL_API_KEY, access control applying to it.
let services: Services;
let api: FastifyInstance;
let incidents: IncidentService;
let stopWorker: () => Promise<void>;
let url = '';
const tag = Math.random().toString(36).slice(2, 8);
const SERVICE = `remote-rag-${tag}`;
const keys = { responder: '', viewer: '' };

beforeAll(async () => {
  services = await connectServices();
  const config = testConfig({ channels: { console: { type: 'console' } }, anomalyDetection: { enabled: false } }, services);
  stopWorker = (await startWorker(services, config)).stop;
  incidents = createIncidentService({ client: services.client, pool: services.pool, config });
  api = createConfiguredApi({ incidents, client: services.client, pool: services.pool, config, env: {}, logger: silentLogger });
  await api.listen({ host: '127.0.0.1', port: 0 });
  const a = api.server.address();
  url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  for (const role of ['responder', 'viewer'] as const) {
    await upsertUser(services.pool, { name: `${role}-${tag}`, roles: [role] });
    const scopes = role === 'responder' ? (['incidents:read', 'incidents:write'] as const) : (['incidents:read'] as const);
    keys[role] = (await createApiKey(services.pool, { name: 'laptop', owner: `${role}-${tag}`, scopes: [...scopes], createdBy: 'test' })).key;
  }
});

afterAll(async () => {
  await api?.close();
  await stopWorker?.();
  await services?.close();
});

async function vigil(key: string | undefined, ...args: string[]) {
  // No database and no Temporal address: everything must go through the API.
  const p = spawnVigil(args, { VIGIL_API_URL: url, ...(key ? { VIGIL_API_KEY: key } : {}), VIGIL_DATA_DIR: '/nonexistent-vigil-data', DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', TEMPORAL_ADDRESS: '127.0.0.1:1' });
  const { code } = await p.exited;
  return { code, output: p.output() };
}

describe('vigil with VIGIL_API_URL and VIGIL_API_KEY', () => {
  let fingerprint = '';

  it('raises and lists through the API', async () => {
    const t = await vigil(keys.responder, 'trigger', '--service', SERVICE);
    expect(t.code, t.output).toBe(0);
    fingerprint = /[0-9a-f]{16}/.exec(t.output)![0];
    await eventually('the incident in Postgres', async () => (await incidents.list({ service: SERVICE })).length === 1);
    const l = await vigil(keys.viewer, 'incidents', 'list', '--service', SERVICE);
    expect(l.code, l.output).toBe(0);
    expect(l.output).toContain(SERVICE);
  });

  it('a viewer key may not act: exit 1 naming the scope, nothing changed', async () => {
    const r = await vigil(keys.viewer, 'incidents', 'ack', fingerprint, '--by', 'mallory');
    expect(r.code).toBe(1);
    expect(r.output).toContain('"incidents:write"');
    expect(((await incidents.show(fingerprint)) as { state: IncidentState }).state.status).toBe('triggered');
  });

  it('a responder key acts, recorded as its user whatever --by says', async () => {
    const r = await vigil(keys.responder, 'incidents', 'ack', fingerprint, '--by', 'mallory');
    expect(r.code, r.output).toBe(0);
    expect(((await incidents.show(fingerprint)) as { state: IncidentState }).state.acknowledged?.by).toBe(`responder-${tag}`);
  });

  it('without a key, or with a bad one, says what to do', async () => {
    const none = await vigil(undefined, 'incidents', 'list');
    expect(none.code).toBe(2);
    expect(none.output).toContain('VIGIL_API_KEY is not');
    const bad = await vigil('vk_000000000000_' + 'A'.repeat(43), 'incidents', 'list');
    expect(bad.code).toBe(1);
    expect(bad.output).toContain('check VIGIL_API_KEY');
  });
});
