import { ApplicationFailure } from '@temporalio/common';
import { retryAfterOf } from '../../domain/delivery/retry';
import { recordStepPaged, stepAttempts } from '../../domain/delivery/step-paged';
import type { IncidentState } from '../../domain/incident-state';
import { toView } from '../../domain/incident-view';
import type { ProjectIncidentInput } from '../store/types';
import type { DeliverInput, DeliverResult, Delivery, DeliveryPlan, FirstAttempt, PageStepInput, PageStepResult, PlanInput, SentFailure } from './types';

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
 * How long a step may take before the incident's projection so far is written on its own. A step
 * done sooner (the usual case) writes it with its own after-step projection: one statement, not two.
 * Waiting longer would keep a new incident out of `vigil incidents list` and the console while a slow
 * channel answers.
 */
export const PRE_STEP_PROJECTION_AFTER_MS = 250;

/**
 * How long a local pageStep waits for its after-step projection once its sends are done or pending:
 * a slow Postgres must not hold the workflow task (the workflow writes what is missing itself).
 */
export const LOCAL_PROJECTION_WAIT_MS = 500;

/** `work`'s value if it settles within `ms` (no bound when undefined), else `otherwise`; the work itself goes on. */
async function within<T>(work: Promise<T>, ms: number | undefined, otherwise: T): Promise<T> {
  if (ms === undefined) return work;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(otherwise), Math.max(0, ms));
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The first attempts settled by `ms` from now; the others are `pending` and go on (through the ledger) in this process. */
async function attemptsWithin(deliveries: Delivery[], attempts: Array<Promise<FirstAttempt>>, ms: number): Promise<FirstAttempt[]> {
  const settled: Array<FirstAttempt | undefined> = attempts.map(() => undefined);
  const all = Promise.all(attempts.map((a, i) => a.then((o) => void (settled[i] = o))));
  await within(all.then(() => true), ms, false);
  return settled.map((o, i) => o ?? { delivery: deliveries[i]!, pending: true as const });
}

/** A write started after a delay, or at once when asked; `skip` stops it if it has not started. */
function deferredWrite(write: (() => Promise<void>) | undefined, afterMs: number) {
  let started: Promise<boolean> | undefined;
  const start = () => (started ??= write ? write().then(() => true, () => false) : Promise.resolve(false));
  const timer = afterMs > 0 ? setTimeout(start, afterMs) : undefined;
  if (afterMs <= 0) void start();
  return {
    /** Resolves whether it was written, starting it now if it has not started. */
    now(): Promise<boolean> {
      clearTimeout(timer);
      return start();
    },
    /** Resolves whether it was written; false when it never started (and now never will). */
    skip(): Promise<boolean> {
      clearTimeout(timer);
      return started ?? Promise.resolve(false);
    },
  };
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
 * every delivery side by side, each through the ledger as deliverNotification does it (the
 * incident's projection so far is written beside them only if they take longer than
 * PRE_STEP_PROJECTION_AFTER_MS). A failed delivery is returned, not thrown, so the
 * others' results are kept; the workflow retries it on its own with deliverNotification (the ledger
 * makes a repeat of a send that did go out a no-op). Planning or the activity failing as a whole is
 * thrown: the workflow then plans and delivers in separate activities, as before this existed.
 * Given the whole state, it also projects what the step recorded, so the workflow need not.
 * Given `budgetMs` (run as a local activity, holding the workflow task), it returns by then: sends
 * still going on come back `pending` and finish in this process, through the ledger as always.
 */
export function createPageStep(parts: PageStepParts): (input: PageStepInput) => Promise<PageStepResult> {
  return async (input) => {
    const { step, targets, at, group, projection } = input;
    const began = performance.now();
    const view = input.state ? toView(input.state) : input.view;
    const project = parts.project;
    // Given the whole state, the after-step projection carries these events too, so they need a write
    // of their own only if the step is slow; given a view (older runs), they are written at once.
    const early = deferredWrite(projection && project ? () => project({ view, ...projection }) : undefined, input.state ? PRE_STEP_PROJECTION_AFTER_MS : 0);
    // A failed plan fails the activity; the workflow then writes the projection itself.
    const plan = await parts.plan({ view, step, targets, ...(at !== undefined ? { at } : {}) }).catch((err: unknown) => {
      void early.skip();
      throw err;
    });
    if (plan.suppressed) return { suppressed: plan.suppressed, projected: await early.now() };
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
    const budget = input.budgetMs;
    const outcomes = budget === undefined ? await Promise.all(attempts) : await attemptsWithin(plan.deliveries, attempts, budget - (performance.now() - began));
    const base = { deliveries: plan.deliveries, paged: plan.paged, outcomes };
    if (!input.state) return { ...base, projected: await early.now() };
    // Never earlier than the step's workflow time plus what the attempts took: a worker clock behind
    // the server's, or the time-skipping test server, must not move the timeline (or a held ladder) back.
    const attemptedAt = Math.max(Date.now(), Math.round((at ?? 0) + performance.now() - began));
    const wait = budget === undefined ? undefined : LOCAL_PROJECTION_WAIT_MS;
    const wroteEarly = await within(early.skip(), wait, false);
    let projectedThrough: number | undefined;
    if (project) {
      const after = afterStep(input.state, input, plan, outcomes, attemptedAt);
      // A failed or unfinished write is the workflow's to repeat (it projects as if this had not been
      // tried); the projection only moves forward, so a late one landing after the repeat is harmless.
      projectedThrough = await within(project(after).then(() => after.lastSeq, () => undefined), wait, undefined);
    }
    // The after-step projection holds the pre-step events: written, they need no write of their own.
    const projected = wroteEarly || (projection !== undefined && projectedThrough !== undefined);
    return { ...base, projected, at: attemptedAt, ...(projectedThrough !== undefined ? { projectedThrough } : {}) };
  };
}
