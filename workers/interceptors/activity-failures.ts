import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { Logger } from 'pino';
import type { Pool } from 'pg';
import { clearActivityFailure, clearSucceeded, purgeActivityFailures, recordActivityFailure, recordUnseenFailure, typesWithFailures } from '../../db/activity-failures';
import { outcomeOfError, outcomeOfResult, type ActivityOutcome } from '../../domain/health/activity-outcome';
import { activitySubject, subjectKey, type ActivitySubject } from '../../domain/health/activity-subject';
import { FailureHints } from '../../domain/health/failure-hints';

/**
 * How long an activity waits for its failure bookkeeping: a slow or down Postgres must not hold a
 * send's result back (the row is then missing; the activity's own outcome is what matters).
 */
const WRITE_BUDGET_MS = 1000;
/** How often successes that may clear another process's failure rows are cleared, in one statement. */
const CLEAR_EVERY_MS = 5000;
/** Rows untouched this long are dropped (the metric stopped counting them long before). */
const PURGE_AFTER_MS = 86_400_000;
const PURGE_EVERY_MS = 3_600_000;

export interface ActivityFailureTracker {
  /** For `Worker.create({ interceptors: { activity: [tracker.interceptor] } })`; one tracker may serve several workers. */
  interceptor: ActivityInterceptorsFactory;
  /** Clears the successes remembered so far (tests; the timer does it otherwise). */
  flush(): Promise<void>;
}

/**
 * Records each failing attempt of every activity in activity_failures, and clears the row when the
 * same subject succeeds or gives up (see domain/health for what a subject and an outcome are). All
 * of it is best effort: a bookkeeping error is logged and the activity's own result or error goes
 * out unchanged.
 */
export function createActivityFailureTracker(deps: { pool: Pool; logger: Pick<Logger, 'warn'> }): ActivityFailureTracker {
  const hints = new FailureHints();
  const log = deps.logger;

  const bounded = async (what: string, work: () => Promise<unknown>): Promise<void> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        log.warn({ what }, `activity failure bookkeeping took over ${WRITE_BUDGET_MS} ms; not waiting for it`);
        resolve();
      }, WRITE_BUDGET_MS);
    });
    const done = work().then(
      () => undefined,
      (err: unknown) => log.warn({ what, err: err instanceof Error ? err.message : String(err) }, 'activity failure bookkeeping failed'),
    );
    await Promise.race([done, timeout]).finally(() => clearTimeout(timer));
  };

  const settle = async (s: ActivitySubject, attempt: number, scheduledAt: number, outcome: ActivityOutcome): Promise<void> => {
    const key = subjectKey(s);
    if (outcome.type === 'not_yet') return;
    if (outcome.type === 'failed') {
      hints.failedHere(key);
      await bounded('record', () => recordActivityFailure(deps.pool, { ...s, attempt, scheduledAt, at: Date.now(), error: outcome.error }));
      return;
    }
    if (hints.clearNow(key, attempt)) await bounded('clear', () => clearActivityFailure(deps.pool, s));
    else hints.succeeded(key, { ...s, at: Date.now() });
  };

  const flush = async (): Promise<void> => {
    const done = hints.takeSucceeded();
    if (done.length === 0) return;
    // Usually nothing fails: one tiny read then, instead of sending every success of the last seconds.
    const failing = await typesWithFailures(deps.pool);
    const clear = done.filter((d) => failing.has(d.activityType));
    if (clear.length > 0) await clearSucceeded(deps.pool, clear);
  };

  let lastPurge = 0;
  const timer = setInterval(() => {
    void flush().catch((err: unknown) => log.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not clear activity failures'));
    if (Date.now() - lastPurge > PURGE_EVERY_MS) {
      lastPurge = Date.now();
      void purgeActivityFailures(deps.pool, PURGE_AFTER_MS).catch(() => undefined);
    }
  }, CLEAR_EVERY_MS);
  // Bookkeeping never keeps a process alive that is otherwise done.
  timer.unref();

  const interceptor: ActivityInterceptorsFactory = (ctx) => ({
    inbound: {
      async execute(input, next) {
        const info = ctx.info;
        const subject = activitySubject({ activityType: info.activityType, activityId: info.activityId, workflowId: info.workflowExecution?.workflowId }, input.args);
        // Temporal retrying an attempt that failed here was recorded then; one that timed out was not.
        if (info.attempt > 1 && !hints.hasFailed(subjectKey(subject))) {
          hints.failedHere(subjectKey(subject));
          await bounded('record unseen', () => recordUnseenFailure(deps.pool, { ...subject, attempt: info.attempt, scheduledAt: info.scheduledTimestampMs, at: Date.now() }));
        }
        let result: unknown;
        try {
          result = await next(input);
        } catch (err) {
          await settle(subject, info.attempt, info.scheduledTimestampMs, outcomeOfError(err));
          throw err;
        }
        await settle(subject, info.attempt, info.scheduledTimestampMs, outcomeOfResult(result));
        return result;
      },
    },
  });

  return { interceptor, flush };
}
