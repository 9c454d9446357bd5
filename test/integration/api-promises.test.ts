import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiServer } from '../../api/server';
import { createIncidentService, type IncidentService } from '../../app/incident-service';
import { createPool } from '../../db/pool';
import type { IncidentState } from '../../domain/incident-state';
import { violationSchema } from '../../domain/violation';
import { connectServices, eventually, silentLogger, startWorker, testConfig, type Services } from '../support/integration';

// Two promises the README makes about the HTTP API, held to them.
let services: Services;
let incidents: IncidentService;
let api: FastifyInstance;
let stopWorker: () => Promise<void>;

beforeAll(async () => {
  services = await connectServices();
  const config = testConfig({}, services);
  stopWorker = (await startWorker(services, config)).stop;
  incidents = createIncidentService({ client: services.client, pool: services.pool, config });
  api = createApiServer({ incidents, client: services.client, pool: services.pool, logger: silentLogger, bodyLimit: 64 * 1024 });
  await api.ready();
});

afterAll(async () => {
  await api?.close();
  await stopWorker?.();
  await services?.close();
});

describe('Idempotency-Key on an action', () => {
  it('becomes the Update id: a retried request applies once', async () => {
    const r = await incidents.raise(violationSchema.parse({ service: 'idem-rag', kind: 'quality_sla', severity: 'low', title: 'quality 0.69 < 0.70' }));
    const note = () =>
      api.inject({ method: 'POST', url: `/v1/incidents/${r.fingerprint}/note`, headers: { 'idempotency-key': `retry-${r.runId}` }, payload: { by: 'alice', text: 'rolled back the reranker' } });
    const [first, again] = [await note(), await note()];
    expect(first.statusCode).toBe(200);
    expect(again.statusCode).toBe(200);
    const notes = (await eventually('the note on the timeline', async () => {
      const s = ((await incidents.show(r.fingerprint)) as { state: IncidentState }).state;
      return s.timeline.some((e) => e.type === 'note') ? s : undefined;
    })).timeline.filter((e) => e.type === 'note');
    expect(notes).toHaveLength(1);
    // Without the header each request is its own action.
    await api.inject({ method: 'POST', url: `/v1/incidents/${r.fingerprint}/note`, payload: { by: 'alice', text: 'second thought' } });
    const s = ((await incidents.show(r.fingerprint)) as { state: IncidentState }).state;
    expect(s.timeline.filter((e) => e.type === 'note').map((e) => e.text)).toEqual(['rolled back the reranker', 'second thought']);
  });
});

describe('/healthz', () => {
  it('answers 200 when Postgres and Temporal answer, 503 naming the one that does not', async () => {
    const ok = await api.inject({ method: 'GET', url: '/healthz' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ ok: true, postgres: true, temporal: true });

    // Nothing listens on port 1: the pool and the connection fail as against a server that is down.
    const deadPool = createPool('postgres://vigil@127.0.0.1:1/vigil', 'vigil-dead', 1);
    const pgDown = createApiServer({ incidents, client: services.client, pool: deadPool, logger: silentLogger });
    const res = await pgDown.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ ok: false, postgres: false, temporal: true });
    await pgDown.close();
    await deadPool.end();

    const deadConnection = Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 1000 });
    const temporalDown = createApiServer({ incidents, client: new Client({ connection: deadConnection }), pool: services.pool, logger: silentLogger });
    const res2 = await temporalDown.inject({ method: 'GET', url: '/healthz' });
    expect(res2.statusCode).toBe(503);
    expect(res2.json()).toEqual({ ok: false, postgres: true, temporal: false });
    await temporalDown.close();
  });
});
