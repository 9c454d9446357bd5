import type { IncidentView } from '../../domain/incident-view';

/** One concrete send: a configured channel, maybe a personal address, and the key the ledger knows it by. */
export interface Delivery {
  /** Ledger target key: the channel name, or e.g. "oncall:primary/alice/email" for people. */
  key: string;
  channel: string;
  address?: string;
  /** Channel to try when this one keeps failing. */
  fallback?: string;
}

export interface PlanInput {
  view: IncidentView;
  step: string;
  targets: string[];
  /** Workflow time when the step fell due; the plan never judges silences earlier than this. */
  at?: number;
}

/** Either the step is muted (silence, inhibition) until a re-check, or here is who to send it to. */
export type DeliveryPlan =
  | { suppressed: { reason: string; recheckAt: number } }
  | { suppressed?: undefined; deliveries: Delivery[]; paged: string[] };

/** One notification: the incident as it is now, the escalation step, and one concrete delivery. */
export interface DeliverInput {
  view: IncidentView;
  step: string;
  /** Ledger target key (see Delivery.key). */
  target: string;
  /** Configured channel name; defaults to `target` (the channel-only form). */
  channel?: string;
  address?: string;
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

/** Activities that touch notification channels, all through the ledger; planning reads config and Postgres. */
export interface NotifyActivities {
  planDelivery(input: PlanInput): Promise<DeliveryPlan>;
  deliverNotification(input: DeliverInput): Promise<DeliverResult>;
  refreshMessages(input: RefreshInput): Promise<{ updated: number }>;
}
