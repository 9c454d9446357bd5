import type { RollupPeriod } from '../../domain/analytics/slots';
import type { RollupPlan } from '../../domain/analytics/plan';

/** Activities of the ExecutiveRollup workflow: a read-only plan, then idempotent per-slot upserts. */
export interface AnalyticsActivities {
  /** Reads the watermarks and late windows and decides which hours and days to roll. */
  planRollups(input: { asOf: number; period: RollupPeriod }): Promise<RollupPlan>;
  /** Rolls one hour for every service that reported or had incidents in it; replaces any earlier roll. */
  rollHour(input: { slot: number }): Promise<{ services: number }>;
  /** Combines a day's hourly rollups into its daily rollup; replaces any earlier roll. */
  rollDay(input: { slot: number }): Promise<{ services: number }>;
}
