import { ApplicationFailure } from '@temporalio/activity';
import { LedgerBusyError } from '../../db/notification-ledger';
import type { SendOutcome } from '../../domain/delivery/channel-queue';
import { failureKind, retryAfterOf } from '../../domain/delivery/retry';

/** The classified outcome of a channel's thrown failure (see http-errors.ts), never a throw. */
export function outcomeOf(err: unknown, calls: number): SendOutcome {
  if (err instanceof LedgerBusyError) return { type: 'busy', retryAfterMs: Math.max(100, err.retryAfterMs), detail: err.message };
  const failure = err instanceof ApplicationFailure ? err : undefined;
  const detail = err instanceof Error ? err.message : String(err);
  const retryAfterMs = failure ? retryAfterOf(failure) : undefined;
  const kind = failureKind(failure?.type, failure?.nonRetryable ?? false);
  if (kind === 'rate_limited') return { type: 'rate_limited', calls, detail, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  return { type: 'failed', permanent: kind === 'permanent', calls, detail, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
}
