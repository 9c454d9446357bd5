import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIncidentService, type IncidentService } from '../../app/incident-service';
import { getIncidentState } from '../../app/incident-client';
import { ledgerRows } from '../../db/notification-ledger';
import type { IncidentState } from '../../domain/incident-state';
import { violationSchema } from '../../domain/violation';
import { LOCAL_STEP_BUDGET_MS } from '../../workflows/incident';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';
import { connectServices, eventually, startWorker, testConfig, type Services } from '../support/integration';

/**
 * Steps paged inside the workflow task (config incidents.pageStep: local, the default) on the real
 * dev server: a send slower than the step's budget must neither hold the next level back nor be
 * sent twice, whichever way it ends.
 */
const SECRET = 'local-page-step-secret';
const LEVEL2_DELAY_MS = 2000;

let services: Services;
let hooks: WebhookReceiver;
let incidents: IncidentService;
let stopWorker: () => Promise<void>;

beforeAll(async () => {
  services = await connectServices();
  hooks = await startWebhookReceiver({ secret: SECRET });
  const config = testConfig(
    {
      channels: { hooks: { type: 'webhook', url: hooks.url }, console: { type: 'console' } },
      escalationPolicies: { default: { levels: [{ delay: 0, targets: ['hooks'] }, { delay: LEVEL2_DELAY_MS, targets: ['console'] }] } },
    },
    services,
  );
  expect(config.incidents.pageStep).toBe('local');
  stopWorker = (await startWorker(services, config, { VIGIL_WEBHOOK_SECRET: SECRET })).stop;
  incidents = createIncidentService({ client: services.client, pool: services.pool, config });
});

afterAll(async () => {
  await stopWorker?.();
  await hooks?.close();
  await services?.close();
});

const notified = (s: IncidentState, target: string) => s.timeline.filter((e) => e.type === 'notified' && e.text.includes(target));
const requestsFor = (workflowId: string) => hooks.received.filter((h) => JSON.stringify(h.json).includes(workflowId));

async function raiseAndSettle(service: string) {
  const r = await incidents.raise(violationSchema.parse({ service, kind: 'availability_sla', severity: 'critical', title: 'availability 97% < 99.5%' }));
  const state = await eventually('both levels recorded as sent', async () => {
    const s = await getIncidentState(services.client, r.workflowId);
    return notified(s, 'hooks').length === 1 && notified(s, 'console').length === 1 ? s : undefined;
  }, 30_000);
  return { workflowId: r.workflowId, state };
}

describe('a step paged in the workflow task', () => {
  it('a level-1 send slower than the budget does not hold level 2 back, and is recorded once when it lands', async () => {
    // Level 1's webhook answers after 4 s: past the 1 s budget and past level 2's due time.
    hooks.failNext(1, { status: 204, delayMs: 4000 });
    const { workflowId, state } = await raiseAndSettle('local-step-slow');
    const level2 = notified(state, 'console')[0]!;
    const level1 = notified(state, 'hooks')[0]!;
    const answered = requestsFor(workflowId)[0]!.at;
    // Level 2 went out on time (due + the budget at most + a task's latency), before level 1's send returned.
    expect(level2.at - state.openedAt).toBeLessThan(LEVEL2_DELAY_MS + LOCAL_STEP_BUDGET_MS + 1000);
    expect(level2.at).toBeLessThan(answered);
    // Level 1: one request, one ledger row sent on its first attempt, recorded after it landed.
    expect(requestsFor(workflowId).map((h) => h.status)).toEqual([204]);
    expect(level1.at).toBeGreaterThanOrEqual(answered - 50);
    const rows = await ledgerRows(services.pool, workflowId);
    expect(rows.map((r) => [r.target, r.status, r.attempts])).toEqual([['hooks', 'sent', 1], ['console', 'sent', 1]]);
    expect(state.timeline.filter((e) => e.type === 'notify_failed')).toEqual([]);
  });

  it('a slow send that then fails is tried again by the activity that awaited it: two requests, one delivery', async () => {
    hooks.failNext(1, { status: 503, delayMs: 2500 });
    const { workflowId } = await raiseAndSettle('local-step-slow-fail');
    expect(requestsFor(workflowId).map((h) => h.status)).toEqual([503, 204]);
    const rows = await ledgerRows(services.pool, workflowId);
    const hookRow = rows.find((r) => r.target === 'hooks')!;
    expect([hookRow.status, hookRow.attempts]).toEqual(['sent', 2]);
    expect(hookRow.attempt_log.map((a) => a.error)).toEqual([expect.stringContaining('503')]);
  });
});
