/**
 * Generic signed webhook channel.
 *
 * Wire format: `POST <url>` with a JSON body
 *   `{ version: 1, event: 'incident.notify', step, target, incident: {...}, links? }`  (a page: an escalation step fired)
 *   `{ version: 1, event: 'incident.updated', step: 'update.<revision>', target, changes: [...], incident: {...} }`
 *     where `changes` lists why: 'status' (ack, resolve, snooze, reopen, ack timeout), 'level' (the
 *     escalation level changed), 'severity' (it rose); one delivery may carry several
 * or, for a report (kind compliance, executive or experiment),
 *   `{ version: 1, event: '<kind>.report', report: {...}, markdown, url? }`
 * `incident.revision` grows with every change to the incident, so a receiver can tell a late
 * delivery from a newer one, and two bodies with the same revision describe the same incident state.
 * Headers:
 *   X-Vigil-Timestamp: <unix seconds when signed>
 *   X-Vigil-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>  (comma-separated when several)
 *   Idempotency-Key:   one per distinct delivery, the same on every retry of it:
 *                      <workflowId>:<step>:<target> (incident.notify), <workflowId>:update.<revision>:<target>
 *                      (incident.updated), or <report id>:<kind>.report
 * Receivers recompute the HMAC over the raw body bytes they received, compare in constant time, and
 * refuse timestamps more than 5 minutes from their clock (a captured request cannot be replayed
 * later); `verifyVigilWebhook` does all three. Any 2xx is success; 429 and 5xx are retried (429
 * honours Retry-After); other 4xx are not retried.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { reportKindLabel, reportWebhookEvent, type ReportKind, type RenderedReport } from '../../domain/reports/rendered-report';
import type { RefreshReason } from '../../domain/incident-state';
import type { IncidentView } from '../../domain/incident-view';
import type { WebhookChannelConfig } from '../../domain/channels/schemas';
import { deliveryFailure, reasonForStatus, redact, type DeliveryFailureReason } from './http-errors';
import { describeReasons, type ActionLinks, type Notifier, type SendContext, type SendResult, type UpdateContext, type UpdateResult } from './notifier';
import { parseRetryAfter } from '../../domain/retry-after';
import type { PinoLike } from './slack';

export interface WebhookNotifierDeps {
  url: string;
  /** HMAC signing secret shared with the receiver. */
  secret: string;
  logger?: PinoLike;
}

export type VigilWebhookEvent = 'incident.notify' | 'incident.updated' | `${ReportKind}.report`;

/** The body Vigil posts about an incident (version 1): a page, or a refresh saying what changed. */
export type VigilWebhookPayload =
  | { version: 1; event: 'incident.notify'; step: string; target: string; incident: WebhookIncident; links?: ActionLinks }
  | { version: 1; event: 'incident.updated'; step: string; target: string; changes: RefreshReason[]; incident: WebhookIncident };

/** The incident as receivers see it. */
export type WebhookIncident = ReturnType<typeof incidentFields>;

/** The body Vigil posts with a report (version 1): the structured report (its kind's JSON) and its Markdown rendering. */
export interface VigilReportWebhookPayload {
  version: 1;
  event: `${ReportKind}.report`;
  report: unknown;
  markdown: string;
  url?: string;
}

/** The incident as receivers see it: the view without Vigil's internal message references. */
export function incidentFields(v: IncidentView) {
  return {
    workflowId: v.workflowId,
    incidentId: v.incidentId,
    fingerprint: v.fingerprint,
    service: v.service,
    kind: v.kind,
    dimension: v.dimension,
    severity: v.severity,
    title: v.title,
    status: v.status,
    details: v.details,
    labels: v.labels,
    openedAt: new Date(v.openedAt).toISOString(),
    episode: v.episode,
    occurrences: v.occurrences,
    level: v.level,
    acknowledged: v.acknowledged ? { by: v.acknowledged.by, at: new Date(v.acknowledged.at).toISOString() } : null,
    resolved: v.resolved ? { by: v.resolved.by, at: new Date(v.resolved.at).toISOString(), reason: v.resolved.reason } : null,
    snoozedUntil: v.snoozedUntil === null ? null : new Date(v.snoozedUntil).toISOString(),
    uiUrl: v.uiUrl,
    revision: v.revision,
  };
}

/** `v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`. */
export function signVigilWebhook(secret: string, timestamp: string | number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex')}`;
}

/**
 * Checks a Vigil webhook: true when one of the `v1=` signatures matches and the timestamp (unix
 * seconds) is within `toleranceSeconds` of `nowMs` (epoch milliseconds, e.g. Date.now()).
 */
export function verifyVigilWebhook(
  secret: string,
  timestamp: string,
  body: string,
  signature: string,
  nowMs: number,
  toleranceSeconds = 300,
): boolean {
  if (!/^\d{1,12}$/.test(timestamp)) return false;
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > toleranceSeconds) return false;
  const expected = Buffer.from(signVigilWebhook(secret, timestamp, body));
  return signature
    .split(',')
    .map((s) => Buffer.from(s.trim()))
    .some((candidate) => candidate.length === expected.length && timingSafeEqual(candidate, expected));
}

/** Generic webhook notifier: signed JSON POSTs any HTTP service can receive. */
export function createWebhookNotifier(cfg: WebhookChannelConfig, deps: WebhookNotifierDeps): Notifier {
  const secrets = [deps.url, deps.secret];

  function fail(reason: DeliveryFailureReason, text: string, retryAfterMs?: number) {
    const failure = deliveryFailure('webhook', reason, redact(text, secrets), retryAfterMs);
    deps.logger?.warn({ component: 'webhook', type: failure.type }, failure.message);
    return failure;
  }

  async function deliver(payload: VigilWebhookPayload | VigilReportWebhookPayload, idempotencyKey: string): Promise<number> {
    const body = JSON.stringify(payload);
    const timestamp = String(Math.floor(Date.now() / 1000));
    let res: Response;
    try {
      res = await fetch(deps.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Vigil-Webhook/1',
          'x-vigil-timestamp': timestamp,
          'x-vigil-signature': signVigilWebhook(deps.secret, timestamp, body),
          'idempotency-key': idempotencyKey,
        },
        body,
        signal: AbortSignal.timeout(cfg.timeout),
      });
    } catch (err) {
      const e = err as Error & { cause?: { message?: string } };
      if (e.name === 'TimeoutError') throw fail('network', `no answer from the webhook within ${cfg.timeout} ms`);
      throw fail('network', `request to the webhook failed: ${e.cause?.message ?? e.message}`);
    }
    const text = (await res.text().catch(() => '')).slice(0, 300).trim();
    const reason = reasonForStatus(res.status);
    if (reason === undefined) return res.status;
    const detail = `HTTP ${res.status} from the webhook${text ? `: ${text}` : ''}`;
    if (reason === 'rate_limited') throw fail(reason, detail, parseRetryAfter(res.headers.get('retry-after')));
    throw fail(reason, detail);
  }

  return {
    type: 'webhook',
    async send(ctx: SendContext): Promise<SendResult> {
      const idempotencyKey = `${ctx.view.workflowId}:${ctx.step}:${ctx.target}`;
      const status = await deliver(
        {
          version: 1,
          event: 'incident.notify',
          step: ctx.step,
          target: ctx.target,
          incident: incidentFields(ctx.view),
          ...(ctx.links ? { links: ctx.links } : {}),
        },
        idempotencyKey,
      );
      return { detail: `webhook answered HTTP ${status}`, ref: { idempotencyKey } };
    },
    async update({ view, existing, reasons }: UpdateContext): Promise<UpdateResult> {
      // Receivers decide for themselves what matters, so every reason is delivered. The revision names
      // the content: a retry of this refresh keeps its key, the next change to the incident gets a new one.
      const step = `update.${view.revision}`;
      const status = await deliver(
        { version: 1, event: 'incident.updated', step, target: existing.target, changes: reasons, incident: incidentFields(view) },
        `${view.workflowId}:${step}:${existing.target}`,
      );
      return { sent: true, detail: `webhook answered HTTP ${status} to incident.updated (${describeReasons(reasons)})` };
    },
    async sendReport(report: RenderedReport): Promise<SendResult> {
      // The report id is unique per report of its kind, so every retry of this delivery carries the same key.
      const event = reportWebhookEvent(report.kind);
      const idempotencyKey = `${report.id}:${event}`;
      const payload: VigilReportWebhookPayload = { version: 1, event, report: report.data ?? null, markdown: report.markdown, ...(report.url ? { url: report.url } : {}) };
      const status = await deliver(payload, idempotencyKey);
      return { detail: `webhook answered HTTP ${status} to the ${reportKindLabel(report.kind).toLowerCase()}`, ref: { idempotencyKey } };
    },
  };
}
