import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWebhookNotifier, signVigilWebhook, verifyVigilWebhook } from '../../activities/notify/webhook';
import { webhookChannelSchema } from '../../domain/channels/schemas';
import type { RefreshReason } from '../../domain/incident-state';
import type { IncidentView } from '../../domain/incident-view';
import { startWebhookReceiver, type WebhookReceiver, type WebhookReceiverFailure } from '../support/webhook-receiver';
import { failureOf } from '../support/failures';

const SECRET = 'whsec-test-0123456789abcdef';
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
  details: { current: 2350, threshold: 2000, unit: 'ms' },
  labels: { team: 'search' },
  status: 'triggered',
  openedAt: Date.UTC(2024, 0, 15),
  episode: 1,
  occurrences: 3,
  acknowledged: null,
  resolved: null,
  snoozedUntil: null,
  level: 'level 1',
  uiUrl: null,
  messages: [{ target: 'slack', channelType: 'slack', ref: { ts: '1' } }],
  revision: 1,
  ...over,
});

let hook: WebhookReceiver;
const notifierFor = (url: string, secret = SECRET) =>
  createWebhookNotifier(webhookChannelSchema.parse({ type: 'webhook', url, timeout: 5000 }), { url, secret });

beforeEach(async () => {
  hook = await startWebhookReceiver({ secret: SECRET });
});
afterEach(async () => {
  await hook.close();
});

describe('webhook notifier', () => {
  it('posts a signed incident.notify with an idempotency key the receiver can verify', async () => {
    const before = Math.floor(Date.now() / 1000);
    await notifierFor(hook.url).send({ view: view(), step: '1.e1.p0.l1', target: 'hook', links: LINKS });
    expect(hook.received).toHaveLength(1);
    const got = hook.received[0]!;
    expect([got.status, got.verified]).toEqual([204, true]);
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['idempotency-key']).toBe('incident/0123456789abcdef:1.e1.p0.l1:hook');
    expect(Number(got.headers['x-vigil-timestamp'])).toBeGreaterThanOrEqual(before);
    expect(got.headers['x-vigil-signature']).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(got.json).toEqual({
      version: 1,
      event: 'incident.notify',
      step: '1.e1.p0.l1',
      target: 'hook',
      incident: {
        workflowId: 'incident/0123456789abcdef',
        incidentId: 'run-1',
        fingerprint: '0123456789abcdef',
        service: 'search-api',
        kind: 'response_time_sla',
        dimension: 'p95',
        severity: 'high',
        title: 'p95 latency above SLA',
        status: 'triggered',
        details: { current: 2350, threshold: 2000, unit: 'ms' },
        labels: { team: 'search' },
        openedAt: '2024-01-15T00:00:00.000Z',
        episode: 1,
        occurrences: 3,
        level: 'level 1',
        acknowledged: null,
        resolved: null,
        snoozedUntil: null,
        uiUrl: null,
        revision: 1,
      },
      links: LINKS,
    });
  });

  it('sends incident.updated on a status change, with the same idempotency key on a retry', async () => {
    const n = notifierFor(hook.url);
    const acked = view({ status: 'acknowledged', acknowledged: { by: 'alice', at: Date.UTC(2024, 0, 15, 0, 5) }, revision: 4 });
    const existing = { target: 'hook', channelType: 'webhook', ref: {} };
    const first = await n.update?.({ view: acked, existing, reasons: ['status'] });
    await n.update?.({ view: acked, existing, reasons: ['status'] });
    const [a, b] = hook.received;
    expect(first).toEqual({ sent: true, detail: 'webhook answered HTTP 204 to incident.updated (status)' });
    expect(a?.json).toMatchObject({
      version: 1,
      event: 'incident.updated',
      step: 'update.4',
      target: 'hook',
      changes: ['status'],
      incident: { status: 'acknowledged', acknowledged: { by: 'alice', at: '2024-01-15T00:05:00.000Z' }, revision: 4 },
    });
    expect(a?.json).not.toHaveProperty('links');
    expect(a?.verified).toBe(true);
    expect(a?.headers['idempotency-key']).toBe('incident/0123456789abcdef:update.4:hook');
    expect(a?.headers['idempotency-key']).toBe(b?.headers['idempotency-key']);
  });

  // Regression: the level-2 and level-3 refreshes of a triggered incident used to share one key (it was
  // derived from status and time), so a receiver honouring Idempotency-Key dropped the later one.
  const refreshes: Array<{ name: string; deliveries: Array<{ revision: number; reasons: RefreshReason[]; level: string }>; sameKey: boolean }> = [
    // Two escalations: different bodies, so two keys.
    { name: 'level 2 then level 3 (revisions 7, 9)', deliveries: [{ revision: 7, reasons: ['level'], level: 'level 2' }, { revision: 9, reasons: ['level'], level: 'level 3' }], sameKey: false },
    // A severity rise after an escalation is another distinct delivery.
    { name: 'level then severity (revisions 7, 8)', deliveries: [{ revision: 7, reasons: ['level'], level: 'level 2' }, { revision: 8, reasons: ['severity'], level: 'level 2' }], sameKey: false },
    // The same view sent twice (a retry): one key, so the receiver drops the copy.
    { name: 'the same revision twice (a retry)', deliveries: [{ revision: 7, reasons: ['level'], level: 'level 2' }, { revision: 7, reasons: ['level'], level: 'level 2' }], sameKey: true },
    // Coalesced reasons do not change the key: the revision names the content.
    { name: 'one revision refreshed for several reasons', deliveries: [{ revision: 9, reasons: ['level', 'severity'], level: 'level 3' }, { revision: 9, reasons: ['level', 'severity'], level: 'level 3' }], sameKey: true },
  ];

  it.each(refreshes)('$name → same Idempotency-Key: $sameKey', async ({ deliveries, sameKey }) => {
    const n = notifierFor(hook.url);
    const existing = { target: 'hook', channelType: 'webhook', ref: {} };
    for (const d of deliveries) await n.update?.({ view: view({ revision: d.revision, level: d.level }), existing, reasons: d.reasons });
    const keys = hook.received.map((r) => r.headers['idempotency-key']);
    expect(keys).toEqual(deliveries.map((d) => `incident/0123456789abcdef:update.${d.revision}:hook`));
    expect(keys[0] === keys[1]).toBe(sameKey);
    expect(hook.received.map((r) => [(r.json?.incident as { revision: number }).revision, r.json?.changes])).toEqual(deliveries.map((d) => [d.revision, d.reasons]));
  });

  const cases: Array<{ name: string; failure: WebhookReceiverFailure; type: string; retryable: boolean; delayMs?: number }> = [
    // The receiver is down: retried.
    { name: 'HTTP 500', failure: { status: 500 }, type: 'delivery_server', retryable: true },
    { name: 'HTTP 503', failure: { status: 503 }, type: 'delivery_server', retryable: true },
    // Throttled: not before Retry-After.
    { name: 'HTTP 429 with Retry-After', failure: { status: 429, retryAfterSeconds: 12 }, type: 'delivery_rate_limited', retryable: true, delayMs: 12_000 },
    // The receiver rejects the payload or is gone for good: fail fast.
    { name: 'HTTP 422', failure: { status: 422 }, type: 'delivery_client', retryable: false },
    { name: 'HTTP 410', failure: { status: 410 }, type: 'delivery_client', retryable: false },
    // An error body echoing the signing secret must not leak it.
    { name: 'error text echoing the secret', failure: { status: 400, body: `secret ${SECRET} not accepted` }, type: 'delivery_client', retryable: false },
  ];

  it.each(cases)('$name → $type (retryable: $retryable), secret redacted', async ({ failure, type, retryable, delayMs }) => {
    hook.failNext(1, failure);
    const err = await failureOf(notifierFor(hook.url).send({ view: view(), step: 's', target: 'hook' }));
    expect(err.type).toBe(type);
    expect(err.nonRetryable).toBe(!retryable);
    if (delayMs !== undefined) expect(err.nextRetryDelay).toBe(delayMs);
    for (const text of [err.message, JSON.stringify(err), String(err.stack)]) expect(text).not.toContain(SECRET);
    expect(hook.received).toHaveLength(1);
  });

  it('a wrong signing secret → the receiver’s 401, a non-retryable auth failure', async () => {
    const err = await failureOf(notifierFor(hook.url, 'not-the-secret').send({ view: view(), step: 's', target: 'hook' }));
    expect([err.type, err.nonRetryable]).toEqual(['delivery_auth', true]);
    expect(hook.received[0]?.verified).toBe(false);
  });
});

describe('verifyVigilWebhook', () => {
  const now = Date.UTC(2024, 0, 15, 12, 0, 0);
  const ts = String(now / 1000);
  const body = '{"version":1,"event":"incident.notify"}';
  const sig = signVigilWebhook(SECRET, ts, body);

  it.each([
    // each case: what the receiver got, and whether it must accept it
    ['the signed request', SECRET, ts, body, sig, now, true],
    ['a different body', SECRET, ts, `${body} `, sig, now, false],
    ['a different timestamp (same signature)', SECRET, String(Number(ts) - 1), body, sig, now, false],
    ['a different secret', 'another-secret', ts, body, sig, now, false],
    ['a stale timestamp (301 s old)', SECRET, ts, body, sig, now + 301_000, false],
    ['a timestamp from the future (301 s ahead)', SECRET, ts, body, sig, now - 301_000, false],
    ['a timestamp within tolerance (299 s old)', SECRET, ts, body, sig, now + 299_000, true],
    ['several signatures, one valid (secret rotation)', SECRET, ts, body, `v1=${'0'.repeat(64)}, ${sig}`, now, true],
    ['an unsigned request', SECRET, ts, body, '', now, false],
    ['a garbage timestamp', SECRET, 'yesterday', body, signVigilWebhook(SECRET, 'yesterday', body), now, false],
    ['another scheme', SECRET, ts, body, sig.replace('v1=', 'v0='), now, false],
  ] as const)('%s → %s', (_name, secret, timestamp, b, signature, at, ok) => {
    expect(verifyVigilWebhook(secret, timestamp, b, signature, at)).toBe(ok);
  });

  it('honours a custom tolerance', () => {
    expect(verifyVigilWebhook(SECRET, ts, body, sig, now + 61_000, 60)).toBe(false);
    expect(verifyVigilWebhook(SECRET, ts, body, sig, now + 59_000, 60)).toBe(true);
  });
});
