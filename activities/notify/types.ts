import type { IncidentView } from '../../domain/incident-view';

/** One notification: the incident as it is now, the escalation step, and one target. */
export interface DeliverInput {
  view: IncidentView;
  step: string;
  target: string;
}

/** A delivery that happened (or had already happened: `duplicate`). Failures are thrown. */
export interface DeliverResult {
  detail: string;
  channelType: string;
  duplicate: boolean;
  ref?: Record<string, string>;
}

export interface RefreshInput {
  view: IncidentView;
  step: string;
}

/** Activities that touch notification channels (Slack, console, ...), all through the ledger. */
export interface NotifyActivities {
  deliverNotification(input: DeliverInput): Promise<DeliverResult>;
  refreshMessages(input: RefreshInput): Promise<{ updated: number }>;
}
