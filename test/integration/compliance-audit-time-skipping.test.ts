import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createComplianceActivities } from '../../activities/compliance';
import { parseConfig } from '../../app/config-file';
import { listReports } from '../../db/compliance/reports';
import { appendAudit } from '../../db/audit-log';
import type { VigilConfig } from '../../domain/config';
import { buildNotifiers } from '../../workers/channels';
import type { ComplianceAuditResult } from '../../workflows/compliance-audit';
import { connectServices, eventually, silentLogger, type Services } from '../support/integration';
import { createScratchDatabase, type ScratchDatabase } from '../support/scratch-database';
import { startTimeSkippingWorker, type TimeSkippingHarness } from '../support/time-skipping';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';

// The time-skipping server has no Schedules (TEMPORAL-NOTES §2), so the daily run is driven here by a
// cron workflow on it; compliance-audit.test.ts checks the real Schedule on the dev server.
const D = 86_400_000;
const TASK_QUEUE = `compliance-ts-${randomUUID()}`;
const SECRET = 'ts-hook-secret';

let services: Services;
let db: ScratchDatabase;
let harness: TimeSkippingHarness;
let receiver: WebhookReceiver;
let config: VigilConfig;

beforeAll(async () => {
  services = await connectServices();
  db = await createScratchDatabase(services.pool, services.databaseUrl, 'vigil_cats');
  receiver = await startWebhookReceiver({ secret: SECRET });
  config = parseConfig(
    { channels: { console: { type: 'console' }, hook: { type: 'webhook', url: receiver.url } }, compliance: { reports: { channels: ['hook', 'console'] } } },
    'test',
    {},
  );
  const channels = buildNotifiers(config, { VIGIL_WEBHOOK_SECRET: SECRET }, silentLogger);
  harness = await startTimeSkippingWorker(TASK_QUEUE, createComplianceActivities({ pool: db.pool, config, channels, logger: silentLogger }));
  await appendAudit(db.pool, [{ kind: 'test.event', payload: { n: 1 } }, { kind: 'test.event', payload: { n: 2 } }]);
});

afterAll(async () => {
  await harness?.stop();
  await receiver?.close();
  await db?.drop();
  await services?.close();
});

describe('ComplianceAudit on the time-skipping server', () => {
  it('runs daily at 06:00 UTC: each day skipped to stores one more report, for that day', async () => {
    const { env } = harness;
    const handle = await env.client.workflow.start('complianceAuditWorkflow', {
      workflowId: `daily-audit-${randomUUID()}`,
      taskQueue: TASK_QUEUE,
      cronSchedule: '0 6 * * *',
      args: [{ periodMs: D, deliver: false }],
    });
    try {
      await env.sleep(D + 60_000); // past the next 06:00
      const first = await eventually('the first daily report', async () => ((await listReports(db.pool)).length >= 1 ? listReports(db.pool) : undefined));
      await env.sleep(D);
      const both = await eventually('the second daily report', async () => ((await listReports(db.pool)).length >= 2 ? listReports(db.pool) : undefined));
      const ends = both.map((r) => r.period.end).sort();
      for (const end of ends) expect(end).toMatch(/T06:00:00\.000Z$/);
      expect(Date.parse(ends[1]!) - Date.parse(ends[0]!)).toBe(D);
      expect(first[0]!.chain).toMatchObject({ ok: true, checked: 2, head: { seq: 2 } });
      expect(both.map((r) => r.id)).toEqual(expect.arrayContaining([expect.stringContaining(handle.workflowId)]));
    } finally {
      await handle.terminate('test over');
    }
  });

  it('delivers to every channel it can: a refused webhook is reported, a flaky one is retried until it takes', async () => {
    const { env } = harness;
    const run = (id: string) =>
      env.client.workflow.execute('complianceAuditWorkflow', {
        workflowId: id,
        taskQueue: TASK_QUEUE,
        args: [{ periodMs: D, periodEnd: new Date().toISOString(), trigger: 'manual' }],
      }) as Promise<ComplianceAuditResult>;

    receiver.failNext(1, { status: 400, body: 'no such hook' });
    const refused = await run(`audit-refused-${randomUUID()}`);
    expect(refused).toMatchObject({ status: 'pass', chainOk: true, delivered: ['console'], failedChannels: ['hook'] });

    const before = receiver.received.length;
    receiver.failNext(2, { status: 503 });
    const flaky = await run(`audit-flaky-${randomUUID()}`);
    expect(flaky).toMatchObject({ delivered: ['hook', 'console'], failedChannels: [] });
    const attempts = receiver.received.slice(before).filter((r) => (r.json?.report as { id?: string } | undefined)?.id === flaky.reportId);
    expect(attempts.map((r) => r.status)).toEqual([503, 503, 204]);
  });
});
