import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  emptyQueue,
  enqueue,
  messageKey,
  nextSend,
  settleDigest,
  startSend,
  type ChannelQueue,
  type DigestOutcome,
  type QueuedSend,
  type SendOutcome,
} from '../../domain/delivery/channel-queue';
import { groupable, groupKeyOf } from '../../domain/delivery/digest-selection';
import type { IncidentGrouping } from '../../domain/delivery/grouping';
import type { Severity } from '../../domain/severity';

/** Slack's default limit: one slot every 1000 ms. */
const RATE = 1;
const ROUTE: IncidentGrouping = { key: 'routes.routes.0', threshold: 5, max: 25, waitMs: 0 };

/** Incident `wf`'s first page to `slack` on ROUTE (override anything), as deliverNotification enqueues it. */
function page(wf: string, opts: Partial<QueuedSend> = {}): QueuedSend {
  const s: QueuedSend = {
    key: '', kind: 'page', workflowId: wf, incidentId: `${wf}-1`, step: '1.l1', target: 'slack', channel: 'slack',
    severity: 'high', reasons: [], enqueuedAt: 0, attempt: 0, notBefore: 0, first: true, group: ROUTE, ...opts,
  };
  return { ...s, key: `${wf}|${s.step}|${s.target}` };
}

/** `n` pages of incidents `<prefix>0…`, enqueued 10 ms apart from `at`. */
const pages = (n: number, prefix = 'i', opts: Partial<QueuedSend> = {}, at = 0) =>
  Array.from({ length: n }, (_, k) => page(`${prefix}${k}`, { enqueuedAt: at + 10 * k, ...opts }));

/** A refresh of a digest's message, as refreshMessages enqueues it for one of its members. */
function digestRefresh(ts: string, severity: Severity = 'high', reasons: QueuedSend['reasons'] = ['status']): QueuedSend {
  const message = `digest|C1|${ts}`;
  return {
    key: `${message}|refresh`, kind: 'refresh', workflowId: message, incidentId: message, step: '', target: 'slack', channel: 'slack',
    severity, reasons, enqueuedAt: 0, attempt: 0, notBefore: 0, message, digestRef: { channel: 'C1', ts, digest: '1' },
  };
}

const fill = (sends: QueuedSend[], q = emptyQueue('slack', RATE)) => sends.reduce(enqueue, q);

/** What nextSend would start, in short: a page's workflow id, `digest[a,b,…]`, or how long to wait. */
function next(q: ChannelQueue, now: number): string | { waitMs: number | null } {
  const n = nextSend(q, now);
  if (!('send' in n)) return n;
  return n.send.kind === 'digest' ? `digest[${n.send.members!.map((m) => m.workflowId).join(',')}]` : n.send.workflowId;
}
const digestOf = (...ids: string[]) => `digest[${ids.join(',')}]`;
const ids = (prefix: string, from: number, to: number) => Array.from({ length: to - from }, (_, k) => `${prefix}${from + k}`);

describe('nextSend: digests', () => {
  const cases: Array<{ name: string; q: ChannelQueue; now: number; want: ReturnType<typeof next> }> = [
    // Four of a group waiting is below the threshold of five: the best goes alone.
    { name: 'below the threshold, the best page alone', q: fill(pages(4)), now: 0, want: 'i0' },
    // Five waiting: one digest, best first.
    { name: 'at the threshold, one digest', q: fill(pages(5)), now: 0, want: digestOf(...ids('i', 0, 5)) },
    // Thirty waiting, max 25: the best 25 (the five high ones enqueued last lead).
    {
      name: 'over max, the best max of them',
      q: fill([...pages(25, 'm', { severity: 'medium' }), ...pages(5, 'h', {}, 1000)]),
      now: 2000,
      want: digestOf(...ids('h', 0, 5), ...ids('m', 0, 20)),
    },
    // Criticals are never grouped, however many wait.
    { name: 'criticals go alone', q: fill(pages(6, 'c', { severity: 'critical' })), now: 0, want: 'c0' },
    // A critical among a ready group still jumps the line, alone.
    { name: 'a critical before a ready group', q: fill([...pages(10), page('crit', { severity: 'critical', enqueuedAt: 500 })]), now: 600, want: 'crit' },
    // Later steps reply in a thread: only first pages group.
    { name: 'escalation pages are not grouped', q: fill(pages(6, 'e', { first: false, step: '2.l2' })), now: 0, want: 'e0' },
    // Incidents snapshotted without grouping (older ones, or a route with grouping: false) never join.
    { name: 'pages without a group are not grouped', q: fill(pages(6, 'n', { group: undefined })), now: 0, want: 'n0' },
    // Two routes with three each: neither reaches five.
    {
      name: 'groups do not mix routes',
      q: fill([...pages(3, 'a'), ...pages(3, 'b', { group: { ...ROUTE, key: 'routes.routes.1' } }, 5)]),
      now: 100,
      want: 'a0',
    },
    // Nor targets: a digest goes to one place.
    { name: 'groups do not mix targets', q: fill([...pages(3, 'a'), ...pages(3, 'b', { target: 'oncall:primary/alice/slack' }, 5)]), now: 100, want: 'a0' },
    // A page in backoff waits for its own time and is not counted.
    { name: 'pages in backoff stay out', q: fill([...pages(4), page('late', { notBefore: 5000, enqueuedAt: 1 })]), now: 100, want: 'i0' },
    // A threshold of one still never makes a digest of one.
    { name: 'a lone page is never a digest', q: fill([page('solo', { group: { ...ROUTE, threshold: 1 } })]), now: 0, want: 'solo' },
  ];
  it.each(cases)('$name', ({ q, now, want }) => {
    expect(next(q, now)).toEqual(want);
  });

  describe('wait (group_wait)', () => {
    const waiting: IncidentGrouping = { ...ROUTE, waitMs: 3000 };
    const storm = (n: number, at = 0) => pages(n, 'w', { group: waiting }, at);
    const cases: Array<{ name: string; q: ChannelQueue; now: number; want: ReturnType<typeof next> }> = [
      // The group's oldest page arrived at 0: nothing of it before 3000.
      { name: 'holds a group until its oldest page has waited', q: fill(storm(8)), now: 1000, want: { waitMs: 2000 } },
      // At 3000 everything that arrived meanwhile goes in one digest, the newest included.
      { name: 'sends the whole group once the oldest has waited', q: fill(storm(8)), now: 3000, want: digestOf(...ids('w', 0, 8)) },
      // Full groups cannot grow: they go at once.
      { name: 'a full group goes at once', q: fill(storm(25)), now: 300, want: digestOf(...ids('w', 0, 25)) },
      // A held group holds nothing else back: a critical goes alone meanwhile…
      { name: 'a critical goes while a group waits', q: fill([...storm(8), page('crit', { severity: 'critical', enqueuedAt: 500 })]), now: 500, want: 'crit' },
      // …and so does a page of a route that does not group, and a refresh.
      { name: 'an ungrouped page goes while a group waits', q: fill([...storm(8), page('other', { group: undefined, severity: 'medium', enqueuedAt: 400 })]), now: 500, want: 'other' },
      { name: 'a refresh goes while a group waits', q: fill([...storm(8), digestRefresh('171.1')]), now: 500, want: 'digest|C1|171.1' },
      // Too few once the wait is over: they go one by one, best first.
      { name: 'below the threshold after the wait, alone', q: fill(storm(3)), now: 3000, want: 'w0' },
      // A page whose incident turned critical leaves the group and goes now.
      { name: 'a page that turned critical leaves the group', q: fill([...storm(6), page('w2', { group: waiting, severity: 'critical', enqueuedAt: 20 })]), now: 500, want: 'w2' },
    ];
    it.each(cases)('$name', ({ q, now, want }) => {
      expect(next(q, now)).toEqual(want);
    });

    it('wakes the dispatcher when the group is due, or at the next slot if that is later', () => {
      const q = startSend(fill([...storm(6), page('crit', { severity: 'critical', enqueuedAt: 2900 })]), page('crit', { severity: 'critical', enqueuedAt: 2900 }), 2900);
      expect(next(q, 2950)).toEqual({ waitMs: 950 }); // the slot taken at 2900 frees at 3900, after the group's 3000
    });
  });
});

describe('startSend and settleDigest', () => {
  const five = pages(5);
  const started = () => {
    const q = fill(five);
    const n = nextSend(q, 0);
    if (!('send' in n) || n.send.kind !== 'digest') throw new Error('expected a digest');
    return { digest: n.send, q: startSend(q, n.send, 0) };
  };
  const memoOf = (wf: string) => ({ channelType: 'slack', ref: { channel: 'C1', ts: '171.5', digest: '1' }, revision: Number(wf.slice(1)) + 1 });
  const allSent = (digest: QueuedSend): DigestOutcome => ({
    type: 'digest', calls: 1, detail: 'posted', memo: { workflowId: 'digest|C1|171.5', incidentId: 'digest|C1|171.5', target: 'slack', channelType: 'slack', ref: { channel: 'C1', ts: '171.5' }, revision: 15 },
    members: digest.members!.map((m) => ({ key: m.key, incidentId: m.incidentId, outcome: { type: 'sent', calls: 1, detail: 'in a digest', memo: memoOf(m.workflowId) } })),
  });

  it('takes one slot and one in-flight place for the whole digest', () => {
    const { q } = started();
    expect(q.items).toEqual([]);
    expect(q.inFlight).toHaveLength(1);
    expect(q.nextSlotAt).toBe(1000);
  });

  it('drops a member enqueued again while the digest is out, and once it was sent', () => {
    const { q, digest } = started();
    expect(enqueue(q, five[2]!).items).toEqual([]);
    const done = settleDigest(q, digest, allSent(digest), 300).queue;
    expect(enqueue(done, five[2]!).items).toEqual([]);
  });

  it('keeps a member out of a second send while the digest is out: its message is busy', () => {
    const { q } = started();
    const escalation = page('i0', { first: false, step: '2.l2' });
    expect(next(enqueue(q, escalation), 2000)).toEqual({ waitMs: null });
  });

  type Want = { items?: object[]; done?: string[]; pausedUntil?: number; nextSlotAt?: number; stats?: object; memos?: object[] };
  const cases: Array<{ name: string; outcome: (d: QueuedSend) => SendOutcome | DigestOutcome; want: Want; reports: Array<string | null> }> = [
    // Posted: every member's page is done and remembered with the digest's ref; the digest itself too.
    {
      name: 'sent: every member done, one digest counted, one slot',
      outcome: allSent,
      want: { items: [], done: five.map((p) => `${p.incidentId}|${p.key}`), nextSlotAt: 1000, stats: { sent: 5, digests: 1 }, memos: [...five.map((p) => ({ workflowId: p.workflowId, target: 'slack', revision: Number(p.workflowId.slice(1)) + 1 })), { workflowId: 'digest|C1|171.5', revision: 15 }] },
      reports: ['sent', 'sent', 'sent', 'sent', 'sent'],
    },
    // The post failed: all back in line together, each with its attempt counted; a retry may regroup them.
    {
      name: 'failed: all back in line with a backoff',
      outcome: () => ({ type: 'failed', permanent: false, calls: 1, detail: '500' }),
      want: { items: five.map((p) => ({ key: p.key, attempt: 1, notBefore: 1300, first: true })), done: [], stats: { sent: 0, failed: 0 } },
      reports: ['retrying', 'retrying', 'retrying', 'retrying', 'retrying'],
    },
    // A 429 is one pause, not five; no member loses an attempt.
    {
      name: 'rate limited: all back, one pause counted once',
      outcome: () => ({ type: 'rate_limited', calls: 1, retryAfterMs: 2000, detail: '429' }),
      want: { items: five.map((p) => ({ key: p.key, attempt: 0, notBefore: 0 })), pausedUntil: 2300, stats: { rateLimited: 1 } },
      reports: [null, null, null, null, null],
    },
    // Permanent: every member failed for good (each incident then pages its fallback).
    {
      name: 'failed for good: every member reported failed',
      outcome: () => ({ type: 'failed', permanent: true, calls: 1, detail: 'channel_not_found' }),
      want: { items: [], stats: { failed: 5 } },
      reports: ['failed', 'failed', 'failed', 'failed', 'failed'],
    },
    // Each member as it fared: one already sent earlier (left out of the post), one busy elsewhere, one unreadable.
    {
      name: 'mixed: members settle by their own outcomes, one call charged',
      outcome: (d) => ({
        type: 'digest', calls: 1, detail: 'posted 2',
        members: d.members!.map((m, k): DigestOutcome['members'][number] => ({
          key: m.key, incidentId: m.incidentId,
          outcome: [
            { type: 'sent', calls: 1, detail: 'in a digest' },
            { type: 'sent', calls: 0, detail: 'already sent' },
            { type: 'busy', retryAfterMs: 700, detail: 'held' },
            { type: 'failed', permanent: false, calls: 0, detail: 'cannot read incident' },
            { type: 'sent', calls: 1, detail: 'in a digest' },
          ][k] as SendOutcome,
        })),
      }),
      want: { items: [{ key: five[2]!.key, notBefore: 1000, attempt: 0 }, { key: five[3]!.key, notBefore: 1300, attempt: 1 }], stats: { sent: 3, digests: 1 }, nextSlotAt: 1000 },
      reports: ['sent', 'sent', null, 'retrying', 'sent'],
    },
    // Nothing was left to post: the slot is given back.
    {
      name: 'nothing posted: the slot is given back',
      outcome: (d) => ({ type: 'digest', calls: 0, detail: 'all sent before', members: d.members!.map((m) => ({ key: m.key, incidentId: m.incidentId, outcome: { type: 'sent', calls: 0, detail: 'already sent' } })) }),
      want: { nextSlotAt: 300, stats: { sent: 5, digests: 0 } },
      reports: ['sent', 'sent', 'sent', 'sent', 'sent'],
    },
  ];
  it.each(cases)('$name', ({ outcome, want, reports }) => {
    const { q, digest } = started();
    const out = settleDigest(q, digest, outcome(digest), 300);
    expect(out.queue.inFlight).toEqual([]);
    expect(out.queue).toMatchObject(want);
    expect(out.reports.map((r) => r.send.workflowId)).toEqual(five.map((p) => p.workflowId));
    expect(out.reports.map((r) => r.report?.type ?? null)).toEqual(reports);
  });

  it('puts members back at the severity they rose to while out', () => {
    const { q, digest } = started();
    const refresh: QueuedSend = { ...five[3]!, key: 'i3|refresh|slack', kind: 'refresh', step: '', severity: 'critical', reasons: ['severity'], first: false };
    const raised = enqueue(q, refresh);
    const back = settleDigest(raised, digest, { type: 'failed', permanent: false, calls: 1, detail: '500' }, 300).queue;
    expect(back.items.find((i) => i.workflowId === 'i3' && i.kind === 'page')?.severity).toBe('critical');
  });
});

describe('refreshes of a digest', () => {
  it('coalesce into one send for the message, whichever member changed, at the most severe member', () => {
    const q = fill([digestRefresh('171.5', 'medium', ['status']), digestRefresh('171.5', 'high', ['status']), digestRefresh('171.5', 'medium', ['level'])]);
    expect(q.items).toHaveLength(1);
    expect(q.items[0]).toMatchObject({ key: 'digest|C1|171.5|refresh', reasons: ['status', 'level'], severity: 'high' });
    expect(q.stats.coalesced).toBe(2);
  });

  it('never run beside a member page that edits the same digest', () => {
    const escalation = page('i0', { first: false, step: '2.l2', message: 'digest|C1|171.5' });
    expect(messageKey(escalation)).toBe(messageKey(digestRefresh('171.5')));
    const q = startSend(fill([escalation, digestRefresh('171.5')]), escalation, 0);
    expect(next(q, 5000)).toEqual({ waitMs: null });
  });
});

describe('digest properties', () => {
  const arbPage = fc.record({
    route: fc.constantFrom('r0', 'r1'),
    severity: fc.constantFrom<Severity>('critical', 'high', 'medium', 'low'),
    at: fc.integer({ min: 0, max: 8000 }),
    first: fc.boolean(),
  });
  const arbStorm = fc.array(arbPage, { minLength: 1, maxLength: 60 });
  const arbGrouping = fc.record({ threshold: fc.integer({ min: 2, max: 8 }), max: fc.integer({ min: 2, max: 20 }), waitMs: fc.constantFrom(0, 0, 500, 3000) });

  const build = (storm: Array<{ route: string; severity: Severity; at: number; first: boolean }>, g: Omit<IncidentGrouping, 'key'> | null) =>
    storm.map((p, k) => page(`p${k}`, { enqueuedAt: p.at, severity: p.severity, first: p.first, ...(g ? { group: { key: p.route, ...g, max: Math.max(g.max, g.threshold) } } : { group: undefined }) }));

  /** Runs a storm to the end, every call succeeding at once; when each page started, and what each start was. */
  function drain(storm: QueuedSend[]) {
    const arrivals = [...storm].sort((a, b) => a.enqueuedAt - b.enqueuedAt);
    let q = emptyQueue('slack', RATE);
    let now = 0;
    const startedAt = new Map<string, number>();
    const starts: Array<{ at: number; send: QueuedSend; readyCriticals: QueuedSend[]; group: QueuedSend[] }> = [];
    for (let guard = 0; guard < 10_000; guard++) {
      while (arrivals.length > 0 && arrivals[0]!.enqueuedAt <= now) q = enqueue(q, arrivals.shift()!);
      const n = nextSend(q, now);
      if ('send' in n) {
        const s = n.send;
        const group = groupable(s.members?.[0] ?? s) ? q.items.filter((i) => groupable(i) && groupKeyOf(i) === groupKeyOf(s)) : [];
        starts.push({ at: now, send: s, readyCriticals: q.items.filter((i) => i.severity === 'critical' && i.kind === 'page'), group });
        q = startSend(q, s, now);
        for (const m of s.members ?? [s]) startedAt.set(m.key, now);
        const outcome: DigestOutcome | SendOutcome = s.members
          ? { type: 'digest', calls: 1, detail: 'posted', members: s.members.map((m) => ({ key: m.key, incidentId: m.incidentId, outcome: { type: 'sent', calls: 1, detail: 'ok' } })) }
          : { type: 'sent', calls: 1, detail: 'ok' };
        q = settleDigest(q, s, outcome, now).queue;
        continue;
      }
      const wake = Math.min(n.waitMs === null ? Infinity : now + n.waitMs, arrivals[0]?.enqueuedAt ?? Infinity);
      if (wake === Infinity) break;
      now = wake;
    }
    return { startedAt, starts, q };
  }

  it('sends every page exactly once; a digest holds one route, no critical and no later step, between threshold and max pages', () => {
    fc.assert(
      fc.property(arbStorm, arbGrouping, (raw, g) => {
        const storm = build(raw, g);
        const { startedAt, starts, q } = drain(storm);
        expect(q.items).toEqual([]);
        expect([...startedAt.keys()].sort()).toEqual(storm.map((p) => p.key).sort());
        expect(starts.flatMap((s) => s.send.members ?? [s.send])).toHaveLength(storm.length);
        for (const { send } of starts.filter((s) => s.send.kind === 'digest')) {
          const members = send.members!;
          expect(members.length).toBeGreaterThanOrEqual(send.group!.threshold);
          expect(members.length).toBeLessThanOrEqual(send.group!.max);
          expect(new Set(members.map((m) => m.group!.key)).size).toBe(1);
          expect(members.every((m) => m.severity !== 'critical' && m.first === true)).toBe(true);
        }
      }),
    );
  });

  it('never holds a critical back: whenever one waits, the next start is a critical page alone', () => {
    fc.assert(
      fc.property(arbStorm, arbGrouping, (raw, g) => {
        for (const s of drain(build(raw, g)).starts) {
          if (s.readyCriticals.length > 0) expect(s.send).toMatchObject({ kind: 'page', severity: 'critical' });
        }
      }),
    );
  });

  // The default's argument: with wait 0, grouping only merges pages that already wait behind the limit.
  it('with wait 0 (the default), no page of a burst starts later than it would without grouping', () => {
    fc.assert(
      fc.property(arbStorm, arbGrouping, (raw, g) => {
        const burst = raw.map((p) => ({ ...p, at: 0 }));
        const grouped = drain(build(burst, { ...g, waitMs: 0 })).startedAt;
        const alone = drain(build(burst, null)).startedAt;
        for (const [key, at] of alone) expect(grouped.get(key)).toBeLessThanOrEqual(at);
      }),
      { numRuns: 300 },
    );
  });

  // With pages arriving over time the limiter is not slotted and an idle channel restarts its spacing
  // at the next arrival, so a digest can shift the phase of later slots (and a page it moved up may take
  // a slot a later arrival would have had). What holds: the line as a whole is never a slot behind.
  it('with wait 0 and pages arriving over time, the line is never a slot behind where it would be without grouping', () => {
    const spacing = 1000 / RATE;
    fc.assert(
      fc.property(arbStorm, arbGrouping, (raw, g) => {
        const grouped = drain(build(raw, { ...g, waitMs: 0 })).startedAt;
        const alone = drain(build(raw, null)).startedAt;
        const startedBy = (m: Map<string, number>, t: number) => [...m.values()].filter((at) => at <= t).length;
        for (const t of alone.values()) expect(startedBy(grouped, t + spacing)).toBeGreaterThanOrEqual(startedBy(alone, t));
      }),
      { numRuns: 300 },
    );
  });

  it('with a wait, nothing of a group starts before the oldest of it waiting has waited, unless the group is full', () => {
    fc.assert(
      fc.property(arbStorm, arbGrouping, (raw, g) => {
        for (const { at, send, group } of drain(build(raw, { ...g, waitMs: 3000 })).starts) {
          if (group.length === 0 || group.length >= send.group!.max) continue;
          expect(at).toBeGreaterThanOrEqual(Math.min(...group.map((p) => p.enqueuedAt)) + 3000);
        }
      }),
    );
  });
});
