import { ApplicationFailure } from '@temporalio/common';
import { retryAfterOf } from '../../domain/delivery/retry';
import type { ProjectIncidentInput } from '../store/types';
import type { DeliverInput, DeliverResult, DeliveryPlan, PageStepInput, PageStepResult, PlanInput, SentFailure } from './types';

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
 * One escalation step in one activity: plan it (muted? who is on call?), then the first attempt of
 * every delivery side by side, each through the ledger as deliverNotification does it, while the
 * incident's projection is written beside them. A failed delivery is returned, not thrown, so the
 * others' results are kept; the workflow retries it on its own with deliverNotification (the ledger
 * makes a repeat of a send that did go out a no-op). Planning or the activity failing as a whole is
 * thrown: the workflow then plans and delivers in separate activities, as before this existed.
 */
export function createPageStep(parts: PageStepParts): (input: PageStepInput) => Promise<PageStepResult> {
  return async ({ view, step, targets, at, group, projection }) => {
    const projected = projection && parts.project ? parts.project({ view, ...projection }).then(() => true, () => false) : Promise.resolve(false);
    const plan = await parts.plan({ view, step, targets, ...(at !== undefined ? { at } : {}) });
    if (plan.suppressed) return { suppressed: plan.suppressed, projected: await projected };
    const attempts = plan.deliveries.map(async (delivery) => {
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
    return { deliveries: plan.deliveries, paged: plan.paged, outcomes, projected: await projected };
  };
}
