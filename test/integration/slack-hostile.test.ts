import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiServer } from '../../api/server';
import { createIncidentService, type IncidentService } from '../../app/incident-service';
import { createSlackApp, type SlackApp } from '../../slack/app';
import { blockActionsBody, signSlackRequest, startFakeSlack, type FakeSlack } from '../support/fake-slack';
import { connectServices, eventually, silentLogger, startWorker, testConfig, type Services } from '../support/integration';

const TOKEN = 'xoxb-test-hostile-token';
const SECRET = 'hostile-signing-secret';
const CHANNEL = 'C0HOSTILE';

let services: Services;
let slack: FakeSlack;
let slackApp: SlackApp;
let api: FastifyInstance;
let incidents: IncidentService;
let stopWorker: () => Promise<void>;
let slackUrl: string;

beforeAll(async () => {
  services = await connectServices();
  slack = await startFakeSlack({ token: TOKEN });
  const config = testConfig({ escalationPolicies: { default: { levels: [{ delay: 0, targets: ['console'] }] } } }, services);
  stopWorker = (await startWorker(services, config)).stop;
  incidents = createIncidentService({ client: services.client, pool: services.pool, config });
  api = createApiServer({ incidents, client: services.client, pool: services.pool, logger: silentLogger });
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

async function click(actionId: string, value: string, user: { id: string; name: string }): Promise<void> {
  const body = blockActionsBody({ actionId, value, userId: user.id, userName: user.name, channelId: CHANNEL });
  const res = await fetch(slackUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest(SECRET, body) }, body });
  expect(res.status).toBe(200);
}

/** The ephemeral answer the user got, waited for. */
const answerTo = (userId: string) => eventually(`an ephemeral answer to ${userId}`, async () => slack.callsTo('chat.postEphemeral').find((c) => c.args.user === userId));

async function openIncident(service: string): Promise<{ workflowId: string; fingerprint: string }> {
  const payload = { service, kind: 'availability_sla', severity: 'high', title: 'availability 97.2% < 99.5%', current: 97.2, threshold: 99.5, unit: '%' };
  const res = await api.inject({ method: 'POST', url: '/v1/incidents', payload });
  expect(res.statusCode).toBe(202);
  const r = res.json() as { workflowId: string; fingerprint: string };
  await eventually('the incident to start', async () => {
    const d = await incidents.show(r.fingerprint);
    return d.source === 'workflow' && d.state.status === 'triggered';
  });
  return r;
}

/** Every text the incident's timeline holds, live and projected. */
async function storedText(workflowId: string): Promise<string> {
  const d = await incidents.show(workflowId);
  const live = d.source === 'workflow' ? d.state.timeline.map((e) => `${e.actor} ${e.text}`) : [];
  const rows = await services.pool.query('SELECT e.actor, e.text FROM incident_events e JOIN incidents i USING (incident_id) WHERE i.workflow_id = $1', [workflowId]);
  return [...live, ...rows.rows.map((r: { actor: string; text: string }) => `${r.actor} ${r.text}`)].join('\n');
}

describe('Slack clicks with hostile text', () => {
  it('a button whose incident id holds NUL is answered ephemerally naming the field, and nothing is acted on', async () => {
    const { workflowId, fingerprint } = await openIncident('slack-hostile-id-rag');
    await click('vigil_acknowledge', `${workflowId}\u0000`, { id: 'U0NULID', name: 'mallory' });
    const answer = String((await answerTo('U0NULID')).args.text);
    expect(answer).toContain("Could not acknowledge `");
    expect(answer).toContain("the button's incident id must not contain NUL (U+0000)");
    expect(answer).not.toContain('\u0000');
    const d = await incidents.show(fingerprint);
    expect(d.source === 'workflow' && d.state.status).toBe('triggered');
    expect(await storedText(workflowId)).not.toContain('mallory');
  });

  it('Acknowledge all with a lone surrogate in its ids acts on none of them and says why', async () => {
    const { workflowId, fingerprint } = await openIncident('slack-hostile-all-rag');
    await click('vigil_acknowledge_all', `${workflowId},incident/\uD800`, { id: 'U0ALLBAD', name: 'mallory' });
    const answer = String((await answerTo('U0ALLBAD')).args.text);
    expect(answer).toBe(":warning: Could not acknowledge all: the button's incident ids must not contain a lone UTF-16 surrogate (invalid Unicode)");
    const d = await incidents.show(fingerprint);
    expect(d.source === 'workflow' && d.state.status).toBe('triggered');
  });

  it('a display name with NUL, a line break and an escape sequence still acknowledges, shown with U+FFFD, and no NUL is stored', async () => {
    const { workflowId, fingerprint } = await openIncident('slack-hostile-name-rag');
    await click('vigil_acknowledge', workflowId, { id: 'U0EVE', name: 'eve\u0000\nroot\u001B[31m' });
    const answer = String((await answerTo('U0EVE')).args.text);
    expect(answer).toContain(':white_check_mark:');
    const actor = 'slack:U0EVE (eve\uFFFD\uFFFDroot\uFFFD[31m)';
    await eventually('the projected acknowledgement', async () => {
      const r = await services.pool.query('SELECT acknowledged_by FROM incidents WHERE workflow_id = $1', [workflowId]);
      return r.rows[0]?.acknowledged_by === actor;
    });
    const d = await incidents.show(fingerprint);
    expect(d.source === 'workflow' && d.state.status).toBe('acknowledged');
    const text = await storedText(workflowId);
    expect(text).toContain(actor);
    expect(text).not.toContain('\u0000');
    expect(text).not.toContain('\u001B');
  });
});
