// Which slots one ExecutiveRollup run rolls: pure, so catch-up and late re-rolls are unit-tested.
import { DAY_MS, lastCompleteSlot, slotOf, slotsToRoll, type RollupPeriod } from './slots';

/** Grace after a slot ends before it is rolled (the Schedules fire at :05 and 00:10 UTC). */
export const SETTLE_MS: Readonly<Record<RollupPeriod, number>> = { hour: 300_000, day: 600_000 };

export interface PlanInput {
  /** The run's slot time (the Schedule's), epoch ms. */
  asOf: number;
  period: RollupPeriod;
  hourWatermark: number | null;
  dayWatermark: number | null;
  /** Rolled hours that windows arrived for afterwards. */
  lateHours: readonly number[];
  maxCatchupMs: number;
}

export interface RollupPlan {
  /** Hours to roll, oldest first: late ones, then the missed ones up to the last complete hour. */
  hours: number[];
  /** Days to roll, oldest first: days holding a re-rolled late hour, then (daily runs) missed days. */
  days: number[];
}

export function planRollups(i: PlanInput): RollupPlan {
  const fresh = slotsToRoll(i.hourWatermark, lastCompleteSlot(i.asOf, 'hour', SETTLE_MS.hour), 'hour', i.maxCatchupMs);
  const freshSet = new Set(fresh);
  const late = [...new Set(i.lateHours)].filter((h) => !freshSet.has(h)).sort((a, b) => a - b);
  const hours = [...late, ...fresh];
  // A day already rolled whose hour changed is rolled again; one not rolled yet will be in its turn.
  const days = new Set<number>();
  for (const h of late) {
    const d = slotOf(h, 'day');
    if (i.dayWatermark !== null && d <= i.dayWatermark) days.add(d);
  }
  if (i.period === 'day') for (const d of slotsToRoll(i.dayWatermark, lastCompleteSlot(i.asOf, 'day', SETTLE_MS.day), 'day', i.maxCatchupMs)) days.add(d);
  return { hours, days: [...days].sort((a, b) => a - b) };
}

/** Hours of a day, for combining them into the daily rollup. */
export const dayRange = (day: number): [from: number, to: number] => [day, day + DAY_MS];
