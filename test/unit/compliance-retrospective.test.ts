import { describe, expect, it } from 'vitest';
import { DEFAULT_COMPLIANCE_CONTEXT, processingEventSchema, type ProcessingEvent } from '../../domain/compliance/event';
import {
  isAccessAction,
  overdueErasures,
  retentionExpiries,
  segregationOfDutyBreaches,
  unusualAccessFromCounts,
  unusualAccessVolume,
  type AccessCount,
} from '../../domain/compliance/retrospective';

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

describe('isAccessAction', () => {
  it.each([
    ['access', true],
    ['retrieval', true],
    ['query', true],
    ['export', true],
    ['disclosure', true],
    ['login', false],
    ['generation', false],
    ['deletion', false],
    ['change', false],
    ['erasure_request', false],
  ] as const)('%s → %s', (action, want) => {
    expect(isAccessAction(action)).toBe(want);
  });
});

describe('unusualAccessFromCounts', () => {
  /** `perWindow` accesses by `actor` in each window from `first` to `last`. */
  const flat = (actor: string, first: number, last: number, perWindow: number): AccessCount[] =>
    Array.from({ length: last - first + 1 }, (_, i) => ({ actorId: actor, window: first + i, count: perWindow }));
  const W = Math.floor(T0 / H);
  const cases: Array<{ name: string; counts: AccessCount[]; first: number; last: number; factor?: number; want: Array<{ actorId: string; window: number; count: number; median: number }> }> = [
    // Ten an hour for a day: nothing unusual.
    { name: 'steady use', counts: flat('u-alice', W, W + 23, 10), first: W, last: W + 23, want: [] },
    // A burst against a steady median.
    { name: 'burst', counts: [...flat('u-alice', W, W + 23, 10), { actorId: 'u-alice', window: W + 12, count: 190 }], first: W, last: W + 23, want: [{ actorId: 'u-alice', window: W + 12, count: 200, median: 10 }] },
    // Busy for 3 of 10 windows: the 7 quiet ones count as 0, so the median is 0 and each busy window is flagged.
    {
      name: 'quiet windows count as zero',
      counts: flat('u-alice', W, W + 2, 10),
      first: W,
      last: W + 9,
      want: [0, 1, 2].map((i) => ({ actorId: 'u-alice', window: W + i, count: 10, median: 0 })),
    },
    // The same counts over just the busy windows: median 10, nothing flagged.
    { name: 'same counts, busy windows only', counts: flat('u-alice', W, W + 2, 10), first: W, last: W + 2, want: [] },
    // Median 0 is judged against a baseline of 1: factor 5 allows 5, not 6.
    {
      name: 'baseline of at least 1',
      counts: [{ actorId: 'u-bob', window: W + 1, count: 5 }, { actorId: 'u-eve', window: W + 2, count: 6 }],
      first: W,
      last: W + 9,
      want: [{ actorId: 'u-eve', window: W + 2, count: 6, median: 0 }],
    },
    // Counts before the first or after the last window are ignored, and do not move the median either.
    {
      name: 'counts outside the windows ignored',
      counts: [...flat('u-alice', W, W + 9, 10), { actorId: 'u-alice', window: W - 1, count: 1000 }, { actorId: 'u-alice', window: W + 10, count: 1000 }, { actorId: 'u-mallory', window: W + 50, count: 1000 }],
      first: W,
      last: W + 9,
      want: [],
    },
    // Rows for the same actor and window add up.
    {
      name: 'rows for one window add up',
      counts: [...flat('u-alice', W, W + 9, 2), { actorId: 'u-alice', window: W + 4, count: 5 }, { actorId: 'u-alice', window: W + 4, count: 5 }],
      first: W,
      last: W + 9,
      want: [{ actorId: 'u-alice', window: W + 4, count: 12, median: 2 }],
    },
    // No windows at all.
    { name: 'last before first', counts: flat('u-alice', W, W + 9, 100), first: W + 9, last: W, want: [] },
  ];
  it.each(cases)('$name', ({ counts, first, last, factor, want }) => {
    const got = unusualAccessFromCounts(counts, { windowMs: H, factor: factor ?? 5, firstWindow: first, lastWindow: last });
    expect(got).toEqual(want.map(({ window, ...rest }) => ({ ...rest, windowStart: new Date(window * H).toISOString() })));
  });

  it('agrees with unusualAccessVolume on the same accesses', () => {
    const events = [
      ...Array.from({ length: 24 }, (_, h) => Array.from({ length: 8 }, (_, i) => ev(h * H + i * 1000))).flat(),
      ...Array.from({ length: 70 }, (_, i) => ev(9 * H + i * 1000)),
      ...Array.from({ length: 30 }, (_, i) => ev(20 * H + i * 1000, { actor: { id: 'u-eve', roles: ['support'] } })),
      // Not accesses: left out of both.
      ...Array.from({ length: 100 }, (_, i) => ev(3 * H + i, { action: 'login' })),
    ];
    const perWindow = new Map<string, AccessCount>();
    for (const e of events.filter((x) => isAccessAction(x.action))) {
      const window = Math.floor(Date.parse(e.time) / H);
      const key = `${e.actor.id}@${window}`;
      const row = perWindow.get(key) ?? { actorId: e.actor.id, window, count: 0 };
      row.count += 1;
      perWindow.set(key, row);
    }
    const fromCounts = unusualAccessFromCounts([...perWindow.values()], { windowMs: H, factor: 5, firstWindow: W, lastWindow: W + 23 });
    expect(fromCounts.map(({ actorId, count, median }) => ({ actorId, count, median }))).toEqual([
      { actorId: 'u-alice', count: 78, median: 8 },
      { actorId: 'u-eve', count: 30, median: 0 },
    ]);
    expect(fromCounts).toEqual(unusualAccessVolume(events, { windowMs: H, factor: 5 }));
  });

  const bad: Array<{ name: string; windowMs: number; factor: number }> = [
    { name: 'zero window', windowMs: 0, factor: 5 },
    { name: 'negative window', windowMs: -H, factor: 5 },
    { name: 'NaN window', windowMs: NaN, factor: 5 },
    { name: 'zero factor', windowMs: H, factor: 0 },
    { name: 'NaN factor', windowMs: H, factor: NaN },
  ];
  it.each(bad)('throws a RangeError on a $name', ({ windowMs, factor }) => {
    expect(() => unusualAccessFromCounts([], { windowMs, factor, firstWindow: 0, lastWindow: 1 })).toThrow(RangeError);
  });
});

describe('retentionExpiries', () => {
  /** Kept for 10 days from day 2: expires at day 12. */
  const kept = (over: Record<string, unknown> = {}) => ev(2 * D, { subjectId: 's-1', retentionDays: 10, ...over });
  const del = (offset: number, over: Record<string, unknown> = {}) => ev(offset, { action: 'deletion', subjectId: 's-1', ...over });
  /** The report period around the expiry: (day 11, day 13]. */
  const AROUND = { from: T0 + 11 * D, to: T0 + 13 * D };
  const cases: Array<{ name: string; events: () => ProcessingEvent[]; deletions?: () => ProcessingEvent[]; period?: { from: number; to: number }; reported: boolean }> = [
    // Expires inside the period, nothing deleted.
    { name: 'expiry inside the period', events: () => [kept()], reported: true },
    // The period is (from, to]: the end counts, the start does not.
    { name: 'expiry at the period end', events: () => [kept()], period: { from: T0 + 11 * D, to: T0 + 12 * D }, reported: true },
    { name: 'expiry at the period start', events: () => [kept()], period: { from: T0 + 12 * D, to: T0 + 13 * D }, reported: false },
    // Outside the period: another report covers it.
    { name: 'expiry before the period', events: () => [kept()], period: { from: T0 + 20 * D, to: T0 + 21 * D }, reported: false },
    { name: 'expiry after the period', events: () => [kept()], period: { from: T0, to: T0 + 5 * D }, reported: false },
    // Same subject, a shared category, before expiry: covered.
    { name: 'deleted in time', events: () => [kept({ categories: ['pii', 'financial'] })], deletions: () => [del(5 * D, { categories: ['financial'] })], reported: false },
    // Deleted exactly at expiry, or at the moment of the event: still covered.
    { name: 'deleted at expiry', events: () => [kept()], deletions: () => [del(12 * D)], reported: false },
    { name: 'deleted at the event time', events: () => [kept()], deletions: () => [del(2 * D)], reported: false },
    // Deleted only after the retention ran out.
    { name: 'deleted after expiry', events: () => [kept()], deletions: () => [del(12 * D + 1)], reported: true },
    // A deletion before the event cannot cover data collected later.
    { name: 'deleted before the event', events: () => [kept()], deletions: () => [del(D)], reported: true },
    // Another subject's data, or other categories, or a failed deletion: not covered.
    { name: 'other subject deleted', events: () => [kept()], deletions: () => [del(5 * D, { subjectId: 's-2' })], reported: true },
    { name: 'other category deleted', events: () => [kept()], deletions: () => [del(5 * D, { categories: ['financial'] })], reported: true },
    { name: 'failed deletion', events: () => [kept()], deletions: () => [del(5 * D, { outcome: 'failure' })], reported: true },
    // Without a subject, a deletion on the same system covers it; one on another system does not.
    { name: 'no subject, same-system deletion', events: () => [kept({ subjectId: undefined })], deletions: () => [del(5 * D, { subjectId: undefined })], reported: false },
    { name: 'no subject, other-system deletion', events: () => [kept({ subjectId: undefined })], deletions: () => [del(5 * D, { subjectId: undefined, system: 'rag-billing' })], reported: true },
    // Only successful, non-deletion events with a retention are checked.
    { name: 'denied event', events: () => [kept({ outcome: 'denied' })], reported: false },
    { name: 'failed event', events: () => [kept({ outcome: 'failure' })], reported: false },
    { name: 'deletion event with a retention', events: () => [kept({ action: 'deletion' })], reported: false },
    { name: 'no retention', events: () => [kept({ retentionDays: undefined })], reported: false },
  ];
  it.each(cases)('$name → reported: $reported', ({ events, deletions, period, reported }) => {
    const evs = events();
    const got = retentionExpiries(evs, deletions?.() ?? [], period ?? AROUND);
    expect(got.map((x) => x.eventId)).toEqual(reported ? evs.map((e) => e.id) : []);
  });

  it('reports the event, system, categories and expiry time', () => {
    const e = kept({ categories: ['pii', 'children'], system: 'rag-school' });
    expect(retentionExpiries([e], [], AROUND)).toEqual([{ eventId: e.id, system: 'rag-school', categories: ['pii', 'children'], expiredAt: at(12 * D) }]);
  });

  it('judges each event on its own', () => {
    const a = kept();
    const b = kept({ subjectId: 's-2' });
    const c = ev(3 * D, { subjectId: 's-3', retentionDays: 10 });
    expect(retentionExpiries([a, b, c], [del(4 * D)], AROUND).map((x) => x.eventId)).toEqual([b.id, c.id]);
  });
});
