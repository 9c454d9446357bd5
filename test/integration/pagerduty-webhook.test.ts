import { createHmac, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiServer } from '../../api/server';
import { createIncidentService, type IncidentService } from '../../app/incident-service';
import { ledgerRows } from '../../db/notification-ledger';
import { fingerprint, incidentWorkflowId } from '../../domain/fingerprint';
import type { IncidentState } from '../../domain/incident-state';
import { violationSchema } from '../../domain/violation';
import { startFakePagerDuty, type FakePagerDuty } from '../support/fake-pagerduty';
import { connectServices, eventually, silentLogger, startWorker, testConfig, type Services } from '../support/integration';

const ROUTING_KEY = 'itroutingkey0123456789abcdef0123';
const SECRET = 'pd-v3-webhook-signing-secret';
const KIND = 'availability_sla';

let services: Services;
let pd: FakePagerDuty;
let api: FastifyInstance;
let incidents: IncidentService;
let stopWorker: () => Promise<void>;

beforeAll(async () => {
  services = await connectServices();
  pd = await startFakePagerDuty();
  const config = testConfig(
    { channels: { pd: { type: 'pagerduty', apiUrl: pd.url } }, escalationPolicies: { default: { levels: [{ delay: 0, targets: ['pd'] }] } } },
    services,
  );
  stopWorker = (await startWorker(services, config, { PAGERDUTY_ROUTING_KEY: ROUTING_KEY })).stop;
  incidents = createIncidentService({ client: services.client, pool: services.pool, config });
  api = createApiServer({ incidents, client: services.client, pool: services.pool, logger: silentLogger, bodyLimit: 64 * 1024, pagerDutyWebhookSecret: SECRET });
  await api.ready();
});

afterAll(async () => {
  await api?.close();
  await stopWorker?.();
  await pd?.close();
  await services?.close();
});

/** Raises a violation and waits until PagerDuty has the trigger for it. */
async function raise(service: string): Promise<string> {
  const r = await incidents.raise(
    violationSchema.parse({ service, kind: KIND, severity: 'critical', title: 'availability 97.2% < 99.5%', current: 97.2, threshold: 99.5, unit: '%' }),
  );
  await eventually('the PagerDuty trigger', async () => pd.requestsFor(r.workflowId, 'trigger').some((q) => q.status === 202));
  return r.workflowId;
}

async function state(workflowId: string): Promise<IncidentState> {
  const d = await incidents.show(workflowId);
  if (d.source !== 'workflow') throw new Error(`${workflowId} is no longer running`);
  return d.state;
}

/** A v3 webhook body shaped as PagerDuty documents it (event envelope, incident data with incident_key). */
function v3Event(eventType: string, incidentKey: string | null, agent = { id: 'PLH1HKV', summary: 'Tenex Engineer' }): string {
  return JSON.stringify({
    event: {
      id: randomUUID(),
      event_type: eventType,
      resource_type: 'incident',
      occurred_at: new Date().toISOString(),
      agent: { html_url: `https://acme.pagerduty.com/users/${agent.id}`, id: agent.id, self: `https://api.pagerduty.com/users/${agent.id}`, summary: agent.summary, type: 'user_reference' },
      client: { name: 'PagerDuty' },
      data: {
        id: 'PGR0VU2',
        type: 'incident',
        self: 'https://api.pagerduty.com/incidents/PGR0VU2',
        html_url: 'https://acme.pagerduty.com/incidents/PGR0VU2',
        number: 2,
        status: eventType === 'incident.resolved' ? 'resolved' : 'acknowledged',
        incident_key: incidentKey,
        created_at: new Date().toISOString(),
        title: '[CRITICAL] availability 97.2% < 99.5%',
        service: { id: 'PF9KMXH', summary: 'Vigil', type: 'service_reference' },
        urgency: 'high',
        resolve_reason: null,
      },
    },
  });
}

const sign = (body: string, secret = SECRET) => `v1=${createHmac('sha256', secret).update(body).digest('hex')}`;

/** Posts a webhook; `signature` null sends none. */
function deliver(body: string, signature: string | null = sign(body)) {
  return api.inject({
    method: 'POST',
    url: '/v1/integrations/pagerduty',
    headers: { 'content-type': 'application/json', ...(signature === null ? {} : { 'x-pagerduty-signature': signature }) },
    payload: body,
  });
}

describe('PagerDuty v3 webhooks → incident actions', () => {
  it('acknowledges from a correctly signed incident.acknowledged, once, and mirrors the ack back to PagerDuty', async () => {
    const wf = await raise('pdwh-ack-rag');
    const body = v3Event('incident.acknowledged', wf);
    // Several signatures while PagerDuty rotates secrets: one matching is enough.
    const res = await deliver(body, `v1=${'ab'.repeat(32)},${sign(body)}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ changed: true, status: 'acknowledged' });
    expect((await state(wf)).acknowledged?.by).toBe('pagerduty:Tenex Engineer');

    // PagerDuty delivers at least once: a redelivery of the same event changes nothing.
    const again = await deliver(body);
    expect(again.statusCode).toBe(200);
    expect((await state(wf)).timeline.filter((e) => e.type === 'acknowledged')).toHaveLength(1);
    await eventually('the acknowledge event sent to PagerDuty', async () => pd.requestsFor(wf, 'acknowledge').length === 1);
  });

  it.each([
    // each case: a request PagerDuty did not sign with our secret; none may change the incident
    ['unsigned', (_b: string) => null],
    ['forged', (_b: string) => `v1=${'ab'.repeat(32)}`],
    ['signed with another secret', (b: string) => sign(b, 'not-the-secret')],
    ['altered after signing', (b: string) => sign(b.replace('incident.resolved', 'incident.annotated'))],
    ['signed under an unknown scheme version', (b: string) => sign(b).replace('v1=', 'v2=')],
  ])('refuses a webhook that is %s with 401 and leaves the incident alone', async (name, signatureFor) => {
    const wf = await raise(`pdwh-${name.replace(/\W+/g, '-')}-rag`);
    const body = v3Event('incident.resolved', wf, { id: 'PMALLORY', summary: 'Mallory' });
    const res = await deliver(body, signatureFor(body));
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: 'unauthorized', message: expect.any(String) });
    await new Promise((r) => setTimeout(r, 300));
    const s = await state(wf);
    expect([s.status, s.resolved]).toEqual(['triggered', null]);
  });

  it('answers 200 with the reason to a resolve for an incident already resolved, so PagerDuty does not retry', async () => {
    const wf = await raise('pdwh-resolved-rag');
    await incidents.act(wf, { type: 'resolve', by: 'alice', reason: 'failover done' });
    const res = await deliver(v3Event('incident.resolved', wf));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ changed: false, message: expect.stringMatching(/resolved by alice/i) });
    expect((await state(wf)).resolved?.by).toBe('alice');
  });

  it('answers 200 with the reason when the incident does not exist', async () => {
    const res = await deliver(v3Event('incident.acknowledged', 'incident/ffffffffffffffff'));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ changed: false, refused: 'not_found', message: expect.stringMatching(/No open incident/) });
  });

  it.each([
    // each case: a signed event Vigil has nothing to do for → 202 and why
    ['no incident key', v3Event('incident.acknowledged', null), { ignored: 'no incident key' }],
    ['an incident key Vigil did not send', v3Event('incident.acknowledged', 'd3640fbd41094207a1c11e58e46b1662'), { ignored: 'not a Vigil incident key' }],
    ['another event type', v3Event('incident.priority_updated', 'incident/ffffffffffffffff'), { ignored: 'incident.priority_updated' }],
  ])('ignores %s with 202', async (_name, body, expected) => {
    const res = await deliver(body);
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual(expected);
  });
});

describe('PagerDuty channel delivery', () => {
  it('500, 500, then 202: three trigger attempts, one notified entry, one sent ledger row with attempts 3', async () => {
    const service = 'pdwh-flaky-rag';
    const wf = incidentWorkflowId(fingerprint(service, KIND, ''));
    pd.failNext(2, { status: 500, dedupKey: wf });
    // Retries follow the workflow's activity policy (1 s, then 2 s): about 3 s in all.
    await raise(service);
    expect(pd.requestsFor(wf, 'trigger').map((r) => r.status)).toEqual([500, 500, 202]);
    const rows = await eventually('the sent ledger row', async () => {
      const r = (await ledgerRows(services.pool, wf)).filter((l) => l.target === 'pd');
      return r.length === 1 && r[0]?.status === 'sent' ? r : undefined;
    });
    expect(rows).toMatchObject([{ target: 'pd', channel_type: 'pagerduty', status: 'sent', attempts: 3, error: null }]);
    const timeline = await eventually('the notified entry', async () => {
      const t = (await state(wf)).timeline;
      return t.some((e) => e.type === 'notified') ? t : undefined;
    });
    expect(timeline.filter((e) => e.type === 'notified')).toHaveLength(1);
    expect(timeline.filter((e) => e.type === 'notify_failed')).toHaveLength(0);
  });
});
