import { describe, expect, it } from 'vitest';
import { DEFAULT_COMPLIANCE_CONTEXT, processingEventSchema, type ProcessingEvent } from '../../domain/compliance/event';
import { overdueErasures, segregationOfDutyBreaches, unusualAccessVolume } from '../../domain/compliance/retrospective';

const H = 3_600_000;
const D = 24 * H;
/** t=0 for every timeline: 2024-06-01 00:00 UTC. */
const T0 = Date.parse('2024-06-01T00:00:00Z');
const at = (offset: number) => new Date(T0 + offset).toISOString();

let seq = 0;
/** A minimal valid event at T0 + offset; overrides vary it. */
const ev = (offset: number, over: Record<string, unknown> = {}): ProcessingEvent =>
  processingEventSchema.parse({
    id: `evt-${++seq}`,
    time: at(offset),
    actor: { id: 'u-alice', roles: ['support'] },
    action: 'access',
    system: 'rag-support',
    categories: ['pii'],
    outcome: 'success',
    ...over,
  });
const erasure = (offset: number, subjectId: string) => ev(offset, { action: 'erasure_request', subjectId });
const deletion = (offset: number, subjectId: string, outcome = 'success') => ev(offset, { action: 'deletion', subjectId, outcome });

describe('overdueErasures', () => {
  const cases: Array<{ name: string; events: () => ProcessingEvent[]; now: number; deadlineDays?: number; want: Array<{ subjectId: string; deletedAt?: string }> }> = [
    // Request at day 0, deletion at day 10: honoured.
    { name: 'deleted in time', events: () => [erasure(0, 's-1'), deletion(10 * D, 's-1')], now: T0 + 40 * D, want: [] },
    // Request at day 0, nothing by day 31: overdue.
    { name: 'never deleted', events: () => [erasure(0, 's-1')], now: T0 + 31 * D, want: [{ subjectId: 's-1' }] },
    // Request at day 0, nothing yet at day 29: still within the deadline.
    { name: 'deadline not reached', events: () => [erasure(0, 's-1')], now: T0 + 29 * D, want: [] },
    // Deletion exactly at the deadline counts.
    { name: 'deleted on the deadline', events: () => [erasure(0, 's-1'), deletion(30 * D, 's-1')], now: T0 + 60 * D, want: [] },
    // Deleted at day 35: reported as late, with the deletion time.
    { name: 'deleted late', events: () => [erasure(0, 's-1'), deletion(35 * D, 's-1')], now: T0 + 60 * D, want: [{ subjectId: 's-1', deletedAt: at(35 * D) }] },
    // A failed deletion does not honour the request.
    { name: 'failed deletion', events: () => [erasure(0, 's-1'), deletion(5 * D, 's-1', 'failure')], now: T0 + 31 * D, want: [{ subjectId: 's-1' }] },
    // Deleting another subject's data does not help.
    { name: 'other subject deleted', events: () => [erasure(0, 's-1'), deletion(5 * D, 's-2')], now: T0 + 31 * D, want: [{ subjectId: 's-1' }] },
    // A deletion before the request does not honour it (data may have been re-collected since).
    { name: 'deletion before request', events: () => [deletion(0, 's-1'), erasure(D, 's-1')], now: T0 + 40 * D, want: [{ subjectId: 's-1' }] },
    // A shorter configured deadline: 14 days, nothing at day 15.
    { name: 'configured deadline', events: () => [erasure(0, 's-1')], now: T0 + 15 * D, deadlineDays: 14, want: [{ subjectId: 's-1' }] },
    // Events out of order still match.
    { name: 'unordered events', events: () => [deletion(3 * D, 's-1'), erasure(0, 's-1'), erasure(0, 's-2')], now: T0 + 31 * D, want: [{ subjectId: 's-2' }] },
  ];
  it.each(cases)('$name', ({ events, now, deadlineDays, want }) => {
    const got = overdueErasures(events(), now, { erasureDeadlineDays: deadlineDays ?? DEFAULT_COMPLIANCE_CONTEXT.erasureDeadlineDays });
    expect(got.map(({ subjectId, deletedAt }) => ({ subjectId, ...(deletedAt && { deletedAt }) }))).toEqual(want);
  });

  it('reports the request id, request time and deadline', () => {
    const req = erasure(0, 's-1');
    expect(overdueErasures([req], T0 + 31 * D, DEFAULT_COMPLIANCE_CONTEXT)).toEqual([
      { requestEventId: req.id, subjectId: 's-1', requestedAt: at(0), deadline: at(30 * D) },
    ]);
  });
});

describe('segregationOfDutyBreaches', () => {
  const change = (actor: string, requester: string, approver?: string, ticket = 'CHG-1') =>
    ev(0, { action: 'change', actor: { id: actor, roles: ['finance-engineer'] }, categories: ['financial'], changeTicket: { id: ticket, requester, status: approver ? 'approved' : 'pending' }, approver });
  const cases: Array<{ name: string; events: () => ProcessingEvent[]; want: Array<{ ticketId: string; person: string }> }> = [
    // Bob requests and makes, Carol approves: fine.
    { name: 'separate approver', events: () => [change('u-bob', 'u-bob', 'u-carol')], want: [] },
    // Bob approves his own request.
    { name: 'requester approves', events: () => [change('u-dan', 'u-bob', 'u-bob')], want: [{ ticketId: 'CHG-1', person: 'u-bob' }] },
    // Spread over events: Bob makes the change under Dan's ticket, later Bob approves it.
    { name: 'implementer approves in a later event', events: () => [change('u-bob', 'u-dan'), change('u-erin', 'u-dan', 'u-bob')], want: [{ ticketId: 'CHG-1', person: 'u-bob' }] },
    // Different tickets do not mix.
    { name: 'different tickets', events: () => [change('u-bob', 'u-bob', undefined, 'CHG-1'), change('u-erin', 'u-erin', 'u-bob', 'CHG-2')], want: [] },
    // Events without tickets are ignored.
    { name: 'no tickets', events: () => [ev(0), ev(H)], want: [] },
  ];
  it.each(cases)('$name', ({ events, want }) => {
    expect(segregationOfDutyBreaches(events()).map(({ ticketId, person }) => ({ ticketId, person }))).toEqual(want);
  });
});

describe('unusualAccessVolume', () => {
  /** `n` accesses by `actor` in hour `hour`. */
  const burst = (actor: string, hour: number, n: number) => Array.from({ length: n }, (_, i) => ev(hour * H + i * 1000, { actor: { id: actor, roles: ['support'] } }));
  const steady = (actor: string, hours: number, perHour: number) => Array.from({ length: hours }, (_, h) => burst(actor, h, perHour)).flat();
  const cases: Array<{ name: string; events: () => ProcessingEvent[]; factor?: number; want: Array<{ actorId: string; count: number; median: number }> }> = [
    // Ten accesses an hour for a day: nothing unusual.
    { name: 'steady use', events: () => steady('u-alice', 24, 10), want: [] },
    // Ten an hour, then 200 in hour 12: flagged.
    { name: 'burst', events: () => [...steady('u-alice', 24, 10), ...burst('u-alice', 12, 190)], want: [{ actorId: 'u-alice', count: 200, median: 10 }] },
    // Exactly factor × median is not flagged; one more is.
    { name: 'at the threshold', events: () => [...steady('u-alice', 5, 10), ...burst('u-alice', 2, 20)], factor: 3, want: [] },
    { name: 'just above the threshold', events: () => [...steady('u-alice', 5, 10), ...burst('u-alice', 2, 21)], factor: 3, want: [{ actorId: 'u-alice', count: 31, median: 10 }] },
    // An occasional user (median 0) is judged against a baseline of 1: two accesses are fine, 50 are not.
    { name: 'occasional user', events: () => [...steady('u-alice', 24, 10), ...burst('u-bob', 3, 2), ...burst('u-eve', 5, 50)], want: [{ actorId: 'u-eve', count: 50, median: 0 }] },
    // Logins are not data access.
    { name: 'logins ignored', events: () => [...steady('u-alice', 24, 1), ...Array.from({ length: 100 }, (_, i) => ev(3 * H + i, { action: 'login' }))], want: [] },
  ];
  it.each(cases)('$name', ({ events, factor, want }) => {
    const got = unusualAccessVolume(events(), { windowMs: H, factor: factor ?? 5 });
    expect(got.map(({ actorId, count, median }) => ({ actorId, count, median }))).toEqual(want);
  });

  it('reports the start of the window', () => {
    const [hit] = unusualAccessVolume([...steady('u-alice', 24, 10), ...burst('u-alice', 12, 190)], { windowMs: H, factor: 5 });
    expect(hit?.windowStart).toBe(at(12 * H));
  });

  it('returns nothing for no events and rejects a zero window', () => {
    expect(unusualAccessVolume([], { windowMs: H, factor: 5 })).toEqual([]);
    expect(() => unusualAccessVolume([ev(0)], { windowMs: 0, factor: 5 })).toThrow(/windowMs and factor must be positive/);
  });
});
