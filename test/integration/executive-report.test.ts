import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXECUTIVE_REPORT_SCHEDULE, ensureSchedules } from '../../app/schedules';
import { seedHistory } from '../../cli/commands/seed';
import type { VigilConfig } from '../../domain/config';
import type { ExecutiveReportResult } from '../../workflows/executive-report';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack';
import { connectServices, eventually, startWorker, testConfig, type Services } from '../support/integration';
import { spawnVigil } from '../support/processes';
import { createScratchDatabase, type ScratchDatabase } from '../support/scratch-database';

// The weekly executive report end to end: the real Schedule on the dev server, the product's
// worker, seeded rollups in a scratch database, and loopback Slack Web API and SMTP servers.
const TOKEN = 'xoxb-exec-report-token';
const D = 86_400_000;
const NOW = Date.now();

let services: Services;
let db: ScratchDatabase;
let config: VigilConfig;
let slack: FakeSlack;
let smtp: { port: number; received: ParsedMail[]; close(): Promise<void> };
let stop: (() => Promise<void>) | undefined;

async function startSmtp(): Promise<typeof smtp> {
  const received: ParsedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, cb) {
      simpleParser(stream).then((m) => (received.push(m), cb()), (e: Error) => cb(e));
    },
  });
  const port = await new Promise<number>((resolve) => {
    const s = server.listen(0, '127.0.0.1', () => resolve((s.address() as net.AddressInfo).port));
  });
  return { port, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

beforeAll(async () => {
  services = await connectServices();
  db = await createScratchDatabase(services.pool, services.databaseUrl, 'vigil_exrep');
  slack = await startFakeSlack({ token: TOKEN });
  smtp = await startSmtp();
  config = testConfig(
    {
      channels: { 'exec-slack': { type: 'slack', channel: 'C0EXEC' }, 'exec-mail': { type: 'email', to: ['vp@example.com', 'sre-lead@example.com'] } },
      analytics: { reports: { channels: ['exec-slack', 'exec-mail'], timeZone: 'Europe/Paris' }, maxCatchup: '1h' },
      anomalyDetection: { enabled: false },
      compliance: { reports: { enabled: false } },
    },
    services,
  );
  // Eight days of two services, so the 7-day report has content (a p95 drift, incidents, costs).
  await seedHistory(db.pool, config, { days: 8, services: 2, seed: 5, windowMs: 900_000, now: NOW });
  const env = { SLACK_BOT_TOKEN: TOKEN, SLACK_API_URL: slack.url, SMTP_HOST: '127.0.0.1', SMTP_PORT: String(smtp.port), SMTP_FROM: 'vigil@example.com' };
  stop = (await startWorker({ ...services, pool: db.pool }, config, env)).stop;
}, 300_000);

afterAll(async () => {
  await services?.client.schedule.getHandle(EXECUTIVE_REPORT_SCHEDULE).delete().catch(() => undefined);
  await stop?.();
  await slack?.close();
  await smtp?.close();
  await db?.drop();
  await services?.close();
});

const ledger = async (reportId: string) =>
  (await db.pool.query<{ target: string; status: string }>('SELECT target, status FROM notifications WHERE workflow_id = $1 ORDER BY target', [`executive-report/${reportId}`])).rows;

describe('the weekly executive report', () => {
  let firstId = '';

  it('is a Schedule for Monday 08:00 in the configured zone; a run posts a Block Kit summary to Slack and mails the HTML report', async () => {
    const handle = services.client.schedule.getHandle(EXECUTIVE_REPORT_SCHEDULE);
    await handle.delete().catch(() => undefined); // another file's stack may have made it for its own task queue
    expect(await ensureSchedules(services.client, config)).toContain(EXECUTIVE_REPORT_SCHEDULE);
    const d = await handle.describe();
    expect(d.spec.calendars).toEqual([expect.objectContaining({ dayOfWeek: [{ start: 'MONDAY', end: 'MONDAY', step: 1 }], hour: [{ start: 8, end: 8, step: 1 }] })]);
    expect(d.spec.timezone).toBe('Europe/Paris');
    expect(d.policies).toMatchObject({ overlap: 'BUFFER_ONE', catchupWindow: 7 * D });
    expect(d.action).toMatchObject({ type: 'startWorkflow', workflowType: 'executiveReportWorkflow', taskQueue: config.temporal.taskQueue });

    await handle.trigger();
    const post = await eventually('the Slack report', async () => slack.callsTo('chat.postMessage')[0], 60_000);
    const mail = await eventually('the report mail', async () => smtp.received[0], 60_000);

    expect(post.args.channel).toBe('C0EXEC');
    expect(String(post.args.text)).toMatch(/^Executive report \(7d\) \d{4}-\d{2}-\d{2} – \d{4}-\d{2}-\d{2}: (PASS|ATTENTION|FAIL)$/);
    const blocks = post.args.blocks as Array<{ type: string; text?: { text: string }; elements?: Array<{ text: string }> }>;
    expect(blocks.map((b) => b.type)).toEqual(['header', 'section', 'context']);
    expect(blocks[1]!.text!.text).toMatch(/Health score: \d+\.\d \/ 100/);
    expect(blocks[1]!.text!.text).toMatch(/SLA compliance: \d+\.\d\d %/);
    firstId = /Report `(executive-7d-[^`]+)`/.exec(blocks[2]!.elements![0]!.text)![1]!;
    expect(blocks[2]!.elements![0]!.text).toContain(`<http://127.0.0.1:${config.api.port}/exec?period=7d|Open full report>`);

    expect(mail.subject).toMatch(/^\[Vigil\] Executive report \d{4}-\d{2}-\d{2}–\d{4}-\d{2}-\d{2}: (PASS|ATTENTION|FAIL)$/);
    expect(mail.to).toMatchObject({ value: [{ address: 'vp@example.com' }, { address: 'sre-lead@example.com' }] });
    expect(mail.html).toContain('<h1>Executive report — 7d</h1>');
    // Every seeded service is in the report's services table.
    for (const s of ['checkout-rag', 'support-rag']) expect(mail.html).toContain(`<td>${s}</td>`);
    expect(mail.messageId).toBe(`<vigil.executive-report.${firstId}@vigil>`);
    expect(mail.attachments.map((a) => a.filename)).toEqual([`executive-report-${firstId}.md`, `executive-report-${firstId}.html`]);
    expect(mail.attachments[0]!.content.toString('utf8')).toMatch(/^# Executive report — 7d/);
    await eventually('both ledger rows sent', async () => {
      const rows = await ledger(firstId);
      return rows.length === 2 && rows.every((r) => r.status === 'sent') ? rows : undefined;
    });
  });

  it('the same period end again (a retry, a re-run, a manual resend) sends nothing twice; a new week is a new report', async () => {
    const [, y, mo, d, h, mi] = /executive-7d-(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)Z$/.exec(firstId)!;
    const endAt = `${y}-${mo}-${d}T${h}:${mi}:00.000Z`;
    const run = (end: string, id: string) =>
      services.client.workflow.execute('executiveReportWorkflow', { workflowId: id, taskQueue: config.temporal.taskQueue, args: [{ endAt: end }] }) as Promise<ExecutiveReportResult>;
    const again = await Promise.all([run(endAt, `exec-again-a-${NOW}`), run(endAt, `exec-again-b-${NOW}`)]);
    for (const r of again) {
      expect(r.reportId).toBe(firstId);
      expect(r.failedChannels).toEqual([]);
    }
    // Two concurrent re-runs of a sent report: the ledger already has both channels, so neither sends.
    expect(again.flatMap((r) => r.alreadySent).sort()).toEqual(['exec-mail', 'exec-mail', 'exec-slack', 'exec-slack']);
    expect(slack.callsTo('chat.postMessage')).toHaveLength(1);
    expect(smtp.received).toHaveLength(1);

    // The period ending a day earlier is another report: delivered once to each channel.
    const earlier = new Date(Date.parse(endAt) - D).toISOString();
    const other = await run(earlier, `exec-earlier-${NOW}`);
    expect(other.reportId).not.toBe(firstId);
    expect(other.delivered.sort()).toEqual(['exec-mail', 'exec-slack']);
    expect(slack.callsTo('chat.postMessage')).toHaveLength(2);
    expect(smtp.received).toHaveLength(2);
    expect(await ledger(other.reportId)).toEqual([{ target: 'exec-mail', status: 'sent' }, { target: 'exec-slack', status: 'sent' }]);
  });

  it('a channel that cannot carry a report fails alone; the others still get it', async () => {
    const r = (await services.client.workflow.execute('executiveReportWorkflow', {
      workflowId: `exec-missing-${NOW}`,
      taskQueue: config.temporal.taskQueue,
      args: [{ endAt: new Date(NOW - 2 * D).toISOString(), channels: ['no-such-channel', 'exec-slack'] }],
    })) as ExecutiveReportResult;
    expect(r.failedChannels).toEqual(['no-such-channel']);
    expect(r.delivered).toEqual(['exec-slack']);
  });
});

describe('vigil exec send', () => {
  let env: NodeJS.ProcessEnv;
  beforeAll(() => {
    // The CLI's config names the same channels and task queue as the worker's; the worker sends.
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-exrep-')), 'vigil.config.json');
    fs.writeFileSync(file, JSON.stringify({ temporal: { taskQueue: config.temporal.taskQueue }, channels: { 'exec-slack': { type: 'slack', channel: 'C0EXEC' }, 'exec-mail': { type: 'email', to: ['vp@example.com'] }, pager: { type: 'pagerduty' } }, analytics: { reports: { channels: ['exec-mail'] } }, compliance: { reports: { enabled: false } } }));
    env = { DATABASE_URL: db.url, TEMPORAL_ADDRESS: services.temporalAddress, VIGIL_CONFIG: file };
  });

  it('delivers the report now through the worker, to --channel instead of the configured ones', async () => {
    const posts = slack.callsTo('chat.postMessage').length;
    const mails = smtp.received.length;
    // 30 days: a report id of its own (executive-30d-…), whatever ran this minute.
    const run = spawnVigil(['exec', 'send', '--period', '30d', '--channel', 'exec-slack'], env);
    expect((await run.exited).code, run.output()).toBe(0);
    expect(run.output()).toMatch(/executive report executive-30d-\d{8}T\d{4}Z: (PASS|ATTENTION|FAIL) · delivered to exec-slack/);
    expect(slack.callsTo('chat.postMessage')).toHaveLength(posts + 1);
    expect(String(slack.callsTo('chat.postMessage').at(-1)!.args.text)).toMatch(/^Executive report \(30d\)/);
    expect(smtp.received).toHaveLength(mails);
  });

  // cases: a bad flag exits 2 naming it, before anything is sent
  it.each([
    [['--period', '2w'], /--period: "2w" is not valid: period must be one of 24h, 7d, 30d, 90d/],
    [['--channel', 'nope'], /--channel: "nope" is not a configured channel/],
    [['--channel', 'pager'], /--channel: "pager" is a PagerDuty channel/],
  ])('refuses %j with exit 2', async (args, message) => {
    const posts = slack.callsTo('chat.postMessage').length;
    const run = spawnVigil(['exec', 'send', ...args], env);
    expect((await run.exited).code).toBe(2);
    expect(run.output()).toMatch(message);
    expect(slack.callsTo('chat.postMessage')).toHaveLength(posts);
  });
});
