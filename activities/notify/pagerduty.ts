import { formatMeasurement, type IncidentView } from '../../domain/incident-view';
import type { Severity } from '../../domain/severity';
import type { PagerDutyChannelConfig } from '../../domain/channels/schemas';
import { deliveryFailure, reasonForStatus, redact } from './http-errors';
import { skipUnlessStatus, type ActionLinks, type Notifier, type SendContext, type SendResult, type UpdateContext, type UpdateResult } from './notifier';
import type { PinoLike } from './slack';
import { parseRetryAfter } from '../../domain/retry-after';

export interface PagerDutyNotifierDeps {
  /** Events API v2 integration key (a secret: never in messages or logs). */
  routingKey: string;
  logger?: PinoLike;
}

/** Vigil severity → PD-CEF severity (critical | error | warning | info). */
export const PAGERDUTY_SEVERITY: Record<Severity, 'critical' | 'error' | 'warning' | 'info'> = {
  critical: 'critical',
  high: 'error',
  medium: 'warning',
  low: 'info',
  info: 'info',
};

/** PagerDuty suggests retrying a 429 about 30 s later when it sends no Retry-After. */
export const PAGERDUTY_DEFAULT_RETRY_AFTER_MS = 30_000;
const SUMMARY_MAX = 1024;

type EventAction = 'trigger' | 'acknowledge' | 'resolve';

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The Events API v2 event for one incident; `dedup_key` is the workflow ID so every event lands on one alert. */
export function buildPagerDutyEvent(
  view: IncidentView,
  action: EventAction,
  routingKey: string,
  opts: { dedupKey?: string; links?: ActionLinks } = {},
) {
  const dedupKey = opts.dedupKey ?? view.workflowId;
  const links = opts.links;
  if (action !== 'trigger') return { routing_key: routingKey, event_action: action, dedup_key: dedupKey };
  const what = view.dimension ? `${view.kind}/${view.dimension}` : view.kind;
  const d = view.details;
  const custom: Record<string, unknown> = {
    incident: view.workflowId,
    measurement: formatMeasurement(d),
    current: d.current ?? null,
    threshold: d.threshold ?? null,
    unit: d.unit ?? null,
    impact: d.impact ?? null,
    occurrences: view.occurrences,
    level: view.level,
    episode: view.episode,
    labels: view.labels,
  };
  const pdLinks = [
    ...(view.uiUrl ? [{ href: view.uiUrl, text: 'Temporal' }] : []),
    ...(links ? [{ href: links.acknowledge, text: 'Acknowledge in Vigil' }, { href: links.resolve, text: 'Resolve in Vigil' }] : []),
  ];
  return {
    routing_key: routingKey,
    event_action: action,
    dedup_key: dedupKey,
    client: 'Vigil',
    ...(view.uiUrl ? { client_url: view.uiUrl } : {}),
    payload: {
      summary: truncate(`[${view.severity.toUpperCase()}] ${view.service} ${what}: ${view.title}`, SUMMARY_MAX),
      source: view.service,
      severity: PAGERDUTY_SEVERITY[view.severity],
      timestamp: new Date(view.openedAt).toISOString(),
      // PD-CEF: class is the type of problem, component the part that broke, group the service it belongs to.
      class: view.kind,
      ...(view.dimension ? { component: view.dimension } : {}),
      group: view.service,
      custom_details: custom,
    },
    ...(pdLinks.length > 0 ? { links: pdLinks } : {}),
  };
}

/** The Events API action that mirrors an incident status (a snooze is an acknowledgement in PagerDuty). */
export function actionForStatus(status: IncidentView['status']): EventAction {
  if (status === 'resolved') return 'resolve';
  if (status === 'acknowledged' || status === 'snoozed') return 'acknowledge';
  return 'trigger';
}

/** PagerDuty notifier (Events API v2): one alert per incident, keyed by the workflow ID, acked/resolved in step. */
export function createPagerDutyNotifier(cfg: PagerDutyChannelConfig, deps: PagerDutyNotifierDeps): Notifier {
  const secrets = [deps.routingKey];
  const endpoint = `${cfg.apiUrl.replace(/\/+$/, '')}/v2/enqueue`;

  function fail(reason: Parameters<typeof deliveryFailure>[1], text: string, retryAfterMs?: number) {
    const failure = deliveryFailure('pagerduty', reason, redact(text, secrets), retryAfterMs);
    deps.logger?.warn({ component: 'pagerduty', type: failure.type }, failure.message);
    return failure;
  }

  async function enqueue(view: IncidentView, action: EventAction, opts: { dedupKey?: string; links?: ActionLinks }): Promise<string> {
    const event = buildPagerDutyEvent(view, action, deps.routingKey, opts);
    let res: Response;
    try {
      res = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(event),
        signal: AbortSignal.timeout(cfg.timeout),
      });
    } catch (err) {
      const e = err as Error & { cause?: { message?: string } };
      if (e.name === 'TimeoutError') throw fail('network', `no answer from PagerDuty within ${cfg.timeout} ms`);
      throw fail('network', `request to PagerDuty failed: ${e.cause?.message ?? e.message}`);
    }
    const text = await res.text().catch(() => '');
    let body: { status?: unknown; message?: unknown; dedup_key?: unknown; errors?: unknown } = {};
    try {
      body = text ? (JSON.parse(text) as typeof body) : {};
    } catch {
      // A proxy's HTML error page: the status code alone decides.
    }
    const reason = reasonForStatus(res.status);
    if (reason === undefined) return typeof body.dedup_key === 'string' ? body.dedup_key : event.dedup_key;
    const said = [body.message, ...(Array.isArray(body.errors) ? body.errors : [])].filter((s) => typeof s === 'string').join('; ');
    const detail = `HTTP ${res.status} from PagerDuty on ${action}${said ? `: ${said}` : ''}`;
    if (reason === 'rate_limited') {
      const ms = parseRetryAfter(res.headers.get('retry-after')) ?? PAGERDUTY_DEFAULT_RETRY_AFTER_MS;
      throw fail('rate_limited', `${detail}; retry after ${Math.round(ms / 1000)}s`, ms);
    }
    throw fail(reason, detail);
  }

  return {
    type: 'pagerduty',
    async send(ctx: SendContext): Promise<SendResult> {
      // Re-triggering an open alert (an escalation) only adds a log entry in PagerDuty; it never opens a second one.
      const dedupKey = await enqueue(ctx.view, 'trigger', ctx.links ? { links: ctx.links } : {});
      return { detail: `PagerDuty trigger accepted (dedup_key ${dedupKey})`, ref: { dedup_key: dedupKey } };
    },
    async update({ view, existing, reasons }: UpdateContext): Promise<UpdateResult> {
      // Only a status change maps onto an alert action. Another trigger on a level change would add a
      // log entry on every escalation, including levels that do not target PagerDuty at all.
      const skip = skipUnlessStatus('pagerduty', reasons);
      if (skip) return skip;
      const action = actionForStatus(view.status);
      const stored = existing.ref.dedup_key;
      const dedupKey = await enqueue(view, action, stored ? { dedupKey: stored } : {});
      return { sent: true, detail: `PagerDuty ${action} accepted (dedup_key ${dedupKey})` };
    },
  };
}
