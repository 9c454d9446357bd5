import type { ComplianceContext, ProcessingEvent } from './event';
import { median } from '../stats/median';

const DAY = 86_400_000;

/** An erasure request not honoured by its deadline. */
export interface OverdueErasure {
  requestEventId: string;
  subjectId: string;
  requestedAt: string;
  deadline: string;
  /** When the subject's data was finally deleted, if after the deadline. */
  deletedAt?: string;
}

/**
 * Erasure requests whose deadline (request time + ctx.erasureDeadlineDays) has passed without a
 * successful deletion of that subject's data; a deletion after the deadline is still reported, as late.
 */
export function overdueErasures(events: readonly ProcessingEvent[], now: number, ctx: Pick<ComplianceContext, 'erasureDeadlineDays'>): OverdueErasure[] {
  const deletions = events.filter((e) => e.action === 'deletion' && e.outcome === 'success' && e.subjectId !== undefined);
  const out: OverdueErasure[] = [];
  for (const req of events) {
    if (req.action !== 'erasure_request' || req.outcome !== 'success' || req.subjectId === undefined) continue;
    const requestedAt = Date.parse(req.time);
    const deadline = requestedAt + ctx.erasureDeadlineDays * DAY;
    if (deadline >= now) continue;
    const done = deletions
      .filter((d) => d.subjectId === req.subjectId && Date.parse(d.time) >= requestedAt)
      .map((d) => Date.parse(d.time))
      .sort((a, b) => a - b)[0];
    if (done !== undefined && done <= deadline) continue;
    out.push({
      requestEventId: req.id,
      subjectId: req.subjectId,
      requestedAt: req.time,
      deadline: new Date(deadline).toISOString(),
      ...(done !== undefined && { deletedAt: new Date(done).toISOString() }),
    });
  }
  return out;
}

/** A change ticket where one person both requested or made the change and approved it. */
export interface SegregationBreach {
  ticketId: string;
  person: string;
  eventIds: string[];
}

/**
 * Tickets whose approver also requested or implemented a change under that ticket, across events:
 * catches the case where each event looks fine alone (one event requests, another approves).
 */
export function segregationOfDutyBreaches(events: readonly ProcessingEvent[]): SegregationBreach[] {
  const tickets = new Map<string, { doers: Set<string>; approvers: Set<string>; eventIds: string[] }>();
  for (const e of events) {
    if (!e.changeTicket) continue;
    const t = tickets.get(e.changeTicket.id) ?? { doers: new Set(), approvers: new Set(), eventIds: [] };
    t.doers.add(e.changeTicket.requester);
    if (e.action === 'change') t.doers.add(e.actor.id);
    if (e.approver) t.approvers.add(e.approver);
    t.eventIds.push(e.id);
    tickets.set(e.changeTicket.id, t);
  }
  const out: SegregationBreach[] = [];
  for (const [ticketId, t] of tickets) {
    for (const person of t.approvers) if (t.doers.has(person)) out.push({ ticketId, person, eventIds: t.eventIds });
  }
  return out;
}

/** An actor whose accesses in one window exceeded factor × their median per window. */
export interface UnusualAccess {
  actorId: string;
  windowStart: string;
  count: number;
  median: number;
}

const ACCESS_ACTIONS: readonly ProcessingEvent['action'][] = ['access', 'retrieval', 'query', 'export', 'disclosure'];

/** Accesses by one actor in one window; windows are counted from the Unix epoch in units of windowMs. */
export interface AccessCount {
  actorId: string;
  window: number;
  count: number;
}

/**
 * Windows in which an actor's access count exceeds factor × the median of that actor's counts over
 * every window from `firstWindow` to `lastWindow` (quiet windows count as 0). The baseline is at least
 * 1, so an occasional user is not flagged for a single access. Takes counts so a database can do the
 * counting (the audit trail of a busy system does not fit in memory).
 */
export function unusualAccessFromCounts(
  counts: readonly AccessCount[],
  opts: { windowMs: number; factor: number; firstWindow: number; lastWindow: number },
): UnusualAccess[] {
  if (!(opts.windowMs > 0) || !(opts.factor > 0)) throw new RangeError('windowMs and factor must be positive numbers');
  const span = opts.lastWindow - opts.firstWindow + 1;
  if (!(span > 0)) return [];
  const byActor = new Map<string, number[]>();
  for (const c of counts) {
    const i = c.window - opts.firstWindow;
    if (i < 0 || i >= span) continue;
    const row = byActor.get(c.actorId) ?? new Array<number>(span).fill(0);
    row[i] = (row[i] ?? 0) + c.count;
    byActor.set(c.actorId, row);
  }
  const out: UnusualAccess[] = [];
  for (const [actorId, row] of byActor) {
    const m = median(row);
    row.forEach((count, i) => {
      if (count > opts.factor * Math.max(m, 1)) out.push({ actorId, windowStart: new Date((opts.firstWindow + i) * opts.windowMs).toISOString(), count, median: m });
    });
  }
  return out;
}

/** Whether an action reads data (counted for access volume). */
export const isAccessAction = (a: ProcessingEvent['action']): boolean => ACCESS_ACTIONS.includes(a);

/** unusualAccessFromCounts over events, spanning the windows the accesses fall in. */
export function unusualAccessVolume(events: readonly ProcessingEvent[], opts: { windowMs: number; factor: number }): UnusualAccess[] {
  if (!(opts.windowMs > 0) || !(opts.factor > 0)) throw new RangeError('windowMs and factor must be positive numbers');
  const counts = events
    .filter((e) => isAccessAction(e.action))
    .map((e) => ({ actorId: e.actor.id, window: Math.floor(Date.parse(e.time) / opts.windowMs), count: 1 }));
  if (counts.length === 0) return [];
  const windows = counts.map((c) => c.window);
  return unusualAccessFromCounts(counts, { ...opts, firstWindow: Math.min(...windows), lastWindow: Math.max(...windows) });
}

/** Data kept past its retention: nothing deleted it by the time its retention ran out. */
export interface RetentionExpiry {
  eventId: string;
  system: string;
  categories: string[];
  expiredAt: string;
}

/**
 * Events whose retention (time + retentionDays) ran out inside (from, to] with no successful deletion
 * covering them by then: a deletion of the same subject (or, for events without one, of the same
 * system) touching one of the event's categories, at or after the event.
 */
export function retentionExpiries(
  events: readonly ProcessingEvent[],
  deletions: readonly ProcessingEvent[],
  period: { from: number; to: number },
): RetentionExpiry[] {
  const out: RetentionExpiry[] = [];
  for (const e of events) {
    if (e.retentionDays === undefined || e.action === 'deletion' || e.outcome !== 'success') continue;
    const at = Date.parse(e.time);
    const expiry = at + e.retentionDays * DAY;
    if (expiry <= period.from || expiry > period.to) continue;
    const covered = deletions.some(
      (d) =>
        d.action === 'deletion' &&
        d.outcome === 'success' &&
        (e.subjectId !== undefined ? d.subjectId === e.subjectId : d.system === e.system) &&
        d.categories.some((c) => e.categories.includes(c)) &&
        Date.parse(d.time) >= at &&
        Date.parse(d.time) <= expiry,
    );
    if (!covered) out.push({ eventId: e.id, system: e.system, categories: [...e.categories], expiredAt: new Date(expiry).toISOString() });
  }
  return out;
}
