import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiServer } from '../../api/server';
import { createIncidentService, type IncidentService } from '../../app/incident-service';
import { createApiKey } from '../../db/auth/api-keys';
import { upsertUser } from '../../db/auth/users';
import type { IncidentState } from '../../domain/incident-state';
import { connectServices, eventually, silentLogger, startWorker, testConfig, type Services } from '../support/integration';

// The actor on the record is who authenticated, not who the body says.
let services: Services;
let api: FastifyInstance;
let incidents: IncidentService;
let stopWorker: () => Promise<void>;
const tag = Math.random().toString(36).slice(2, 8);
const responder = `responder-${tag}`;
let responderKey = '';
let botKey = '';
let payerKey = '';

beforeAll(async () => {
  services = await connectServices();
  const config = testConfig({ channels: { console: { type: 'console' } }, anomalyDetection: { enabled: false } }, services);
  stopWorker = (await startWorker(services, config)).stop;
  incidents = createIncidentService({ client: services.client, pool: services.pool, config });
  api = createApiServer({
    incidents, client: services.client, pool: services.pool, logger: silentLogger,
    auth: { mode: 'keys', metricsPublic: true, keyCacheTtl: 1000, sessionTtl: 60_000 },
    teams: { search: { services: [`actor-rag-${tag}`] }, payments: { services: [`payments-rag-${tag}`] } },
  });
  await api.ready();
  await upsertUser(services.pool, { name: responder, roles: ['responder'] });
  responderKey = (await createApiKey(services.pool, { name: 'r', owner: responder, scopes: ['incidents:read', 'incidents:write', 'silences:write'], createdBy: 'test' })).key;
  await upsertUser(services.pool, { name: `payer-${tag}`, roles: ['responder'], teams: ['payments'] });
  payerKey = (await createApiKey(services.pool, { name: 'p', owner: `payer-${tag}`, scopes: ['incidents:read', 'incidents:write', 'silences:write'], createdBy: 'test' })).key;
  botKey = (await createApiKey(services.pool, { name: `chatops-${tag}`, owner: null, scopes: ['incidents:write', 'act-as'], createdBy: 'test' })).key;
});

afterAll(async () => {
  await api?.close();
  await stopWorker?.();
  await services?.close();
});

const as = (key: string) => ({ authorization: `Bearer ${key}` });

async function raise(dimension: string): Promise<string> {
  const r = await api.inject({ method: 'POST', url: '/v1/incidents', headers: as(responderKey), payload: { service: `actor-rag-${tag}`, kind: 'response_time_sla', dimension, severity: 'high', title: 'p95 over SLA' } });
  expect(r.statusCode, r.body).toBe(202);
  const { fingerprint } = r.json() as { fingerprint: string };
  await eventually('the incident to open', async () => ((await incidents.show(fingerprint)) as { state: IncidentState }).state.status === 'triggered');
  return fingerprint;
}

describe('the actor is the identity', () => {
  it('records the authenticated user, ignoring a typed "by"', async () => {
    const id = await raise('a');
    const r = await api.inject({ method: 'POST', url: `/v1/incidents/${id}/acknowledge`, headers: as(responderKey), payload: { by: 'mallory' } });
    expect(r.statusCode, r.body).toBe(200);
    const s = ((await incidents.show(id)) as { state: IncidentState }).state;
    expect(s.acknowledged?.by).toBe(responder);
    expect(JSON.stringify(s.timeline)).not.toContain('mallory');
  });

  it('keeps "by" only as on-behalf-of text for an automation key with act-as', async () => {
    const id = await raise('b');
    const r = await api.inject({ method: 'POST', url: `/v1/incidents/${id}/resolve`, headers: as(botKey), payload: { by: 'alice', reason: 'fixed by rollback' } });
    expect(r.statusCode, r.body).toBe(200);
    const s = ((await incidents.show(id)) as { state: IncidentState }).state;
    expect(s.timeline.find((e) => e.type === 'resolved')?.actor).toBe(`key:chatops-${tag} on behalf of alice`);
    // A resolve by hand is in the audit trail: the incident chained, who and why erasable.
    const audit = await services.pool.query<{ payload: { incident: string } }>("SELECT payload FROM audit_log WHERE kind = 'admin.manual_resolve' ORDER BY seq DESC LIMIT 1");
    expect(audit.rows[0]?.payload.incident).toBe(`incident/${id}`);
  });

  it('a silence is created by the caller, whatever createdBy says', async () => {
    const r = await api.inject({ method: 'POST', url: '/v1/silences', headers: as(responderKey), payload: { matchers: [`service="actor-rag-${tag}"`], duration: '1h', createdBy: 'mallory', comment: 'deploy' } });
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json()).toMatchObject({ createdBy: responder });
    // In the audit trail: what it mutes in the chained payload, who made it in the erasable part.
    const audit = await services.pool.query<{ payload: unknown }>(
      "SELECT payload FROM audit_log WHERE kind = 'admin.silence_created' ORDER BY seq DESC LIMIT 1",
    );
    expect(JSON.stringify(audit.rows[0]?.payload)).toContain(`actor-rag-${tag}`);
    expect(JSON.stringify(audit.rows[0]?.payload)).not.toContain(responder);
  });

  it("a user limited to a team acts on and silences that team's services only", async () => {
    const id = await raise('c');
    const ack = await api.inject({ method: 'POST', url: `/v1/incidents/${id}/acknowledge`, headers: as(payerKey), payload: {} });
    expect(ack.statusCode).toBe(403);
    expect(ack.json().message).toContain(`may not act on incidents of "actor-rag-${tag}"`);
    expect(((await incidents.show(id)) as { state: IncidentState }).state.status).toBe('triggered');
    const silence = (service: string) => api.inject({ method: 'POST', url: '/v1/silences', headers: as(payerKey), payload: { matchers: [`service="${service}"`], duration: '1h', comment: 'maintenance' } });
    expect((await silence(`actor-rag-${tag}`)).statusCode).toBe(403);
    const own = await silence(`payments-rag-${tag}`);
    expect(own.statusCode, own.body).toBe(201);
    // Ending another team's silence would un-mute their pages: refused, and the silence keeps running.
    const theirs = await api.inject({ method: 'POST', url: '/v1/silences', headers: as(responderKey), payload: { matchers: [`service="actor-rag-${tag}"`], duration: '1h', comment: 'their maintenance' } });
    const theirsId = (theirs.json() as { id: string }).id;
    const expireTheirs = await api.inject({ method: 'DELETE', url: `/v1/silences/${theirsId}`, headers: as(payerKey) });
    expect(expireTheirs.statusCode).toBe(403);
    expect(expireTheirs.json()).toMatchObject({ error: 'forbidden' });
    expect(expireTheirs.json().message).toContain(`may not silence "actor-rag-${tag}"`);
    const running = await services.pool.query<{ running: boolean }>('SELECT ends_at > now() AS running FROM silences WHERE id = $1', [theirsId]);
    expect(running.rows[0]?.running).toBe(true);
    expect((await api.inject({ method: 'DELETE', url: `/v1/silences/${(own.json() as { id: string }).id}`, headers: as(payerKey) })).statusCode).toBe(204);
    expect((await api.inject({ method: 'DELETE', url: `/v1/silences/${theirsId}`, headers: as(responderKey) })).statusCode).toBe(204);
  });
});
