import { createHmac } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiServer } from '../../api/server';
import { createIncidentService, type IncidentService } from '../../app/incident-service';
import { createIngestToken } from '../../db/ingest-tokens';
import { connectServices, eventually, silentLogger, startWorker, testConfig, type Services } from '../support/integration';

// A misspelt field (`treshold`, `commment`) silently dropped looks like success and loses data, so
// Vigil's own bodies refuse unknown fields. Foreign senders (Alertmanager, PagerDuty) add fields of
// their own at will and must keep being accepted.
const SERVICE = 'unknown-fields-rag';
const PD_SECRET = 'unknown-fields-pd-secret';

let services: Services;
let incidents: IncidentService;
let api: FastifyInstance;
let stopWorker: () => Promise<void>;
let token: string;
let fingerprint: string;

beforeAll(async () => {
  services = await connectServices();
  const config = testConfig({ channels: { console: { type: 'console' } }, anomalyDetection: { enabled: false } }, services);
  stopWorker = (await startWorker(services, config)).stop;
  incidents = createIncidentService({ client: services.client, pool: services.pool, config });
  api = createApiServer({ incidents, client: services.client, pool: services.pool, logger: silentLogger, compliance: config.compliance, pagerDutyWebhookSecret: PD_SECRET });
  await api.ready();
  token = (await createIngestToken(services.pool, SERVICE, 'test')).token;
  const res = await api.inject({ method: 'POST', url: '/v1/incidents', payload: violation() });
  fingerprint = (res.json() as { fingerprint: string }).fingerprint;
  await eventually('the incident to open', async () => (await state()).status === 'triggered');
});

afterAll(async () => {
  await api?.close();
  await stopWorker?.();
  await services?.close();
});

async function state(): Promise<{ status: string; timeline: { type: string }[] }> {
  const d = await incidents.show(fingerprint);
  if (d.source !== 'workflow') throw new Error('not live');
  return d.state as unknown as { status: string; timeline: { type: string }[] };
}

function violation(over: Record<string, unknown> = {}) {
  return { service: SERVICE, kind: 'availability_sla', severity: 'high', title: 'availability 97%', ...over };
}

const count = async (sql: string, params: unknown[] = []) => Number((await services.pool.query(sql, params)).rows[0].n);

/** 400 in the one error shape, with an issue that names the unknown field (in its path or its message). */
function expectUnknownField(res: { statusCode: number; json(): unknown }, key: string, at: string): void {
  expect(res.statusCode).toBe(400);
  const body = res.json() as { error: string; message: string; issues: { field: string; message: string }[] };
  expect(body).toMatchObject({ error: 'invalid_input', message: expect.stringContaining(key) });
  expect(body.issues.some((i) => (i.field === `${at}.${key}` || i.field === at) && i.message.includes(`"${key}"`))).toBe(true);
}

const bearer = () => ({ authorization: `Bearer ${token}` });

describe("Vigil's own bodies refuse unknown fields with 400 naming them, and store nothing", () => {
  it('POST /v1/incidents: a misspelt threshold raises nothing', async () => {
    const service = 'unknown-fields-raise';
    const res = await api.inject({ method: 'POST', url: '/v1/incidents', payload: violation({ service, treshold: 99.5 }) });
    expectUnknownField(res, 'treshold', 'body');
    expect(await count('SELECT count(*) AS n FROM incidents WHERE service = $1', [service])).toBe(0);
  });

  it.each([
    ['note', { by: 'alice', text: 'rolled back', txt: 'typo' }, 'txt'],
    ['snooze', { by: 'alice', until: Date.now() + 3_600_000, reason: 'deploy' }, 'reason'],
    ['acknowledge', { by: 'alice', comment: 'on it' }, 'comment'],
  ])('POST /v1/incidents/{id}/%s: the action is not taken', async (action, payload, key) => {
    const res = await api.inject({ method: 'POST', url: `/v1/incidents/${fingerprint}/${action}`, payload });
    expectUnknownField(res, key, 'body');
    const s = await state();
    expect(s.status).toBe('triggered');
    expect(s.timeline.map((e) => e.type)).not.toContain('note');
  });

  it('POST /v1/silences: no silence is created', async () => {
    const createdBy = 'unknown-fields-ops';
    const res = await api.inject({ method: 'POST', url: '/v1/silences', payload: { matchers: ['service="x"'], duration: '1h', createdBy, comment: 'maintenance', commment: 'typo' } });
    expectUnknownField(res, 'commment', 'body');
    expect(await count('SELECT count(*) AS n FROM silences WHERE created_by = $1', [createdBy])).toBe(0);
  });

  it('POST /v1/metrics: an unknown field in one window rejects the batch', async () => {
    const sample = { service: SERVICE, at: 1_000, latencyMs: 12, ok: true };
    const res = await api.inject({ method: 'POST', url: '/v1/metrics', headers: bearer(), payload: { samples: [sample, { ...sample, latency: 12 }] } });
    expectUnknownField(res, 'latency', 'body.samples.1');
    const top = await api.inject({ method: 'POST', url: '/v1/metrics', headers: bearer(), payload: { samples: [sample], window: [] } });
    expectUnknownField(top, 'window', 'body');
    expect(await count('SELECT count(*) AS n FROM metric_windows WHERE service = $1', [SERVICE])).toBe(0);
  });

  it('POST /v1/processing-events: an unknown field in an event records nothing', async () => {
    const event = { id: 'evt-unknown', time: '2026-11-29T10:00:00Z', actor: { id: 'svc', roles: ['service'] }, action: 'query', system: SERVICE, outcome: 'success' };
    const before = await count('SELECT count(*) AS n FROM audit_log');
    const res = await api.inject({ method: 'POST', url: '/v1/processing-events', headers: bearer(), payload: { events: [{ ...event, lawfullBasis: 'consent' }] } });
    expectUnknownField(res, 'lawfullBasis', 'body.events.0');
    expect(await count('SELECT count(*) AS n FROM audit_log')).toBe(before);
  });

  it('/openapi.json says additionalProperties: false for each of these bodies', async () => {
    const doc = (await api.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: Record<string, unknown> }> } }>>;
      components: { schemas: Record<string, Record<string, unknown>> };
    };
    const body = (path: string) => {
      const schema = doc.paths[path]!.post!.requestBody!.content['application/json']!.schema;
      const ref = schema.$ref as string | undefined;
      return ref ? doc.components.schemas[ref.split('/').pop()!]! : schema;
    };
    for (const path of ['/v1/incidents', '/v1/incidents/{id}/note', '/v1/incidents/{id}/snooze', '/v1/silences', '/v1/metrics', '/v1/processing-events']) {
      expect(body(path).additionalProperties, path).toBe(false);
    }
    expect(body('/v1/alertmanager').additionalProperties, 'Alertmanager adds fields of its own').not.toBe(false);
  });
});

describe('foreign senders keep their unknown fields', () => {
  it('Alertmanager: fields Vigil does not know are accepted', async () => {
    const alert = { status: 'firing', labels: { alertname: 'UnknownFields', service: 'unknown-fields-am' }, annotations: {}, startsAt: '2026-12-01T00:00:00Z', fingerprint: 'fp-unknown', futureField: { nested: true } };
    const res = await api.inject({
      method: 'POST',
      url: '/v1/alertmanager',
      payload: { version: '4', groupKey: 'g', status: 'firing', receiver: 'vigil', truncatedAlerts: 0, alerts: [alert], somethingNew: 'x' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ raised: 1 });
  });

  it('PagerDuty: a signed webhook with fields Vigil does not know is not refused as invalid', async () => {
    const body = JSON.stringify({ event: { id: 'evt-unknown', event_type: 'incident.annotated', resource_type: 'incident', occurred_at: new Date().toISOString(), data: { id: 'P1', type: 'incident', brandNew: 1 }, extra: true } });
    const res = await api.inject({
      method: 'POST',
      url: '/v1/integrations/pagerduty',
      headers: { 'content-type': 'application/json', 'x-pagerduty-signature': `v1=${createHmac('sha256', PD_SECRET).update(body).digest('hex')}` },
      payload: body,
    });
    expect(res.statusCode).toBeGreaterThanOrEqual(200);
    expect(res.statusCode).toBeLessThan(300);
  });
});
