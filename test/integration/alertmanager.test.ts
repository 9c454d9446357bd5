import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertKey, alertToViolation, alertmanagerAlertSchema, type AlertmanagerPayload } from '../../api/routes/alertmanager';
import { createApiServer } from '../../api/server';
import { createIncidentService, type IncidentService } from '../../app/incident-service';
import { fingerprint } from '../../domain/fingerprint';
import { connectServices, eventually, silentLogger, startWorker, testConfig, type Services } from '../support/integration';

const TOKEN = 'alertmanager-shared-token';
const RUN = randomUUID().slice(0, 8);

let services: Services;
let api: FastifyInstance;
let incidents: IncidentService;
let stopWorker: () => Promise<void>;

beforeAll(async () => {
  services = await connectServices();
  const config = testConfig({ channels: { console: { type: 'console' } } }, services);
  stopWorker = (await startWorker(services, config)).stop;
  incidents = createIncidentService({ client: services.client, pool: services.pool, config });
  api = createApiServer({ incidents, client: services.client, pool: services.pool, logger: silentLogger, alertmanagerToken: TOKEN });
  await api.ready();
});

afterAll(async () => {
  await api?.close();
  await stopWorker?.();
  await services?.close();
});

type Alert = AlertmanagerPayload['alerts'][number];

/** An alert as Alertmanager sends it (webhook v4); startsAt fixed so repeats carry the same occurrence. */
function alert(status: 'firing' | 'resolved', labels: Record<string, string>, annotations: Record<string, string> = {}): Alert {
  return {
    status,
    labels,
    annotations,
    startsAt: '2024-05-01T10:00:00.123456789Z',
    endsAt: status === 'firing' ? '0001-01-01T00:00:00Z' : '2024-05-01T10:20:00Z',
    generatorURL: 'http://prometheus:9090/graph?g0.expr=up%3D%3D0',
    fingerprint: `fp${labels.instance ?? 'x'}`.replace(/[^a-z0-9]/gi, '').slice(0, 16),
  };
}

function payload(alerts: Alert[], status: 'firing' | 'resolved' = alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved'): AlertmanagerPayload {
  return {
    version: '4',
    groupKey: '{}:{alertname="RagLatencyHigh"}',
    truncatedAlerts: 0,
    status,
    receiver: 'vigil',
    groupLabels: { alertname: alerts[0]?.labels.alertname ?? 'x' },
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    alerts,
  };
}

const send = (body: unknown, auth: string | null = `Bearer ${TOKEN}`) =>
  api.inject({ method: 'POST', url: '/v1/alertmanager', headers: auth ? { authorization: auth } : {}, payload: body as object });

async function incidentRow(service: string) {
  const r = await services.pool.query('SELECT * FROM incidents WHERE service = $1 ORDER BY opened_at DESC LIMIT 1', [service]);
  return r.rows[0];
}

describe('POST /v1/alertmanager with a real worker', () => {
  const service = `am-checkout-${RUN}`;
  const labels = { alertname: 'RagLatency High', service, instance: 'pod-1:9090', job: 'rag', team: 'search', severity: 'warning' };
  const annotations = { summary: 'p95 above 2 s on pod-1', description: 'Answers take 3.1 s at p95; users give up.' };

  it('opens an incident for a firing alert, with the mapped fields', async () => {
    const res = await send(payload([alert('firing', labels, annotations)]));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ raised: 1, cleared: 0 });
    const row = await eventually('the projected incident', () => incidentRow(service));
    expect(row).toMatchObject({
      service,
      kind: 'RagLatency_High',
      dimension: 'instance=pod-1:9090,job=rag,team=search',
      severity: 'medium',
      status: 'triggered',
      title: 'p95 above 2 s on pod-1',
      fingerprint: fingerprint(service, 'RagLatency_High', 'instance=pod-1:9090,job=rag,team=search'),
      labels,
    });
    expect(row.details).toMatchObject({ impact: 'Answers take 3.1 s at p95; users give up.' });
  });

  it('counts Alertmanager repeating the same firing alert once', async () => {
    expect((await send(payload([alert('firing', labels, annotations)]))).json()).toEqual({ raised: 1, cleared: 0 });
    const key = alertKey(labels);
    const detail = await incidents.show(fingerprint(key.service, key.kind, key.dimension));
    expect(detail.source === 'workflow' && detail.state.occurrences).toBe(1);
  });

  it('resolves the incident when the alert resolves, and a repeated resolve clears nothing', async () => {
    const res = await send(payload([alert('resolved', labels, annotations)]));
    expect(res.json()).toEqual({ raised: 0, cleared: 1 });
    const row = await eventually('the resolved projection', async () => {
      const r = await incidentRow(service);
      return r?.status === 'resolved' ? r : undefined;
    });
    expect(row.resolved_by).toBe('system');
    const events = await services.pool.query('SELECT text FROM incident_events WHERE incident_id = $1 AND type = $2', [row.incident_id, 'resolved']);
    expect(events.rows[0].text).toMatch(/Alertmanager: RagLatency High resolved/);
    await eventually('the resolved search attribute', async () => (await send(payload([alert('resolved', labels)]))).json().cleared === 0);
  });

  it('answers resolved alerts with no open incident with cleared: 0, and handles a mixed group', async () => {
    const other = `am-mixed-${RUN}`;
    const res = await send(payload([alert('firing', { alertname: 'Down', job: other, instance: 'a' }), alert('resolved', { alertname: 'Down', job: other, instance: 'b' })]));
    expect(res.json()).toEqual({ raised: 1, cleared: 0 });
    const row = await eventually('the incident from job', () => incidentRow(other));
    expect(row).toMatchObject({ kind: 'Down', dimension: 'instance=a', severity: 'high', title: 'Down' });
  });
});

describe('POST /v1/alertmanager refuses', () => {
  const ok = () => payload([alert('firing', { alertname: 'Refused', service: `am-refused-${RUN}`, instance: 'x' })]);
  it.each([
    // each case: what is wrong, body, the field the 400 must name
    ['another payload version', { ...ok(), version: '3' }, 'body.version'],
    ['an alert in an unknown status', { ...ok(), alerts: [{ ...ok().alerts[0], status: 'pending' }] }, 'body.alerts.0.status'],
    ['an alert without fingerprint', { ...ok(), alerts: [{ ...ok().alerts[0], fingerprint: undefined }] }, 'body.alerts.0.fingerprint'],
    ['labels that are not strings', { ...ok(), alerts: [{ ...ok().alerts[0], labels: { alertname: 5 } }] }, 'body.alerts.0.labels.alertname'],
    ['no alerts array', { ...ok(), alerts: undefined }, 'body.alerts'],
  ])('%s with 400 and starts nothing', async (_what, body, field) => {
    const res = await send(body);
    expect(res.statusCode).toBe(400);
    expect((res.json() as { issues: Array<{ field: string }> }).issues.map((i) => i.field)).toContain(field);
    expect(await incidentRow(`am-refused-${RUN}`)).toBeUndefined();
  });

  it.each([
    // each case: Authorization header
    ['no token', null],
    ['a wrong token', 'Bearer not-the-token'],
    ['the token without the Bearer scheme', TOKEN],
  ])('%s with 401', async (_what, auth) => {
    const res = await send(ok(), auth);
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: 'unauthorized' });
    expect(await incidentRow(`am-refused-${RUN}`)).toBeUndefined();
  });
});

describe('mapping an alert to a violation', () => {
  const base = alertmanagerAlertSchema.parse(alert('firing', { alertname: 'X' }));
  it.each([
    // each case: labels, expected service / kind / dimension / severity
    [{ alertname: 'X', service: 'svc', job: 'j' }, { service: 'svc', kind: 'X', dimension: 'job=j', severity: 'high' }],
    [{ alertname: 'X', job: 'node exporter', instance: 'h:1' }, { service: 'node_exporter', kind: 'X', dimension: 'instance=h:1', severity: 'high' }],
    [{ alertname: 'Disk full!', severity: 'critical' }, { service: 'prometheus', kind: 'Disk_full_', dimension: '', severity: 'critical' }],
    [{ alertname: 'X', severity: 'INFO' }, { service: 'prometheus', kind: 'X', dimension: '', severity: 'info' }],
    [{ alertname: '__weird', severity: 'page' }, { service: 'prometheus', kind: 'weird', dimension: '', severity: 'critical' }],
  ])('%j → %j', (labels, expected) => {
    expect(alertToViolation({ ...base, labels })).toMatchObject(expected);
  });

  it('keeps only valid label names, cuts long values, and bounds the dimension', () => {
    const v = alertToViolation({ ...base, labels: { alertname: 'X', 'bad-name': 'x', long: 'y'.repeat(600), pod: 'p'.repeat(300) } });
    expect(Object.keys(v.labels).sort()).toEqual(['alertname', 'long', 'pod']);
    expect(v.labels.long).toHaveLength(500);
    expect(v.dimension.length).toBeLessThanOrEqual(200);
    expect(v.dimension).toMatch(/#[0-9a-f]{16}$/);
    expect(v.occurrenceId).toBe(`${base.fingerprint}:${base.startsAt}`);
  });
});
