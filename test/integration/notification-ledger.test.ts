import { ApplicationFailure } from '@temporalio/activity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNotifyActivities } from '../../activities/notify';
import type { Notifier } from '../../activities/notify/notifier';
import { LedgerBusyError, ledgerRows } from '../../db/notification-ledger';
import { projectIncident } from '../../db/incidents';
import { createPool } from '../../db/pool';
import type { IncidentView } from '../../domain/incident-view';
import { parseConfig } from '../../app/config-file';
import { connectServices, silentLogger, type Services } from '../support/integration';

const CONFIG = parseConfig({}, 'test', {});
let services: Services;
beforeAll(async () => {
  services = await connectServices();
});
afterAll(async () => services?.close());

function view(id: string): IncidentView {
  return {
    workflowId: `incident/${id}`, incidentId: `run-${id}`, fingerprint: id, service: 'ledger-rag', kind: 'quality_sla',
    dimension: '', severity: 'medium', title: 'quality low', details: {}, labels: {}, status: 'triggered', openedAt: 0,
    episode: 1, occurrences: 1, acknowledged: null, resolved: null, snoozedUntil: null, level: 'level 1', uiUrl: null, messages: [], revision: 1,
  };
}

/** The ledger's refusal, as thrown or as the retryable failure the activity layer turns it into. */
function isLedgerBusy(err: unknown): boolean {
  return err instanceof LedgerBusyError || (err instanceof ApplicationFailure && err.type === 'ledger_busy' && !err.nonRetryable);
}

/** A channel that counts sends and can be told to fail or to take a while. */
function countingNotifier(behaviour: { failTimes?: number; delayMs?: number } = {}) {
  let sends = 0;
  let failures = behaviour.failTimes ?? 0;
  const notifier: Notifier = {
    type: 'counting',
    async send() {
      if (behaviour.delayMs) await new Promise((r) => setTimeout(r, behaviour.delayMs));
      if (failures-- > 0) throw new Error('provider down');
      sends++;
      return { detail: `send #${sends}`, ref: { id: String(sends) } };
    },
  };
  return { notifier, sends: () => sends };
}

describe('notification ledger', () => {
  it('sends once when the same step is delivered again (activity retry or replay)', async () => {
    const { notifier, sends } = countingNotifier();
    const acts = createNotifyActivities({ pool: services.pool, config: CONFIG, channels: { team: notifier }, logger: silentLogger });
    const input = { view: view('a1'), step: '1.e1.p0.l1', target: 'team' };
    const first = await acts.deliverNotification(input);
    const second = await acts.deliverNotification(input);
    expect(sends()).toBe(1);
    expect(first).toMatchObject({ duplicate: false, detail: 'send #1', ref: { id: '1' } });
    expect(second).toMatchObject({ duplicate: true, detail: 'send #1', ref: { id: '1' } });
  });

  it('lets two concurrent deliveries of one step send once: the other is refused busy, and its retry is a duplicate', async () => {
    const { notifier, sends } = countingNotifier({ delayMs: 200 });
    const acts = createNotifyActivities({ pool: services.pool, config: CONFIG, channels: { team: notifier }, logger: silentLogger });
    const input = { view: view('a2'), step: '1.e1.p0.l1', target: 'team' };
    const results = await Promise.allSettled([acts.deliverNotification(input), acts.deliverNotification(input)]);
    expect(sends()).toBe(1);
    expect(results.filter((r) => r.status === 'fulfilled')).toMatchObject([{ value: { duplicate: false, detail: 'send #1' } }]);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(refused).toHaveLength(1);
    expect(isLedgerBusy(refused[0]!.reason)).toBe(true);
    // Temporal retries the refused activity; by then the first has finished.
    expect(await acts.deliverNotification(input)).toMatchObject({ duplicate: true, detail: 'send #1', ref: { id: '1' } });
    expect(sends()).toBe(1);
  });

  it('records a failed attempt and sends on the retry', async () => {
    const { notifier, sends } = countingNotifier({ failTimes: 1 });
    const acts = createNotifyActivities({ pool: services.pool, config: CONFIG, channels: { team: notifier }, logger: silentLogger });
    const input = { view: view('a3'), step: '1.e1.p0.l1', target: 'team' };
    await expect(acts.deliverNotification(input)).rejects.toThrow('provider down');
    expect((await ledgerRows(services.pool, 'incident/a3'))[0]).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: 'provider down',
      lease_until: null,
      attempt_log: [{ attempt: 1, error: 'provider down' }],
    });
    await acts.deliverNotification(input);
    expect(sends()).toBe(1);
    expect((await ledgerRows(services.pool, 'incident/a3'))[0]).toMatchObject({ status: 'sent', attempts: 2, error: null });
  });

  it('refuses an unknown target without retrying', async () => {
    const acts = createNotifyActivities({ pool: services.pool, config: CONFIG, channels: {}, logger: silentLogger });
    await expect(acts.deliverNotification({ view: view('a4'), step: '1', target: 'nope' })).rejects.toMatchObject({
      nonRetryable: true,
      message: expect.stringMatching(/no channel named "nope"/),
    });
  });
});

// Rate-limited channels queue their sends on the ChannelDispatcher workflow (tested with it);
// what stays here is that deliveries through a small pool all complete, the ledger holding no connection while sending.
describe('a small pool', () => {
  it('five concurrent deliveries through a 2-connection pool all complete', async () => {
    const small = createPool(services.databaseUrl, 'vigil-test-small', 2);
    try {
      const { notifier, sends } = countingNotifier({ delayMs: 50 });
      const acts = createNotifyActivities({ pool: small, config: CONFIG, channels: { team: notifier }, logger: silentLogger });
      await Promise.all([1, 2, 3, 4, 5].map((i) => acts.deliverNotification({ view: view(`rl${i}`), step: '1', target: 'team' })));
      expect(sends()).toBe(5);
    } finally {
      await small.end();
    }
  });
});

// A page costs three statements (claim, mark, projection); each is planned once per connection, not per page.
describe('the page path statements', () => {
  it('are named prepared statements, parsed once per connection and reused by the next page', async () => {
    const one = createPool(services.databaseUrl, 'vigil-test-prepared', 1);
    try {
      const { notifier, sends } = countingNotifier();
      const acts = createNotifyActivities({ pool: one, config: CONFIG, channels: { team: notifier }, logger: silentLogger });
      for (const id of ['pp1', 'pp2']) {
        await acts.deliverNotification({ view: view(id), step: '1', target: 'team' });
        await projectIncident(one, view(id), 1, []);
      }
      expect(sends()).toBe(2);
      const r = await one.query<{ name: string }>('SELECT name FROM pg_prepared_statements ORDER BY name');
      expect(r.rows.map((row) => row.name)).toEqual(['vigil-ledger-claim', 'vigil-ledger-sent', 'vigil-project-incident']);
      expect((await ledgerRows(one, 'incident/pp2')).map((row) => row.status)).toEqual(['sent']);
    } finally {
      await one.end();
    }
  });
});
