import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiServer } from '../../api/server';
import { createIncidentService, type IncidentService } from '../../app/incident-service';
import { ledgerRows } from '../../db/notification-ledger';
import type { VigilConfig } from '../../domain/config';
import { createSlackApp, type SlackApp } from '../../slack/app';
import { blockActionsBody, signSlackRequest, startFakeSlack, type FakeSlack } from '../support/fake-slack';
import { connectServices, eventually, silentLogger, startWorker, testConfig, type Services } from '../support/integration';

const TOKEN = 'xoxb-test-lifecycle-token';
const SECRET = 'lifecycle-signing-secret';
const CHANNEL = 'C0LIFECYCLE';

let services: Services;
let slack: FakeSlack;
let slackApp: SlackApp;
let api: FastifyInstance;
let incidents: IncidentService;
let config: VigilConfig;
let stopWorker: () => Promise<void>;
let slackUrl: string;

beforeAll(async () => {
  services = await connectServices();
  slack = await startFakeSlack({ token: TOKEN });
  config = testConfig(
    {
      channels: { 'slack-oncall': { type: 'slack', channel: CHANNEL }, console: { type: 'console' } },
      escalationPolicies: { default: { levels: [{ delay: 0, targets: ['slack-oncall'] }, { delay: '1h', targets: ['console'] }] } },
    },
    services,
  );
  const env = { SLACK_BOT_TOKEN: TOKEN, SLACK_API_URL: slack.url };
  stopWorker = (await startWorker(services, config, env)).stop;
  incidents = createIncidentService({ client: services.client, pool: services.pool, config });
  api = createApiServer({ incidents, client: services.client, pool: services.pool, logger: silentLogger, bodyLimit: 64 * 1024 });
  await api.ready();
  slackApp = createSlackApp({ signingSecret: SECRET, token: TOKEN, apiUrl: slack.url, act: (id, a) => incidents.act(id, a), logger: silentLogger });
  await slackApp.start(0, '127.0.0.1');
  slackUrl = `http://127.0.0.1:${slackApp.port()}/slack/events`;
});

afterAll(async () => {
  await slackApp?.stop();
  await api?.close();
  await stopWorker?.();
  await slack?.close();
  await services?.close();
});

function click(actionId: string, workflowId: string, headers?: Record<string, string>, user = { id: 'U0ALICE', name: 'alice' }) {
  const body = blockActionsBody({ actionId, value: workflowId, userId: user.id, userName: user.name, channelId: CHANNEL });
  return fetch(slackUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(headers ?? signSlackRequest(SECRET, body)) },
    body,
  });
}

async function liveStatus(id: string): Promise<string> {
  const d = await incidents.show(id);
  return d.source === 'workflow' ? d.state.status : d.row.status;
}

const violation = (service: string) => ({
  service,
  kind: 'availability_sla',
  severity: 'critical',
  title: 'availability 97.2% < 99.5%',
  current: 97.2,
  threshold: 99.5,
  unit: '%',
  impact: '2.8% of questions fail',
});

describe('incident lifecycle: API → workflow → Slack → Bolt click → Postgres', () => {
  it('posts one Slack message, acks from a signed click, updates the message in place, and projects MTTA/MTTR', async () => {
    const res = await api.inject({ method: 'POST', url: '/v1/incidents', payload: violation('lifecycle-rag') });
    expect(res.statusCode).toBe(202);
    const { workflowId, fingerprint } = res.json() as { workflowId: string; fingerprint: string };

    const post = await eventually('the Slack message', async () => slack.callsTo('chat.postMessage').find((c) => c.args.channel === CHANNEL));
    const actionIds = JSON.stringify(post.args.blocks);
    expect(actionIds).toContain('vigil_acknowledge');
    expect(actionIds).toContain('vigil_resolve');

    expect((await click('vigil_acknowledge', workflowId)).status).toBe(200);
    await eventually('acknowledged', async () => (await liveStatus(fingerprint)) === 'acknowledged');
    const update = await eventually('chat.update', async () => slack.callsTo('chat.update')[0]);
    expect(JSON.stringify(update.args.blocks)).not.toContain('vigil_acknowledge'); // acked: only Resolve remains
    const confirm = await eventually('an ephemeral confirmation', async () => slack.callsTo('chat.postEphemeral').find((c) => c.args.user === 'U0ALICE'));
    expect(String(confirm.args.text)).toMatch(/Acknowledged by slack:U0ALICE \(alice\)/);

    const resolved = await api.inject({ method: 'POST', url: `/v1/incidents/${fingerprint}/resolve`, payload: { by: 'bob', reason: 'failover done' } });
    expect(resolved.statusCode).toBe(200);
    expect(resolved.json()).toMatchObject({ changed: true, status: 'resolved' });

    const row = await eventually('the projection', async () => {
      const r = await services.pool.query('SELECT * FROM incidents WHERE workflow_id = $1', [workflowId]);
      return r.rows[0]?.status === 'resolved' ? r.rows[0] : undefined;
    });
    expect(row).toMatchObject({ acknowledged_by: 'slack:U0ALICE (alice)', resolved_by: 'bob', severity: 'critical' });
    const stats = await services.pool.query("SELECT mtta_seconds, mttr_seconds FROM service_response_times WHERE service = 'lifecycle-rag'");
    expect(Number(stats.rows[0].mtta_seconds)).toBeGreaterThan(0);
    expect(Number(stats.rows[0].mttr_seconds)).toBeGreaterThanOrEqual(Number(stats.rows[0].mtta_seconds));
    const events = await services.pool.query('SELECT type FROM incident_events WHERE incident_id = $1 ORDER BY seq', [row.incident_id]);
    // Slack is rate limited, so the page is queued first; the click can land before the workflow has recorded
    // the delivery Slack already answered: order those freely.
    expect(events.rows.map((e) => e.type).sort()).toEqual(['acknowledged', 'escalated', 'notified', 'opened', 'queued', 'resolved']);
    expect(events.rows[0].type).toBe('opened');
    expect(events.rows[events.rows.length - 1].type).toBe('resolved');
    const ledger = await ledgerRows(services.pool, workflowId);
    expect(ledger.filter((l) => l.step === '1.e1.p0.l1')).toMatchObject([{ target: 'slack-oncall', status: 'sent', attempts: 1 }]);
    // every edit went to the one message Slack created for this incident: updated in place, never reposted
    const ref = await services.pool.query("SELECT provider_ref FROM notifications WHERE workflow_id = $1 AND step = '1.e1.p0.l1'", [workflowId]);
    // Edits wait their turn behind Slack's limit (1/s) without holding up the incident: the message
    // ends showing the final state.
    const edits = await eventually('the message to show the resolve', async () => {
      const e = slack.callsTo('chat.update').filter((c) => JSON.stringify(c.args.blocks ?? c.args.text).includes(fingerprint));
      return /resolved \(resolved by bob\)/.test(String(e[e.length - 1]?.args.text)) ? e : undefined;
    });
    expect(edits.length).toBeGreaterThanOrEqual(2); // acknowledged, resolved
    expect(new Set(edits.map((c) => c.args.ts))).toEqual(new Set([ref.rows[0].provider_ref.ts]));
    expect(slack.callsTo('chat.postMessage').filter((c) => JSON.stringify(c.args.blocks ?? '').includes(fingerprint))).toHaveLength(1);
  });

  it.each([
    // each case: a request Slack did not sign as it should; none may change the incident
    ['unsigned', () => ({})],
    ['forged signature', () => ({ 'x-slack-signature': 'v0=' + 'ab'.repeat(32), 'x-slack-request-timestamp': String(Math.floor(Date.now() / 1000)) })],
    ['stale (6 min old) but correctly signed', (body: string) => signSlackRequest(SECRET, body, Math.floor(Date.now() / 1000) - 360)],
    ['signed with another secret', (body: string) => signSlackRequest('not-the-secret', body)],
  ])('refuses a %s Slack request with 401 and no state change', async (_name, headersFor) => {
    const r = await incidents.raise(await import('../../domain/violation').then((m) => m.violationSchema.parse(violation(`sig-${_name.length}-rag`))));
    await eventually('the incident to start', async () => (await liveStatus(r.fingerprint)) === 'triggered');
    const body = blockActionsBody({ actionId: 'vigil_resolve', value: r.workflowId, userId: 'U0MALLORY', userName: 'mallory', channelId: CHANNEL });
    const res = await fetch(slackUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headersFor(body) },
      body,
    });
    expect(res.status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await liveStatus(r.fingerprint)).toBe('triggered');
  });

  it('tells a Slack user clicking on an unknown incident that it was not found', async () => {
    expect((await click('vigil_acknowledge', 'incident/0000000000000000', undefined, { id: 'U0CAROL', name: 'carol' })).status).toBe(200);
    const msg = await eventually('the ephemeral refusal', async () => slack.callsTo('chat.postEphemeral').find((c) => c.args.user === 'U0CAROL'));
    expect(String(msg.args.text)).toMatch(/No open incident/);
  });
});

describe('HTTP API bad input', () => {
  it.each([
    // each case: body, the field the 400 must name
    [{ ...violation('bad-rag'), severity: 'urgent' }, 'body.severity'],
    [{ ...violation('bad-rag'), current: 'fast' }, 'body.current'],
    [{ ...violation('bad rag!') }, 'body.service'],
    [{ ...violation('bad-rag'), title: '' }, 'body.title'],
    [{ service: 'bad-rag' }, 'body.kind'],
  ])('rejects %j naming %s, and starts nothing', async (payload, field) => {
    const res = await api.inject({ method: 'POST', url: '/v1/incidents', payload });
    expect(res.statusCode).toBe(400);
    const body = res.json() as { error: string; issues: Array<{ field: string; message: string }> };
    expect(body.error).toBe('invalid_input');
    expect(body.issues.map((i) => i.field)).toContain(field);
    const list = await api.inject({ method: 'GET', url: '/v1/incidents?status=all&service=bad-rag' });
    expect((list.json() as { incidents: unknown[] }).incidents).toEqual([]);
  });

  it('answers 413 for an oversized body and 400 for malformed JSON', async () => {
    const big = await api.inject({ method: 'POST', url: '/v1/incidents', payload: { ...violation('big-rag'), impact: 'x'.repeat(100_000) } });
    expect(big.statusCode).toBe(413);
    const bad = await api.inject({ method: 'POST', url: '/v1/incidents', headers: { 'content-type': 'application/json' }, payload: '{"service":' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toHaveProperty('message');
  });

  it('answers 404 with a clear message when acknowledging an unknown incident', async () => {
    const res = await api.inject({ method: 'POST', url: '/v1/incidents/ffffffffffffffff/acknowledge', payload: { by: 'alice' } });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: 'not_found', message: expect.stringMatching(/No open incident ffffffffffffffff/) });
  });

  it('answers 409 with the workflow’s reason when an action is refused', async () => {
    const r = await incidents.raise((await import('../../domain/violation')).violationSchema.parse(violation('refused-rag')));
    await api.inject({ method: 'POST', url: `/v1/incidents/${r.fingerprint}/resolve`, payload: { by: 'alice' } });
    const res = await api.inject({ method: 'POST', url: `/v1/incidents/${r.fingerprint}/acknowledge`, payload: { by: 'bob' } });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ error: 'invalid_state', message: expect.stringMatching(/resolved by alice/) });
  });
});
