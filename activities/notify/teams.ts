import { formatMeasurement, type IncidentView } from '../../domain/incident-view';
import type { TeamsChannelConfig } from '../../domain/channels/schemas';
import { reportKindLabel, type RenderedReport, type ReportStatus } from '../../domain/reports/rendered-report';
import { deliveryFailure, reasonForStatus, redact, type DeliveryFailureReason } from './http-errors';
import { skipUnlessStatus, type ActionLinks, type Notifier, type SendContext, type SendResult, type UpdateContext, type UpdateResult } from './notifier';
import { parseRetryAfter } from '../../domain/retry-after';
import type { PinoLike } from './slack';

export interface TeamsNotifierDeps {
  /** Incoming webhook or Workflows URL; its path and query are the credential, so it is a secret. */
  webhookUrl: string;
  logger?: PinoLike;
}

type CardElement = Record<string, unknown>;

const SEVERITY_COLOR: Record<IncidentView['severity'], string> = {
  critical: 'Attention',
  high: 'Attention',
  medium: 'Warning',
  low: 'Default',
  info: 'Default',
};

/** Wraps Adaptive Card content in the message envelope both incoming webhooks and Workflows accept. */
function message(body: CardElement[], actions: CardElement[]) {
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body,
          ...(actions.length > 0 ? { actions } : {}),
          msteams: { width: 'Full' },
        },
      },
    ],
  };
}

const openUrl = (title: string, url: string): CardElement => ({ type: 'Action.OpenUrl', title, url });

/** The incident card: title with severity, the facts responders triage on, and links (never buttons that act directly). */
export function buildTeamsIncidentCard(view: IncidentView, links?: ActionLinks) {
  const what = view.dimension ? `${view.kind} (${view.dimension})` : view.kind;
  const facts: Array<{ title: string; value: string }> = [
    { title: 'Service', value: view.service },
    { title: 'Severity', value: view.severity.toUpperCase() },
    { title: 'Status', value: view.status },
  ];
  const measurement = formatMeasurement(view.details);
  if (measurement) facts.push({ title: 'Current', value: measurement });
  if (view.details.impact) facts.push({ title: 'Impact', value: view.details.impact });
  if (view.level) facts.push({ title: 'Level', value: view.level });
  facts.push({ title: 'Occurrences', value: String(view.occurrences) });
  const actions: CardElement[] = [];
  if (view.uiUrl) actions.push(openUrl('View in Temporal', view.uiUrl));
  // The signed links open a confirmation page, so a link-preview bot fetching them cannot act.
  if (links) actions.push(openUrl('Acknowledge', links.acknowledge), openUrl('Resolve', links.resolve));
  return message(
    [
      { type: 'TextBlock', text: `[${view.severity.toUpperCase()}] ${view.title}`, size: 'Large', weight: 'Bolder', color: SEVERITY_COLOR[view.severity], wrap: true },
      { type: 'TextBlock', text: `${view.service} · ${what} · ${view.workflowId}`, isSubtle: true, spacing: 'None', wrap: true },
      { type: 'FactSet', facts },
    ],
    actions,
  );
}

/** One line saying what changed, for the follow-up card (incoming webhooks cannot edit a posted message). */
export function teamsUpdateText(view: IncidentView): string {
  const subject = `${view.service} ${view.kind}: ${view.title}`;
  if (view.status === 'resolved') {
    const why = view.resolved?.reason ? ` (${view.resolved.reason})` : '';
    return `Resolved by ${view.resolved?.by ?? 'unknown'}${why} — ${subject}`;
  }
  if (view.status === 'snoozed') {
    const until = view.snoozedUntil ? ` until ${new Date(view.snoozedUntil).toISOString()}` : '';
    return `Snoozed by ${view.acknowledged?.by ?? 'unknown'}${until} — ${subject}`;
  }
  if (view.status === 'acknowledged') return `Acknowledged by ${view.acknowledged?.by ?? 'unknown'} — ${subject}`;
  return `Triggered again (episode ${view.episode}) — ${subject}`;
}

/** The short follow-up card for a status change. */
export function buildTeamsUpdateCard(view: IncidentView) {
  const color = view.status === 'resolved' ? 'Good' : view.status === 'triggered' ? 'Attention' : 'Default';
  return message(
    [{ type: 'TextBlock', text: teamsUpdateText(view), weight: 'Bolder', color, wrap: true }],
    view.uiUrl ? [openUrl('View in Temporal', view.uiUrl)] : [],
  );
}

const REPORT_COLOR: Record<ReportStatus, string> = { pass: 'Good', attention: 'Warning', fail: 'Attention' };

/** A report card (any kind): title, status, the summary lines as facts, and a link to the full report. */
export function buildTeamsReportCard(report: RenderedReport) {
  // Summary lines read "Label: value"; a line without one (a tampered chain) becomes a title of its own.
  const facts = report.summary.map((line) => {
    const at = line.indexOf(': ');
    return at < 0 ? { title: line, value: '' } : { title: line.slice(0, at), value: line.slice(at + 2) };
  });
  return message(
    [
      { type: 'TextBlock', text: report.title, size: 'Large', weight: 'Bolder', wrap: true },
      { type: 'TextBlock', text: `Status: ${report.status.toUpperCase()}`, weight: 'Bolder', color: REPORT_COLOR[report.status], spacing: 'None', wrap: true },
      { type: 'FactSet', facts },
      { type: 'TextBlock', text: `Report ${report.id}`, isSubtle: true, wrap: true },
    ],
    report.url ? [openUrl('Open full report', report.url)] : [],
  );
}

/** Microsoft Teams notifier: posts Adaptive Cards to an incoming webhook or a Workflows trigger URL. */
export function createTeamsNotifier(cfg: TeamsChannelConfig, deps: TeamsNotifierDeps): Notifier {
  const secrets = secretPartsOf(deps.webhookUrl);

  function fail(reason: DeliveryFailureReason, text: string, retryAfterMs?: number) {
    const failure = deliveryFailure('teams', reason, redact(text, secrets), retryAfterMs);
    deps.logger?.warn({ component: 'teams', type: failure.type }, failure.message);
    return failure;
  }

  async function post(card: object): Promise<void> {
    let res: Response;
    try {
      res = await fetch(deps.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(card),
        signal: AbortSignal.timeout(cfg.timeout),
      });
    } catch (err) {
      const e = err as Error & { cause?: { message?: string } };
      if (e.name === 'TimeoutError') throw fail('network', `no answer from the Teams webhook within ${cfg.timeout} ms`);
      throw fail('network', `request to the Teams webhook failed: ${e.cause?.message ?? e.message}`);
    }
    const text = (await res.text().catch(() => '')).slice(0, 500);
    // Legacy connectors answer 200 even when throttled, with the real status in the body text.
    const embedded = /HTTP error (\d{3})/.exec(text);
    const status = res.ok && embedded ? Number(embedded[1]) : res.status;
    const reason = reasonForStatus(status);
    if (reason === undefined) return;
    const detail = `HTTP ${status} from the Teams webhook${text ? `: ${text.trim()}` : ''}`;
    if (reason === 'rate_limited') {
      const ms = parseRetryAfter(res.headers.get('retry-after'));
      throw fail('rate_limited', detail, ms);
    }
    throw fail(reason, detail);
  }

  return {
    type: 'teams',
    async send(ctx: SendContext): Promise<SendResult> {
      // Teams cannot edit a webhook message, so an escalation posts the card again rather than editing `existing`.
      await post(buildTeamsIncidentCard(ctx.view, ctx.links));
      return { detail: ctx.existing ? 'posted again to the Teams channel (escalation)' : 'posted to the Teams channel', ref: { postedAt: new Date().toISOString() } };
    },
    async update({ view, reasons }: UpdateContext): Promise<UpdateResult> {
      // A webhook message cannot be edited, so each refresh would be another card: only status changes
      // are worth one (an escalation that targets Teams posts its own card through send).
      const skip = skipUnlessStatus('teams', reasons);
      if (skip) return skip;
      await post(buildTeamsUpdateCard(view));
      return { sent: true, detail: `posted a follow-up card to the Teams channel (${view.status})` };
    },
    async sendReport(report: RenderedReport): Promise<SendResult> {
      await post(buildTeamsReportCard(report));
      return { detail: `posted the ${reportKindLabel(report.kind).toLowerCase()} to the Teams channel`, ref: { postedAt: new Date().toISOString() } };
    },
  };
}

/** The URL and its credential-bearing parts, each redacted wherever it shows up. */
function secretPartsOf(url: string): string[] {
  try {
    const u = new URL(url);
    return [url, `${u.host}${u.pathname}`, u.pathname + u.search, u.search.slice(1)];
  } catch {
    return [url];
  }
}
