import net from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { classifySmtpError, createEmailNotifier, smtpSecrets, type SmtpSettings } from '../../activities/notify/email';
import { emailChannelSchema } from '../../domain/channels/schemas';
import type { RefreshReason } from '../../domain/incident-state';
import type { IncidentView } from '../../domain/incident-view';
import { failureOf } from '../support/failures';

const PASSWORD = 'hunter2-smtp-password';
const LINKS = { acknowledge: 'https://vigil.example.com/actions/ack.token', resolve: 'https://vigil.example.com/actions/res.token' };

const view = (over: Partial<IncidentView> = {}): IncidentView => ({
  workflowId: 'incident/abc123',
  incidentId: 'run-1',
  fingerprint: 'abc123',
  service: 'checkout-rag',
  kind: 'response_time_sla',
  dimension: 'p95',
  severity: 'high',
  title: 'p95 latency above SLA',
  details: { current: 2350, threshold: 2000, unit: 'ms', impact: '1 in 20 answers is slow' },
  labels: {},
  status: 'triggered',
  openedAt: Date.UTC(2024, 0, 15, 10, 0, 0),
  episode: 1,
  occurrences: 3,
  acknowledged: null,
  resolved: null,
  snoozedUntil: null,
  level: 'level 1',
  uiUrl: 'http://localhost:8233/namespaces/default/workflows/incident%2Fabc123',
  messages: [], revision: 1,
  ...over,
});

interface Received {
  envelopeTo: string[];
  mail: ParsedMail;
}

interface LoopbackSmtp {
  port: number;
  received: Received[];
  close(): Promise<void>;
}

const servers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

/** A real SMTP server on loopback that keeps every message it accepts, parsed. */
async function startSmtp(options: SMTPServerOptions = {}): Promise<LoopbackSmtp> {
  const received: Received[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        simpleParser(Buffer.concat(chunks)).then(
          (mail) => {
            received.push({ envelopeTo: session.envelope.rcptTo.map((r) => r.address), mail });
            callback();
          },
          (err: Error) => callback(err),
        );
      });
    },
    ...options,
  });
  const port = await new Promise<number>((resolve) => {
    const s = server.listen(0, '127.0.0.1', () => resolve((s.address() as net.AddressInfo).port));
  });
  const handle = { port, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  servers.push(handle);
  return handle;
}

const channel = (over: Record<string, unknown> = {}) => emailChannelSchema.parse({ type: 'email', to: ['oncall@example.com'], timeout: 5000, ...over });
const smtpFor = (port: number, over: Partial<SmtpSettings> = {}): SmtpSettings => ({ host: '127.0.0.1', port, secure: false, from: 'vigil@example.com', ...over });

describe('email notifier', () => {
  it('sends a multipart mail with the incident facts, the Temporal link and the action links', async () => {
    const smtp = await startSmtp();
    const notifier = createEmailNotifier(channel(), { smtp: smtpFor(smtp.port) });
    const res = await notifier.send({ view: view(), step: '1.e1.p0.l1', target: 'mail-oncall', links: LINKS });

    expect(res.ref).toMatchObject({ messageId: '<vigil.run-1.mail-oncall@vigil>' });
    const [{ envelopeTo, mail }] = smtp.received as [Received];
    expect(envelopeTo).toEqual(['oncall@example.com']);
    expect(mail.subject).toBe('[Vigil][HIGH] checkout-rag response_time_sla: p95 latency above SLA (triggered)');
    expect(mail.from?.text).toBe('vigil@example.com');
    expect(mail.messageId).toBe('<vigil.run-1.mail-oncall@vigil>');
    expect(mail.inReplyTo).toBeUndefined();
    for (const fact of ['checkout-rag (p95)', 'high', 'triggered', '2350 ms (threshold 2000 ms)', '1 in 20 answers is slow', 'level 1', '3', 'incident/abc123']) {
      expect(mail.text).toContain(fact);
      expect(mail.html).toContain(fact);
    }
    expect(mail.text).toContain('View in Temporal: http://localhost:8233/namespaces/default/workflows/incident%2Fabc123');
    expect(mail.text).toContain(`Acknowledge: ${LINKS.acknowledge}`);
    expect(mail.text).toContain(`Resolve: ${LINKS.resolve}`);
    expect(mail.html).toMatch(new RegExp(`<a href="${LINKS.acknowledge}"[^>]*>Acknowledge</a>`));
    expect(mail.html).toMatch(new RegExp(`<a href="${LINKS.resolve}"[^>]*>Resolve</a>`));
  });

  it('leaves links out when none are given, and offers only Resolve once acknowledged', async () => {
    const smtp = await startSmtp();
    const notifier = createEmailNotifier(channel(), { smtp: smtpFor(smtp.port) });
    await notifier.send({ view: view(), step: 's1', target: 't' });
    await notifier.send({ view: view({ incidentId: 'run-2', status: 'acknowledged', acknowledged: { by: 'alice', at: 1 } }), step: 's1', target: 't', links: LINKS });
    const [plain, acked] = smtp.received as [Received, Received];
    expect(plain.mail.text).not.toContain('/actions/');
    expect(plain.mail.html).not.toContain('/actions/');
    expect(acked.mail.text).not.toContain(LINKS.acknowledge);
    expect(acked.mail.text).toContain(`Resolve: ${LINKS.resolve}`);
  });

  it('threads later mails under the first: stable Message-ID, In-Reply-To/References, same recipients', async () => {
    const smtp = await startSmtp();
    const notifier = createEmailNotifier(channel({ to: ['a@example.com', 'b@example.com'] }), { smtp: smtpFor(smtp.port) });
    const first = await notifier.send({ view: view(), step: '1.e1.p0.l1', target: 'mail-oncall' });
    const existing = { target: 'mail-oncall', channelType: 'email', ref: first.ref ?? {} };
    const second = await notifier.send({ view: view({ level: 'level 2', occurrences: 9 }), step: '2.e1.p0.l2', target: 'mail-oncall', existing });
    await notifier.update?.({ view: view({ status: 'acknowledged', acknowledged: { by: 'slack:U1 (alice)', at: Date.UTC(2024, 0, 15, 10, 3) }, revision: 5 }), existing, reasons: ['status'] });
    await notifier.update?.({ view: view({ status: 'resolved', resolved: { by: 'bob', at: Date.UTC(2024, 0, 15, 10, 9), reason: 'failover done' }, revision: 8 }), existing, reasons: ['status'] });

    expect(second.ref).toEqual(first.ref); // the workflow keeps the thread root
    const [root, escalation, ack, resolved] = smtp.received as [Received, Received, Received, Received];
    expect(root.mail.messageId).toBe('<vigil.run-1.mail-oncall@vigil>');
    for (const reply of [escalation, ack, resolved]) {
      expect(reply.mail.messageId).not.toBe('<vigil.run-1.mail-oncall@vigil>');
      expect(reply.mail.inReplyTo).toBe('<vigil.run-1.mail-oncall@vigil>');
      expect(reply.mail.references).toBe('<vigil.run-1.mail-oncall@vigil>');
      expect(reply.mail.subject).toBe(`Re: ${root.mail.subject}`);
      expect(reply.envelopeTo).toEqual(['a@example.com', 'b@example.com']);
    }
    expect(escalation.mail.text).toMatch(/^Escalated to level 2: still triggered, 9 occurrences/);
    expect(ack.mail.text).toMatch(/^Acknowledged by slack:U1 \(alice\)/);
    expect(resolved.mail.text).toMatch(/^Resolved by bob: failover done/);
  });

  // Regression: every escalation mailed the level-1 target "Triggered again (episode 1, 1 occurrences)",
  // always with the same Message-ID (status + episode), though nothing had retriggered.
  const ROOT = '<vigil.run-1.mail-oncall@vigil>';
  const ACKED = { status: 'acknowledged', acknowledged: { by: 'alice', at: Date.UTC(2024, 0, 15, 10, 3) } } as const;
  const refreshCases: Array<{ name: string; refreshes: Array<{ over: Partial<IncidentView>; reasons: RefreshReason[] }>; mails: Array<[messageId: string, headline: RegExp]> }> = [
    // An escalation: its own send mails the targets of the new level; the thread gets nothing more.
    { name: 'level alone', refreshes: [{ over: { level: 'level 2', revision: 5 }, reasons: ['level'] }], mails: [] },
    // A severity rise alone is not a status mail either.
    { name: 'severity alone', refreshes: [{ over: { severity: 'critical', revision: 5 }, reasons: ['severity'] }], mails: [] },
    // Coalesced level + severity, still no status change.
    { name: 'level and severity', refreshes: [{ over: { level: 'level 3', severity: 'critical', revision: 6 }, reasons: ['level', 'severity'] }], mails: [] },
    // Ack then resolve: two mails, each its own Message-ID, both in the thread.
    {
      name: 'ack then resolve',
      refreshes: [
        { over: { ...ACKED, revision: 5 }, reasons: ['status'] },
        { over: { ...ACKED, status: 'resolved', resolved: { by: 'bob', at: Date.UTC(2024, 0, 15, 10, 9), reason: 'failover done' }, revision: 8 }, reasons: ['status'] },
      ],
      mails: [['<vigil.run-1.mail-oncall.r5@vigil>', /^Acknowledged by alice/], ['<vigil.run-1.mail-oncall.r8@vigil>', /^Resolved by bob/]],
    },
    // The same refresh delivered twice (a retry): the same Message-ID, so mail clients show it once.
    {
      name: 'the same revision twice',
      refreshes: [{ over: { ...ACKED, revision: 5 }, reasons: ['status'] }, { over: { ...ACKED, revision: 5 }, reasons: ['status'] }],
      mails: [['<vigil.run-1.mail-oncall.r5@vigil>', /^Acknowledged by alice/], ['<vigil.run-1.mail-oncall.r5@vigil>', /^Acknowledged by alice/]],
    },
    // A reopen coalesced with the escalation it restarted: the status part is worth a mail.
    { name: 'reopen with a level change', refreshes: [{ over: { episode: 2, occurrences: 4, revision: 12 }, reasons: ['status', 'level'] }], mails: [['<vigil.run-1.mail-oncall.r12@vigil>', /^Triggered again \(episode 2, 4 occurrences\)/]] },
    // An acknowledgement that timed out triggers the incident again.
    { name: 'ack timeout', refreshes: [{ over: { revision: 9 }, reasons: ['status'] }], mails: [['<vigil.run-1.mail-oncall.r9@vigil>', /^Triggered again \(episode 1, 3 occurrences\)/]] },
  ];

  it.each(refreshCases)('refresh for $name → $mails.length status mail(s) in the thread', async ({ refreshes, mails }) => {
    const smtp = await startSmtp();
    const notifier = createEmailNotifier(channel(), { smtp: smtpFor(smtp.port) });
    const first = await notifier.send({ view: view(), step: '1.e1.p0.l1', target: 'mail-oncall' });
    const existing = { target: 'mail-oncall', channelType: 'email', ref: first.ref ?? {} };
    const results = [];
    for (const r of refreshes) results.push(await notifier.update?.({ view: view(r.over), existing, reasons: r.reasons }));

    const [root, ...replies] = smtp.received as [Received, ...Received[]];
    expect(root.mail.messageId).toBe(ROOT);
    expect(replies.map((r) => [r.mail.messageId, r.mail.inReplyTo, r.mail.references])).toEqual(mails.map(([id]) => [id, ROOT, ROOT]));
    replies.forEach((r, i) => expect(r.mail.text).toMatch(mails[i]![1]));
    expect(results.map((r) => r?.sent)).toEqual(refreshes.map(() => mails.length > 0));
    if (mails.length === 0) expect(results[0]?.detail).toMatch(/^email: nothing to send for .* \(only status changes are sent\)$/);
  });

  it('sends to the person when the target is a user, not to the channel list', async () => {
    const smtp = await startSmtp();
    const notifier = createEmailNotifier(channel(), { smtp: smtpFor(smtp.port) });
    const res = await notifier.send({ view: view(), step: 's', target: 'user:bob', address: 'bob@example.com' });
    expect(smtp.received.map((r) => r.envelopeTo)).toEqual([['bob@example.com']]);
    expect(res.detail).toContain('bob@example.com');
    expect(res.ref?.to).toBe('bob@example.com');
  });

  it('escapes incident text in the HTML part', async () => {
    const smtp = await startSmtp();
    const notifier = createEmailNotifier(channel(), { smtp: smtpFor(smtp.port) });
    await notifier.send({ view: view({ title: '<img src=x onerror=alert(1)> & "quotes"' }), step: 's', target: 't' });
    const { mail } = smtp.received[0]!;
    expect(mail.html).not.toContain('<img src=x');
    expect(mail.html).toContain('&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quotes&quot;');
  });

  it('a channel with no recipients and no personal address → non-retryable config failure', async () => {
    const notifier = createEmailNotifier(channel({ to: [] }), { smtp: smtpFor(1) });
    const err = await failureOf(notifier.send({ view: view(), step: 's', target: 'mail-empty' }));
    expect([err.type, err.nonRetryable]).toEqual(['delivery_config', true]);
  });

  it('refused SMTP login → non-retryable auth failure without the password', async () => {
    let tried: string | null | undefined;
    const smtp = await startSmtp({
      allowInsecureAuth: true,
      onAuth(auth, _session, callback) {
        tried = auth.password;
        callback(new Error(`Invalid username or password (got ${auth.password})`));
      },
    });
    const notifier = createEmailNotifier(channel(), { smtp: smtpFor(smtp.port, { user: 'vigil', pass: PASSWORD }) });
    const err = await failureOf(notifier.send({ view: view(), step: 's', target: 't' }));
    expect(tried).toBe(PASSWORD); // the credentials did reach the server
    expect([err.type, err.nonRetryable]).toEqual(['delivery_auth', true]);
    expect(err.message).toMatch(/refused the login \(535\)/);
    for (const text of [err.message, JSON.stringify(err), String(err.stack)]) {
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(Buffer.from(PASSWORD).toString('base64'));
    }
    expect(smtp.received).toHaveLength(0);
  });

  it.each([
    // each case: how the server refuses, and how that is classified
    // greylisting and full mailboxes are temporary: Temporal retries
    { name: '450 on RCPT TO', where: 'onRcptTo' as const, code: 450, type: 'delivery_server', retryable: true },
    // the relay says "not now" to the sender
    { name: '421 on MAIL FROM', where: 'onMailFrom' as const, code: 421, type: 'delivery_server', retryable: true },
    // an unknown mailbox will stay unknown: fail fast so the fallback fires
    { name: '550 on RCPT TO', where: 'onRcptTo' as const, code: 550, type: 'delivery_client', retryable: false },
    // the relay refuses to relay for us
    { name: '554 on MAIL FROM', where: 'onMailFrom' as const, code: 554, type: 'delivery_client', retryable: false },
  ])('$name → $type (retryable: $retryable)', async ({ where, code, type, retryable }) => {
    const refuse = (_address: unknown, _session: unknown, callback: (err?: Error | null) => void) =>
      callback(Object.assign(new Error(`refused with ${code}`), { responseCode: code }));
    const smtp = await startSmtp({ [where]: refuse });
    const notifier = createEmailNotifier(channel(), { smtp: smtpFor(smtp.port) });
    const err = await failureOf(notifier.send({ view: view(), step: 's', target: 't' }));
    expect([err.type, err.nonRetryable]).toEqual([type, !retryable]);
    expect(err.message).toContain(String(code));
  });

  it('connection refused → retryable network failure', async () => {
    const smtp = await startSmtp();
    await smtp.close();
    const notifier = createEmailNotifier(channel(), { smtp: smtpFor(smtp.port, { user: 'vigil', pass: PASSWORD }) });
    const err = await failureOf(notifier.send({ view: view(), step: 's', target: 't' }));
    expect([err.type, err.nonRetryable]).toEqual(['delivery_network', false]);
    expect(err.message).not.toContain(PASSWORD);
  });

  it('a server that never greets → retryable network failure after the channel timeout', async () => {
    const silent = net.createServer(() => {});
    const port = await new Promise<number>((resolve) => silent.listen(0, '127.0.0.1', () => resolve((silent.address() as net.AddressInfo).port)));
    servers.push({ close: () => new Promise<void>((resolve) => silent.close(() => resolve())) });
    const notifier = createEmailNotifier(channel({ timeout: 300 }), { smtp: smtpFor(port) });
    const started = Date.now();
    const err = await failureOf(notifier.send({ view: view(), step: 's', target: 't' }));
    expect([err.type, err.nonRetryable]).toEqual(['delivery_network', false]);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('redacts the password and its AUTH PLAIN/LOGIN encodings from any error text', () => {
    const plain = Buffer.from(`\u0000vigil\u0000${PASSWORD}`).toString('base64');
    const err = Object.assign(new Error(`Invalid login: 535 ${PASSWORD} ${plain} ${Buffer.from(PASSWORD).toString('base64')}`), { code: 'EAUTH', responseCode: 535 });
    const failure = classifySmtpError(err, smtpSecrets({ user: 'vigil', pass: PASSWORD }));
    expect(failure.message).not.toMatch(new RegExp(`${PASSWORD}|${plain}`));
    expect(failure.message.match(/\[redacted\]/g)).toHaveLength(3);
  });
});
