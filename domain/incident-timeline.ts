import { TIMELINE_KEEP_HEAD, TIMELINE_KEEP_TAIL, type IncidentState, type TimelineEntry } from './incident-state';

/** A timeline entry before it is numbered and stamped. */
export type NewEntry = Omit<TimelineEntry, 'seq' | 'at'>;

/**
 * Appends numbered, time-stamped entries. The only way entries are added, so the bound holds
 * everywhere: the opening and the recent past stay in workflow state; Postgres keeps every entry.
 */
export function withEntries(state: IncidentState, now: number, entries: NewEntry[]): IncidentState {
  if (entries.length === 0) return state;
  let seq = state.seq;
  let timeline = [...state.timeline, ...entries.map((e) => ({ ...e, seq: ++seq, at: now }))];
  let dropped = state.timelineDropped;
  if (timeline.length > TIMELINE_KEEP_HEAD + TIMELINE_KEEP_TAIL) {
    const cut = timeline.length - TIMELINE_KEEP_HEAD - TIMELINE_KEEP_TAIL;
    timeline = [...timeline.slice(0, TIMELINE_KEEP_HEAD), ...timeline.slice(TIMELINE_KEEP_HEAD + cut)];
    dropped += cut;
  }
  return { ...state, seq, timeline, timelineDropped: dropped };
}
