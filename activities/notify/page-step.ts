import { ApplicationFailure } from '@temporalio/common';
import { retryAfterOf } from '../../domain/delivery/retry';
import { recordStepPaged, stepAttempts } from '../../domain/delivery/step-paged';
import type { IncidentState } from '../../domain/incident-state';
import { toView } from '../../domain/incident-view';
import type { ProjectIncidentInput } from '../store/types';
import type { DeliverInput, DeliverResult, DeliveryPlan, FirstAttempt, PageStepInput, PageStepResult, PlanInput, SentFailure } from './types';

export interface PageStepParts {
  plan(input: PlanInput): Promise<DeliveryPlan>;
  deliver(input: DeliverInput): Promise<DeliverResult>;
  /** Writes the incident's projection; absent where nothing is projected (some tests). */
  project?(input: ProjectIncidentInput): Promise<void>;
}

/**
 * A failed first attempt as the workflow's retry stage needs it: the failure's type, whether it may be
 * retried and the provider's Retry-After survive; anything else (a dropped connection) is retryable.
 */
export function sentFailure(err: unknown): SentFailure {
  if (err instanceof ApplicationFailure) {
    const retryAfterMs = retryAfterOf(err);
    return { type: err.type ?? null, nonRetryable: err.nonRetryable === true, message: err.message, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  }
  return { type: null, nonRetryable: false, message: err instanceof Error ? err.message : String(err) };
}

/**
 * The projection of the state the step leaves behind: everything not projected before the step
 * (its pre-step events, in case that write failed) plus what the step added.
 */
function afterStep(before: IncidentState, input: PageStepInput, plan: { paged: string[] }, outcomes: FirstAttempt[], at: number): ProjectIncidentInput {
  const after = recordStepPaged(before, input.step, plan.paged, stepAttempts(outcomes), at);
  const added = after.timeline.filter((e) => e.seq > before.seq);
  return { view: toView(after), lastSeq: after.seq, events: [...(input.projection?.events ?? []), ...added] };
}

/**
 * One escalation step in one activity: plan it (muted? who is on call?), then the first attempt of
 * every delivery side by side, each through the ledger as deliverNotification does it, while the
 * incident's projection is written beside them. A failed delivery is returned, not thrown, so the
 * others' results are kept; the workflow retries it on its own with deliverNotification (the ledger
 * makes a repeat of a send that did go out a no-op). Planning or the activity failing as a whole is
 * thrown: the workflow then plans and delivers in separate activities, as before this existed.
 * Given the whole state, it also projects what the step recorded, so the workflow need not.
 */
export function createPageStep(parts: PageStepParts): (input: PageStepInput) => Promise<PageStepResult> {
  return async (input) => {
    const { step, targets, at, group, projection } = input;
    const began = performance.now();
    const view = input.state ? toView(input.state) : input.view;
    const projected = projection && parts.project ? parts.project({ view, ...projection }).then(() => true, () => false) : Promise.resolve(false);
    const plan = await parts.plan({ view, step, targets, ...(at !== undefined ? { at } : {}) });
    if (plan.suppressed) return { suppressed: plan.suppressed, projected: await projected };
    const attempts = plan.deliveries.map(async (delivery): Promise<FirstAttempt> => {
      try {
        const result = await parts.deliver({
          view, step, target: delivery.key, channel: delivery.channel,
          ...(delivery.address ? { address: delivery.address } : {}), ...(group ? { group } : {}),
        });
        return { delivery, result };
      } catch (err) {
        return { delivery, failure: sentFailure(err) };
      }
    });
    const outcomes = await Promise.all(attempts);
    const base = { deliveries: plan.deliveries, paged: plan.paged, outcomes };
    if (!input.state) return { ...base, projected: await projected };
    // Never earlier than the step's workflow time plus what the attempts took: a worker clock behind
    // the server's, or the time-skipping test server, must not move the timeline (or a held ladder) back.
    const attemptedAt = Math.max(Date.now(), Math.round((at ?? 0) + performance.now() - began));
    let projectedThrough: number | undefined;
    if (parts.project) {
      const after = afterStep(input.state, input, plan, outcomes, attemptedAt);
      // A failed write is the workflow's to repeat (it projects as if this had not been tried).
      projectedThrough = await parts.project(after).then(() => after.lastSeq, () => undefined);
    }
    return { ...base, projected: await projected, at: attemptedAt, ...(projectedThrough !== undefined ? { projectedThrough } : {}) };
  };
}
