import { formatDuration } from './duration';
import {
  describePosition,
  escalateNowTarget,
  firstStep,
  type EscalationPolicy,
  type EscalationPosition,
} from './escalation-policy';
import {
  RECENT_OCCURRENCE_IDS,
  type IncidentEffect,
  type IncidentSettings,
  type IncidentState,
  type Transition,
} from './incident-state';
import { withEntries, type NewEntry } from './incident-timeline';
import { SEVERITY_RANK, type Severity } from './severity';
import { textRefusal } from './text';
import type { IncidentDetails, Violation } from './violation';

/** Everything needed to open an incident; the policy and settings become its snapshot. */
export interface OpenIncidentInput {
  workflowId: string;
  incidentId: string;
  fingerprint: string;
  violation: Violation;
  policyName: string;
  policy: EscalationPolicy;
  settings: IncidentSettings;
}

/** One report of the problem again (signal payload). */
export interface Occurrence {
  occurrenceId?: string;
  severity: Severity;
  title: string;
  details: IncidentDetails;
}

export const MAX_SNOOZE_MS = 7 * 86_400_000;
export const MAX_NOTE_LENGTH = 2000;

function at(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms);
}

function detailsOf(v: Violation): IncidentDetails {
  const d: IncidentDetails = {};
  if (v.current !== undefined) d.current = v.current;
  if (v.threshold !== undefined) d.threshold = v.threshold;
  if (v.unit !== undefined) d.unit = v.unit;
  if (v.impact !== undefined) d.impact = v.impact;
  return d;
}

function rememberId(ids: string[], id: string | undefined): string[] {
  if (!id) return ids;
  return [...ids, id].slice(-RECENT_OCCURRENCE_IDS);
}

export function restartEscalation(state: IncidentState, now: number): IncidentState['escalation'] {
  const first = firstStep(state.policy);
  // lastFired is cleared so "escalate now" climbs from the bottom again, not from the last episode's top.
  return { ...state.escalation, next: first.position, dueAt: now + first.delayMs, lastFired: null };
}

const PAUSED = { next: null, dueAt: null } as const;

/** Opens a new incident from its first occurrence; escalation starts at level 1. */
export function openIncident(input: OpenIncidentInput, now: number): IncidentState {
  const v = input.violation;
  const first = firstStep(input.policy);
  const base: IncidentState = {
    workflowId: input.workflowId,
    incidentId: input.incidentId,
    fingerprint: input.fingerprint,
    service: v.service,
    kind: v.kind,
    dimension: v.dimension,
    severity: v.severity,
    title: v.title,
    details: detailsOf(v),
    labels: v.labels,
    status: 'triggered',
    openedAt: now,
    episode: 1,
    acknowledged: null,
    resolved: null,
    snoozedUntil: null,
    // The opening report arrives as the start signal and is counted (and deduplicated) there.
    occurrences: 0,
    lastOccurrenceAt: now,
    recentOccurrenceIds: [],
    escalation: { next: first.position, dueAt: now + first.delayMs, lastFired: null, fired: 0 },
    policyName: input.policyName,
    policy: input.policy,
    settings: input.settings,
    reopenUntil: null,
    ackExpiresAt: null,
    held: null,
    closed: false,
    seq: 0,
    timeline: [],
    timelineDropped: 0,
    messages: [],
  };
  return withEntries(base, now, [
    { type: 'opened', actor: 'system', text: `Opened: ${v.title} (policy ${input.policyName})` },
  ]);
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

/** Counts a repeated report; reopens a resolved incident inside its reopen window; ignores duplicates. */
export function recordOccurrence(state: IncidentState, occ: Occurrence, now: number): Transition {
  if (occ.occurrenceId && state.recentOccurrenceIds.includes(occ.occurrenceId)) {
    return { state, effects: [], message: 'duplicate occurrence ignored' };
  }
  let next: IncidentState = {
    ...state,
    occurrences: state.occurrences + 1,
    lastOccurrenceAt: now,
    recentOccurrenceIds: rememberId(state.recentOccurrenceIds, occ.occurrenceId),
    details: occ.details,
  };
  const effects: IncidentEffect[] = [];
  if (state.status === 'resolved') {
    if (state.closed || state.reopenUntil === null || now > state.reopenUntil) {
      // The workflow completes at reopenUntil, so this only happens when a signal races completion.
      return { state, effects: [], message: 'incident closed; a new incident will be opened' };
    }
    next = {
      ...next,
      status: 'triggered',
      title: occ.title,
      severity: SEVERITY_RANK[occ.severity] > SEVERITY_RANK[state.severity] ? occ.severity : state.severity,
      episode: state.episode + 1,
      acknowledged: null,
      resolved: null,
      reopenUntil: null,
      ackExpiresAt: null,
      held: null,
      escalation: restartEscalation(state, now),
    };
    next = withEntries(next, now, [
      { type: 'reopened', actor: 'system', text: `Reopened (episode ${next.episode}): ${occ.title}` },
    ]);
    return { state: next, effects: [{ type: 'refresh', reasons: ['status'] }], message: 'reopened' };
  }
  const entries: NewEntry[] = [];
  if (SEVERITY_RANK[occ.severity] > SEVERITY_RANK[state.severity]) {
    next = { ...next, severity: occ.severity, title: occ.title };
    entries.push({
      type: 'severity_raised',
      actor: 'system',
      text: `Severity raised from ${state.severity} to ${occ.severity}: ${occ.title}`,
    });
    effects.push({ type: 'refresh', reasons: ['severity'] });
  }
  // Log-scale trace of repeats keeps the timeline bounded under thousands of occurrences.
  if (next.occurrences > 1 && isPowerOfTwo(next.occurrences)) {
    entries.push({ type: 'occurrence', actor: 'system', text: `Occurrence #${next.occurrences}: ${occ.title}` });
  }
  return { state: withEntries(next, now, entries), effects, message: `occurrence #${next.occurrences}` };
}

/** Why an acknowledgement must be refused, or null when it may proceed. */
export function acknowledgeRefusal(state: IncidentState): string | null {
  if (state.status === 'resolved' && state.resolved) {
    return `Incident ${state.fingerprint} was resolved by ${state.resolved.by} at ${at(state.resolved.at)}; it cannot be acknowledged.`;
  }
  return null;
}

/** Acknowledges: escalation stops. A repeated ack changes nothing and says who acknowledged first. */
export function acknowledge(state: IncidentState, by: string, now: number): Transition {
  if ((state.status === 'acknowledged' || state.status === 'snoozed') && state.acknowledged) {
    return {
      state,
      effects: [],
      message: `Already acknowledged by ${state.acknowledged.by} at ${at(state.acknowledged.at)}`,
    };
  }
  const timeout = state.policy.ackTimeout;
  const next = withEntries(
    {
      ...state,
      status: 'acknowledged',
      acknowledged: { by, at: now },
      ackExpiresAt: timeout === undefined ? null : now + timeout,
      held: null,
      escalation: { ...state.escalation, ...PAUSED },
    },
    now,
    [{ type: 'acknowledged', actor: by, text: timeout === undefined ? `Acknowledged by ${by}` : `Acknowledged by ${by} (until ${at(now + timeout)} unless resolved)` }],
  );
  return { state: next, effects: [{ type: 'refresh', reasons: ['status'] }], message: `Acknowledged by ${by}` };
}

/** Resolves (by a person or because the condition cleared); the incident stays reopenable for a while. */
export function resolve(state: IncidentState, by: string, reason: string, now: number): Transition {
  if (state.status === 'resolved' && state.resolved) {
    return { state, effects: [], message: `Already resolved by ${state.resolved.by} at ${at(state.resolved.at)}` };
  }
  const next = withEntries(
    {
      ...state,
      status: 'resolved',
      resolved: { by, at: now, reason },
      snoozedUntil: null,
      ackExpiresAt: null,
      held: null,
      reopenUntil: now + state.settings.reopenWindowMs,
      escalation: { ...state.escalation, ...PAUSED },
    },
    now,
    [{ type: 'resolved', actor: by, text: reason ? `Resolved by ${by}: ${reason}` : `Resolved by ${by}` }],
  );
  return { state: next, effects: [{ type: 'refresh', reasons: ['status'] }], message: `Resolved by ${by}` };
}

/** Why a snooze must be refused, or null. */
export function snoozeRefusal(state: IncidentState, until: number, now: number): string | null {
  if (state.status === 'resolved') return `Incident ${state.fingerprint} is resolved; there is nothing to snooze.`;
  if (!Number.isFinite(until)) return '"until" must be an ISO-8601 time or epoch milliseconds';
  if (until <= now) return `"until" must be a time in the future (got ${at(until)})`;
  if (until - now > MAX_SNOOZE_MS) return `"until" may be at most ${formatDuration(MAX_SNOOZE_MS)} ahead`;
  return null;
}

/** Silences escalation until a time; snoozing counts as acknowledging. When it ends, escalation restarts. */
export function snooze(state: IncidentState, by: string, until: number, now: number): Transition {
  const next = withEntries(
    {
      ...state,
      status: 'snoozed',
      snoozedUntil: until,
      acknowledged: state.acknowledged ?? { by, at: now },
      ackExpiresAt: null,
      held: null,
      escalation: { ...state.escalation, ...PAUSED },
    },
    now,
    [{ type: 'snoozed', actor: by, text: `Snoozed by ${by} until ${at(until)} (${formatDuration(until - now)})` }],
  );
  return { state: next, effects: [{ type: 'refresh', reasons: ['status'] }], message: `Snoozed until ${at(until)}` };
}

/** Why an escalate-now must be refused, or null. */
export function escalateNowRefusal(state: IncidentState): string | null {
  if (state.status === 'resolved') return `Incident ${state.fingerprint} is resolved; it cannot be escalated.`;
  return null;
}

/** Jumps to the next level at once (the incident becomes triggered again). */
export function escalateNow(state: IncidentState, by: string, now: number): Transition {
  const target = escalateNowTarget(state.policy, state.escalation.lastFired);
  const next = withEntries(
    {
      ...state,
      status: 'triggered',
      snoozedUntil: null,
      ackExpiresAt: null,
      held: null,
      escalation: { ...state.escalation, next: target, dueAt: now },
    },
    now,
    [{ type: 'escalate_now', actor: by, text: `${by} escalated to ${describePosition(target)}` }],
  );
  return { state: next, effects: [], message: `Escalating to ${describePosition(target)}` };
}

/** Why a note must be refused, or null. */
export function noteRefusal(text: string): string | null {
  if (text.trim().length === 0) return '"text" must not be empty';
  if (text.length > MAX_NOTE_LENGTH) return `"text" may be at most ${MAX_NOTE_LENGTH} characters`;
  const why = textRefusal(text);
  if (why) return `"text" ${why}`;
  return null;
}

/** Adds a free-text note to the timeline (allowed in any status). */
export function addNote(state: IncidentState, by: string, text: string, now: number): Transition {
  const next = withEntries(state, now, [{ type: 'note', actor: by, text: text.trim() }]);
  return { state: next, effects: [], message: 'Note added' };
}

/** Auto-resolves because the detector reports the condition is gone. */
export function conditionCleared(state: IncidentState, reason: string, now: number): Transition {
  if (state.status === 'resolved') return { state, effects: [], message: 'already resolved' };
  return resolve(state, 'system', reason || 'condition cleared', now);
}

/** Records the outcome of one delivery in the timeline and keeps its message ref for in-place edits. */
export function recordDelivery(
  state: IncidentState,
  d: { step: string; target: string; channel?: string; ok: boolean; detail: string; channelType?: string; ref?: Record<string, string> },
  now: number,
): IncidentState {
  let messages = state.messages;
  if (d.ok && d.ref && d.channelType) {
    const ref = { target: d.target, channelType: d.channelType, ref: d.ref, ...(d.channel ? { channel: d.channel } : {}) };
    messages = [...messages.filter((m) => m.target !== d.target), ref];
  }
  return withEntries({ ...state, messages }, now, [
    {
      type: d.ok ? 'notified' : 'notify_failed',
      actor: 'system',
      text: d.ok ? `Notified ${d.target}: ${d.detail}` : `Notifying ${d.target} failed: ${d.detail}`,
      data: { step: d.step, target: d.target },
    },
  ]);
}

/**
 * Holds an escalation step back because a silence or inhibition rule mutes the incident. Escalation
 * waits with it; the step is re-checked at `recheckAt`. A repeated hold for the same reason adds no entry.
 */
export function holdStep(
  state: IncidentState,
  step: { step: string; position: EscalationPosition; targets: string[] },
  reason: string,
  recheckAt: number,
  now: number,
): IncidentState {
  const since = state.held?.since ?? now;
  // A mute that already ended (clock skew, a race with the silence's end) is re-checked shortly, never in a tight loop.
  const held = { ...step, reason, since, recheckAt: Math.max(recheckAt, now + 1000), checking: false };
  if (state.held && state.held.reason === reason) return { ...state, held };
  return withEntries({ ...state, held }, now, [
    { type: 'suppressed', actor: 'system', text: `${describePosition(step.position)} held back: ${reason}`, data: { step: step.step } },
  ]);
}

/** Lets a held step go (its mute lifted): the rest of the ladder keeps its spacing, shifted by the wait. */
export function releaseStep(state: IncidentState, step: string, now: number): IncidentState {
  const h = state.held;
  if (!h || h.step !== step) return state;
  const shift = now - h.since;
  const dueAt = state.escalation.dueAt === null ? null : state.escalation.dueAt + shift;
  return withEntries({ ...state, held: null, escalation: { ...state.escalation, dueAt } }, now, [
    { type: 'released', actor: 'system', text: `No longer muted after ${formatDuration(shift)}; sending ${describePosition(h.position)} now`, data: { step } },
  ]);
}

/** Records who a user or on-call target turned out to be at the moment of paging. */
export function recordPaged(state: IncidentState, step: string, lines: string[], now: number): IncidentState {
  if (lines.length === 0) return state;
  return withEntries(state, now, lines.map((text) => ({ type: 'paged' as const, actor: 'system', text, data: { step } })));
}

/** Records that a target's channel kept failing and its fallback channel is being tried. */
export function recordFallback(state: IncidentState, step: string, target: string, fallback: string, now: number): IncidentState {
  return withEntries(state, now, [
    { type: 'fallback', actor: 'system', text: `${target} kept failing; falling back to ${fallback}`, data: { step, target, fallback } },
  ]);
}

/** Records that a send joined its rate-limited channel's queue; the dispatcher reports how it went. */
export function recordQueued(state: IncidentState, d: { step: string; target: string; detail: string }, now: number): IncidentState {
  return withEntries(state, now, [{ type: 'queued', actor: 'system', text: `Notifying ${d.target}: ${d.detail}`, data: { step: d.step, target: d.target } }]);
}

/** Records a failed attempt that will be tried again, so a flaky channel is visible while it is retried. */
export function recordRetry(
  state: IncidentState,
  d: { step: string; target: string; attempt: number; detail: string; nextTryAt: number },
  now: number,
): IncidentState {
  return withEntries(state, now, [
    {
      type: 'notify_retry',
      actor: 'system',
      text: `Notifying ${d.target}: attempt ${d.attempt} failed (${d.detail}); next try at ${at(d.nextTryAt)}`,
      data: { step: d.step, target: d.target, attempt: d.attempt, nextTryAt: d.nextTryAt },
    },
  ]);
}
