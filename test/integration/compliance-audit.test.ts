import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiServer } from '../../api/server';
import { createIncidentService } from '../../app/incident-service';
import { COMPLIANCE_AUDIT_SCHEDULE, ensureSchedules } from '../../app/schedules';
import { listReports, getReport } from '../../db/compliance/reports';
import { recordProcessingEvents } from '../../db/compliance/processing-events';
import { auditRecordOf } from '../../domain/compliance/audit-record';
import { checkEvent } from '../../domain/compliance/check';
import { complianceContextFrom, parseProcessingEvent, type ProcessingEvent } from '../../domain/compliance/event';
import type { ComplianceReport } from '../../domain/compliance/report';
import type { VigilConfig } from '../../domain/config';
import { connectServices, eventually, silentLogger, startWorker, testConfig, type Services } from '../support/integration';
import { connectAuditAttacker } from '../support/audit-attacker';
import { spawnVigil } from '../support/processes';
import { createScratchDatabase, type ScratchDatabase } from '../support/scratch-database';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';

const D = 86_400_000;
const H = 3_600_000;
const NOW = Date.now();
const ago = (ms: number) => new Date(NOW - ms).toISOString();
const SECRET = 'compliance-hook-secret';
const BURST_HOUR = Math.floor((NOW - 3 * H) / H) * H;

let services: Services;
let db: ScratchDatabase;
let config: VigilConfig;
let receiver: WebhookReceiver;
let stopWorker: () => Promise<void>;
let api: FastifyInstance;
let seeded: number;

function ev(fields: Record<string, unknown>): ProcessingEvent {
  return parseProcessingEvent({
    system: 'search-rag',
    actor: { id: 'svc-search', roles: ['service'] },
    categories: [],
    encryption: { inTransit: true, atRest: true },
    outcome: 'success',
    ...fields,
  });
}

/** One of each finding the audit looks for, plus the near misses it must not report. */
function history(): ProcessingEvent[] {
  const erasure = (id: string, subjectId: string, msAgo: number) => ev({ id, time: ago(msAgo), action: 'erasure_request', subjectId, categories: ['pii'], lawfulBasis: 'legal_obligation' });
  const deletion = (id: string, subjectId: string | undefined, msAgo: number) => ev({ id, time: ago(msAgo), action: 'deletion', ...(subjectId ? { subjectId } : {}), categories: ['pii'], lawfulBasis: 'legal_obligation' });
  const stored = (id: string, subjectId: string, msAgo: number) =>
    ev({ id, time: ago(msAgo), action: 'generation', subjectId, categories: ['pii'], lawfulBasis: 'contract', purpose: 'support', region: 'eu-west-1', retentionDays: 3 });
  const access = (id: string, actor: string, msAgo: number) => ev({ id, time: ago(msAgo), action: 'retrieval', actor: { id: actor, roles: ['analyst'] } });
  return [
    erasure('er-late', 'subj-late', 40 * D), // due 10 days ago, never deleted
    erasure('er-done', 'subj-done', 35 * D),
    deletion('del-done', 'subj-done', 20 * D), // honoured in time
    erasure('er-open', 'subj-open', 5 * D), // not due yet
    stored('ret-expired', 'subj-ret', 3 * D + 12 * H), // retention ran out 12 h ago, nothing deleted it
    stored('ret-covered', 'subj-ret-ok', 3 * D + 12 * H),
    deletion('ret-covered-del', 'subj-ret-ok', 2 * D),
    ev({ id: 'chg-1', time: ago(5 * H), action: 'change', actor: { id: 'bob', roles: ['engineer'] }, categories: ['financial'], changeTicket: { id: 'CHG-1', requester: 'bob', status: 'approved' }, approver: 'alice' }),
    ev({ id: 'chg-1-ok', time: ago(4 * H), action: 'change', actor: { id: 'dave', roles: ['engineer'] }, categories: ['financial'], changeTicket: { id: 'CHG-1', requester: 'erin', status: 'approved' }, approver: 'bob' }),
    ev({ id: 'chg-2', time: ago(4 * H), action: 'change', actor: { id: 'dave', roles: ['engineer'] }, categories: ['financial'], changeTicket: { id: 'CHG-2', requester: 'erin', status: 'approved' }, approver: 'carol' }),
    // The burst sits inside one whole hour window (access volume is counted per hour).
    ...Array.from({ length: 40 }, (_, i) => access(`burst-${i}`, 'u-mallory', NOW - (BURST_HOUR + i * 30_000))),
    ...Array.from({ length: 3 }, (_, i) => access(`normal-${i}`, 'u-normal', (i + 1) * H + 60_000)),
  ];
}

beforeAll(async () => {
  services = await connectServices();
  // A database of its own: the report counts every event in the trail, and other files truncate it.
  db = await createScratchDatabase(services.pool, services.databaseUrl, 'vigil_ca');
  receiver = await startWebhookReceiver({ secret: SECRET });
  config = testConfig(
    {
      channels: { console: { type: 'console' }, hook: { type: 'webhook', url: receiver.url } },
      compliance: { reports: { channels: ['hook', 'console'] } },
      anomalyDetection: { enabled: false },
    },
    services,
  );
  stopWorker = (await startWorker({ ...services, pool: db.pool }, config, { VIGIL_WEBHOOK_SECRET: SECRET })).stop;
  const ctx = complianceContextFrom(config.compliance);
  const events = history();
  await recordProcessingEvents(db.pool, 'search-rag', events.map((e) => ({ eventId: e.id, entry: auditRecordOf(e, checkEvent(e, ctx)) })));
  seeded = events.length;
  const incidents = createIncidentService({ client: services.client, pool: db.pool, config });
  api = createApiServer({ incidents, client: services.client, pool: db.pool, logger: silentLogger });
  await api.ready();
});

afterAll(async () => {
  await services?.client.schedule.getHandle(COMPLIANCE_AUDIT_SCHEDULE).delete().catch(() => undefined);
  await api?.close();
  await stopWorker?.();
  await receiver?.close();
  await db?.drop();
  await services?.close();
});

const reportsBy = async (trigger: ComplianceReport['trigger']) => (await listReports(db.pool, 50)).filter((r) => r.trigger === trigger);

describe('the vigil-compliance-audit Schedule', () => {
  it('is created daily at 06:00 UTC with a week of catch-up, and a run stores and delivers the report', async () => {
    const handle = services.client.schedule.getHandle(COMPLIANCE_AUDIT_SCHEDULE);
    await handle.delete().catch(() => undefined); // another file's stack may have made it for its own task queue
    expect(await ensureSchedules(services.client, config)).toContain(COMPLIANCE_AUDIT_SCHEDULE);
    const d = await handle.describe();
    expect(d.spec.intervals).toEqual([{ every: D, offset: 6 * H }]);
    expect(d.policies).toMatchObject({ overlap: 'BUFFER_ALL', catchupWindow: 7 * D });
    expect(d.action).toMatchObject({ type: 'startWorkflow', workflowType: 'complianceAuditWorkflow', taskQueue: config.temporal.taskQueue });

    // A triggered run's scheduled time is whole seconds: let the clock pass the second the events were recorded in.
    await new Promise((r) => setTimeout(r, 1100));
    await handle.trigger();
    const [report] = await eventually('the scheduled report in compliance_reports', async () => {
      const r = await reportsBy('schedule');
      return r.length > 0 ? r : undefined;
    });
    expect(Date.parse(report!.period.end) - Date.parse(report!.period.start)).toBe(D);
    expect(report!.chain).toMatchObject({ ok: true, checked: seeded, head: { seq: seeded } });
    expect(report!.status, JSON.stringify({ period: report!.period, totals: report!.totals, findings: report!.findings, now: new Date(NOW).toISOString() })).toBe('fail'); // an erasure deadline was missed
    expect(report!.findings.overdueErasures.map((e) => e.requestEventId)).toEqual(['er-late']);
    expect(report!.findings.retentionExpiries.map((e) => e.eventId)).toEqual(['ret-expired']);
    expect(report!.findings.segregationBreaches).toEqual([{ ticketId: 'CHG-1', person: 'bob', eventIds: ['chg-1', 'chg-1-ok'] }]);
    expect(report!.findings.unusualAccess.map((u) => [u.actorId, u.count])).toEqual([['u-mallory', 40]]);

    const stored = (await getReport(db.pool, report!.id))!;
    expect(stored.markdown).toContain('| er-late |');
    expect(`${stored.markdown}${stored.html}`).not.toMatch(/subj-late|subj-ret/);

    const delivered = await eventually('the report webhook', async () => receiver.received.find((r) => r.json?.event === 'compliance.report'));
    expect(delivered.verified).toBe(true);
    expect((delivered.json!.report as ComplianceReport).id).toBe(report!.id);
    // The webhook has the report as soon as it answers; the ledger marks the send a moment later.
    const rows = () => db.pool.query("SELECT target, status FROM notifications WHERE workflow_id = $1 ORDER BY target", [`compliance-report/${report!.id}`]).then((r) => r.rows);
    const want = [{ target: 'console', status: 'sent' }, { target: 'hook', status: 'sent' }];
    await eventually('both report sends marked sent in the ledger', async () => JSON.stringify(await rows()) === JSON.stringify(want));
    expect(await rows()).toEqual(want);

    const html = await api.inject({ method: 'GET', url: `/v1/compliance/reports/${encodeURIComponent(report!.id)}.html` });
    expect(html.statusCode).toBe(200);
    expect(html.headers['content-type']).toMatch(/text\/html/);
    expect(html.body).toContain('Erasure requests past their deadline');
    expect((await api.inject({ method: 'GET', url: '/v1/compliance/reports/nope.md' })).statusCode).toBe(404);
  });

  it('catches up: each missed daily slot gets its own report for its own day', async () => {
    const handle = services.client.schedule.getHandle(COMPLIANCE_AUDIT_SCHEDULE);
    const before = (await reportsBy('schedule')).length;
    await handle.backfill({ start: new Date(NOW - 3 * D), end: new Date(NOW - D), overlap: 'BUFFER_ALL' });
    const reports = await eventually('two back-filled reports', async () => {
      const r = await reportsBy('schedule');
      return r.length >= before + 2 ? r : undefined;
    });
    const slots = reports.map((r) => r.period.end).filter((end) => Date.parse(end) < NOW - D + 1);
    expect(slots).toHaveLength(2);
    for (const end of slots) expect(end).toMatch(/T06:00:00\.000Z$/);
    expect(new Set(slots).size).toBe(2);
  });
});

describe('vigil compliance report', () => {
  let configFile: string;
  const env = () => ({ DATABASE_URL: db.url, TEMPORAL_ADDRESS: services.temporalAddress, VIGIL_CONFIG: configFile, VIGIL_WEBHOOK_SECRET: SECRET });
  beforeAll(() => {
    configFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-ca-')), 'vigil.config.json');
    fs.writeFileSync(configFile, JSON.stringify({ temporal: { taskQueue: config.temporal.taskQueue }, anomalyDetection: { enabled: false }, compliance: { reports: { enabled: false } } }));
  });

  it('makes a report on demand over --period, prints it, and lists it', async () => {
    const run = spawnVigil(['compliance', 'report', '--period', '7d', '--format', 'json', '--no-deliver'], env());
    expect((await run.exited).code, run.output()).toBe(0);
    const json = run.output().slice(run.output().indexOf('{'), run.output().lastIndexOf('}') + 1);
    const report = JSON.parse(json) as ComplianceReport;
    expect(report.trigger).toBe('manual');
    expect(Date.parse(report.period.end) - Date.parse(report.period.start)).toBe(7 * D);
    expect(report.totals.events).toBe(seeded);
    expect(report.findings.segregationBreaches).toHaveLength(1);
    expect(run.output()).toMatch(new RegExp(`report ${report.id}: FAIL`));

    const list = spawnVigil(['compliance', 'reports'], env());
    expect((await list.exited).code).toBe(0);
    expect(list.output()).toContain(report.id);
  });

  it('exits 1 and says so when the chain was tampered with', async () => {
    const attacker = await connectAuditAttacker(db.url);
    try {
      await attacker.tamper(`UPDATE audit_log SET payload = jsonb_set(payload, '{actor}', '"nobody"') WHERE seq = 3`);
    } finally {
      await attacker.end();
    }
    const run = spawnVigil(['compliance', 'report', '--period', '1d', '--no-deliver'], env());
    expect((await run.exited).code).toBe(1);
    expect(run.output()).toMatch(/FAILED verification at entry 3: changed/);
    expect(run.output()).toMatch(/the audit trail failed verification/);
  });

  it.each([
    [['--period', '7x'], /--period: "7x" is not a duration/],
    [['--format', 'pdf'], /--format: "pdf" is not one of markdown, html, json/],
    [['--end', 'tomorrow'], /--end: "tomorrow" is not an ISO 8601 time/],
  ])('refuses %j with exit 2', async (args, message) => {
    const run = spawnVigil(['compliance', 'report', ...args], env());
    expect((await run.exited).code).toBe(2);
    expect(run.output()).toMatch(message);
  });

  it('says to start a worker when none polls the task queue', async () => {
    const lonely = path.join(path.dirname(configFile), 'lonely.json');
    fs.writeFileSync(lonely, JSON.stringify({ temporal: { taskQueue: 'nobody-polls-this' }, compliance: { reports: { enabled: false } } }));
    const run = spawnVigil(['compliance', 'report'], { ...env(), VIGIL_CONFIG: lonely });
    expect((await run.exited).code).toBe(1);
    expect(run.output()).toMatch(/no Vigil worker polls task queue "nobody-polls-this"/);
  });
});
