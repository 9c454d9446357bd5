import net from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import pino from 'pino';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { createConsoleNotifier } from '../../activities/notify/console';
import { createEmailNotifier } from '../../activities/notify/email';
import { createPagerDutyNotifier } from '../../activities/notify/pagerduty';
import { createSlackNotifier } from '../../activities/notify/slack';
import { createTeamsNotifier } from '../../activities/notify/teams';
import { createWebhookNotifier, verifyVigilWebhook } from '../../activities/notify/webhook';
import { emailChannelSchema, pagerDutyChannelSchema, teamsChannelSchema, webhookChannelSchema } from '../../domain/channels/schemas';
import { summaryLines, type ComplianceReport, type RenderedReport } from '../../domain/compliance/report';
import { startFakeSlack, type FakeSlackFailure } from '../support/fake-slack';
import { startFakeTeams, type FakeTeamsFailure } from '../support/fake-teams';
import { failureOf } from '../support/failures';
import { startWebhookReceiver, type WebhookReceiverFailure } from '../support/webhook-receiver';

const TOKEN = 'xoxb-1111-2222-reportsecret';
const SECRET = 'whsec-report-0123456789abcdef';
const URL_ = 'https://vigil.example.com/v1/compliance/reports/compliance-audit-2024-01-15.html';

/** A weekly report with one finding, so the status is "attention" and every section has content. */
const stored: ComplianceReport = {
  id: 'compliance-audit-2024-01-15',
  trigger: 'schedule',
  period: { start: '2024-01-08T00:00:00.000Z', end: '2024-01-15T00:00:00.000Z' },
  generatedAt: '2024-01-15T00:00:04.120Z',
  regulations: ['gdpr', 'sox'],
  status: 'attention',
  chain: { ok: true, checked: 1284, checkpoints: 12, head: { seq: 1284, hash: '9f2c4e1ab07d3355c8e0d2a4f61b9e7c0a5d3f28e6b14c97' } },
  totals: { events: 1284, compliant: 1281, byRule: [{ rule: 'gdpr.lawful_basis', count: 3, severity: 'high', clause: 'GDPR Art. 6' }] },
  findings: {
    overdueErasures: [],
    retentionExpiries: [],
    segregationBreaches: [{ ticketId: 'CHG-4411', person: 'u-17', eventIds: ['ev-1', 'ev-2'] }],
    unusualAccess: [],
  },
};
const markdown = '# Compliance report 2024-01-08 – 2024-01-15\n\n**Status: ATTENTION**\n\n| Rule | Count |\n|---|---|\n| gdpr.lawful_basis | 3 |\n';
const html = '<!doctype html><html><body><h1>Compliance report 2024-01-08 – 2024-01-15</h1><p><b>Status: ATTENTION</b></p></body></html>';
const rendered = (over: Partial<RenderedReport> = {}): RenderedReport => ({
  kind: 'compliance',
  id: stored.id,
  title: 'Compliance report 2024-01-08 – 2024-01-15 (GDPR, SOX)',
  period: stored.period,
  status: stored.status,
  summary: summaryLines(stored),
  markdown,
  html,
  data: stored,
  url: URL_,
  ...over,
});

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of cleanups.splice(0)) await close();
});
async function started<T extends { close(): Promise<void> }>(server: Promise<T>): Promise<T> {
  const s = await server;
  cleanups.push(() => s.close());
  return s;
}

/** A real SMTP server on loopback keeping every accepted message, parsed. */
async function startSmtp(options: SMTPServerOptions = {}): Promise<{ port: number; received: ParsedMail[]; envelopes: string[][]; close(): Promise<void> }> {
  const received: ParsedMail[] = [];
  const envelopes: string[][] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream).then(
        (mail) => {
          received.push(mail);
          envelopes.push(session.envelope.rcptTo.map((r) => r.address));
          callback();
        },
        (err: Error) => callback(err),
      );
    },
    ...options,
  });
  const port = await new Promise<number>((resolve) => {
    const s = server.listen(0, '127.0.0.1', () => resolve((s.address() as net.AddressInfo).port));
  });
  return { port, received, envelopes, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const emailChannel = (to: string[]) => emailChannelSchema.parse({ type: 'email', to, timeout: 5000 });
const smtpAt = (port: number) => ({ host: '127.0.0.1', port, secure: false, from: 'vigil@example.com' });

describe('compliance report delivery', () => {
  it('console: one structured log line with the report id, status and summary', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
    const res = await createConsoleNotifier(logger).sendReport?.(rendered());
    expect(res?.detail).toBe('written to the console log');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 40, channel: 'console', report: stored.id, status: 'attention', summary: summaryLines(stored), url: URL_ });
  });

  it('email: one mail with HTML and text bodies and both renderings attached, under a Message-ID from the report id', async () => {
    const smtp = await started(startSmtp());
    const notifier = createEmailNotifier(emailChannel(['dpo@example.com', 'audit@example.com']), { smtp: smtpAt(smtp.port) });
    const res = await notifier.sendReport?.(rendered());
    await notifier.sendReport?.(rendered()); // a retry of the same delivery

    expect(smtp.envelopes[0]).toEqual(['dpo@example.com', 'audit@example.com']);
    const [mail, retry] = smtp.received as [ParsedMail, ParsedMail];
    expect(mail.subject).toBe('[Vigil] Compliance report 2024-01-08–2024-01-15: ATTENTION');
    expect(mail.messageId).toBe('<vigil.report.compliance-audit-2024-01-15@vigil>');
    expect(retry.messageId).toBe(mail.messageId);
    expect(res?.ref).toEqual({ messageId: mail.messageId });
    expect(mail.html).toBe(html);
    expect(mail.text?.trimEnd()).toBe(markdown.trimEnd());
    expect(mail.attachments.map((a) => [a.filename, a.contentType, a.content.toString('utf8')])).toEqual([
      ['compliance-report-compliance-audit-2024-01-15.md', 'text/markdown', markdown],
      ['compliance-report-compliance-audit-2024-01-15.html', 'text/html', html],
    ]);
  });

  it('email: a relay refusing the recipient is classified like an incident mail', async () => {
    const smtp = await started(startSmtp({ onRcptTo: (_a, _s, cb) => cb(Object.assign(new Error('mailbox unavailable'), { responseCode: 550 })) }));
    const err = await failureOf(createEmailNotifier(emailChannel(['dpo@example.com']), { smtp: smtpAt(smtp.port) }).sendReport!(rendered()));
    expect([err.type, err.nonRetryable]).toEqual(['delivery_client', true]);
    const empty = await failureOf(createEmailNotifier(emailChannel([]), { smtp: smtpAt(smtp.port) }).sendReport!(rendered()));
    expect([empty.type, empty.nonRetryable]).toEqual(['delivery_config', true]);
  });

  it('slack: posts a header, the status with the summary, and a context line with the id and the link', async () => {
    const slack = await started(startFakeSlack({ token: TOKEN }));
    const res = await createSlackNotifier({ token: TOKEN, channel: 'C0COMPLIANCE', apiUrl: slack.url }).sendReport?.(rendered());
    expect(res?.ref).toEqual({ channel: 'C0COMPLIANCE', ts: expect.any(String) });
    const [call] = slack.callsTo('chat.postMessage');
    expect(call?.args).toMatchObject({ channel: 'C0COMPLIANCE', text: 'Compliance report 2024-01-08 – 2024-01-15 (GDPR, SOX): ATTENTION' });
    const [header, section, context] = call?.args.blocks as Array<{ type: string; text?: { text: string }; elements?: Array<{ text: string }> }>;
    expect(header).toMatchObject({ type: 'header', text: { type: 'plain_text', text: 'Compliance report 2024-01-08 – 2024-01-15 (GDPR, SOX)' } });
    expect(section?.text?.text).toBe([':warning: *ATTENTION*', ...summaryLines(stored).map((l) => `• ${l}`)].join('\n'));
    expect(context?.elements?.[0]?.text).toBe(`Report \`${stored.id}\` · <${URL_}|Open full report>`);
  });

  it('slack: keeps the section within 3000 characters and leaves the link out when there is no URL', async () => {
    const slack = await started(startFakeSlack({ token: TOKEN }));
    const long = Array.from({ length: 80 }, (_, i) => `Unusual access volume for actor-${i}: ${'x'.repeat(40)}`);
    await createSlackNotifier({ token: TOKEN, channel: 'C0COMPLIANCE', apiUrl: slack.url }).sendReport?.(rendered({ summary: long, url: undefined }));
    const blocks = slack.calls[0]?.args.blocks as Array<{ text?: { text: string }; elements?: Array<{ text: string }> }>;
    expect(blocks[1]?.text?.text).toHaveLength(3000);
    expect(blocks[1]?.text?.text.endsWith('…')).toBe(true);
    expect(blocks[2]?.elements?.[0]?.text).toBe(`Report \`${stored.id}\``);
  });

  const slackCases: Array<{ name: string; failure: FakeSlackFailure; type: string; retryable: boolean }> = [
    // A report channel the bot cannot see will not appear by retrying.
    { name: 'channel_not_found', failure: { error: 'channel_not_found' }, type: 'delivery_client', retryable: false },
    // Slack down: Temporal retries.
    { name: 'HTTP 500', failure: { status: 500 }, type: 'delivery_server', retryable: true },
    // Rate limited: retried after Retry-After.
    { name: 'HTTP 429', failure: { status: 429, retryAfterSeconds: 3 }, type: 'delivery_rate_limited', retryable: true },
  ];
  it.each(slackCases)('slack: $name → $type (retryable: $retryable)', async ({ failure, type, retryable }) => {
    const slack = await started(startFakeSlack({ token: TOKEN }));
    slack.failNext(1, failure);
    const err = await failureOf(createSlackNotifier({ token: TOKEN, channel: 'C0COMPLIANCE', apiUrl: slack.url }).sendReport!(rendered()));
    expect([err.type, err.nonRetryable]).toEqual([type, !retryable]);
    expect(err.message).not.toContain(TOKEN);
  });

  it('teams: posts an Adaptive Card with the title, status, summary facts and an Open full report link', async () => {
    const teams = await started(startFakeTeams());
    const notifier = createTeamsNotifier(teamsChannelSchema.parse({ type: 'teams', timeout: 5000 }), { webhookUrl: teams.url });
    await notifier.sendReport?.(rendered());
    await notifier.sendReport?.(rendered({ status: 'fail', url: undefined }));
    const [card, noLink] = teams.cards() as Array<{ body: Array<Record<string, unknown>>; actions?: unknown[] }>;
    expect(card?.body[0]).toMatchObject({ type: 'TextBlock', text: 'Compliance report 2024-01-08 – 2024-01-15 (GDPR, SOX)' });
    expect(card?.body[1]).toMatchObject({ text: 'Status: ATTENTION', color: 'Warning' });
    expect(card?.body[2]).toEqual({
      type: 'FactSet',
      facts: [
        { title: 'Audit chain verified', value: '1284 entries, head #1284 9f2c4e1ab07d3355…' },
        { title: 'Events checked', value: '1284 (3 with violations)' },
        { title: 'Erasure requests past deadline', value: '0' },
        { title: 'Retention expired without deletion', value: '0' },
        { title: 'Segregation-of-duty breaches', value: '1' },
        { title: 'Unusual access volume', value: '0' },
      ],
    });
    expect(card?.actions).toEqual([{ type: 'Action.OpenUrl', title: 'Open full report', url: URL_ }]);
    expect(noLink?.body[1]).toMatchObject({ text: 'Status: FAIL', color: 'Attention' });
    expect(noLink?.actions).toBeUndefined();
  });

  const teamsCases: Array<{ name: string; failure: FakeTeamsFailure; type: string; retryable: boolean }> = [
    // Teams down: retried.
    { name: 'HTTP 500', failure: { status: 500 }, type: 'delivery_server', retryable: true },
    // A legacy connector throttling behind a 200: still a rate limit.
    { name: '200 with HTTP error 429 in the body', failure: { throttledInBody: true }, type: 'delivery_rate_limited', retryable: true },
    // The payload was refused: retrying sends the same payload.
    { name: 'HTTP 400', failure: { status: 400 }, type: 'delivery_client', retryable: false },
  ];
  it.each(teamsCases)('teams: $name → $type (retryable: $retryable)', async ({ failure, type, retryable }) => {
    const teams = await started(startFakeTeams());
    teams.failNext(1, failure);
    const notifier = createTeamsNotifier(teamsChannelSchema.parse({ type: 'teams', timeout: 5000 }), { webhookUrl: teams.url });
    const err = await failureOf(notifier.sendReport!(rendered()));
    expect([err.type, err.nonRetryable]).toEqual([type, !retryable]);
    expect(err.message).not.toContain(new URL(teams.url).pathname);
  });

  const webhookFor = (url: string, secret = SECRET) =>
    createWebhookNotifier(webhookChannelSchema.parse({ type: 'webhook', url, timeout: 5000 }), { url, secret });

  it('webhook: posts a signed compliance.report with the stored report, the Markdown and the link', async () => {
    const hook = await started(startWebhookReceiver({ secret: SECRET }));
    const res = await webhookFor(hook.url).sendReport?.(rendered());
    const [got] = hook.received;
    expect([got?.status, got?.verified]).toEqual([204, true]);
    expect(verifyVigilWebhook(SECRET, got!.headers['x-vigil-timestamp']!, got!.rawBody, got!.headers['x-vigil-signature']!, Date.now())).toBe(true);
    expect(verifyVigilWebhook('another-secret', got!.headers['x-vigil-timestamp']!, got!.rawBody, got!.headers['x-vigil-signature']!, Date.now())).toBe(false);
    expect(got?.headers['idempotency-key']).toBe(`${stored.id}:compliance.report`);
    expect(res?.ref).toEqual({ idempotencyKey: `${stored.id}:compliance.report` });
    expect(got?.json).toEqual({ version: 1, event: 'compliance.report', report: stored, markdown, url: URL_ });
  });

  const webhookCases: Array<{ name: string; failure?: WebhookReceiverFailure; secret?: string; type: string; retryable: boolean }> = [
    // The receiver is down: retried.
    { name: 'HTTP 500', failure: { status: 500 }, type: 'delivery_server', retryable: true },
    // The receiver refuses the body: the same body will be refused again.
    { name: 'HTTP 400', failure: { status: 400 }, type: 'delivery_client', retryable: false },
    // Signed with the wrong secret: the receiver answers 401, an auth failure.
    { name: 'wrong signing secret', secret: 'not-the-secret', type: 'delivery_auth', retryable: false },
  ];
  it.each(webhookCases)('webhook: $name → $type (retryable: $retryable)', async ({ failure, secret, type, retryable }) => {
    const hook = await started(startWebhookReceiver({ secret: SECRET }));
    if (failure) hook.failNext(1, failure);
    const err = await failureOf(webhookFor(hook.url, secret).sendReport!(rendered()));
    expect([err.type, err.nonRetryable]).toEqual([type, !retryable]);
    expect(err.message).not.toContain(secret ?? SECRET);
  });

  it('pagerduty cannot carry a report: it has no sendReport', () => {
    const cfg = pagerDutyChannelSchema.parse({ type: 'pagerduty', apiUrl: 'http://127.0.0.1:1', timeout: 5000 });
    expect(createPagerDutyNotifier(cfg, { routingKey: 'R0UTINGKEY' }).sendReport).toBeUndefined();
  });
});
