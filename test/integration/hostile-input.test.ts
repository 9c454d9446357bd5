import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiServer } from '../../api/server';
import { createIncidentService, type IncidentService } from '../../app/incident-service';
import { createIngestToken } from '../../db/ingest-tokens';
import type { VigilConfig } from '../../domain/config';
import { fingerprint, incidentWorkflowId } from '../../domain/fingerprint';
import { connectServices, eventually, silentLogger, startWorker, testConfig, type Services } from '../support/integration';

let services: Services;
let config: VigilConfig;
let incidents: IncidentService;
let api: FastifyInstance;
let stopWorker: () => Promise<void>;
let token: string;
let openIncident: string;

const NUL = 'must not contain NUL (U+0000)';
const SERVICE = 'hostile-rag';

beforeAll(async () => {
  services = await connectServices();
  config = testConfig({ channels: { console: { type: 'console' } }, anomalyDetection: { enabled: false } }, services);
  stopWorker = (await startWorker(services, config)).stop;
  incidents = createIncidentService({ client: services.client, pool: services.pool, config });
  api = createApiServer({ incidents, client: services.client, pool: services.pool, logger: silentLogger, compliance: config.compliance, bodyLimit: 64 * 1024 });
  await api.ready();
  token = (await createIngestToken(services.pool, SERVICE, 'test')).token;
  const res = await api.inject({ method: 'POST', url: '/v1/incidents', payload: violation({ title: 'the target of hostile actions' }) });
  openIncident = (res.json() as { fingerprint: string }).fingerprint;
  await eventually('the target incident to open', async () => (await liveState(openIncident)).status === 'triggered');
});

afterAll(async () => {
  await api?.close();
  await stopWorker?.();
  await services?.close();
});

async function liveState(id: string): Promise<{ status: string; timeline: { type: string; text?: string }[] }> {
  const d = await incidents.show(id);
  if (d.source !== 'workflow') throw new Error('not live');
  return d.state as unknown as { status: string; timeline: { type: string; text?: string }[] };
}

function violation(over: Record<string, unknown> = {}) {
  return { service: SERVICE, kind: 'availability_sla', dimension: 'p95', severity: 'high', title: 'availability 97%', unit: '%', impact: 'some fail', labels: { team: 'search' }, occurrenceId: 'occ-1', ...over };
}

const emptySketch = { alpha: 0.01, buckets: {}, zeroCount: 0, count: 0, sum: 0, min: 0, max: 0 };
const window = (over: Record<string, unknown>) => ({
  service: SERVICE, start: 0, durationMs: 10_000, count: 0, errors: 0, latency: emptySketch,
  qualitySum: 0, qualityCount: 0, costUsdSum: 0, tokensSum: 0, satisfactionSum: 0, satisfactionCount: 0, dropped: 0, ...over,
});
const event = (over: Record<string, unknown>) => ({
  id: 'evt-hostile', time: '2026-11-29T10:00:00Z', actor: { id: 'svc', roles: ['service'] }, action: 'query', system: SERVICE, categories: [], outcome: 'success', ...over,
});
const silence = (over: Record<string, unknown>) => ({ matchers: ['service="x"'], duration: '1h', createdBy: 'alice', comment: 'maintenance', ...over });

/** Asserts the one error shape and that `field` is among the issues, with the reason. */
function expect400(res: { statusCode: number; json(): unknown }, field: string, reason = NUL): void {
  expect(res.statusCode).toBe(400);
  const body = res.json() as { error: string; message: string; issues: { field: string; message: string }[] };
  expect(body).toMatchObject({ error: 'invalid_input', message: expect.any(String) });
  expect(body.issues).toContainEqual({ field, message: reason });
}

const count = async (sql: string, params: unknown[] = []) => Number((await services.pool.query(sql, params)).rows[0].n);

describe('NUL in any text field is refused with the field named, and nothing is stored or started', () => {
  // Each case posts a violation whose service is unique, so no incident of it may exist afterwards.
  const cases: [string, Record<string, unknown>, string][] = [
    ['title', { title: 'a\u0000b' }, 'body.title'],
    ['impact', { impact: 'x\u0000' }, 'body.impact'],
    ['unit', { unit: '\u0000' }, 'body.unit'],
    ['dimension', { dimension: 'p\u000095' }, 'body.dimension'],
    ['occurrenceId', { occurrenceId: 'o\u0000' }, 'body.occurrenceId'],
    ['a label value', { labels: { team: 's\u0000' } }, 'body.labels.team'],
    ['a lone surrogate in the title', { title: 'a\uD800b' }, 'body.title'],
  ];
  it.each(cases)('POST /v1/incidents with NUL in %s', async (name, over, field) => {
    const service = `hostile-${name.replace(/[^a-z]/gi, '-')}`;
    const v = violation({ service, ...over });
    const res = await api.inject({ method: 'POST', url: '/v1/incidents', payload: v });
    expect400(res, field, name.includes('surrogate') ? 'must not contain a lone UTF-16 surrogate (invalid Unicode)' : NUL);
    expect(await count('SELECT count(*) AS n FROM incidents WHERE service = $1', [service])).toBe(0);
    const wf = incidentWorkflowId(fingerprint(service, v.kind, typeof v.dimension === 'string' ? v.dimension : 'p95'));
    await expect(services.client.workflow.getHandle(wf).describe()).rejects.toThrow();
  });

  const actions: [string, Record<string, unknown>, string][] = [
    ['acknowledge', { by: 'al\u0000ice' }, 'body.by'],
    ['resolve', { by: 'alice', reason: 'fixed\u0000' }, 'body.reason'],
    ['snooze', { by: 'alice', until: '2099-01-01T00:00:00Z\u0000' }, 'body.until'],
    ['escalate', { by: '\u0000' }, 'body.by'],
    ['note', { by: 'alice', text: 'see\u0000log' }, 'body.text'],
  ];
  it.each(actions)('POST /v1/incidents/:id/%s with NUL', async (action, body, field) => {
    const res = await api.inject({ method: 'POST', url: `/v1/incidents/${openIncident}/${action}`, payload: body });
    expect(res.statusCode).toBe(400);
    expect((res.json() as { issues: { field: string }[] }).issues.map((i) => i.field)).toContain(field);
    const state = await liveState(openIncident);
    expect(state.status).toBe('triggered');
    expect(state.timeline.filter((e) => e.type === 'note')).toEqual([]);
  });

  const silences: [string, Record<string, unknown>, string][] = [
    ['comment', { comment: 'why\u0000' }, 'body.comment'],
    ['createdBy', { createdBy: 'al\u0000ice' }, 'body.createdBy'],
    ['a matcher value', { matchers: ['service="x\u0000"'] }, 'body.matchers.0'],
    ['incident', { incident: 'incident/\u0000' }, 'body.incident'],
  ];
  it.each(silences)('POST /v1/silences with NUL in %s', async (_name, over, field) => {
    const before = await count('SELECT count(*) AS n FROM silences');
    expect400(await api.inject({ method: 'POST', url: '/v1/silences', payload: silence(over) }), field);
    expect(await count('SELECT count(*) AS n FROM silences')).toBe(before);
  });

  it('POST /v1/metrics with NUL in a window source', async () => {
    const res = await api.inject({ method: 'POST', url: '/v1/metrics', headers: { authorization: `Bearer ${token}` }, payload: { windows: [window({ source: 'r\u0000' })] } });
    expect400(res, 'body.windows.0.source');
    expect(await count('SELECT count(*) AS n FROM metric_windows WHERE service = $1', [SERVICE])).toBe(0);
  });

  const events: [string, Record<string, unknown>, string][] = [
    ['id', { id: 'e\u0000' }, 'body.events.0.id'],
    ['actor.id', { actor: { id: 'a\u0000', roles: [] } }, 'body.events.0.actor.id'],
    ['subjectId', { subjectId: 's\u0000' }, 'body.events.0.subjectId'],
  ];
  it.each(events)('POST /v1/processing-events with NUL in %s', async (_name, over, field) => {
    const before = await count('SELECT count(*) AS n FROM audit_log');
    const res = await api.inject({ method: 'POST', url: '/v1/processing-events', headers: { authorization: `Bearer ${token}` }, payload: { events: [event(over)] } });
    expect400(res, field);
    expect(await count('SELECT count(*) AS n FROM audit_log')).toBe(before);
  });
});

describe('no 500 from a bad path or query', () => {
  const cases: [string, InjectOptions, string][] = [
    ['a bad percent-escape in GET /v1/incidents/:id', { method: 'GET', url: '/v1/incidents/%25zz' }, 'params.id'],
    ['a bad percent-escape in POST …/acknowledge', { method: 'POST', url: '/v1/incidents/%25zz/acknowledge', payload: { by: 'alice' } }, 'params.id'],
    ['NUL in ?service', { method: 'GET', url: '/v1/incidents?service=a%00b' }, 'query.service'],
    ['NUL in ?all of silences', { method: 'GET', url: '/v1/silences?all=%00' }, 'query.all'],
    ['NUL in an unknown query parameter', { method: 'GET', url: '/v1/incidents?x=%00' }, 'query.x'],
  ];
  it.each(cases)('%s → 400 naming the field', async (_name, req, field) => {
    const res = await api.inject(req);
    expect(res.statusCode).toBe(400);
    const body = res.json() as { error: string; message: string; issues: { field: string }[] };
    expect(body).toMatchObject({ error: 'invalid_input', message: expect.stringContaining(field) });
    expect(body.issues.map((i) => i.field)).toContain(field);
  });
});

describe('every error in the one shape', () => {
  it('answers 405 with Allow for a known path asked with the wrong method', async () => {
    const res = await api.inject({ method: 'DELETE', url: '/v1/incidents' });
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD, POST');
    expect(res.json()).toMatchObject({ error: 'method_not_allowed', message: expect.any(String) });
    const action = await api.inject({ method: 'GET', url: `/v1/incidents/${openIncident}/acknowledge` });
    expect(action.statusCode).toBe(405);
    expect(action.headers.allow).toBe('POST');
  });

  it('answers QUERY on a known path with 405 before parsing its body, and a method HTTP does not define with 501', async () => {
    await api.listen({ port: 0, host: '127.0.0.1' });
    const { port } = api.server.address() as AddressInfo;
    const raw = (request: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => socket.end(request));
        let text = '';
        socket.on('data', (d) => (text += d.toString()));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
    const query = await raw('QUERY /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
    expect(query).toMatch(/^HTTP\/1\.1 405/);
    expect(query).toMatch(/allow: GET, HEAD/i);
    expect(query).toMatch(/"error":"method_not_allowed"/);
    const foo = await raw('FOO /healthz HTTP/1.1\r\nhost: x\r\n\r\n');
    expect(foo).toMatch(/^HTTP\/1\.1 501/);
    expect(JSON.parse(foo.slice(foo.indexOf('\r\n\r\n') + 4))).toEqual({ error: 'method_not_implemented', message: expect.any(String) });
  });

  it('answers a report id with a line break with 400 naming it, not 500 (found by schemathesis)', async () => {
    const res = await api.inject({ method: 'GET', url: '/v1/compliance/reports/%0Dx%C3%99.md' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_input', message: expect.stringContaining('params.id') });
  });

  it('keeps 404 for an unknown path', async () => {
    const res = await api.inject({ method: 'GET', url: '/v1/nothing-here' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: 'not_found', message: expect.any(String) });
  });

  const json = { 'content-type': 'application/json' };
  const cases: [string, InjectOptions, number, string][] = [
    ['malformed JSON', { method: 'POST', url: '/v1/incidents', headers: json, payload: '{"service":' }, 400, 'invalid_json'],
    ['an empty body with content-type JSON', { method: 'POST', url: '/v1/incidents', headers: json, payload: '' }, 400, 'empty_body'],
    ['a body over the limit', { method: 'POST', url: '/v1/incidents', payload: violation({ impact: 'x'.repeat(100_000) }) }, 413, 'body_too_large'],
    ['an unsupported media type', { method: 'POST', url: '/v1/incidents', headers: { 'content-type': 'application/xml' }, payload: '<a/>' }, 415, 'unsupported_media_type'],
    ['a 200-character id', { method: 'GET', url: `/v1/incidents/${'f'.repeat(200)}` }, 400, 'invalid_input'],
    ['a path that is not percent-encoding', { method: 'GET', url: '/v1/incidents/%zz' }, 400, 'invalid_input'],
  ];
  it.each(cases)('%s → %i in the {error, message} shape', async (_name, req, status, error) => {
    const res = await api.inject(req);
    expect(res.statusCode).toBe(status);
    const body = res.json() as Record<string, unknown>;
    expect(body).toMatchObject({ error, message: expect.any(String) });
    expect(Object.keys(body).sort()).toEqual(['error', 'message']);
    expect(JSON.stringify(body)).not.toMatch(/FST_ERR/);
  });
});

describe('Alertmanager: a foreign sender is not refused, its text is sanitised visibly', () => {
  it('accepts an alert with NUL in a label and projects its incident with the label replaced and marked', async () => {
    const alert = {
      status: 'firing',
      labels: { alertname: 'HostileLabel', service: 'hostile-am', pod: 'p\u0000d', severity: 'warning' },
      annotations: { summary: 'sum\u0000mary' },
      startsAt: '2026-12-01T00:00:00Z',
      fingerprint: 'fp-hostile',
    };
    const res = await api.inject({
      method: 'POST',
      url: '/v1/alertmanager',
      payload: { version: '4', groupKey: 'g', status: 'firing', receiver: 'vigil', alerts: [alert] },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ raised: 1 });
    const row = await eventually('the projection', async () => {
      const r = await services.pool.query<{ title: string; labels: Record<string, string> }>('SELECT title, labels FROM incidents WHERE service = $1', ['hostile-am']);
      return r.rows[0];
    });
    expect(row.labels).toMatchObject({ pod: 'p\uFFFDd', vigil_sanitized: 'true' });
    expect(row.title).toBe('sum\uFFFDmary');
  });
});
