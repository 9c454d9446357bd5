import { failureKind } from '../delivery/retry';

/**
 * What one activity execution means for "is this thing stuck":
 * - `failed`: it failed and will be tried again (by Temporal or by the workflow): record it;
 * - `final`: it succeeded, or failed for good (nothing will retry it, so it is no longer stalling
 *   anything; the failure itself is on the incident's timeline or in projection_failures): clear it;
 * - `not_yet`: a provider's rate limit or a ledger row another sender holds. The retry stage waits
 *   these out without counting an attempt (domain/delivery/retry.ts); they are how sends take turns,
 *   not a failure, and recording them would write a row on every turn: leave the row as it is.
 */
export type ActivityOutcome = { type: 'failed'; error: string } | { type: 'final' } | { type: 'not_yet' };

interface FailureLike {
  message?: unknown;
  type?: unknown;
  nonRetryable?: unknown;
}

/** An activity that threw `err`. */
export function outcomeOfError(err: unknown): ActivityOutcome {
  const f: FailureLike & { name?: unknown } = typeof err === 'object' && err !== null ? (err as FailureLike) : {};
  // Cancelled by its workflow (or a worker shutting down): nobody is waiting for it any more.
  if (f.name === 'CancelledFailure') return { type: 'final' };
  const type = typeof f.type === 'string' ? f.type : null;
  const kind = failureKind(type, f.nonRetryable === true);
  if (kind === 'rate_limited' || kind === 'busy') return { type: 'not_yet' };
  if (kind === 'permanent') return { type: 'final' };
  const message = typeof f.message === 'string' ? f.message : String(err);
  return { type: 'failed', error: type ? `${type}: ${message}` : message };
}

/**
 * An activity that returned `value`. The dispatcher's send reports a failed attempt as a value
 * (`{ type: 'failed', permanent, detail }`, domain/delivery/channel-queue.ts) instead of throwing,
 * so its queue can order retries; that is a failure all the same.
 */
export function outcomeOfResult(value: unknown): ActivityOutcome {
  if (typeof value !== 'object' || value === null) return { type: 'final' };
  const v = value as { type?: unknown; permanent?: unknown; detail?: unknown };
  if (v.type === 'rate_limited' || v.type === 'busy') return { type: 'not_yet' };
  if (v.type === 'failed' && v.permanent === false) return { type: 'failed', error: typeof v.detail === 'string' ? v.detail : 'failed' };
  return { type: 'final' };
}
