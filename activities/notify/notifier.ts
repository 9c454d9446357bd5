import type { IncidentView } from '../../domain/incident-view';
import type { MessageRef, RefreshReason } from '../../domain/incident-state';
import type { RenderedReport } from '../../domain/reports/rendered-report';
import type { DigestMember } from '../../domain/slack-digest';

/** What a channel gets to send one notification. */
export interface SendContext {
  view: IncidentView;
  /** Escalation step key, e.g. "2.e1.p0.l2"; unique for the incident's life. */
  step: string;
  /** Target name from the policy (a configured channel name). */
  target: string;
  /** The message this channel already posted for the incident, if any: edit it instead of reposting. */
  existing?: MessageRef;
  /**
   * A per-recipient address overriding the channel's own (a user's email address or Slack user ID),
   * when the target was a user or an on-call schedule.
   */
  address?: string;
  /** Signed Acknowledge / Resolve links for channels without buttons (email, Teams), when configured. */
  links?: ActionLinks;
  /**
   * When `existing` is a storm digest: every member as it is now, so the channel re-renders the digest
   * rather than overwriting it with this one incident. Absent if they could not be read.
   */
  digest?: DigestMember[];
}

/** A storm digest to post: several incidents' first pages as one message. */
export interface DigestContext {
  members: IncidentView[];
  target: string;
  address?: string;
}

/** A digest to re-render in place, with every member as it is now. */
export interface DigestUpdateContext {
  members: DigestMember[];
  existing: MessageRef;
  reasons: RefreshReason[];
}

/** One-click links that perform an action after a confirmation page (see api/routes/action-links.ts). */
export interface ActionLinks {
  acknowledge: string;
  resolve: string;
}

/** A refresh of a message the channel posted earlier. */
export interface UpdateContext {
  view: IncidentView;
  existing: MessageRef;
  /** Every reason since the message was last refreshed (refreshes are coalesced). */
  reasons: RefreshReason[];
}

/** What a refresh did: a line for the timeline, or skipped (with why) when nothing needed sending for these reasons. */
export type UpdateResult = { sent: true; detail: string } | { sent: false; detail: string };

/** A completed send: a line for the timeline, and the provider's message reference for later edits. */
export interface SendResult {
  detail: string;
  ref?: Record<string, string>;
}

/**
 * One outside system (Slack, console, email, ...). Same shape for each, like Alertmanager's
 * integrations: `send` throws a classified error (see http-errors.ts) so Temporal retries what is retryable.
 */
export interface Notifier {
  readonly type: string;
  send(ctx: SendContext): Promise<SendResult>;
  /**
   * Refreshes a message after the incident changed (optional). Channels that edit in place do so for
   * any reason; channels that can only send anew decide from `reasons` whether their readers need it.
   */
  update?(ctx: UpdateContext): Promise<UpdateResult>;
  /**
   * Delivers a report of any kind (compliance, executive, experiment). Channels that cannot carry a
   * report leave it out: PagerDuty pages people, it is not a mailbox.
   */
  sendReport?(report: RenderedReport): Promise<SendResult>;
  /**
   * Posts one digest for several incidents' first pages (optional: only channels that have one; the
   * queue groups pages only for those). The result's ref is the provider's; the caller adds the members.
   */
  sendDigest?(ctx: DigestContext): Promise<SendResult>;
  /** Re-renders a digest in place (with `sendDigest`). */
  updateDigest?(ctx: DigestUpdateContext): Promise<UpdateResult>;
}

/** The reasons as a timeline reads them, e.g. "status + level". */
export const describeReasons = (reasons: readonly RefreshReason[]): string => reasons.join(' + ') || 'no reason';

/**
 * For channels that cannot edit what they posted (email, Teams, PagerDuty): the skip to return when
 * no status changed, since a level or severity change alone would only repeat the message (an
 * escalation notifies its own targets); undefined when the refresh is to be sent.
 */
export function skipUnlessStatus(channel: string, reasons: readonly RefreshReason[]): UpdateResult | undefined {
  if (reasons.includes('status')) return undefined;
  return { sent: false, detail: `${channel}: nothing to send for ${describeReasons(reasons)} (only status changes are sent)` };
}
