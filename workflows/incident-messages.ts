import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { EscalationPolicy } from '../domain/escalation-policy';
import type { IncidentSettings, IncidentState, IncidentStatus } from '../domain/incident-state';
import type { IncidentView } from '../domain/incident-view';
import type { Severity } from '../domain/names';
import type { Violation } from '../domain/violation';

/** The paging path new runs take (IncidentWorkflowInput.pagePath); a continued run takes it too. */
export const PAGE_PATH = 2 as const;

/** Start arguments: the first violation plus the policy and settings snapshot; `carried` on continue-as-new. */
export interface IncidentWorkflowInput {
  violation: Violation;
  policyName: string;
  policy: EscalationPolicy;
  settings: IncidentSettings;
  /** Occurrences per run before continuing as new (default 2000); lowered in tests. */
  occurrencesPerRun?: number;
  /**
   * The paging path this run was started for, chosen by the starter: 2 = one projecting pageStep per
   * step. Carried in the input rather than as a patch marker, because a marker costs every incident
   * a history event and a TemporalChangeVersion search-attribute upsert (a visibility write). Runs
   * started without it decide by patch markers, as they always did.
   */
  pagePath?: 2;
  /**
   * Started by a plain start rather than signal-with-start: the violation is also the first
   * occurrence, counted as the start signal would have counted it. A plain start is what a new
   * incident costs least; signal-with-start remains for reports to an incident already open.
   */
  firstOccurrence?: true;
  carried?: {
    state: IncidentState;
    projectedSeq: number;
    /** Queued pages still owed a report by their channel's dispatcher, by `<step>|<target>`. */
    awaiting?: Array<[string, AwaitedSend]>;
    /** Pages already reported (`<step>|<target>`), so a repeated report is recorded once. */
    reported?: string[];
  };
}

/** A page handed to a rate-limited channel's queue; its fallback is paged if the dispatcher reports failure. */
export interface AwaitedSend {
  step: string;
  target: string;
  channel: string;
  fallback?: string;
}

/** A repeated report of the same problem (machine fact → signal). */
export interface OccurrenceInput {
  occurrenceId?: string;
  severity: Severity;
  title: string;
  current?: number;
  threshold?: number;
  unit?: string;
  impact?: string;
}

export interface ConditionClearedInput {
  reason?: string;
}

/** Who acts; e.g. "alice", "slack:U123 (alice)", "cli:root". */
export interface ActorInput {
  by: string;
}

export interface ResolveInput extends ActorInput {
  reason?: string;
}

export interface SnoozeInput extends ActorInput {
  /** ISO-8601 time or epoch milliseconds. */
  until: string | number;
}

export interface NoteInput extends ActorInput {
  text: string;
}

/** What every human action returns: whether it changed anything, and a line to show the person. */
export interface ActionResult {
  changed: boolean;
  status: IncidentStatus;
  message: string;
}

/** What the workflow returns when the incident closes. */
export interface IncidentOutcome {
  incidentId: string;
  status: IncidentStatus;
  episodes: number;
  occurrences: number;
}

export const occurrenceSignal = defineSignal<[OccurrenceInput]>('occurrence');
export const conditionClearedSignal = defineSignal<[ConditionClearedInput]>('conditionCleared');

export const acknowledgeUpdate = defineUpdate<ActionResult, [ActorInput]>('acknowledge');
export const resolveUpdate = defineUpdate<ActionResult, [ResolveInput]>('resolve');
export const snoozeUpdate = defineUpdate<ActionResult, [SnoozeInput]>('snooze');
export const escalateNowUpdate = defineUpdate<ActionResult, [ActorInput]>('escalateNow');
export const addNoteUpdate = defineUpdate<ActionResult, [NoteInput]>('addNote');

export const stateQuery = defineQuery<IncidentState>('state');
/** The incident as channels render it: a fraction of the state's size (no timeline, no policy). */
export const viewQuery = defineQuery<IncidentView>('view');

/** Occurrence payload from a violation (what signal-with-start sends). */
export function occurrenceFromViolation(v: Violation): OccurrenceInput {
  const o: OccurrenceInput = { severity: v.severity, title: v.title };
  if (v.occurrenceId !== undefined) o.occurrenceId = v.occurrenceId;
  if (v.current !== undefined) o.current = v.current;
  if (v.threshold !== undefined) o.threshold = v.threshold;
  if (v.unit !== undefined) o.unit = v.unit;
  if (v.impact !== undefined) o.impact = v.impact;
  return o;
}
