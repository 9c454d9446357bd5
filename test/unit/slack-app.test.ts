import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { IncidentAction } from '../../app/incident-client';
import { VigilError } from '../../domain/errors';
import { createSlackApp, type SlackApp } from '../../slack/app';
import type { ActionResult } from '../../workflows/incident-messages';
import { blockActionsBody, signSlackRequest, startFakeSlack, type FakeSlack } from '../support/fake-slack';

const TOKEN = 'xoxb-3333-4444-apptoken';
const SECRET = 'signing-secret-for-tests';
const quiet = { info: () => {}, warn: () => {} };

/** A recording stand-in for actOnIncident: answers with whatever the test scripted. */
function recordingAct() {
  const calls: Array<{ workflowId: string; action: IncidentAction }> = [];
  let next: () => Promise<ActionResult> = async () => ({ changed: true, status: 'acknowledged', message: 'Acknowledged by slack:U0ALICE (alice).' });
  return {
    calls,
    willReturn: (f: () => Promise<ActionResult>) => void (next = f),
    act: async (workflowId: string, action: IncidentAction) => {
      calls.push({ workflowId, action });
      return next();
    },
  };
}

let slack: FakeSlack;
let app: SlackApp;
let rec: ReturnType<typeof recordingAct>;
let endpoint: string;

beforeEach(async () => {
  slack = await startFakeSlack({ token: TOKEN });
  rec = recordingAct();
  app = createSlackApp({ signingSecret: SECRET, token: TOKEN, apiUrl: slack.url, act: rec.act, logger: quiet });
  await app.start(0, '127.0.0.1');
  endpoint = `http://127.0.0.1:${app.port()}/slack/events`;
});
afterEach(async () => {
  await app.stop();
  await slack.close();
});

const click = (actionId: string) =>
  blockActionsBody({ actionId, value: 'incident/abc123', userId: 'U0ALICE', userName: 'alice', channelId: 'C0INCIDENTS' });

function post(body: string, headers: Record<string, string>): Promise<Response> {
  return fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });
}

const ephemerals = () => slack.callsTo('chat.postEphemeral');

describe('slack app', () => {
  it('signed Acknowledge click → act with the workflow id and the user, then an ephemeral confirmation', async () => {
    const body = click('vigil_acknowledge');
    const res = await post(body, signSlackRequest(SECRET, body));
    expect(res.status).toBe(200);
    await vi.waitFor(() => expect(ephemerals()).toHaveLength(1));
    expect(rec.calls).toEqual([{ workflowId: 'incident/abc123', action: { type: 'acknowledge', by: 'slack:U0ALICE (alice)' } }]);
    expect(ephemerals()[0]?.args).toMatchObject({ channel: 'C0INCIDENTS', user: 'U0ALICE', text: expect.stringContaining('Acknowledged by slack:U0ALICE (alice).') });
  });

  // Bolt with tokenVerificationEnabled: false still calls auth.test, lazily, before every event.
  it('makes no auth.test call when the bot ids are configured', async () => {
    const withIds = createSlackApp({ signingSecret: SECRET, token: TOKEN, apiUrl: slack.url, act: rec.act, logger: quiet, botUserId: 'U0VIGIL', botId: 'B0VIGIL' });
    await withIds.start(0, '127.0.0.1');
    try {
      const body = click('vigil_acknowledge');
      const res = await fetch(`http://127.0.0.1:${withIds.port()}/slack/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest(SECRET, body) },
        body,
      });
      expect(res.status).toBe(200);
      await vi.waitFor(() => expect(ephemerals()).toHaveLength(1));
      expect(slack.calls.map((c) => c.method)).toEqual(['chat.postEphemeral']);
    } finally {
      await withIds.stop();
    }
  });

  it('signed Resolve click → resolve action', async () => {
    rec.willReturn(async () => ({ changed: true, status: 'resolved', message: 'Resolved.' }));
    const body = click('vigil_resolve');
    expect((await post(body, signSlackRequest(SECRET, body))).status).toBe(200);
    await vi.waitFor(() => expect(ephemerals()).toHaveLength(1));
    expect(rec.calls[0]?.action).toEqual({ type: 'resolve', by: 'slack:U0ALICE (alice)' });
  });

  it('a refused action is explained to the clicker, not only logged', async () => {
    rec.willReturn(async () => {
      throw new VigilError('invalid_state', 'was resolved by alice at 09:03; nothing to acknowledge');
    });
    const body = click('vigil_acknowledge');
    expect((await post(body, signSlackRequest(SECRET, body))).status).toBe(200);
    await vi.waitFor(() => expect(ephemerals()).toHaveLength(1));
    const text = String(ephemerals()[0]?.args.text);
    expect(text).toContain('Could not acknowledge');
    expect(text).toContain('was resolved by alice at 09:03; nothing to acknowledge');
    expect(ephemerals()[0]?.args).toMatchObject({ channel: 'C0INCIDENTS', user: 'U0ALICE' });
  });

  it('an unexpected failure (Temporal down) is also reported to the clicker', async () => {
    rec.willReturn(async () => {
      throw new Error('14 UNAVAILABLE: connection refused');
    });
    const body = click('vigil_resolve');
    await post(body, signSlackRequest(SECRET, body));
    await vi.waitFor(() => expect(ephemerals()).toHaveLength(1));
    expect(String(ephemerals()[0]?.args.text)).toContain('Could not resolve `incident/abc123`: 14 UNAVAILABLE');
  });

  const rejected: Array<{ name: string; headers: (body: string) => Record<string, string> }> = [
    // No signature headers at all.
    { name: 'unsigned', headers: () => ({}) },
    // Signed with someone else's secret.
    { name: 'forged signature', headers: (body) => signSlackRequest('not-the-secret', body) },
    // A replay of a genuine request captured six minutes ago.
    { name: 'stale timestamp', headers: (body) => signSlackRequest(SECRET, body, Math.floor(Date.now() / 1000) - 6 * 60) },
    // A genuine signature over a different body (tampered payload).
    { name: 'tampered body', headers: (body) => signSlackRequest(SECRET, `${body}x`) },
  ];

  it.each(rejected)('$name request → 401 and act is not called', async ({ headers }) => {
    const body = click('vigil_acknowledge');
    const res = await post(body, headers(body));
    expect(res.status).toBe(401);
    // Give a wrongly accepted request time to reach the listener before asserting nothing happened.
    await new Promise((r) => setTimeout(r, 100));
    expect(rec.calls).toEqual([]);
    expect(slack.calls).toEqual([]);
  });
});
