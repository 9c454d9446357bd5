import type { IncidentGrouping } from './delivery/grouping';
import type { EscalationPolicy, EscalationPosition } from './escalation-policy';
import type { Severity } from './names';
import type { IncidentDetails } from './violation';

export type IncidentStatus = 'triggered' | 'acknowledged' | 'snoozed' | 'resolved';

export type TimelineType =
  | 'opened'
  | 'occurrence'
  | 'severity_raised'
  | 'escalated'
  | 'notified'
  | 'queued'
  | 'notify_retry'
  | 'notify_failed'
  | 'acknowledged'
  | 'snoozed'
  | 'snooze_ended'
  | 'escalate_now'
  | 'resolved'
  | 'reopened'
  | 'note'
  | 'suppressed'
  | 'released'
  | 'ack_timeout'
  | 'paged'
  | 'fallback'
  | 'closed';

/** One change in an incident's life, with who caused it; the projection mirrors these rows. */
export interface TimelineEntry {
  seq: number;
  at: number;
  type: TimelineType;
  actor: string;
  text: string;
  data?: Record<string, string | number | boolean | null>;
}

/** A message a channel posted for this incident, kept so later changes edit it in place. */
export interface MessageRef {
  /** The delivery key (e.g. "slack-oncall" or "oncall:primary/alice/email"). */
  target: string;
  /** The configured channel that posted it (absent on refs from before channels and targets were split). */
  channel?: string;
  channelType: string;
  ref: Record<string, string>;
}

/** An escalation step a silence or inhibition rule is holding back; it goes out once the mute lifts. */
export interface HeldStep {
  step: string;
  position: EscalationPosition;
  targets: string[];
  reason: string;
  since: number;
  recheckAt: number;
  /** Set while the workflow re-checks whether the mute still holds (the step is out for a check). */
  checking: boolean;
}

/** Per-incident settings snapshotted at start, like the policy. */
export interface IncidentSettings {
  reopenWindowMs: number;
  resolveAfterQuietMs: number | null;
  /** Temporal Web UI base for the namespace, e.g. http://localhost:8233/namespaces/default. */
  uiUrl: string | null;
  /** How its first pages may join a storm digest (its route's grouping); absent on older incidents: never grouped. */
  grouping?: IncidentGrouping | null;
  /** How its steps are paged (config incidents.pageStep); absent on older incidents: by an activity. */
  pageStep?: 'local' | 'activity';
}

/** The whole durable state of one incident; plain JSON so it survives continue-as-new and queries. */
export interface IncidentState {
  workflowId: string;
  /** First run ID of the workflow chain: identifies this incident across continue-as-new. */
  incidentId: string;
  fingerprint: string;
  service: string;
  kind: string;
  dimension: string;
  severity: Severity;
  title: string;
  details: IncidentDetails;
  labels: Record<string, string>;
  status: IncidentStatus;
  openedAt: number;
  /** 1 for the first episode; +1 every time an occurrence reopens it within the reopen window. */
  episode: number;
  acknowledged: { by: string; at: number } | null;
  resolved: { by: string; at: number; reason: string } | null;
  snoozedUntil: number | null;
  occurrences: number;
  lastOccurrenceAt: number;
  /** Bounded memory of occurrence ids, so a redelivered report counts once. */
  recentOccurrenceIds: string[];
  escalation: {
    next: EscalationPosition | null;
    dueAt: number | null;
    lastFired: EscalationPosition | null;
    /** Monotonic count of fired steps: makes every notification step key unique for the incident's life. */
    fired: number;
  };
  policyName: string;
  policy: EscalationPolicy;
  settings: IncidentSettings;
  reopenUntil: number | null;
  /** When an acknowledgement lapses (policy ackTimeout): the incident is triggered again. */
  ackExpiresAt: number | null;
  held: HeldStep | null;
  closed: boolean;
  seq: number;
  timeline: TimelineEntry[];
  /** Timeline entries dropped from workflow state to keep it bounded (all of them stay in Postgres). */
  timelineDropped: number;
  messages: MessageRef[];
}

/**
 * Why posted messages need refreshing: the status changed (ack, resolve, snooze, reopen, ack timeout),
 * the escalation level changed, or the severity rose. Channels that cannot edit in place (email,
 * Teams, PagerDuty) act only on the reasons that matter to their readers.
 */
export type RefreshReason = 'status' | 'level' | 'severity';

/** Side effects a transition asks the workflow to perform. */
export type IncidentEffect =
  | { type: 'notify'; step: string; position: EscalationPosition; targets: string[] }
  | { type: 'refresh'; reasons: RefreshReason[] };

/** A transition's outcome: the next state, what to do about it, and a line for the caller. */
export interface Transition {
  state: IncidentState;
  effects: IncidentEffect[];
  message: string;
}

export const TIMELINE_KEEP_HEAD = 50;
export const TIMELINE_KEEP_TAIL = 450;
export const RECENT_OCCURRENCE_IDS = 200;
