/**
 * Keeps the success path of an activity free of Postgres writes when nothing can be failing.
 *
 * A failure row can exist for a subject only if some worker saw it fail. When this process saw it
 * (`failedHere`) or Temporal says an earlier attempt failed (attempt > 1), the success deletes the
 * row at once. Otherwise the failure, if any, happened in another process (the workflow retried the
 * send there): the success is only remembered, and every few seconds the remembered ones are
 * cleared in one batched statement. That closes the race without a per-success write: the failure
 * row is committed before the failed activity completes, so before the workflow retries it, so
 * before the success here, so before the batch that follows it.
 */
export class FailureHints {
  private readonly failing = new Set<string>();
  private pending = new Map<string, PendingSuccess>();

  constructor(private readonly maxEntries = 10_000) {}

  failedHere(key: string): void {
    // Oldest first out when full: a forgotten hint only delays a clear to the next batch.
    if (this.failing.size >= this.maxEntries && !this.failing.has(key)) {
      const first = this.failing.values().next().value;
      if (first !== undefined) this.failing.delete(first);
    }
    this.failing.add(key);
  }

  /** True when the success of `key` must delete its row now; forgets the hint either way. */
  clearNow(key: string, attempt: number): boolean {
    const had = this.failing.delete(key);
    return had || attempt > 1;
  }

  hasFailed(key: string): boolean {
    return this.failing.has(key);
  }

  /** A success whose subject may have failed elsewhere; cleared by the next batch. */
  succeeded(key: string, value: PendingSuccess): void {
    this.pending.delete(key);
    if (this.pending.size >= this.maxEntries) {
      // A dropped entry leaves at most a row that ages out (health.activityFailureStaleAfter).
      const first = this.pending.keys().next().value;
      if (first !== undefined) this.pending.delete(first);
    }
    this.pending.set(key, value);
  }

  /** The successes to clear now, oldest first; the set starts over. */
  takeSucceeded(): PendingSuccess[] {
    const out = [...this.pending.values()];
    this.pending = new Map();
    return out;
  }
}

/** A success to clear: the subject's row, unless it failed again after `at` (epoch ms). */
export interface PendingSuccess {
  activityType: string;
  workflowId: string;
  subject: string;
  at: number;
}
