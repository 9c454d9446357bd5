/**
 * One retry schedule for every send, direct or queued, so timelines read the same: 1 s, 2 s, 4 s,
 * 8 s between attempts, then the step counts as failed (and its fallback is paged). A provider's
 * Retry-After wins when it asks for longer. Rate limits and ledger leases are not attempts: they say
 * "not yet", never "failed".
 */
export const MAX_SEND_ATTEMPTS = 5;
const FIRST_DELAY_MS = 1000;
const MAX_DELAY_MS = 30_000;

/** How long to wait after failed attempt number `attempt` (1-based), or null when attempts are used up. */
export function retryDelayMs(attempt: number, retryAfterMs?: number): number | null {
  if (attempt >= MAX_SEND_ATTEMPTS) return null;
  const backoff = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** (attempt - 1));
  return Math.max(backoff, retryAfterMs ?? 0);
}

/** What the last attempt of a send came to, as channels classify it (see activities/notify/http-errors.ts). */
export type SendFailureKind = 'permanent' | 'retryable' | 'rate_limited' | 'busy';

/** Maps a failure type (`delivery_<reason>`, `ledger_busy`) onto how the retry stage treats it. */
export function failureKind(type: string | null | undefined, nonRetryable: boolean): SendFailureKind {
  if (type === 'delivery_rate_limited') return 'rate_limited';
  if (type === 'ledger_busy') return 'busy';
  return nonRetryable ? 'permanent' : 'retryable';
}

/**
 * The Retry-After a failure carries, in milliseconds: in its details (what survives the trip to a
 * workflow, which receives the failure without nextRetryDelay) or its nextRetryDelay.
 */
export function retryAfterOf(failure: { details?: unknown[] | null; nextRetryDelay?: unknown }): number | undefined {
  const detail = failure.details?.[0];
  if (typeof detail === 'object' && detail !== null && typeof (detail as { retryAfterMs?: unknown }).retryAfterMs === 'number') {
    return (detail as { retryAfterMs: number }).retryAfterMs;
  }
  return typeof failure.nextRetryDelay === 'number' ? failure.nextRetryDelay : undefined;
}
