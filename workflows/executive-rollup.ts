import { proxyActivities } from '@temporalio/workflow';
import type { AnalyticsActivities } from '../activities/analytics/types';
import type { RollupPeriod } from '../domain/analytics/slots';
import { scheduledTime } from './scheduled-time';

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
