import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPagerDutyNotifier } from '../../activities/notify/pagerduty';
import { pagerDutyChannelSchema } from '../../domain/channels/schemas';
import type { RefreshReason } from '../../domain/incident-state';
import type { IncidentView } from '../../domain/incident-view';
import { startFakePagerDuty, type FakePagerDuty, type FakePagerDutyFailure } from '../support/fake-pagerduty';
import { failureOf } from '../support/failures';

// Events API v2 integration keys are 32 characters; the fake refuses others, as PagerDuty does.
const ROUTING_KEY = 'pdroutingkey0123456789abcdef0123';
const LINKS = { acknowledge: 'https://vigil.example/a/ack-token', resolve: 'https://vigil.example/a/resolve-token' };

const view = (over: Partial<IncidentView> = {}): IncidentView => ({
  workflowId: 'incident/0123456789abcdef',
  incidentId: 'run-1',
  fingerprint: '0123456789abcdef',
  service: 'search-api',
  kind: 'response_time_sla',
  dimension: 'p95',
  severity: 'high',
  title: 'p95 latency above SLA',
  details: { current: 2350, threshold: 2000, unit: 'ms', impact: 'answers slow for 30% of users' },
  labels: { team: 'search' },
  status: 'triggered',
  openedAt: Date.UTC(2024, 0, 15),
  episode: 1,
  occurrences: 3,
  acknowledged: null,
  resolved: null,
  snoozedUntil: null,
  level: 'level 1',
  uiUrl: 'http://localhost:8233/namespaces/default/workflows/incident%2F0123456789abcdef',
  messages: [], revision: 1,
  ...over,
});

let pd: FakePagerDuty;
const notifierFor = (url: string, over: { routingKey?: string; timeout?: number } = {}) =>
  createPagerDutyNotifier(pagerDutyChannelSchema.parse({ type: 'pagerduty', apiUrl: url, timeout: over.timeout ?? 5000 }), {
    routingKey: over.routingKey ?? ROUTING_KEY,
  });

beforeEach(async () => {
  pd = await startFakePagerDuty();
});
afterEach(async () => {
  await pd.close();
});

describe('pagerduty notifier: send', () => {
  it('enqueues one trigger event in the documented Events API v2 shape and keeps the dedup_key as its ref', async () => {
    const res = await notifierFor(pd.url).send({ view: view(), step: '1.e1.p0.l1', target: 'pd', links: LINKS });
    expect(res.ref).toEqual({ dedup_key: 'incident/0123456789abcdef' });
    expect(pd.requests).toHaveLength(1);
    const [req] = pd.requests;
    expect(req?.status).toBe(202);
    expect(req?.event).toEqual({
      routing_key: ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: 'incident/0123456789abcdef',
      client: 'Vigil',
      client_url: view().uiUrl,
      payload: {
        summary: '[HIGH] search-api response_time_sla/p95: p95 latency above SLA',
        source: 'search-api',
        severity: 'error',
        timestamp: '2024-01-15T00:00:00.000Z',
        class: 'response_time_sla',
        component: 'p95',
        group: 'search-api',
        custom_details: {
          incident: 'incident/0123456789abcdef',
          measurement: '2350 ms (threshold 2000 ms)',
          current: 2350,
          threshold: 2000,
          unit: 'ms',
          impact: 'answers slow for 30% of users',
          occurrences: 3,
          level: 'level 1',
          episode: 1,
          labels: { team: 'search' },
        },
      },
      links: [
        { href: view().uiUrl, text: 'Temporal' },
        { href: LINKS.acknowledge, text: 'Acknowledge in Vigil' },
        { href: LINKS.resolve, text: 'Resolve in Vigil' },
      ],
    });
  });

  it('leaves out links and component it has nothing for', async () => {
    await notifierFor(pd.url).send({ view: view({ uiUrl: null, dimension: '' }), step: 's', target: 'pd' });
    const e = pd.requests[0]?.event as { links?: unknown; client_url?: unknown; payload: Record<string, unknown> };
    expect(e.links).toBeUndefined();
    expect(e.client_url).toBeUndefined();
    expect(e.payload.component).toBeUndefined();
    expect(e.payload.summary).toBe('[HIGH] search-api response_time_sla: p95 latency above SLA');
  });

  it('cuts the summary to PagerDuty’s 1024-character limit', async () => {
    await notifierFor(pd.url).send({ view: view({ title: 'x'.repeat(3000) }), step: 's', target: 'pd' });
    const summary = (pd.requests[0]?.event.payload as { summary: string }).summary;
    expect(pd.requests[0]?.status).toBe(202);
    expect(summary).toHaveLength(1024);
    expect(summary.endsWith('…')).toBe(true);
  });

  it.each([
    // Vigil severity → PD-CEF severity
    ['critical', 'critical'],
    ['high', 'error'],
    ['medium', 'warning'],
    ['low', 'info'],
    ['info', 'info'],
  ] as const)('maps severity %s to %s', async (severity, expected) => {
    await notifierFor(pd.url).send({ view: view({ severity }), step: 's', target: 'pd' });
    expect((pd.requests[0]?.event.payload as { severity: string }).severity).toBe(expected);
  });
});

describe('pagerduty notifier: update', () => {
  it.each([
    // incident status → event_action sent for the same dedup_key
    ['acknowledged', 'acknowledge'],
    ['snoozed', 'acknowledge'],
    ['resolved', 'resolve'],
    ['triggered', 'trigger'],
  ] as const)('%s → %s on the stored dedup_key', async (status, action) => {
    const existing = { target: 'pd', channelType: 'pagerduty', ref: { dedup_key: 'incident/0123456789abcdef' } };
    const res = await notifierFor(pd.url).update?.({ view: view({ status }), existing, reasons: ['status'] });
    expect(res).toEqual({ sent: true, detail: `PagerDuty ${action} accepted (dedup_key incident/0123456789abcdef)` });
    expect(pd.requests.map((r) => [r.status, r.event.event_action, r.event.dedup_key])).toEqual([[202, action, 'incident/0123456789abcdef']]);
    if (action !== 'trigger') expect(pd.requests[0]?.event).toEqual({ routing_key: ROUTING_KEY, event_action: action, dedup_key: 'incident/0123456789abcdef' });
  });

  // Regression: every level change sent PagerDuty another trigger, even for levels that did not target it.
  const STORED = 'pd-alert-from-first-trigger';
  const refreshes: Array<{ name: string; over: Partial<IncidentView>; reasons: RefreshReason[]; action: string | null }> = [
    // An escalation to another level: PagerDuty already has its alert; nothing to tell it.
    { name: 'level alone', over: { level: 'level 2' }, reasons: ['level'], action: null },
    // A severity rise alone: no call either.
    { name: 'severity alone', over: { severity: 'critical' }, reasons: ['severity'], action: null },
    { name: 'level and severity', over: { level: 'level 3', severity: 'critical' }, reasons: ['level', 'severity'], action: null },
    // An acknowledgement: one acknowledge on the alert the first trigger opened.
    { name: 'ack', over: { status: 'acknowledged', acknowledged: { by: 'alice', at: 1 } }, reasons: ['status'], action: 'acknowledge' },
    // Resolved, coalesced with a level change: the status decides.
    { name: 'resolve with a level change', over: { status: 'resolved', resolved: { by: 'bob', at: 2, reason: '' } }, reasons: ['level', 'status'], action: 'resolve' },
    // Reopened (or an ack timed out): triggered again.
    { name: 'reopen', over: { status: 'triggered', episode: 2 }, reasons: ['status'], action: 'trigger' },
  ];

  it.each(refreshes)('refresh for $name → $action', async ({ over, reasons, action }) => {
    const existing = { target: 'pd', channelType: 'pagerduty', ref: { dedup_key: STORED } };
    const res = await notifierFor(pd.url).update?.({ view: view(over), existing, reasons });
    expect(res?.sent).toBe(action !== null);
    expect(pd.requests.map((r) => [r.event.event_action, r.event.dedup_key])).toEqual(action === null ? [] : [[action, STORED]]);
    if (action === null) expect(res?.detail).toMatch(/^pagerduty: nothing to send for/);
  });
});

describe('pagerduty notifier: failures', () => {
  const cases: Array<{ name: string; failure: FakePagerDutyFailure; type: string; retryable: boolean; delayMs?: number; says?: RegExp }> = [
    // PagerDuty is down: Temporal retries with the workflow's backoff.
    { name: 'HTTP 500', failure: { status: 500 }, type: 'delivery_server', retryable: true },
    { name: 'HTTP 503', failure: { status: 503 }, type: 'delivery_server', retryable: true },
    // Throttled: retry, not before Retry-After.
    { name: 'HTTP 429 with Retry-After', failure: { status: 429, retryAfterSeconds: 7 }, type: 'delivery_rate_limited', retryable: true, delayMs: 7000 },
    // Throttled without a hint: PagerDuty's suggested 30 s.
    { name: 'HTTP 429 without Retry-After', failure: { status: 429 }, type: 'delivery_rate_limited', retryable: true, delayMs: 30_000 },
    // An invalid event will stay invalid: fail fast with PagerDuty's own explanation.
    { name: 'HTTP 400', failure: { status: 400, errors: ["'payload.source' is missing or blank"] }, type: 'delivery_client', retryable: false, says: /Event object is invalid; 'payload.source' is missing/ },
    // A proxy refusing us: an auth problem, not retried.
    { name: 'HTTP 403', failure: { status: 403 }, type: 'delivery_auth', retryable: false },
    // An error body echoing the routing key must not leak it into the timeline.
    { name: 'error text echoing the routing key', failure: { status: 400, errors: [`unknown routing key ${ROUTING_KEY}`] }, type: 'delivery_client', retryable: false },
  ];

  it.each(cases)('$name → $type (retryable: $retryable), routing key redacted', async ({ failure, type, retryable, delayMs, says }) => {
    pd.failNext(1, failure);
    const err = await failureOf(notifierFor(pd.url).send({ view: view(), step: 's', target: 'pd' }));
    expect(err.type).toBe(type);
    expect(err.nonRetryable).toBe(!retryable);
    if (delayMs !== undefined) expect(err.nextRetryDelay).toBe(delayMs);
    if (says) expect(err.message).toMatch(says);
    for (const text of [err.message, JSON.stringify(err), String(err.stack)]) expect(text).not.toContain(ROUTING_KEY);
    // One attempt only: the retry stage is Temporal's.
    expect(pd.requests).toHaveLength(1);
  });

  it('a malformed routing key → PagerDuty’s 400, non-retryable, key not echoed', async () => {
    const badKey = 'short-key-1234';
    const err = await failureOf(notifierFor(pd.url, { routingKey: badKey }).send({ view: view(), step: 's', target: 'pd' }));
    expect([err.type, err.nonRetryable]).toEqual(['delivery_client', true]);
    expect(err.message).toMatch(/Length of 'routing_key' is incorrect/);
    expect(err.message).not.toContain(badKey);
  });

  it('connection refused → retryable network failure', async () => {
    const url = pd.url;
    await pd.close();
    const err = await failureOf(notifierFor(url).send({ view: view(), step: 's', target: 'pd' }));
    expect([err.type, err.nonRetryable]).toEqual(['delivery_network', false]);
    pd = await startFakePagerDuty();
  });

  it('no answer within the channel timeout → retryable network failure', async () => {
    const hung: Server = createServer(() => undefined);
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(hung.address() as AddressInfo).port}`;
      const err = await failureOf(notifierFor(url, { timeout: 200 }).send({ view: view(), step: 's', target: 'pd' }));
      expect([err.type, err.nonRetryable]).toEqual(['delivery_network', false]);
      expect(err.message).toMatch(/within 200 ms/);
    } finally {
      hung.closeAllConnections();
      await new Promise<void>((resolve) => hung.close(() => resolve()));
    }
  });
});
