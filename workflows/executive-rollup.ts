import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { AnalyticsActivities } from '../activities/analytics/types';
import type { RollupPeriod } from '../domain/analytics/slots';

/** One rollup run: `hour` (the hourly Schedule) or `day` (the daily one, which also catches hours up). */
export interface ExecutiveRollupInput {
  period: RollupPeriod;
  /** ISO time the run stands for; default the Schedule's slot (a catch-up run rolls its own), else now. */
  asOf?: string;
}

export interface ExecutiveRollupResult {
  asOf: string;
  hours: number[];
  days: number[];
}

const rollups = proxyActivities<AnalyticsActivities>({
  startToCloseTimeout: '10m',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '5m', maximumAttempts: 10 },
});

/** Temporal stamps the slot a Schedule started a run for; a run started late still rolls up to its slot. */
function scheduledTime(): number | undefined {
  const v = workflowInfo().searchAttributes?.TemporalScheduledStartTime as unknown;
  const first = Array.isArray(v) ? (v[0] as unknown) : v;
  const t = first instanceof Date ? first.getTime() : typeof first === 'string' ? Date.parse(first) : NaN;
  return Number.isFinite(t) ? t : undefined;
}

/**
 * ExecutiveRollup, run by the `vigil-rollup-hourly` and `vigil-rollup-daily` Schedules: rolls
 * every hour (and day) since the last one rolled — so slots missed during downtime are caught up
 * by the next run, whatever the Schedule's own catch-up did — plus rolled hours that late windows
 * arrived for. Each slot is one idempotent upsert; a re-run rolls nothing twice.
 */
export async function executiveRollupWorkflow(input: ExecutiveRollupInput): Promise<ExecutiveRollupResult> {
  const asOf = input.asOf ? Date.parse(input.asOf) : (scheduledTime() ?? Date.now());
  const plan = await rollups.planRollups({ asOf, period: input.period });
  // In order: each hour's error budget reads the hours before it.
  for (const slot of plan.hours) await rollups.rollHour({ slot });
  for (const slot of plan.days) await rollups.rollDay({ slot });
  return { asOf: new Date(asOf).toISOString(), hours: plan.hours, days: plan.days };
}
