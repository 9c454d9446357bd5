import { workflowInfo } from '@temporalio/workflow';

/**
 * The slot a Schedule started this run for (Temporal stamps it as TemporalScheduledStartTime), so a
 * run started late — a catch-up after downtime — works for its slot, not for "now". Undefined when
 * the run was not started by a Schedule.
 */
export function scheduledTime(): number | undefined {
  const v = workflowInfo().searchAttributes?.TemporalScheduledStartTime as unknown;
  const first = Array.isArray(v) ? (v[0] as unknown) : v;
  const t = first instanceof Date ? first.getTime() : typeof first === 'string' ? Date.parse(first) : NaN;
  return Number.isFinite(t) ? t : undefined;
}
