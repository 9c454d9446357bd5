import net from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import pino from 'pino';
import { SMTPServer } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { createConsoleNotifier } from '../../activities/notify/console';
import { buildSlackReportMessage } from '../../activities/notify/slack';
import { buildTeamsReportCard } from '../../activities/notify/teams';
import { createEmailNotifier } from '../../activities/notify/email';
import { createWebhookNotifier } from '../../activities/notify/webhook';
import { emailChannelSchema, webhookChannelSchema } from '../../domain/channels/schemas';
import { reportFileBase, reportLedgerKey, reportSubject, reportWebhookEvent, type RenderedReport, type ReportKind } from '../../domain/reports/rendered-report';
import { startWebhookReceiver } from '../support/webhook-receiver';

const SECRET = 'whsec-kinds-0123456789abcdef';

/** One report of the given kind; the data is whatever that kind stores. */
const report = (kind: ReportKind): RenderedReport => ({
  kind,
  id: `${kind}-2024-W03`,
  title: `${kind} report 2024-01-08 – 2024-01-15`,
  period: { start: '2024-01-08T00:00:00.000Z', end: '2024-01-15T00:00:00.000Z' },
  status: 'attention',
  summary: ['Health score: 82 (−3 vs previous)'],
  markdown: `# ${kind}\n`,
  html: `<h1>${kind}</h1>`,
  url: `https://vigil.example.com/${kind}.html`,
  data: { kind, score: 82 },
});

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of cleanups.splice(0)) await close();
});

describe('report kinds share one shape', () => {
  // Each case: the kind, and the names every channel derives from it.
  const cases: Array<{ kind: ReportKind; subject: string; file: string; event: string; ledger: string }> = [
    // Compliance keeps the names it had before reports were generalised (stored ledger rows, saved files).
    { kind: 'compliance', subject: '[Vigil] Compliance report 2024-01-08–2024-01-15: ATTENTION', file: 'compliance-report-compliance-2024-W03', event: 'compliance.report', ledger: 'compliance-report/compliance-2024-W03' },
    { kind: 'executive', subject: '[Vigil] Executive report 2024-01-08–2024-01-15: ATTENTION', file: 'executive-report-executive-2024-W03', event: 'executive.report', ledger: 'executive-report/executive-2024-W03' },
    { kind: 'experiment', subject: '[Vigil] Experiment report 2024-01-08–2024-01-15: ATTENTION', file: 'experiment-report-experiment-2024-W03', event: 'experiment.report', ledger: 'experiment-report/experiment-2024-W03' },
  ];
  it.each(cases)('$kind: subject, file names, webhook event and ledger key', ({ kind, subject, file, event, ledger }) => {
    const r = report(kind);
    expect(reportSubject(r)).toBe(subject);
    expect(reportFileBase(r)).toBe(file);
    expect(reportWebhookEvent(kind)).toBe(event);
    expect(reportLedgerKey(r, 'ops-email')).toEqual({ workflowId: ledger, runId: r.id, step: 'report', target: 'ops-email' });
  });

  it('the same report on two channels has two ledger keys; the same channel twice has one', () => {
    const r = report('executive');
    expect(reportLedgerKey(r, 'a')).not.toEqual(reportLedgerKey(r, 'b'));
    const retitled: RenderedReport = { ...r, title: 'changed' };
    expect(reportLedgerKey(r, 'a')).toEqual(reportLedgerKey(retitled, 'a'));
  });

  it('email: an executive report is mailed under its own subject, Message-ID and attachment names', async () => {
    const received: ParsedMail[] = [];
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, _s, cb) {
        simpleParser(stream).then((m) => (received.push(m), cb()), (e: Error) => cb(e));
      },
    });
    const port = await new Promise<number>((resolve) => {
      const s = server.listen(0, '127.0.0.1', () => resolve((s.address() as net.AddressInfo).port));
    });
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const notifier = createEmailNotifier(emailChannelSchema.parse({ type: 'email', to: ['vp@example.com'], timeout: 5000 }), { smtp: { host: '127.0.0.1', port, secure: false, from: 'vigil@example.com' } });
    await notifier.sendReport!(report('executive'));
    const [mail] = received as [ParsedMail];
    expect(mail.subject).toBe('[Vigil] Executive report 2024-01-08–2024-01-15: ATTENTION');
    expect(mail.messageId).toBe('<vigil.executive-report.executive-2024-W03@vigil>');
    expect(mail.html).toBe('<h1>executive</h1>');
    expect(mail.attachments.map((a) => a.filename)).toEqual(['executive-report-executive-2024-W03.md', 'executive-report-executive-2024-W03.html']);
  });

  it('webhook: an experiment report is posted as experiment.report with its data', async () => {
    const hook = await startWebhookReceiver({ secret: SECRET });
    cleanups.push(() => hook.close());
    const url = hook.url;
    const res = await createWebhookNotifier(webhookChannelSchema.parse({ type: 'webhook', url, timeout: 5000 }), { url, secret: SECRET }).sendReport!(report('experiment'));
    const [got] = hook.received;
    expect(got?.headers['idempotency-key']).toBe('experiment-2024-W03:experiment.report');
    expect(got?.json).toEqual({ version: 1, event: 'experiment.report', report: { kind: 'experiment', score: 82 }, markdown: '# experiment\n', url: 'https://vigil.example.com/experiment.html' });
    expect(res.detail).toBe('webhook answered HTTP 204 to the experiment report');
  });

  it('console: the log line names the kind', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
    await createConsoleNotifier(logger).sendReport!(report('executive'));
    expect(lines[0]).toMatchObject({ kind: 'executive', report: 'executive-2024-W03', msg: 'EXECUTIVE REPORT ATTENTION executive report 2024-01-08 – 2024-01-15' });
  });

  it('slack and teams render any kind from the same fields: title, status, summary, link', () => {
    const r = report('executive');
    const slack = buildSlackReportMessage(r);
    expect(slack.text).toBe('executive report 2024-01-08 – 2024-01-15: ATTENTION');
    expect(JSON.stringify(slack.blocks)).toContain('Health score: 82 (−3 vs previous)');
    expect(JSON.stringify(slack.blocks)).toContain('https://vigil.example.com/executive.html');
    const card = JSON.stringify(buildTeamsReportCard(r));
    expect(card).toContain('Status: ATTENTION');
    expect(card).toContain('"title":"Health score","value":"82 (−3 vs previous)"');
  });
});
