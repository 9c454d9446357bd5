/**
 * Whether Vigil is healthy enough to keep its promises, from what /healthz measured. Liveness of
 * Postgres and Temporal as before; on top, a stalled pipe: Postgres falling behind the workflows
 * (projection lag) or an activity that has been failing, and retried, for too long.
 */
export interface HealthThresholds {
  /** 503 when the oldest change not in Postgres is older than this (ms); 0 never. */
  maxProjectionLag: number;
  /** 503 when an activity has been failing for longer than this (ms); 0 never. */
  maxActivityFailing: number;
}

/**
 * Defaults for config `health:`. They leave room for the longest ordinary retry (a send's retries
 * span about 15 s, the projection's back off to 1 min apart) and still answer 503 well before
 * someone notices a page that never came or an incident page that never updated. The stale window
 * stays under the failing limit, so a send the workflow gave up on ages out before it could trip it.
 */
export const HEALTH_DEFAULTS = { maxProjectionLag: 300_000, maxActivityFailing: 300_000, activityFailureStaleAfter: 180_000 };

export interface FailingActivity {
  type: string;
  /** Failing subjects (sends, projections, …) of this type. */
  count: number;
  oldestSeconds: number;
  lastError: string;
}

export interface HealthReadings {
  postgres: boolean;
  temporal: boolean;
  /** null when Postgres could not be read (then `postgres` is false, or the read timed out). */
  projection: { lagSeconds: number; failures: number } | null;
  activities: FailingActivity[] | null;
}

export interface HealthVerdict {
  ok: boolean;
  /** One line per part that is down or behind, naming it. */
  problems: string[];
}

const seconds = (ms: number) => Math.round(ms / 1000);

export function assessHealth(r: HealthReadings, t: HealthThresholds): HealthVerdict {
  const problems: string[] = [];
  if (!r.postgres) problems.push('postgres: no answer');
  if (!r.temporal) problems.push('temporal: no answer');
  if (r.postgres && (r.projection === null || r.activities === null)) problems.push('postgres: health queries gave no answer');
  if (r.projection && t.maxProjectionLag > 0 && r.projection.lagSeconds * 1000 > t.maxProjectionLag) {
    problems.push(`projection: Postgres is ${Math.round(r.projection.lagSeconds)} s behind the workflows (limit ${seconds(t.maxProjectionLag)} s)`);
  }
  for (const a of r.activities ?? []) {
    if (t.maxActivityFailing > 0 && a.oldestSeconds * 1000 > t.maxActivityFailing) {
      problems.push(`activities: ${a.type} failing for ${Math.round(a.oldestSeconds)} s (limit ${seconds(t.maxActivityFailing)} s): ${a.lastError}`);
    }
  }
  return { ok: problems.length === 0, problems };
}

/**
 * Seconds since `since`, never negative: change times come from workflow clocks and `now` from
 * Postgres, and a few milliseconds of skew must not read as a negative lag.
 */
export function ageSeconds(nowMs: number, sinceMs: number | null): number {
  if (sinceMs === null || !Number.isFinite(sinceMs)) return 0;
  return Math.max(0, (nowMs - sinceMs) / 1000);
}
