import type { ComplianceContext, ProcessingEvent } from './event';

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

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};

/**
 * Windows in which an actor's access count exceeds factor × the median of that actor's counts over
 * every window spanned by the events (quiet windows count as 0). The baseline is at least 1, so an
 * occasional user is not flagged for a single access.
 */
export function unusualAccessVolume(events: readonly ProcessingEvent[], opts: { windowMs: number; factor: number }): UnusualAccess[] {
  if (!(opts.windowMs > 0) || !(opts.factor > 0)) throw new RangeError('windowMs and factor must be positive numbers');
  const accesses = events.filter((e) => ACCESS_ACTIONS.includes(e.action));
  if (accesses.length === 0) return [];
  const windowOf = (e: ProcessingEvent) => Math.floor(Date.parse(e.time) / opts.windowMs);
  const windows = accesses.map(windowOf);
  const first = Math.min(...windows);
  const span = Math.max(...windows) - first + 1;
  const counts = new Map<string, number[]>();
  for (const e of accesses) {
    const c = counts.get(e.actor.id) ?? new Array<number>(span).fill(0);
    c[windowOf(e) - first] = (c[windowOf(e) - first] ?? 0) + 1;
    counts.set(e.actor.id, c);
  }
  const out: UnusualAccess[] = [];
  for (const [actorId, c] of counts) {
    const m = median(c);
    c.forEach((count, i) => {
      if (count > opts.factor * Math.max(m, 1)) out.push({ actorId, windowStart: new Date((first + i) * opts.windowMs).toISOString(), count, median: m });
    });
  }
  return out;
}
