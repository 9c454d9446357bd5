import { ErrorCode, LogLevel, WebClient, type Logger as SlackSdkLogger } from '@slack/web-api';
import type { ApplicationFailure } from '@temporalio/activity';
import type { RenderedReport, ReportStatus } from '../../domain/reports/rendered-report';
import type { MessageRef } from '../../domain/incident-state';
import { isDigestRef } from '../../domain/delivery/digest-ref';
import { buildEscalationReply, buildIncidentMessage, escapeMrkdwn, SLACK_LIMITS, truncate } from '../../domain/slack-blocks';
import { buildDigestEscalationReply, buildDigestMessage, digestLabel } from '../../domain/slack-digest';
import { deliveryFailure, reasonForStatus, redact, type DeliveryFailureReason } from './http-errors';
import {
  describeReasons,
  type DigestContext,
  type DigestUpdateContext,
  type Notifier,
  type SendContext,
  type SendResult,
  type UpdateContext,
  type UpdateResult,
} from './notifier';

/** The slice of a pino logger Vigil's Slack code writes to. */
export interface PinoLike {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface SlackNotifierDeps {
  token: string;
  /** Channel ID new incident messages are posted to. */
  channel: string;
  /** Web API base URL ending in '/'; defaults to Slack's. Tests point it at a loopback fake. */
  apiUrl?: string;
  /** Temporal namespace for the "View in Temporal" link. */
  namespace?: string;
  /** Per-request timeout; a hung request would otherwise hold the activity until its own timeout. */
  timeoutMs?: number;
  logger?: PinoLike;
}

const AUTH_ERRORS = new Set(['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'token_expired', 'no_permission', 'missing_scope']);
const SERVER_ERRORS = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);
const RATE_LIMIT_ERRORS = new Set(['ratelimited', 'rate_limited']);

/** Routes the SDK's own log lines to our logger, redacted, instead of straight to the console. */
export function slackLoggerFrom(logger: PinoLike, secrets: string[]): SlackSdkLogger {
  const line = (msg: unknown[]) => redact(msg.map(String).join(' '), secrets);
  return {
    debug: () => {},
    info: (...msg: unknown[]) => logger.info({ component: 'slack-sdk' }, line(msg)),
    warn: (...msg: unknown[]) => logger.warn({ component: 'slack-sdk' }, line(msg)),
    error: (...msg: unknown[]) => logger.warn({ component: 'slack-sdk' }, line(msg)),
    setLevel: () => {},
    getLevel: () => LogLevel.INFO,
    setName: () => {},
  };
}

function prop(err: unknown, key: string): unknown {
  return typeof err === 'object' && err !== null && key in err ? (err as Record<string, unknown>)[key] : undefined;
}

/** Maps anything WebClient throws onto the shared delivery classification, without the token. */
export function classifySlackError(err: unknown, secrets: string[]): ApplicationFailure {
  const code = prop(err, 'code');
  const message = redact(err instanceof Error ? err.message : String(err), secrets);
  const fail = (reason: DeliveryFailureReason, text: string, retryAfterMs?: number) =>
    deliveryFailure('slack', reason, redact(text, secrets), retryAfterMs);
  const error = slackErrorCode(err);
  if (error !== undefined) {
    const retryAfter = prop(prop(prop(err, 'data'), 'response_metadata'), 'retryAfter');
    if (AUTH_ERRORS.has(error)) return fail('auth', `Slack refused the token (${error}); check the bot token`);
    if (RATE_LIMIT_ERRORS.has(error)) return fail('rate_limited', error, typeof retryAfter === 'number' ? retryAfter * 1000 : undefined);
    if (SERVER_ERRORS.has(error)) return fail('server', `Slack error ${error}`);
    return fail('client', `Slack rejected the request (${error})`);
  }
  if (code === ErrorCode.RateLimitedError) {
    const seconds = prop(err, 'retryAfter');
    const ms = typeof seconds === 'number' ? seconds * 1000 : undefined;
    return fail('rate_limited', `rate limited by Slack${ms === undefined ? '' : `, retry after ${seconds}s`}`, ms);
  }
  if (code === ErrorCode.HTTPError) {
    const status = Number(prop(err, 'statusCode'));
    return fail(reasonForStatus(status) ?? 'server', `HTTP ${status} from Slack`);
  }
  if (code === ErrorCode.RequestError) return fail('network', `request to Slack failed: ${message}`);
  // WebClient rejects a 429 without a usable Retry-After as a plain Error; it is still a rate limit.
  if (/rate limit|retry header/i.test(message)) return fail('rate_limited', message);
  return fail('network', message);
}

function slackErrorCode(err: unknown): string | undefined {
  const error = prop(prop(err, 'data'), 'error');
  return prop(err, 'code') === ErrorCode.PlatformError && typeof error === 'string' ? error : undefined;
}

const REPORT_EMOJI: Record<ReportStatus, string> = { pass: ':white_check_mark:', attention: ':warning:', fail: ':x:' };

/** A report of any kind as Block Kit: title, status with the summary lines, and where to read the rest. */
export function buildSlackReportMessage(report: RenderedReport): { text: string; blocks: object[] } {
  const status = `${REPORT_EMOJI[report.status]} *${report.status.toUpperCase()}*`;
  const summary = [status, ...report.summary.map((line) => `• ${escapeMrkdwn(line)}`)].join('\n');
  // A link, not a button: a button click is sent to the Slack app, which has no listener for it.
  // `|` and `>` end a Slack link early; percent-encoded they mean the same URL.
  const url = report.url?.replace(/[|<>]/g, (c) => encodeURIComponent(c));
  const context = [`Report \`${escapeMrkdwn(report.id)}\``, ...(url ? [`<${url}|Open full report>`] : [])].join(' · ');
  return {
    text: escapeMrkdwn(`${report.title}: ${report.status.toUpperCase()}`),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: truncate(report.title, SLACK_LIMITS.headerText), emoji: true } },
      { type: 'section', text: { type: 'mrkdwn', text: truncate(summary, SLACK_LIMITS.sectionText) } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: truncate(context, SLACK_LIMITS.contextText) }] },
    ],
  };
}

function refOf(existing: MessageRef): { channel: string; ts: string } | undefined {
  const { channel, ts } = existing.ref;
  return channel && ts ? { channel, ts } : undefined;
}

/** Slack notifier: one message per incident, edited in place, with escalations as thread replies. */
export function createSlackNotifier(deps: SlackNotifierDeps): Notifier {
  const secrets = [deps.token];
  const client = new WebClient(deps.token, {
    slackApiUrl: deps.apiUrl ?? 'https://slack.com/api/',
    // Temporal's activity retry policy is the retry stage; retrying or sleeping here would hide failures from it.
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: deps.timeoutMs ?? 10_000,
    ...(deps.logger ? { logger: slackLoggerFrom(deps.logger, secrets) } : {}),
  });
  const namespace = deps.namespace ?? 'default';

  function failed(what: string, err: unknown): ApplicationFailure {
    const failure = classifySlackError(err, secrets);
    deps.logger?.warn({ component: 'slack', call: what, type: failure.type }, failure.message);
    return failure;
  }

  async function post(message: { text: string; blocks: object[] }): Promise<SendResult> {
    const res = await client.chat.postMessage({ channel: deps.channel, ...message }).catch((err: unknown) => {
      throw failed('chat.postMessage', err);
    });
    if (!res.channel || !res.ts) throw deliveryFailure('slack', 'server', 'chat.postMessage returned no channel/ts');
    return { detail: `posted to ${res.channel} (ts ${res.ts})`, ref: { channel: res.channel, ts: res.ts } };
  }

  /** Edits the message in place; false when Slack says it no longer exists (someone deleted it). */
  async function edit(message: { text: string; blocks: object[] }, ref: { channel: string; ts: string }): Promise<boolean> {
    try {
      await client.chat.update({ channel: ref.channel, ts: ref.ts, ...message });
      return true;
    } catch (err) {
      if (slackErrorCode(err) === 'message_not_found') return false;
      throw failed('chat.update', err);
    }
  }

  async function reply(ref: { channel: string; ts: string }, text: string): Promise<void> {
    await client.chat.postMessage({ channel: ref.channel, thread_ts: ref.ts, text }).catch((err: unknown) => {
      throw failed('chat.postMessage', err);
    });
  }

  /**
   * A later step of an incident whose first page went out in a digest: the digest is re-rendered with
   * every member (never overwritten with this one incident) and the step replied in its thread, naming
   * the incident. A deleted digest: the incident gets a message of its own.
   */
  async function escalateInDigest(ctx: SendContext, existing: MessageRef, ref: { channel: string; ts: string }): Promise<SendResult> {
    if (ctx.digest && !(await edit(buildDigestMessage(ctx.digest), ref))) return post(buildIncidentMessage(ctx.view, namespace));
    await reply(ref, buildDigestEscalationReply(ctx.view, [ctx.target]));
    return { detail: `${ctx.digest ? 'updated the digest' : 'left the digest as it was'} (${ref.channel}, ts ${ref.ts}) and replied in its thread`, ref: existing.ref };
  }

  return {
    type: 'slack',
    async send(ctx: SendContext): Promise<SendResult> {
      const ref = ctx.existing ? refOf(ctx.existing) : undefined;
      if (!ref) return post(buildIncidentMessage(ctx.view, namespace));
      if (isDigestRef(ctx.existing!.ref)) return escalateInDigest(ctx, ctx.existing!, ref);
      // A deleted message is posted afresh (its ref replaces the old one) rather than paging no one.
      if (!(await edit(buildIncidentMessage(ctx.view, namespace), ref))) return post(buildIncidentMessage(ctx.view, namespace));
      await reply(ref, buildEscalationReply(ctx.view, [ctx.target]));
      return { detail: `updated ${ref.channel} (ts ${ref.ts}) and replied in thread`, ref };
    },
    // Editing in place is what the message is for, so every reason (status, level, severity) re-renders it.
    async update({ view, existing, reasons }: UpdateContext): Promise<UpdateResult> {
      const ref = refOf(existing);
      if (!ref) throw deliveryFailure('slack', 'client', `message ref for ${existing.target} has no channel/ts`);
      // A digest is re-rendered whole, by updateDigest; one member's view would wipe out the others.
      if (isDigestRef(existing.ref)) return { sent: false, detail: `${ref.ts} in ${ref.channel} is a digest: it is refreshed with all its incidents` };
      if (!(await edit(buildIncidentMessage(view, namespace), ref))) throw deliveryFailure('slack', 'client', `message ${ref.ts} in ${ref.channel} was deleted`);
      return { sent: true, detail: `edited ${ref.channel} (ts ${ref.ts}) in place: ${describeReasons(reasons)}` };
    },
    async sendReport(report: RenderedReport): Promise<SendResult> {
      return post(buildSlackReportMessage(report));
    },
    async sendDigest({ members }: DigestContext): Promise<SendResult> {
      const out = await post(buildDigestMessage(members));
      return { detail: `posted a digest of ${members.length} on ${digestLabel(members)} to ${out.ref!.channel} (ts ${out.ref!.ts})`, ref: out.ref! };
    },
    async updateDigest({ members, existing, reasons }: DigestUpdateContext): Promise<UpdateResult> {
      const ref = refOf(existing);
      if (!ref) throw deliveryFailure('slack', 'client', `digest ref for ${existing.target} has no channel/ts`);
      if (!(await edit(buildDigestMessage(members), ref))) throw deliveryFailure('slack', 'client', `digest ${ref.ts} in ${ref.channel} was deleted`);
      return { sent: true, detail: `edited the digest ${ref.channel} (ts ${ref.ts}) in place for ${members.length} incidents: ${describeReasons(reasons)}` };
    },
  };
}
