import type { IncidentState } from '../incident-state';
import { recordDelivery, recordPaged, recordQueued, releaseStep } from '../incident-transitions';

/** A first attempt at one delivery of a step, as the timeline needs it: sent (or queued), or failed (`sent` absent). */
export interface StepAttempt {
  target: string;
  channel: string;
  sent?: { detail: string; channelType: string; duplicate: boolean; queued?: boolean; ref?: Record<string, string> };
}

/** A first attempt as pageStep returns it: the delivery, and its result when it went out. */
export interface AttemptOutcome {
  delivery: { key: string; channel: string };
  result?: StepAttempt['sent'];
}

/** The step's first attempts as the timeline needs them; the activity and the workflow must read them the same way. */
export function stepAttempts(outcomes: readonly AttemptOutcome[]): StepAttempt[] {
  return outcomes.map((o) => ({ target: o.delivery.key, channel: o.delivery.channel, ...(o.result ? { sent: o.result } : {}) }));
}

/** One delivery that went out (or joined its channel's queue), on the timeline; a repeat the ledger answered says so. */
export function recordSent(state: IncidentState, step: string, a: StepAttempt & { sent: NonNullable<StepAttempt['sent']> }, at: number): IncidentState {
  const r = a.sent;
  if (r.queued) return recordQueued(state, { step, target: a.target, detail: r.detail }, at);
  return recordDelivery(
    state,
    { step, target: a.target, channel: a.channel, ok: true, detail: r.duplicate ? `${r.detail} (already sent)` : r.detail, channelType: r.channelType, ...(r.ref ? { ref: r.ref } : {}) },
    at,
  );
}

/**
 * What a paged escalation step leaves on the timeline at once: the step released from any hold, who
 * it reached, and every delivery that went out or joined its channel's queue. Failed first attempts
 * add nothing here; the retry stage records them. The pageStep activity and the incident workflow
 * both call this on the same state, plan and time, so the projection the activity writes is exactly
 * the state the workflow ends up in — and the workflow needs no projection activity of its own.
 */
export function recordStepPaged(state: IncidentState, step: string, paged: string[], attempts: StepAttempt[], at: number): IncidentState {
  let s = recordPaged(releaseStep(state, step, at), step, paged, at);
  for (const a of attempts) if (a.sent) s = recordSent(s, step, { ...a, sent: a.sent }, at);
  return s;
}
