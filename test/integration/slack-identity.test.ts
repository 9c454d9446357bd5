import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiServer } from '../../api/server';
import { createSlackIdentify } from '../../app/auth/slack-identity';
import { createIncidentService, serviceOfDetail, type IncidentService } from '../../app/incident-service';
import { upsertUser } from '../../db/auth/users';
import { createSlackApp, type SlackApp } from '../../slack/app';
import { blockActionsBody, signSlackRequest, startFakeSlack, type FakeSlack } from '../support/fake-slack';
import { connectServices, eventually, silentLogger, startWorker, testConfig, type Services } from '../support/integration';

// With access control on, a Slack click acts as the Vigil user linked to that Slack account.
const TOKEN = 'xoxb-identity-token';
const SECRET = 'identity-signing-secret';
const tag = Math.random().toString(36).slice(2, 8).toUpperCase();
const LINKED = { id: `U0RESP${tag}`, name: 'rita' };
const VIEWER = { id: `U0VIEW${tag}`, name: 'victor' };
const STRANGER = { id: `U0STRANGE${tag}`, name: 'stranger' };
const BILLING = { id: `U0BILL${tag}`, name: 'bill' };

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
  await upsertUser(services.pool, { name: `rita-${tag}`, roles: ['responder'], slackUserId: LINKED.id });
  await upsertUser(services.pool, { name: `victor-${tag}`, roles: ['viewer'], slackUserId: VIEWER.id });
  await upsertUser(services.pool, { name: `bill-${tag}`, roles: ['responder'], slackUserId: BILLING.id, teams: ['billing'] });
  slackApp = createSlackApp({ signingSecret: SECRET, token: TOKEN, apiUrl: slack.url, act: (id, a) => incidents.act(id, a), identify: createSlackIdentify(services.pool, 'refuse', {
      config: { billing: { services: ['billing-rag'] } },
      serviceOf: async (id) => serviceOfDetail(await incidents.show(id)),
    }), logger: silentLogger });
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

async function click(value: string, user: { id: string; name: string }): Promise<string> {
  const body = blockActionsBody({ actionId: 'vigil_acknowledge', value, userId: user.id, userName: user.name, channelId: 'C0IDENTITY' });
  const res = await fetch(slackUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest(SECRET, body) }, body });
  expect(res.status).toBe(200);
  return String((await eventually(`an answer to ${user.id}`, async () => slack.callsTo('chat.postEphemeral').find((c) => c.args.user === user.id))).args.text);
}

async function open(dimension: string): Promise<string> {
  const res = await api.inject({ method: 'POST', url: '/v1/incidents', payload: { service: 'identity-rag', kind: 'availability_sla', dimension, severity: 'high', title: 'availability low' } });
  const { workflowId } = res.json() as { workflowId: string };
  await eventually('the incident to start', async () => {
    const d = await incidents.show(workflowId);
    return d.source === 'workflow' && d.state.status === 'triggered';
  });
  return workflowId;
}

const statusOf = async (id: string) => {
  const d = await incidents.show(id);
  return d.source === 'workflow' ? d.state : null;
};

describe('Slack clicks with access control', () => {
  it('an unlinked Slack user is told to ask an admin, naming their id, and nothing is acted on', async () => {
    const id = await open('stranger');
    const answer = await click(id, STRANGER);
    expect(answer).toContain('not linked to a Vigil user');
    expect(answer).toContain(`--slack-id ${STRANGER.id}`);
    expect((await statusOf(id))?.status).toBe('triggered');
  });

  it('a linked viewer may not act', async () => {
    const id = await open('viewer');
    expect(await click(id, VIEWER)).toContain('may look but not act');
    expect((await statusOf(id))?.status).toBe('triggered');
  });

  it('a linked responder acts as their Vigil user', async () => {
    const id = await open('responder');
    expect(await click(id, LINKED)).toContain(':white_check_mark:');
    expect((await statusOf(id))?.acknowledged?.by).toBe(`rita-${tag}`);
  });

  it("a responder limited to a team may not act on another team's incident", async () => {
    const id = await open('billing-only');
    expect(await click(id, BILLING)).toContain('may not act on incidents of "identity-rag"');
    expect((await statusOf(id))?.status).toBe('triggered');
  });
});
