/**
 * Back-off after failed logins: a few mistakes are free, then each further failure doubles the
 * wait, up to a cap. Keyed by account (not by address) so a spread-out guesser gains nothing;
 * a success clears the count.
 */
export interface LockoutPolicy {
  /** Failures allowed within `windowMs` before the account waits. */
  freeFailures: number;
  windowMs: number;
  firstLockMs: number;
  maxLockMs: number;
}

export const DEFAULT_LOCKOUT: LockoutPolicy = { freeFailures: 5, windowMs: 15 * 60_000, firstLockMs: 60_000, maxLockMs: 60 * 60_000 };

/** Until when the account refuses logins (0: it does not), from the times of its recent failures. */
export function lockedUntil(failures: readonly number[], now: number, p: LockoutPolicy = DEFAULT_LOCKOUT): number {
  const recent = failures.filter((t) => t > now - p.windowMs).sort((a, b) => a - b);
  const over = recent.length - p.freeFailures;
  if (over < 0) return 0;
  const lock = Math.min(p.maxLockMs, p.firstLockMs * 2 ** over);
  const until = recent[recent.length - 1]! + lock;
  return until > now ? until : 0;
}
