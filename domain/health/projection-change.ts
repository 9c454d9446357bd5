/**
 * When the oldest change a projection carries was made in its workflow: the time of its first new
 * timeline entry (every change of an incident's state adds one, and a projection carries the
 * entries since the last one sent). Taken from the input, not the workflow clock at send time, so
 * no workflow code changes and a replayed history sends the same input.
 */
export function projectionChangeTime(events: ReadonlyArray<{ at: number }>, fallbackMs: number): number {
  let oldest = Infinity;
  for (const e of events) if (Number.isFinite(e.at) && e.at < oldest) oldest = e.at;
  return oldest === Infinity ? fallbackMs : oldest;
}
