import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSlackNotifier } from '../../activities/notify/slack';
import type { RefreshReason } from '../../domain/incident-state';
import type { IncidentView } from '../../domain/incident-view';
import { startFakeSlack, type FakeSlack, type FakeSlackFailure } from '../support/fake-slack';
import { failureOf } from '../support/failures';

const TOKEN = 'xoxb-1111-2222-secretsecret';
const CHANNEL = 'C0INCIDENTS';

const view = (over: Partial<IncidentView> = {}): IncidentView => ({
  workflowId: 'incident/abc123',
  incidentId: 'run-1',
  fingerprint: 'abc123',
  service: 'search-api',
  kind: 'response_time_sla',
  dimension: 'p95',
  severity: 'high',
  title: 'p95 latency above SLA',
  details: { current: 2350, threshold: 2000, unit: 'ms' },
  labels: {},
  status: 'triggered',
  openedAt: Date.UTC(2024, 0, 15),
  episode: 1,
  occurrences: 1,
  acknowledged: null,
  resolved: null,
  snoozedUntil: null,
  level: 'level 1',
  uiUrl: null,
  messages: [],
  revision: 1,
  ...over,
});

let slack: FakeSlack;
beforeEach(async () => {
  slack = await startFakeSlack({ token: TOKEN });
});
afterEach(async () => {
  await slack.close();
});

describe('slack notifier', () => {
  it('posts once, then edits the same message in place and replies in its thread', async () => {
    const notifier = createSlackNotifier({ token: TOKEN, channel: CHANNEL, apiUrl: slack.url });
    const first = await notifier.send({ view: view(), step: '1.e1.p0.l0', target: 'oncall' });
    expect(first.ref).toEqual({ channel: CHANNEL, ts: expect.stringMatching(/^1700000000\.\d{6}$/) });
    const existing = { target: 'oncall', channelType: 'slack', ref: first.ref ?? {} };

    const second = await notifier.send({ view: view({ level: 'level 2', occurrences: 4 }), step: '2.e1.p0.l1', target: 'ops-lead', existing });
    expect(second.ref).toEqual(first.ref);
    await notifier.update?.({ view: view({ status: 'acknowledged', acknowledged: { by: 'alice', at: 1 } }), existing, reasons: ['status'] });

    expect(slack.calls.map((c) => c.method)).toEqual(['chat.postMessage', 'chat.update', 'chat.postMessage', 'chat.update']);
    const [post, update, reply, refresh] = slack.calls;
    expect(post?.args).toMatchObject({ channel: CHANNEL, text: expect.stringContaining('[HIGH] search-api'), blocks: expect.any(Array) });
    expect(update?.args).toMatchObject({ channel: CHANNEL, ts: first.ref?.ts });
    expect(reply?.args).toMatchObject({ channel: CHANNEL, thread_ts: first.ref?.ts, text: expect.stringContaining('*level 2*: ops-lead') });
    expect(refresh?.args).toMatchObject({ channel: CHANNEL, ts: first.ref?.ts });
    // The refreshed message lost its Acknowledge button.
    expect(JSON.stringify(refresh?.args.blocks)).not.toContain('vigil_acknowledge');
  });

  it.each([
    // Editing in place is what the Slack message is for: every reason re-renders it, none posts anew.
    [['status']],
    [['level']],
    [['severity']],
    [['status', 'level', 'severity']],
  ] as Array<[RefreshReason[]]>)('update for %j edits the message in place', async (reasons) => {
    const notifier = createSlackNotifier({ token: TOKEN, channel: CHANNEL, apiUrl: slack.url });
    const first = await notifier.send({ view: view(), step: '1.e1.p0.l0', target: 'oncall' });
    const existing = { target: 'oncall', channelType: 'slack', ref: first.ref ?? {} };
    const res = await notifier.update?.({ view: view({ level: 'level 2', severity: 'critical' }), existing, reasons });
    expect(res).toEqual({ sent: true, detail: `edited ${CHANNEL} (ts ${first.ref?.ts}) in place: ${reasons.join(' + ')}` });
    expect(slack.calls.map((c) => c.method)).toEqual(['chat.postMessage', 'chat.update']);
    expect(slack.calls[1]?.args).toMatchObject({ channel: CHANNEL, ts: first.ref?.ts, text: expect.stringContaining('[CRITICAL]') });
  });

  it('posts a fresh message when the old one was deleted', async () => {
    const notifier = createSlackNotifier({ token: TOKEN, channel: CHANNEL, apiUrl: slack.url });
    const gone = { target: 'oncall', channelType: 'slack', ref: { channel: CHANNEL, ts: '1600000000.000001' } };
    const res = await notifier.send({ view: view(), step: 's', target: 'oncall', existing: gone });
    expect(res.ref?.ts).not.toBe('1600000000.000001');
    expect(slack.calls.map((c) => [c.method, c.error])).toEqual([['chat.update', 'message_not_found'], ['chat.postMessage', undefined]]);
  });

  const cases: Array<{ name: string; failure: FakeSlackFailure; type: string; retryable: boolean; delayMs?: number }> = [
    // Slack is down: Temporal retries with its own backoff.
    { name: 'HTTP 500', failure: { status: 500 }, type: 'delivery_server', retryable: true },
    // Rate limited: retry, but not before Slack's Retry-After.
    { name: 'HTTP 429 with Retry-After', failure: { status: 429, retryAfterSeconds: 7 }, type: 'delivery_rate_limited', retryable: true, delayMs: 7000 },
    // A bad token will not fix itself: fail fast so the fallback channel fires.
    { name: 'invalid_auth', failure: { error: 'invalid_auth' }, type: 'delivery_auth', retryable: false },
    { name: 'token_revoked', failure: { error: 'token_revoked' }, type: 'delivery_auth', retryable: false },
    // Misconfigured channel: a client error, not retried.
    { name: 'channel_not_found', failure: { error: 'channel_not_found' }, type: 'delivery_client', retryable: false },
    { name: 'invalid_blocks', failure: { error: 'invalid_blocks' }, type: 'delivery_client', retryable: false },
    // Slack's own transient platform error is retried like a 5xx.
    { name: 'internal_error', failure: { error: 'internal_error' }, type: 'delivery_server', retryable: true },
    // A misbehaving proxy echoing the token back must not leak it into the timeline.
    { name: 'error text echoing the token', failure: { error: `invalid_auth ${TOKEN}` }, type: 'delivery_client', retryable: false },
  ];

  it.each(cases)('$name → $type (retryable: $retryable), token redacted', async ({ failure, type, retryable, delayMs }) => {
    const notifier = createSlackNotifier({ token: TOKEN, channel: CHANNEL, apiUrl: slack.url });
    slack.failNext(1, failure);
    const err = await failureOf(notifier.send({ view: view(), step: 's', target: 'oncall' }));
    expect(err.type).toBe(type);
    expect(err.nonRetryable).toBe(!retryable);
    if (delayMs !== undefined) expect(err.nextRetryDelay).toBe(delayMs);
    expect(err.message).not.toContain(TOKEN);
    expect(JSON.stringify(err)).not.toContain(TOKEN);
    expect(String(err.stack)).not.toContain(TOKEN);
    // One attempt only: Temporal's retry policy is the retry stage, not WebClient's.
    expect(slack.calls).toHaveLength(1);
  });

  it('a token Slack does not know → non-retryable auth failure without the token', async () => {
    const notifier = createSlackNotifier({ token: 'xoxb-9999-wrong-token', channel: CHANNEL, apiUrl: slack.url });
    const err = await failureOf(notifier.send({ view: view(), step: 's', target: 'oncall' }));
    expect([err.type, err.nonRetryable]).toEqual(['delivery_auth', true]);
    expect(err.message).not.toContain('xoxb-9999-wrong-token');
  });

  it('connection refused → retryable network failure', async () => {
    const url = slack.url;
    await slack.close();
    const notifier = createSlackNotifier({ token: TOKEN, channel: CHANNEL, apiUrl: url });
    const err = await failureOf(notifier.send({ view: view(), step: 's', target: 'oncall' }));
    expect([err.type, err.nonRetryable]).toEqual(['delivery_network', false]);
    slack = await startFakeSlack({ token: TOKEN });
  });
});
