import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTeamsNotifier } from '../../activities/notify/teams';
import { teamsChannelSchema } from '../../domain/channels/schemas';
import type { RefreshReason } from '../../domain/incident-state';
import type { IncidentView } from '../../domain/incident-view';
import { startFakeTeams, type FakeTeams, type FakeTeamsFailure } from '../support/fake-teams';
import { failureOf } from '../support/failures';

const LINKS = { acknowledge: 'https://vigil.example/a/ack-token', resolve: 'https://vigil.example/a/resolve-token' };
const UI = 'http://localhost:8233/namespaces/default/workflows/incident%2F0123456789abcdef';

const view = (over: Partial<IncidentView> = {}): IncidentView => ({
  workflowId: 'incident/0123456789abcdef',
  incidentId: 'run-1',
  fingerprint: '0123456789abcdef',
  service: 'search-api',
  kind: 'response_time_sla',
  dimension: 'p95',
  severity: 'critical',
  title: 'p95 latency above SLA',
  details: { current: 2350, threshold: 2000, unit: 'ms', impact: 'answers slow for 30% of users' },
  labels: {},
  status: 'triggered',
  openedAt: Date.UTC(2024, 0, 15),
  episode: 1,
  occurrences: 3,
  acknowledged: null,
  resolved: null,
  snoozedUntil: null,
  level: 'level 1',
  uiUrl: UI,
  messages: [], revision: 1,
  ...over,
});

type Card = { body: Array<Record<string, unknown>>; actions?: Array<{ type: string; title: string; url: string }> };

let teams: FakeTeams;
const notifierFor = (webhookUrl: string) => createTeamsNotifier(teamsChannelSchema.parse({ type: 'teams', timeout: 5000 }), { webhookUrl });

beforeEach(async () => {
  teams = await startFakeTeams();
});
afterEach(async () => {
  await teams.close();
});

describe('teams notifier', () => {
  it('posts an Adaptive Card message in the documented webhook envelope', async () => {
    const res = await notifierFor(teams.url).send({ view: view(), step: '1.e1.p0.l1', target: 'teams', links: LINKS });
    expect(res.ref).toEqual({ postedAt: expect.any(String) });
    expect(teams.posts).toHaveLength(1);
    const body = teams.posts[0]?.body as { type: string; attachments: Array<{ contentType: string; contentUrl: null; content: Record<string, unknown> }> };
    expect(body.type).toBe('message');
    expect(body.attachments).toHaveLength(1);
    expect(body.attachments[0]).toMatchObject({
      contentType: 'application/vnd.microsoft.card.adaptive',
      contentUrl: null,
      content: { $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version: '1.4' },
    });
    const card = teams.cards()[0] as Card;
    expect(card.body[0]).toMatchObject({ type: 'TextBlock', text: '[CRITICAL] p95 latency above SLA', weight: 'Bolder', color: 'Attention' });
    const facts = card.body.find((b) => b.type === 'FactSet') as { facts: Array<{ title: string; value: string }> };
    expect(facts.facts).toEqual([
      { title: 'Service', value: 'search-api' },
      { title: 'Severity', value: 'CRITICAL' },
      { title: 'Status', value: 'triggered' },
      { title: 'Current', value: '2350 ms (threshold 2000 ms)' },
      { title: 'Impact', value: 'answers slow for 30% of users' },
      { title: 'Level', value: 'level 1' },
      { title: 'Occurrences', value: '3' },
    ]);
    // Only Action.OpenUrl: the ack/resolve links open a confirmation page, they never act on a GET.
    expect(card.actions).toEqual([
      { type: 'Action.OpenUrl', title: 'View in Temporal', url: UI },
      { type: 'Action.OpenUrl', title: 'Acknowledge', url: LINKS.acknowledge },
      { type: 'Action.OpenUrl', title: 'Resolve', url: LINKS.resolve },
    ]);
  });

  it('offers no Acknowledge/Resolve buttons without signed links, and no actions at all without a UI link', async () => {
    await notifierFor(teams.url).send({ view: view(), step: 's', target: 'teams' });
    await notifierFor(teams.url).send({ view: view({ uiUrl: null }), step: 's2', target: 'teams' });
    const [withUi, without] = teams.cards() as Card[];
    expect(withUi?.actions?.map((a) => a.title)).toEqual(['View in Temporal']);
    expect(without?.actions).toBeUndefined();
  });

  it.each([
    // status change → the follow-up line (a webhook message cannot be edited)
    [{ status: 'acknowledged', acknowledged: { by: 'alice', at: 1 } }, /^Acknowledged by alice — search-api response_time_sla/],
    [{ status: 'resolved', resolved: { by: 'bob', at: 2, reason: 'failover done' } }, /^Resolved by bob \(failover done\)/],
    [{ status: 'snoozed', acknowledged: { by: 'carol', at: 1 }, snoozedUntil: Date.UTC(2024, 0, 15, 10) }, /^Snoozed by carol until 2024-01-15T10:00:00.000Z/],
    [{ status: 'triggered', episode: 2 }, /^Triggered again \(episode 2\)/],
  ] as Array<[Partial<IncidentView>, RegExp]>)('update %j posts a short follow-up card', async (over, text) => {
    const res = await notifierFor(teams.url).update?.({ view: view(over), existing: { target: 'teams', channelType: 'teams', ref: { postedAt: 'x' } }, reasons: ['status'] });
    expect(res?.sent).toBe(true);
    const card = teams.cards()[0] as Card;
    expect(card.body).toHaveLength(1);
    expect(String(card.body[0]?.text)).toMatch(text);
  });

  it.each([
    // Regression: each refresh posted another follow-up card; only a status change is worth one.
    // An escalation: a level that targets Teams posts its own card through send.
    [['level'], 0],
    [['severity'], 0],
    [['level', 'severity'], 0],
    // Coalesced with a status change: one card.
    [['level', 'status'], 1],
  ] as Array<[RefreshReason[], number]>)('update for %j posts %i card(s)', async (reasons, cards) => {
    const res = await notifierFor(teams.url).update?.({ view: view({ level: 'level 2' }), existing: { target: 'teams', channelType: 'teams', ref: { postedAt: 'x' } }, reasons });
    expect(teams.posts).toHaveLength(cards);
    expect(res?.sent).toBe(cards > 0);
    if (cards === 0) expect(res?.detail).toMatch(/^teams: nothing to send for/);
  });

  it('accepts a Workflows trigger’s 202 as success', async () => {
    const wf = await startFakeTeams({ flavour: 'workflows' });
    try {
      await notifierFor(wf.url).send({ view: view(), step: 's', target: 'teams' });
      expect(wf.posts.map((p) => p.status)).toEqual([202]);
    } finally {
      await wf.close();
    }
  });

  const cases: Array<{ name: string; failure: FakeTeamsFailure | 'wrong-url'; type: string; retryable: boolean; delayMs?: number }> = [
    // Teams is down: retried by Temporal.
    { name: 'HTTP 500', failure: { status: 500 }, type: 'delivery_server', retryable: true },
    { name: 'HTTP 502', failure: { status: 502 }, type: 'delivery_server', retryable: true },
    // Throttled, with a hint: not retried before it.
    { name: 'HTTP 429 with Retry-After', failure: { status: 429, retryAfterSeconds: 4 }, type: 'delivery_rate_limited', retryable: true, delayMs: 4000 },
    // Legacy connectors report throttling as a 200 with the status in the text.
    { name: '200 saying "HTTP error 429"', failure: { throttledInBody: true }, type: 'delivery_rate_limited', retryable: true },
    // A card Teams refuses will keep being refused.
    { name: 'HTTP 400', failure: { status: 400 }, type: 'delivery_client', retryable: false },
    // A deleted webhook: Teams answers 404/410; fail fast so the fallback fires.
    { name: 'wrong or deleted webhook URL (404)', failure: 'wrong-url', type: 'delivery_client', retryable: false },
    { name: 'HTTP 403', failure: { status: 403 }, type: 'delivery_auth', retryable: false },
    // An error page echoing the URL must not leak it (the URL is the credential).
    { name: 'error text echoing the webhook URL', failure: { status: 400, text: 'bad request to URL' }, type: 'delivery_client', retryable: false },
  ];

  it.each(cases)('$name → $type (retryable: $retryable), webhook URL redacted', async ({ failure, type, retryable, delayMs }) => {
    let url = teams.url;
    if (failure === 'wrong-url') url = `${teams.url}x`;
    else teams.failNext(1, failure.text ? { ...failure, text: `${failure.text} ${teams.url} (${new URL(teams.url).pathname})` } : failure);
    const err = await failureOf(notifierFor(url).send({ view: view(), step: 's', target: 'teams' }));
    expect(err.type).toBe(type);
    expect(err.nonRetryable).toBe(!retryable);
    if (delayMs !== undefined) expect(err.nextRetryDelay).toBe(delayMs);
    const path = new URL(teams.url).pathname;
    for (const text of [err.message, JSON.stringify(err), String(err.stack)]) {
      expect(text).not.toContain(teams.url);
      expect(text).not.toContain(path);
    }
    expect(teams.posts).toHaveLength(1);
  });

  it('connection refused → retryable network failure without the URL', async () => {
    const url = teams.url;
    await teams.close();
    const err = await failureOf(notifierFor(url).send({ view: view(), step: 's', target: 'teams' }));
    expect([err.type, err.nonRetryable]).toEqual(['delivery_network', false]);
    expect(err.message).not.toContain(new URL(url).pathname);
    teams = await startFakeTeams();
  });
});
