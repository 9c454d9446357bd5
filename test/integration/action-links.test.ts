import net from 'node:net';
import { Worker } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActionLinkBuilder } from '../../activities/notify/action-links';
import { createNotifyActivities } from '../../activities/notify';
import { createStoreActivities } from '../../activities/store';
import { createApiServer } from '../../api/server';
import { createIncidentService, type IncidentService } from '../../app/incident-service';
import { connectWorker } from '../../app/temporal-connection';
import { signActionToken, verifyActionToken, type ActionTokenClaims } from '../../domain/action-token';
import type { VigilConfig } from '../../domain/config';
import { VigilError } from '../../domain/errors';
import { violationSchema } from '../../domain/violation';
import { buildNotifiers } from '../../workers/channels';
import { connectServices, eventually, silentLogger, testConfig, type Services } from '../support/integration';
import { workflowBundle } from '../support/time-skipping';

const SECRET = 'action-links-integration-secret';
const PUBLIC_URL = 'https://vigil.test';
const HTML = 'text/html; charset=utf-8';

let services: Services;
let config: VigilConfig;
let incidents: IncidentService;
let api: FastifyInstance;
let smtp: { port: number; mails: ParsedMail[]; close(): Promise<void> };
let stopWorker: () => Promise<void>;

/** A loopback SMTP server standing in for the relay: every accepted message, parsed. */
async function startSmtp(): Promise<typeof smtp> {
  const mails: ParsedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (mail) => {
          mails.push(mail);
          callback();
        },
        (err: Error) => callback(err),
      );
    },
  });
  const port = await new Promise<number>((resolve) => {
    const s = server.listen(0, '127.0.0.1', () => resolve((s.address() as net.AddressInfo).port));
  });
  return { port, mails, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/**
 * The core worker as workers/core-worker.ts builds it, plus the link builder the lead is wiring there:
 * buildNotifiers reads the SMTP_* environment (the real `email` case), createNotifyActivities gets `links`.
 */
async function startLinkWorker(env: NodeJS.ProcessEnv): Promise<() => Promise<void>> {
  const connection = await connectWorker({ address: services.temporalAddress, namespace: 'default' }, {});
  const links = createActionLinkBuilder({ publicUrl: PUBLIC_URL, secret: SECRET, ttlMs: config.incidents.actionLinkTtl });
  const worker = await Worker.create({
    connection,
    namespace: 'default',
    taskQueue: config.temporal.taskQueue,
    workflowBundle: workflowBundle(),
    activities: {
      ...createNotifyActivities({ pool: services.pool, config, channels: buildNotifiers(config, env, silentLogger), logger: silentLogger, links }),
      ...createStoreActivities({ pool: services.pool }),
    },
  });
  const running = worker.run();
  return async () => {
    worker.shutdown();
    await running;
    await connection.close();
  };
}

beforeAll(async () => {
  services = await connectServices();
  smtp = await startSmtp();
  config = testConfig(
    {
      channels: { 'mail-oncall': { type: 'email', to: ['oncall@example.com'] } },
      escalationPolicies: { default: { levels: [{ delay: 0, targets: ['mail-oncall'] }] } },
    },
    services,
  );
  stopWorker = await startLinkWorker({ SMTP_HOST: '127.0.0.1', SMTP_PORT: String(smtp.port), SMTP_FROM: 'vigil@example.com' });
  incidents = createIncidentService({ client: services.client, pool: services.pool, config });
  api = createApiServer({ incidents, client: services.client, pool: services.pool, logger: silentLogger, actionSecret: SECRET });
  await api.ready();
});

afterAll(async () => {
  await api?.close();
  await stopWorker?.();
  await smtp?.close();
  await services?.close();
});

const violation = (service: string) =>
  violationSchema.parse({
    service,
    kind: 'response_time_sla',
    dimension: 'p95',
    severity: 'high',
    title: 'p95 latency above SLA',
    current: 2350,
    threshold: 2000,
    unit: 'ms',
  });

async function liveState(id: string) {
  const d = await incidents.show(id);
  if (d.source !== 'workflow') throw new Error(`incident ${id} is closed`);
  return d.state;
}

/** The first mail about `service`, and its action links read from the plain-text part. */
async function mailFor(service: string): Promise<{ mail: ParsedMail; acknowledge: string; resolve: string }> {
  const mail = await eventually(`the incident mail for ${service}`, async () => smtp.mails.find((m) => m.subject?.includes(` ${service} `) && !m.inReplyTo));
  const link = (label: string) => {
    const m = new RegExp(`^${label}: (\\S+)$`, 'm').exec(mail.text ?? '');
    if (!m) throw new Error(`no ${label} link in:\n${mail.text}`);
    expect(mail.html).toContain(`href="${m[1]}"`); // the HTML button points at the same link
    return m[1]!;
  };
  return { mail, acknowledge: link('Acknowledge'), resolve: link('Resolve') };
}

const path = (link: string) => {
  expect(link.startsWith(`${PUBLIC_URL}/actions/`)).toBe(true);
  return link.slice(PUBLIC_URL.length);
};
const claimsOf = (link: string): ActionTokenClaims => {
  const r = verifyActionToken(link.split('/actions/')[1]!, SECRET, Date.now());
  if (!r.ok) throw new Error(`link does not verify: ${r.reason}`);
  return r.claims;
};
const get = (url: string) => api.inject({ method: 'GET', url });
// What a browser sends for the confirmation page's form: no JavaScript, an urlencoded (here empty) body.
const post = (url: string) => api.inject({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: '' });

describe('email action links: mail → link → confirm page → POST → workflow', () => {
  it('acknowledges from the mailed link once: GET only confirms, POST acts, a second POST is refused', async () => {
    const r = await incidents.raise(violation('mail-rag'));
    const { mail, acknowledge, resolve } = await mailFor('mail-rag');
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.text : '').toBe('oncall@example.com');
    const claims = claimsOf(acknowledge);
    expect(claims).toMatchObject({ workflowId: r.workflowId, action: 'acknowledge' });
    expect(claimsOf(resolve).nonce).not.toBe(claims.nonce); // each link is used up on its own

    // A mail scanner following the link sees the confirmation page and changes nothing.
    const confirm = await get(path(acknowledge));
    expect(confirm.statusCode).toBe(200);
    expect(confirm.headers['content-type']).toBe(HTML);
    expect(confirm.body).toContain(r.workflowId);
    expect(confirm.body).toMatch(/<form method="post"><button type="submit">Acknowledge incident<\/button><\/form>/);
    expect((await get(path(acknowledge))).statusCode).toBe(200);
    expect((await liveState(r.fingerprint)).status).toBe('triggered');

    const done = await post(path(acknowledge));
    expect(done.statusCode).toBe(200);
    expect(done.headers['content-type']).toBe(HTML);
    expect(done.body).toContain(`Acknowledged by link:${claims.recipient}`);
    const state = await liveState(r.fingerprint);
    expect(state.status).toBe('acknowledged');
    expect(state.acknowledged?.by).toBe(`link:${claims.recipient}`);

    const again = await post(path(acknowledge));
    expect(again.statusCode).toBe(409);
    expect(again.body).toMatch(/This link was already used at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
    expect((await get(path(acknowledge))).statusCode).toBe(409);
    const uses = await services.pool.query('SELECT workflow_id, action, recipient FROM action_token_uses WHERE nonce = $1', [claims.nonce]);
    expect(uses.rows).toEqual([{ workflow_id: r.workflowId, action: 'acknowledge', recipient: claims.recipient }]);

    // Email cannot be edited: the acknowledgement arrives as a reply in the incident's thread.
    const reply = await eventually('the status mail', async () => smtp.mails.find((m) => m.inReplyTo === mail.messageId && /^Acknowledged by/.test(m.text ?? '')));
    expect(reply.subject).toBe(`Re: ${mail.subject}`);
    expect(reply.text).toContain(`Acknowledged by link:${claims.recipient}`);

    // Two clicks racing on the Resolve link: exactly one wins.
    const raced = await Promise.all([post(path(resolve)), post(path(resolve))]);
    expect(raced.map((x) => x.statusCode).sort()).toEqual([200, 409]);
    expect((await liveState(r.fingerprint)).status).toBe('resolved');
  });

  it.each([
    // each case: a link that must be refused without any state change, its status (403: well-formed but not signed by us) and its page text
    ['forged (claims edited, signature kept)', (t: string) => `${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(t.split('.')[0]!, 'base64url').toString()), a: 'resolve' })).toString('base64url')}.${t.split('.')[1]}`, 403, /This link is not valid/],
    ['signed with another secret', (_t: string, c: ActionTokenClaims) => signActionToken(c, 'not-the-secret'), 403, /This link is not valid/],
    ['garbage', () => 'definitely-not-a-token', 400, /This link is not valid/],
    ['expired', (_t: string, c: ActionTokenClaims) => signActionToken({ ...c, expiresAt: Date.now() - 60_000 }, SECRET), 410, /This link expired at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC; use Slack or the CLI/],
  ])('refuses a %s link on GET and POST', async (_name, mutate, status, text) => {
    const r = await incidents.raise(violation(`mail-bad-${String(status)}-${_name.length}`));
    await eventually('the incident to start', async () => (await liveState(r.fingerprint)).status === 'triggered');
    const claims: ActionTokenClaims = { workflowId: r.workflowId, incidentId: r.runId, action: 'acknowledge', expiresAt: Date.now() + 3_600_000, nonce: `n-${_name.length}-${Date.now()}`, recipient: 'mallory@example.com' };
    const token = mutate(signActionToken(claims, SECRET), claims);
    for (const res of [await get(`/actions/${token}`), await post(`/actions/${token}`)]) {
      expect(res.statusCode).toBe(status);
      expect(res.headers['content-type']).toBe(HTML);
      expect(res.body).toMatch(text);
      expect(res.body).not.toContain(SECRET);
    }
    expect((await liveState(r.fingerprint)).status).toBe('triggered');
    const uses = await services.pool.query('SELECT 1 FROM action_token_uses WHERE nonce = $1', [claims.nonce]);
    expect(uses.rowCount).toBe(0);
  });

  it('answers 409 with the workflow’s reason for links to an incident resolved in the meantime', async () => {
    const r = await incidents.raise(violation('mail-late-rag'));
    const { acknowledge, resolve } = await mailFor('mail-late-rag');
    await incidents.act(r.fingerprint, { type: 'resolve', by: 'bob' });

    const lateResolve = await post(path(resolve));
    expect(lateResolve.statusCode).toBe(409);
    expect(lateResolve.body).toMatch(/Already resolved by bob/);
    const lateAck = await post(path(acknowledge));
    expect(lateAck.statusCode).toBe(409);
    expect(lateAck.body).toMatch(/was resolved by bob .*; it cannot be acknowledged/);
    expect((await liveState(r.fingerprint)).resolved?.by).toBe('bob');
  });

  it('answers 410 for a genuine link made for an earlier incident of the same problem', async () => {
    const r = await incidents.raise(violation('mail-reused-rag'));
    await eventually('the incident to start', async () => (await liveState(r.fingerprint)).status === 'triggered');
    const token = signActionToken({ workflowId: r.workflowId, incidentId: 'an-earlier-run', action: 'acknowledge', expiresAt: Date.now() + 60_000, nonce: `old-${Date.now()}`, recipient: 'x' }, SECRET);
    const res = await post(`/actions/${token}`);
    expect(res.statusCode).toBe(410);
    expect(res.body).toMatch(/belonged to an earlier incident/);
    expect((await liveState(r.fingerprint)).status).toBe('triggered');
  });

  it('answers 404 for a genuine link to an incident that is not open', async () => {
    const token = signActionToken({ workflowId: 'incident/0000000000000000', incidentId: 'run-x', action: 'acknowledge', expiresAt: Date.now() + 60_000, nonce: `gone-${Date.now()}`, recipient: 'x' }, SECRET);
    const res = await post(`/actions/${token}`);
    expect(res.statusCode).toBe(404);
    expect(res.body).toMatch(/No open incident/);
  });

  it('escapes what the link carries on its pages', async () => {
    const token = signActionToken({ workflowId: 'incident/<script>alert(1)</script>', incidentId: 'run-x', action: 'resolve', expiresAt: Date.now() + 60_000, nonce: `xss-${Date.now()}`, recipient: '"><img src=x>' }, SECRET);
    const res = await get(`/actions/${token}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain('<script>alert(1)');
    expect(res.body).not.toContain('<img src=x>');
    expect(res.body).toContain('&lt;script&gt;');
  });
});

describe('action link routes around failures', () => {
  it('gives the link back when the incident cannot be reached, so a retry works (503, then 200)', async () => {
    let calls = 0;
    const flaky: IncidentService = {
      ...incidents,
      async act() {
        calls++;
        if (calls === 1) throw new Error('14 UNAVAILABLE: connection refused');
        return { changed: true, status: 'acknowledged', message: 'Acknowledged by link:alice@example.com' };
      },
    };
    const local = createApiServer({ incidents: flaky, client: services.client, pool: services.pool, logger: silentLogger, actionSecret: SECRET });
    try {
      const nonce = `flaky-${Date.now()}`;
      const token = signActionToken({ workflowId: 'incident/flaky', incidentId: 'run-x', action: 'acknowledge', expiresAt: Date.now() + 60_000, nonce, recipient: 'alice@example.com' }, SECRET);
      const send = () => local.inject({ method: 'POST', url: `/actions/${token}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: '' });
      const first = await send();
      expect(first.statusCode).toBe(503);
      expect(first.body).toMatch(/The link still works/);
      expect((await services.pool.query('SELECT 1 FROM action_token_uses WHERE nonce = $1', [nonce])).rowCount).toBe(0);
      const second = await send();
      expect(second.statusCode).toBe(200);
      expect((await services.pool.query('SELECT 1 FROM action_token_uses WHERE nonce = $1', [nonce])).rowCount).toBe(1);
      expect(calls).toBe(2);
    } finally {
      await local.close();
    }
  });

  it('keeps the link used up when the workflow refuses (a refusal is an answer, not an outage)', async () => {
    const refusing: IncidentService = {
      ...incidents,
      act: async () => {
        throw new VigilError('invalid_state', 'Incident abc was resolved by carol; it cannot be acknowledged.');
      },
    };
    const local = createApiServer({ incidents: refusing, client: services.client, pool: services.pool, logger: silentLogger, actionSecret: SECRET });
    try {
      const nonce = `refused-${Date.now()}`;
      const token = signActionToken({ workflowId: 'incident/abc', incidentId: 'run-x', action: 'acknowledge', expiresAt: Date.now() + 60_000, nonce, recipient: 'a' }, SECRET);
      const res = await local.inject({ method: 'POST', url: `/actions/${token}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'confirm=yes' });
      expect(res.statusCode).toBe(409);
      expect(res.body).toContain('resolved by carol');
      expect((await services.pool.query('SELECT 1 FROM action_token_uses WHERE nonce = $1', [nonce])).rowCount).toBe(1);
    } finally {
      await local.close();
    }
  });

  it('has no /actions routes when no action secret is configured', async () => {
    const plain = createApiServer({ incidents, client: services.client, pool: services.pool, logger: silentLogger });
    try {
      const token = signActionToken({ workflowId: 'incident/abc', incidentId: 'run-x', action: 'acknowledge', expiresAt: Date.now() + 60_000, nonce: 'n', recipient: 'a' }, SECRET);
      expect((await plain.inject({ method: 'GET', url: `/actions/${token}` })).statusCode).toBe(404);
    } finally {
      await plain.close();
    }
  });
});
