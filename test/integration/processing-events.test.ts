import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiServer } from '../../api/server';
import { createIncidentService, type IncidentService } from '../../app/incident-service';
import { verifyAudit } from '../../db/audit-log';
import { createIngestToken } from '../../db/ingest-tokens';
import type { VigilConfig } from '../../domain/config';
import { fingerprint } from '../../domain/fingerprint';
import { connectServices, eventually, silentLogger, startWorker, testConfig, type Services } from '../support/integration';

let services: Services;
let config: VigilConfig;
let incidents: IncidentService;
let api: FastifyInstance;
let stopWorker: () => Promise<void>;
let token: string;

beforeAll(async () => {
  services = await connectServices();
  config = testConfig({ channels: { console: { type: 'console' } }, anomalyDetection: { enabled: false } }, services);
  stopWorker = (await startWorker(services, config)).stop;
  incidents = createIncidentService({ client: services.client, pool: services.pool, config });
  api = createApiServer({ incidents, client: services.client, pool: services.pool, logger: silentLogger, compliance: config.compliance });
  await api.ready();
  token = (await createIngestToken(services.pool, 'search-rag', 'test')).token;
});

afterAll(async () => {
  await api?.close();
  await stopWorker?.();
  await services?.close();
});

const auth = () => ({ authorization: `Bearer ${token}` });
const base = (id: string) => ({
  id,
  time: '2026-11-29T10:00:00Z',
  actor: { id: 'svc-search', roles: ['service'] },
  action: 'query',
  system: 'search-rag',
  categories: [],
  encryption: { inTransit: true, atRest: true },
  outcome: 'success',
});
const auditCount = async () => Number((await services.pool.query('SELECT count(*) AS n FROM audit_log')).rows[0].n);

describe('POST /v1/processing-events', () => {
  it('checks each event, records it in the audit trail, and turns a violation into a compliance incident', async () => {
    const before = await auditCount();
    const violating = { ...base('evt-2'), action: 'retrieval', categories: ['pii'], subjectId: 'user-42', purpose: 'support' };
    const res = await api.inject({ method: 'POST', url: '/v1/processing-events', headers: auth(), payload: { events: [base('evt-1'), violating] } });
    expect(res.statusCode).toBe(202);
    const body = res.json() as { accepted: number; results: Array<{ id: string; overall_compliant: boolean; violated_rules: string[] }> };
    expect(body.accepted).toBe(2);
    expect(body.results[0]).toMatchObject({ id: 'evt-1', overall_compliant: true });
    expect(body.results[1]!.overall_compliant).toBe(false);
    expect(body.results[1]!.violated_rules).toContain('GDPR-6-lawful-basis');
    expect(await auditCount()).toBe(before + 2);
    expect((await verifyAudit(services.pool)).ok).toBe(true);
    // the subject id stays out of the hashed payload
    const payloads = await services.pool.query("SELECT payload FROM audit_log ORDER BY seq DESC LIMIT 2");
    expect(JSON.stringify(payloads.rows)).not.toContain('user-42');

    const opened = await eventually('the compliance incident', async () => {
      const d = await incidents.show(fingerprint('search-rag', 'compliance', 'GDPR-6-lawful-basis')).catch(() => undefined);
      return d?.source === 'workflow' ? d.state : undefined;
    });
    expect(opened).toMatchObject({ kind: 'compliance', service: 'search-rag' });
    expect(opened.title).toMatch(/GDPR Art\. 6/);
  });

  it.each([
    // each case: payload, expected status, the field named
    [{ events: [{ ...base('bad-1'), action: 'teleport' }] }, 400, 'body.events.0.action'],
    [{ events: [{ ...base('bad-2'), time: 'yesterday' }] }, 400, 'body.events.0.time'],
    [{ events: [{ ...base('bad-3'), system: 'other-rag' }] }, 403, 'body.events.0.system'],
    [{ events: [] }, 400, 'body.events'],
  ])('refuses %j with %i naming %s, storing nothing', async (payload, status, field) => {
    const before = await auditCount();
    const res = await api.inject({ method: 'POST', url: '/v1/processing-events', headers: auth(), payload });
    expect(res.statusCode).toBe(status);
    expect((res.json() as { issues: Array<{ field: string }> }).issues.map((i) => i.field)).toContain(field);
    expect(await auditCount()).toBe(before);
  });

  it('records a resent event once (an SDK retry after a lost response), keeping the fields later audits need', async () => {
    const before = await auditCount();
    const change = {
      ...base('evt-dup-1'),
      action: 'change',
      categories: ['financial'],
      changeTicket: { id: 'CHG-9', requester: 'bob', status: 'approved' },
      approver: 'carol',
      subjectId: 'cust-7',
      consentId: 'consent-7',
    };
    const first = await api.inject({ method: 'POST', url: '/v1/processing-events', headers: auth(), payload: { events: [change, change] } });
    expect(first.statusCode).toBe(202);
    expect(first.json()).toMatchObject({ accepted: 2, duplicates: ['evt-dup-1'] });
    const again = await api.inject({ method: 'POST', url: '/v1/processing-events', headers: auth(), payload: { events: [change, base('evt-dup-2')] } });
    expect(again.json()).toMatchObject({ accepted: 2, duplicates: ['evt-dup-1'] });
    expect(await auditCount()).toBe(before + 2);
    const row = (await services.pool.query("SELECT a.payload, p.data FROM audit_log a JOIN audit_personal p USING (seq) WHERE a.payload->>'event_id' = 'evt-dup-1'")).rows;
    expect(row).toHaveLength(1);
    expect(row[0].payload.event).toMatchObject({ changeTicket: { id: 'CHG-9', requester: 'bob' }, approver: 'carol', actor: { roles: ['service'] } });
    expect(JSON.stringify(row[0].payload)).not.toMatch(/cust-7|consent-7/);
    expect(row[0].data).toEqual({ subjectId: 'cust-7', consentId: 'consent-7' });
    expect((await verifyAudit(services.pool)).ok).toBe(true);
  });

  it('answers 401 without a token', async () => {
    const res = await api.inject({ method: 'POST', url: '/v1/processing-events', payload: { events: [base('x')] } });
    expect(res.statusCode).toBe(401);
  });
});
