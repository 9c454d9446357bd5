import type { IncidentStatus } from './incident-state';
import { formatMeasurement, summaryLine, type IncidentView } from './incident-view';
import { ACKNOWLEDGE_ACTION_ID, SEVERITY_EMOJI, SLACK_LIMITS, STATUS_EMOJI, escapeMrkdwn, slackDate, truncate } from './slack-blocks';

// A storm digest in Slack: one message for many incidents' first pages, edited in place as they change.
// Kept apart from slack-blocks.ts (one incident's message), whose helpers it shares.

/** "Acknowledge all" on a digest; its value lists the member workflow ids (see ackAllValue). */
export const ACKNOWLEDGE_ALL_ACTION_ID = 'vigil_acknowledge_all';
/** Slack's limits a digest meets besides SLACK_LIMITS: blocks per message, characters per button value. */
export const DIGEST_LIMITS = { blocks: 50, buttonValue: 2000, fallbackText: 1000 } as const;

/** A member the digest could not read (its workflow is gone): shown by id, so it is not silently dropped. */
export interface UnreadableMember {
  workflowId: string;
  unreadable: string;
}
export type DigestMember = IncidentView | UnreadableMember;

const readable = (m: DigestMember): m is IncidentView => !('unreadable' in m);

/**
 * Text inside mrkdwn that must show as typed: escapeMrkdwn's three, and the emphasis marks `*`, `~` and
 * `` ` `` (mrkdwn has no escape for them) swapped for look-alikes, so a title cannot bold or strike the digest.
 */
export function mrkdwnLiteral(text: string): string {
  return escapeMrkdwn(text).replace(/\*/g, '∗').replace(/~/g, '∼').replace(/`/g, 'ˋ');
}

/** The one value "Acknowledge all" carries: the member ids comma-joined, or null when they do not fit a button. */
export function ackAllValue(workflowIds: string[]): string | null {
  const value = workflowIds.join(',');
  return value.length > 0 && value.length <= DIGEST_LIMITS.buttonValue ? value : null;
}

/** The member ids an "Acknowledge all" value names (workflow ids contain no commas). */
export function parseAckAllValue(value: string): string[] {
  return [...new Set(value.split(',').map((id) => id.trim()).filter((id) => id.length > 0))];
}

/** What the header names: the one service, a few services, or how many. */
export function digestLabel(members: DigestMember[]): string {
  const services = [...new Set(members.filter(readable).map((v) => v.service))];
  if (services.length === 0) return 'several services';
  return services.length <= 3 ? services.join(', ') : `${services.length} services`;
}

function who(v: IncidentView): string {
  if (v.status === 'resolved' && v.resolved) return ` by ${mrkdwnLiteral(v.resolved.by)}`;
  if (v.status !== 'triggered' && v.acknowledged) return ` by ${mrkdwnLiteral(v.acknowledged.by)}`;
  return '';
}

function memberSection(m: DigestMember): object {
  if (!readable(m)) {
    const text = `:grey_question: \`${escapeMrkdwn(m.workflowId)}\`: ${mrkdwnLiteral(m.unreadable)}`;
    return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, SLACK_LIMITS.sectionText) } };
  }
  const service = m.dimension ? `${m.service} (${m.dimension})` : m.service;
  const measurement = formatMeasurement(m.details);
  const facts = [mrkdwnLiteral(service), m.severity, ...(measurement ? [mrkdwnLiteral(measurement)] : []), `${STATUS_EMOJI[m.status]} *${m.status}*${who(m)}`];
  const text = `${SEVERITY_EMOJI[m.severity]} *${mrkdwnLiteral(truncate(m.title, 300))}*\n${facts.join(' · ')} · \`${escapeMrkdwn(m.workflowId)}\``;
  const section: Record<string, unknown> = { type: 'section', text: { type: 'mrkdwn', text: truncate(text, SLACK_LIMITS.sectionText) } };
  // The same action id and value as the single-incident button, so the one listener handles both.
  if (m.status === 'triggered') section.accessory = { type: 'button', action_id: ACKNOWLEDGE_ACTION_ID, text: { type: 'plain_text', text: 'Acknowledge' }, value: m.workflowId };
  return section;
}

function tally(members: DigestMember[]): string {
  const counts = new Map<IncidentStatus | 'unreadable', number>();
  for (const m of members) counts.set(readable(m) ? m.status : 'unreadable', (counts.get(readable(m) ? m.status : 'unreadable') ?? 0) + 1);
  return [...counts].map(([status, n]) => `${n} ${status}`).join(' · ');
}

/**
 * The digest: a header ("12 new incidents on checkout-rag"), one section per incident with its own
 * Acknowledge button while it is triggered, a context line, and "Acknowledge all" while any is. Every
 * state re-renders it whole. Within Slack's limits for up to MAX_DIGEST_MEMBERS (45) members; more
 * would show the first ones and a line saying how many more.
 */
export function buildDigestMessage(members: DigestMember[]): { text: string; blocks: object[] } {
  const n = members.length;
  const label = digestLabel(members);
  const header = `${n} new incident${n === 1 ? '' : 's'} on ${label}`;
  // Header, context and actions take three blocks; one more says what did not fit.
  const room = DIGEST_LIMITS.blocks - 3;
  const shown = n > room ? members.slice(0, room - 1) : members;
  const blocks: object[] = [{ type: 'header', text: { type: 'plain_text', text: truncate(header, SLACK_LIMITS.headerText), emoji: true } }, ...shown.map(memberSection)];
  if (shown.length < n) {
    const rest = members.slice(shown.length).map((m) => `\`${escapeMrkdwn(m.workflowId)}\``).join(', ');
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncate(`…and ${n - shown.length} more: ${rest}`, SLACK_LIMITS.sectionText) } });
  }
  const opened = members.filter(readable).map((v) => v.openedAt);
  const triggered = members.filter((m) => readable(m) && m.status === 'triggered');
  const value = ackAllValue(members.map((m) => m.workflowId));
  const context = [`${tally(members)}`, ...(opened.length ? [`first opened ${slackDate(Math.min(...opened))}`] : []), 'one message for a storm of first pages; later levels reply in its thread'];
  if (triggered.length > 0 && value === null) context.push('acknowledge each incident above');
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: truncate(context.join(' · '), SLACK_LIMITS.contextText) }] });
  if (triggered.length > 0 && value !== null) {
    blocks.push({
      type: 'actions',
      elements: [
        {
          type: 'button',
          action_id: ACKNOWLEDGE_ALL_ACTION_ID,
          text: { type: 'plain_text', text: 'Acknowledge all' },
          style: 'primary',
          value,
          // One click stops escalation for many incidents: worth a second look.
          confirm: {
            title: { type: 'plain_text', text: 'Acknowledge all?' },
            text: { type: 'plain_text', text: `This acknowledges the ${triggered.length} triggered incident${triggered.length === 1 ? '' : 's'} in this message.` },
            confirm: { type: 'plain_text', text: 'Acknowledge all' },
            deny: { type: 'plain_text', text: 'Cancel' },
          },
        },
      ],
    });
  }
  const lines = members.filter(readable).map((v) => summaryLine(v));
  return { text: escapeMrkdwn(truncate(`${header}: ${lines.join('; ')}`, DIGEST_LIMITS.fallbackText)), blocks };
}

/** The thread reply when a digest member escalates: names the incident, since the thread is shared. */
export function buildDigestEscalationReply(view: IncidentView, targets: string[]): string {
  const whom = targets.length > 0 ? targets.map(escapeMrkdwn).join(', ') : 'no one (no targets at this level)';
  const level = view.level ? `escalated to *${escapeMrkdwn(view.level)}*` : 'notified';
  const line = `${SEVERITY_EMOJI[view.severity]} *${mrkdwnLiteral(view.title)}* (\`${escapeMrkdwn(view.workflowId)}\`) ${level}: ${whom}. Status ${view.status}, ${view.occurrences} occurrence${view.occurrences === 1 ? '' : 's'}.`;
  return truncate(line, SLACK_LIMITS.sectionText);
}
