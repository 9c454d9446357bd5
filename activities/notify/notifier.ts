import type { IncidentView } from '../../domain/incident-view';
import type { MessageRef } from '../../domain/incident-state';
import type { RenderedReport } from '../../domain/compliance/report';

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
}

/** One-click links that perform an action after a confirmation page (see api/routes/action-links.ts). */
export interface ActionLinks {
  acknowledge: string;
  resolve: string;
}

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
  /** Re-renders an existing message in place after a state change (optional: not every channel can edit). */
  update?(view: IncidentView, existing: MessageRef): Promise<void>;
  /**
   * Delivers a compliance report. Channels that cannot carry a report leave it out: PagerDuty pages
   * people, it is not a mailbox.
   */
  sendReport?(report: RenderedReport): Promise<SendResult>;
}
