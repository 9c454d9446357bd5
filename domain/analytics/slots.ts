// Slot arithmetic for the rollups: pure, so the workflow, the activities and the tests agree.
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** The two rollup granularities and their length. */
export type RollupPeriod = 'hour' | 'day';
export const PERIOD_MS: Readonly<Record<RollupPeriod, number>> = { hour: HOUR_MS, day: DAY_MS };

/** The start of the slot holding `t` (UTC: days begin at 00:00 UTC). */
export function slotOf(t: number, period: RollupPeriod): number {
  const p = PERIOD_MS[period];
  return Math.floor(t / p) * p;
}

/**
 * The last slot complete at `asOf`, given `settleMs` of grace for windows still in flight: a run at
 * 10:05 with 5 minutes to settle rolls 09:00–10:00, never the hour still being written.
 */
export function lastCompleteSlot(asOf: number, period: RollupPeriod, settleMs: number): number {
  return slotOf(asOf - settleMs, period) - PERIOD_MS[period];
}

/**
 * The slots a run must roll, oldest first: every slot after the watermark (the latest slot rolled)
 * up to `target`, so slots missed while workers were down are caught up; never more than
 * `maxCatchupMs` back. With no watermark yet, the whole catch-up span (a fresh install's history).
 */
export function slotsToRoll(watermark: number | null, target: number, period: RollupPeriod, maxCatchupMs: number): number[] {
  const p = PERIOD_MS[period];
  // At least the target itself: a catch-up span shorter than a day still lets the daily run roll yesterday.
  const floor = target - Math.max(1, Math.floor(maxCatchupMs / p)) * p + p;
  const from = Math.max(watermark === null ? floor : watermark + p, floor);
  const out: number[] = [];
  for (let s = from; s <= target; s += p) out.push(s);
  return out;
}
