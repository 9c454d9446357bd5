import type { IncidentStatus } from './incident-state';
import { formatMeasurement, summaryLine, type IncidentView } from './incident-view';
import type { Severity } from './names';

/** Slack's documented Block Kit limits; a payload over any of them is rejected whole (`invalid_blocks`). */
export const SLACK_LIMITS = { headerText: 150, sectionText: 3000, fieldText: 2000, contextText: 2000 } as const;

/** The action ids our buttons carry; the Bolt listeners match on these. */
export const ACKNOWLEDGE_ACTION_ID = 'vigil_acknowledge';
export const RESOLVE_ACTION_ID = 'vigil_resolve';

/** How each severity shows in Slack (the digest uses the same). */
export const SEVERITY_EMOJI: Record<Severity, string> = {
  critical: ':red_circle:',
  high: ':large_orange_circle:',
  medium: ':large_yellow_circle:',
  low: ':large_blue_circle:',
  info: ':information_source:',
};

/** How each status shows in Slack. */
export const STATUS_EMOJI: Record<IncidentStatus, string> = {
  triggered: ':rotating_light:',
  acknowledged: ':eyes:',
  snoozed: ':zzz:',
  resolved: ':white_check_mark:',
};

/** Cuts text to `max` UTF-16 units with an ellipsis, never splitting a surrogate pair. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max - 1);
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/** Escapes the three characters Slack mrkdwn treats as control characters (links, mentions). */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Slack renders `<!date^…>` in each reader's own time zone; the fallback is for clients that cannot. */
export function slackDate(ms: number): string {
  return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} {time}|${new Date(ms).toISOString()}>`;
}

/**
 * Deep link to the incident's workflow in the Temporal Web UI. Accepts the UI's base URL, a namespaced
 * base, or the finished link (what `toView` now puts in `view.uiUrl`), so either convention renders right.
 */
export function temporalUiLink(uiUrl: string, workflowId: string, namespace = 'default'): string {
  const base = uiUrl.replace(/\/+$/, '');
  const workflowPath = `/workflows/${encodeURIComponent(workflowId)}`;
  if (base.endsWith(workflowPath)) return base;
  if (/\/namespaces\/[^/]+$/.test(base)) return base + workflowPath;
  return `${base}/namespaces/${encodeURIComponent(namespace)}${workflowPath}`;
}

function field(label: string, value: string): object {
  const prefix = `*${label}*\n`;
  return { type: 'mrkdwn', text: prefix + truncate(value, SLACK_LIMITS.fieldText - prefix.length) };
}

function statusText(view: IncidentView): string {
  const base = `${STATUS_EMOJI[view.status]} ${view.status}`;
  return view.status === 'snoozed' && view.snoozedUntil !== null ? `${base} until ${slackDate(view.snoozedUntil)}` : base;
}

function fields(view: IncidentView): object[] {
  const out = [
    field('Service', escapeMrkdwn(view.dimension ? `${view.service} (${view.dimension})` : view.service)),
    field('Severity', `${SEVERITY_EMOJI[view.severity]} ${view.severity}`),
    field('Status', statusText(view)),
  ];
  const measurement = formatMeasurement(view.details);
  if (measurement !== null) out.push(field('Current vs threshold', escapeMrkdwn(measurement)));
  if (view.details.impact) out.push(field('Impact', escapeMrkdwn(view.details.impact)));
  out.push(field('Escalation level', escapeMrkdwn(view.level ?? 'not escalated yet')));
  out.push(field('Occurrences', String(view.occurrences)));
  if (view.acknowledged) out.push(field('Acknowledged by', escapeMrkdwn(view.acknowledged.by)));
  if (view.resolved) out.push(field('Resolved by', escapeMrkdwn(view.resolved.by)));
  return out;
}

function buttons(view: IncidentView): object[] {
  if (view.status === 'resolved') return [];
  const resolve = {
    type: 'button',
    action_id: RESOLVE_ACTION_ID,
    text: { type: 'plain_text', text: 'Resolve' },
    style: 'danger',
    value: view.workflowId,
    // Resolving stops all paging, so a stray click deserves a second look.
    confirm: {
      title: { type: 'plain_text', text: 'Resolve incident?' },
      text: { type: 'plain_text', text: truncate(`This stops escalation for "${view.title}".`, 300) },
      confirm: { type: 'plain_text', text: 'Resolve' },
      deny: { type: 'plain_text', text: 'Cancel' },
    },
  };
  if (view.status !== 'triggered') return [resolve];
  const acknowledge = {
    type: 'button',
    action_id: ACKNOWLEDGE_ACTION_ID,
    text: { type: 'plain_text', text: 'Acknowledge' },
    style: 'primary',
    value: view.workflowId,
  };
  return [acknowledge, resolve];
}

/** Renders the one Block Kit message an incident has in Slack; later states re-render it in place. */
export function buildIncidentMessage(view: IncidentView, namespace = 'default'): { text: string; blocks: object[] } {
  const blocks: object[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: truncate(`${SEVERITY_EMOJI[view.severity]} ${view.title}`, SLACK_LIMITS.headerText), emoji: true },
    },
    { type: 'section', fields: fields(view) },
  ];
  if (view.status === 'resolved' && view.resolved) {
    const line = `${STATUS_EMOJI.resolved} *Resolved* by ${escapeMrkdwn(view.resolved.by)} ${slackDate(view.resolved.at)}: ${escapeMrkdwn(view.resolved.reason)}`;
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncate(line, SLACK_LIMITS.sectionText) } });
  }
  const context = [`Opened ${slackDate(view.openedAt)}`, `\`${escapeMrkdwn(view.workflowId)}\``];
  if (view.uiUrl) context.push(`<${temporalUiLink(view.uiUrl, view.workflowId, namespace)}|View in Temporal>`);
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: truncate(context.join(' · '), SLACK_LIMITS.contextText) }] });
  const actions = buttons(view);
  if (actions.length > 0) blocks.push({ type: 'actions', elements: actions });
  // The fallback shows in notifications and screen readers; mrkdwn-escaped because Slack parses it too.
  return { text: escapeMrkdwn(summaryLine(view)), blocks };
}

/** The thread reply announcing an escalation step, so the channel sees who was paged and when. */
export function buildEscalationReply(view: IncidentView, targets: string[]): string {
  const who = targets.length > 0 ? targets.map(escapeMrkdwn).join(', ') : 'no one (no targets at this level)';
  const level = view.level ? `Escalated to *${escapeMrkdwn(view.level)}*` : 'Notified';
  const line = `${STATUS_EMOJI.triggered} ${level}: ${who}. Status ${view.status}, ${view.occurrences} occurrence${view.occurrences === 1 ? '' : 's'}.`;
  return truncate(line, SLACK_LIMITS.sectionText);
}
