import type { ApplicationFailure } from '@temporalio/activity';
import { createTransport, type NodemailerError } from 'nodemailer';
import type { Attachment } from 'nodemailer/lib/mailer';
import type { EmailChannelConfig } from '../../domain/channels/schemas';
import { reportFileBase, reportKindLabel, reportSubject, type RenderedReport } from '../../domain/reports/rendered-report';
import { formatMeasurement, type IncidentView } from '../../domain/incident-view';
import { temporalUiLink } from '../../domain/slack-blocks';
import { deliveryFailure, redact, type DeliveryFailureReason } from './http-errors';
import { skipUnlessStatus, type ActionLinks, type Notifier, type SendContext, type SendResult, type UpdateContext, type UpdateResult } from './notifier';

/** SMTP relay settings, from the environment (see workers/channels.ts). */
export interface SmtpSettings {
  host: string;
  port: number;
  /** true: implicit TLS (usually port 465); false: plain, upgraded with STARTTLS when offered. */
  secure: boolean;
  user?: string;
  pass?: string;
  from?: string;
}

/** The slice of a pino logger the email channel writes to. */
export interface EmailLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** The relay to send through (secrets from the environment) and where to log. */
export interface EmailNotifierDeps {
  smtp: SmtpSettings;
  logger?: EmailLogger;
}

// Replies that mean the login itself was refused: 530 auth required, 534 mechanism too weak, 535 bad credentials.
const AUTH_REPLIES = new Set([530, 534, 535]);
const AUTH_CODES = new Set(['EAUTH', 'ENOAUTH', 'EOAUTH2']);
const NETWORK_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ETLS', 'EPROXY', 'ECONNREFUSED', 'ECONNRESET']);

/** The password as it may appear in text: itself and the base64 forms AUTH LOGIN / AUTH PLAIN send. */
export function smtpSecrets(smtp: Pick<SmtpSettings, 'user' | 'pass'>): string[] {
  if (!smtp.pass) return [];
  const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
  return [smtp.pass, b64(smtp.pass), b64(`\u0000${smtp.user ?? ''}\u0000${smtp.pass}`)];
}

/**
 * Maps what nodemailer throws onto the shared classification: refused logins → auth; broken
 * connections → network and 4xx replies → server (both retried); other 5xx replies → client.
 */
export function classifySmtpError(err: unknown, secrets: string[]): ApplicationFailure {
  const e = (typeof err === 'object' && err !== null ? err : {}) as NodemailerError;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const reply = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const message = err instanceof Error ? err.message : String(err);
  const fail = (reason: DeliveryFailureReason, text: string) => deliveryFailure('email', reason, redact(text, secrets));
  if ((code !== undefined && AUTH_CODES.has(code)) || (reply !== undefined && AUTH_REPLIES.has(reply))) {
    return fail('auth', `the SMTP server refused the login (${reply ?? code}); check SMTP_USER and SMTP_PASS: ${message}`);
  }
  if (reply !== undefined && reply >= 400 && reply < 500) return fail('server', `SMTP ${reply} (temporary): ${message}`);
  // 503 "bad sequence of commands" says the session was in the wrong state, not that the message was refused.
  if (reply === 503) return fail('server', `SMTP 503: ${message}`);
  if (reply !== undefined && reply >= 500) return fail('client', `SMTP ${reply}: ${message}`);
  if (code === undefined || NETWORK_CODES.has(code)) return fail('network', `cannot reach the SMTP server${code ? ` (${code})` : ''}: ${message}`);
  return fail('client', `${code}: ${message}`);
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const when = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, ' UTC');
/** Message-ID local parts allow only a few characters; step and target names may carry others (":"). */
const idPart = (s: string) => s.replace(/[^A-Za-z0-9_-]+/g, '-');
const oneLine = (s: string) => s.replace(/[\r\n\t]+/g, ' ').trim();

/** "[Vigil][HIGH] checkout-rag response_time_sla: p95 latency above SLA (triggered)". */
export function emailSubject(view: IncidentView): string {
  const s = oneLine(`[Vigil][${view.severity.toUpperCase()}] ${view.service} ${view.kind}: ${view.title} (${view.status})`);
  return s.length > 250 ? `${s.slice(0, 249)}…` : s;
}

/** The report's two renderings as files, named after the report so saved copies stay apart. */
function reportAttachments(report: RenderedReport): Attachment[] {
  const base = reportFileBase(report);
  return [
    { filename: `${base}.md`, content: report.markdown, contentType: 'text/markdown; charset=utf-8' },
    { filename: `${base}.html`, content: report.html, contentType: 'text/html; charset=utf-8' },
  ];
}

/** The facts every mail shows, in the order Slack shows them. */
function facts(view: IncidentView): Array<[string, string]> {
  const out: Array<[string, string]> = [
    ['Service', view.dimension ? `${view.service} (${view.dimension})` : view.service],
    ['Severity', view.severity],
    ['Status', view.status === 'snoozed' && view.snoozedUntil !== null ? `snoozed until ${when(view.snoozedUntil)}` : view.status],
  ];
  const measurement = formatMeasurement(view.details);
  if (measurement !== null) out.push(['Current vs threshold', measurement]);
  if (view.details.impact) out.push(['Impact', view.details.impact]);
  out.push(['Escalation level', view.level ?? 'not escalated yet'], ['Occurrences', String(view.occurrences)]);
  if (view.acknowledged) out.push(['Acknowledged by', `${view.acknowledged.by} at ${when(view.acknowledged.at)}`]);
  if (view.resolved) out.push(['Resolved by', `${view.resolved.by} at ${when(view.resolved.at)}${view.resolved.reason ? `: ${view.resolved.reason}` : ''}`]);
  out.push(['Opened', when(view.openedAt)], ['Incident', view.workflowId]);
  return out;
}

/** Which links still make sense: Acknowledge while triggered, Resolve until resolved (like the Slack buttons). */
function usableLinks(view: IncidentView, links: ActionLinks | undefined): Array<[string, string, string]> {
  if (!links || view.status === 'resolved') return [];
  const out: Array<[string, string, string]> = [];
  if (view.status === 'triggered') out.push(['Acknowledge', links.acknowledge, '#1a7f37']);
  out.push(['Resolve', links.resolve, '#cf222e']);
  return out;
}

/** Renders one mail: a headline (what happened), the facts, the links, and the Temporal link. */
function renderBody(view: IncidentView, headline: string, links?: ActionLinks): { text: string; html: string } {
  const rows = facts(view);
  const actions = usableLinks(view, links);
  const ui = view.uiUrl ? temporalUiLink(view.uiUrl, view.workflowId) : null;
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  const text = [
    headline,
    '',
    ...rows.map(([k, v]) => `${`${k}:`.padEnd(width)}${oneLine(v)}`),
    ...(actions.length ? ['', ...actions.map(([label, href]) => `${label}: ${href}`), 'Each link asks you to confirm, works once, and expires.'] : []),
    ...(ui ? ['', `View in Temporal: ${ui}`] : []),
    '',
    '-- Vigil',
  ].join('\n');
  const cell = 'padding:4px 12px 4px 0;vertical-align:top';
  const html = `<!doctype html><html><body style="font-family:system-ui,-apple-system,Segoe UI,sans-serif;font-size:14px;color:#1f2328">
<p style="font-size:16px;font-weight:bold">${escapeHtml(headline)}</p>
<table role="presentation" style="border-collapse:collapse">${rows
    .map(([k, v]) => `<tr><td style="${cell};color:#656d76">${escapeHtml(k)}</td><td style="${cell}">${escapeHtml(v)}</td></tr>`)
    .join('')}</table>
${
  actions.length
    ? `<p style="margin:20px 0">${actions
        .map(
          ([label, href, colour]) =>
            `<a href="${escapeHtml(href)}" style="display:inline-block;margin-right:8px;padding:10px 18px;background:${colour};color:#ffffff;text-decoration:none;border-radius:6px;font-weight:bold">${label}</a>`,
        )
        .join('')}</p><p style="color:#656d76;font-size:12px">Each link asks you to confirm, works once, and expires.</p>`
    : ''
}
${ui ? `<p><a href="${escapeHtml(ui)}">View in Temporal</a></p>` : ''}
</body></html>`;
  return { text, html };
}

function statusHeadline(view: IncidentView): string {
  switch (view.status) {
    case 'acknowledged':
      return view.acknowledged ? `Acknowledged by ${view.acknowledged.by}` : 'Acknowledged';
    case 'resolved':
      return view.resolved ? `Resolved by ${view.resolved.by}${view.resolved.reason ? `: ${oneLine(view.resolved.reason)}` : ''}` : 'Resolved';
    case 'snoozed':
      return view.snoozedUntil !== null ? `Snoozed until ${when(view.snoozedUntil)}` : 'Snoozed';
    case 'triggered':
      return `Triggered again (episode ${view.episode}, ${view.occurrences} occurrences)`;
  }
}

/**
 * Email notifier: the first mail of an incident carries a stable Message-ID; escalations and status
 * changes are new mails in its thread (mail cannot be edited), sent to the same recipients.
 */
export function createEmailNotifier(cfg: EmailChannelConfig, deps: EmailNotifierDeps): Notifier {
  const { smtp } = deps;
  const secrets = smtpSecrets(smtp);
  const from = cfg.from ?? smtp.from ?? 'vigil@localhost';
  const transport = createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    ...(smtp.user ? { auth: { user: smtp.user, pass: smtp.pass ?? '' } } : {}),
    // One send may take cfg.timeout in each phase; Temporal's retry policy is the retry stage.
    connectionTimeout: cfg.timeout,
    greetingTimeout: cfg.timeout,
    socketTimeout: cfg.timeout,
  });

  async function mail(
    to: string[],
    subject: string,
    body: { text: string; html: string },
    ids: { messageId: string; root?: string },
    attachments?: Attachment[],
  ) {
    try {
      return await transport.sendMail({
        from,
        to,
        subject,
        text: body.text,
        html: body.html,
        messageId: ids.messageId,
        ...(ids.root ? { inReplyTo: ids.root, references: ids.root } : {}),
        ...(attachments ? { attachments } : {}),
      });
    } catch (err) {
      const failure = classifySmtpError(err, secrets);
      deps.logger?.warn({ component: 'email', host: smtp.host, type: failure.type }, failure.message);
      throw failure;
    }
  }

  return {
    type: 'email',
    async send(ctx: SendContext): Promise<SendResult> {
      const { view } = ctx;
      const thread = ctx.existing?.ref.messageId ? ctx.existing.ref : undefined;
      const to = ctx.address ? [ctx.address] : thread?.to ? thread.to.split(',') : cfg.to;
      if (to.length === 0) {
        throw deliveryFailure('email', 'config', `channel "${ctx.target}" has no "to" addresses and the target is not a person with an email address`);
      }
      // One thread per incident and target: two email targets with overlapping recipients must not share a Message-ID.
      const root = thread?.messageId ?? `<vigil.${idPart(view.incidentId)}.${idPart(ctx.target)}@vigil>`;
      const subject = thread ? `Re: ${thread.subject ?? emailSubject(view)}` : emailSubject(view);
      const headline = thread
        ? `Escalated${view.level ? ` to ${view.level}` : ''}: still ${view.status}, ${view.occurrences} occurrence${view.occurrences === 1 ? '' : 's'}`
        : `${view.severity.toUpperCase()}: ${view.service} ${view.kind}: ${view.title}`;
      const messageId = thread ? `<vigil.${idPart(view.incidentId)}.${idPart(ctx.step)}.${idPart(ctx.target)}@vigil>` : root;
      const info = await mail(to, subject, renderBody(view, oneLine(headline), ctx.links), { messageId, ...(thread ? { root } : {}) });
      const rejected = info.rejected ?? [];
      deps.logger?.info({ component: 'email', incident: view.workflowId, messageId: info.messageId, rejected }, 'incident mail sent');
      return {
        detail: `mailed ${to.join(', ')}${rejected.length ? ` (rejected: ${rejected.join(', ')})` : ''}${thread ? ' in the incident thread' : ''}`,
        // The thread root, its subject and recipients: later mails reply to it and reach the same people.
        ref: { messageId: root, subject: thread?.subject ?? subject, to: to.join(',') },
      };
    },
    async update({ view, existing, reasons }: UpdateContext): Promise<UpdateResult> {
      // A mail cannot be edited: a level or severity change alone would repeat the thread, and the
      // escalation itself already mails the people it targets.
      const skip = skipUnlessStatus('email', reasons);
      if (skip) return skip;
      const root = existing.ref.messageId;
      const to = existing.ref.to ? existing.ref.to.split(',') : cfg.to;
      if (!root || to.length === 0) throw deliveryFailure('email', 'client', `message ref for ${existing.target} has no Message-ID or recipients`);
      const subject = `Re: ${existing.ref.subject ?? emailSubject(view)}`;
      // One id per state revision: each status mail is its own message, and a retry of the same one
      // keeps its id so mail clients drop the copy.
      const messageId = `<vigil.${idPart(view.incidentId)}.${idPart(existing.target)}.r${view.revision}@vigil>`;
      const headline = statusHeadline(view);
      await mail(to, subject, renderBody(view, headline), { messageId, root });
      return { sent: true, detail: `mailed ${to.join(', ')} in the incident thread: ${headline}` };
    },
    async sendReport(report: RenderedReport): Promise<SendResult> {
      if (cfg.to.length === 0) throw deliveryFailure('email', 'config', `the email channel has no "to" addresses to send the ${reportKindLabel(report.kind).toLowerCase()} to`);
      // Derived from the report alone, so a retried send carries the same Message-ID and clients drop the copy.
      // Compliance keeps its original form so a resend after an upgrade is still recognised as the same mail.
      const messageId = report.kind === 'compliance' ? `<vigil.report.${idPart(report.id)}@vigil>` : `<vigil.${report.kind}-report.${idPart(report.id)}@vigil>`;
      const info = await mail(cfg.to, reportSubject(report), { text: report.markdown, html: report.html }, { messageId }, reportAttachments(report));
      const rejected = info.rejected ?? [];
      deps.logger?.info({ component: 'email', report: report.id, kind: report.kind, messageId: info.messageId, rejected }, 'report mailed');
      return { detail: `mailed the report to ${cfg.to.join(', ')}${rejected.length ? ` (rejected: ${rejected.join(', ')})` : ''}`, ref: { messageId } };
    },
  };
}
