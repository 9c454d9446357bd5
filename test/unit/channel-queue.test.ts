import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PAUSE_MS,
  LOOKAHEAD_MS,
  MAX_IN_FLIGHT,
  compareSends,
  emptyQueue,
  enqueue,
  memoFor,
  messageKey,
  nextSend,
  settle,
  startSend,
  type ChannelQueue,
  type QueuedSend,
  type SendOutcome,
  type SendReport,
} from '../../domain/delivery/channel-queue';
import { MAX_SEND_ATTEMPTS, failureKind, retryAfterOf, retryDelayMs } from '../../domain/delivery/retry';
import type { RefreshReason } from '../../domain/incident-state';
import { SEVERITIES, SEVERITY_RANK, type Severity } from '../../domain/severity';

/** Slack's default limit: one slot every 1000 ms. */
const RATE = 1;

/** A page of incident `wf` (run chain `<wf>-1` unless given) at escalation `step`, to the channel's `slack` target. */
function page(wf: string, step: string, opts: Partial<QueuedSend> = {}): QueuedSend {
  const target = opts.target ?? 'slack';
  return {
    key: `${wf}|${step}|${target}`, kind: 'page', workflowId: wf, incidentId: `${wf}-1`, step, target, channel: 'slack',
    severity: 'high', reasons: [], enqueuedAt: 0, attempt: 0, notBefore: 0, ...opts,
  };
}

/** A refresh of incident `wf`'s message on `target` (default `slack`), for `reasons`. */
function refresh(wf: string, reasons: RefreshReason[], opts: Partial<QueuedSend> = {}): QueuedSend {
  const target = opts.target ?? 'slack';
  return {
    key: `${wf}|refresh|${target}`, kind: 'refresh', workflowId: wf, incidentId: `${wf}-1`, step: '', target, channel: 'slack',
    severity: 'high', reasons, enqueuedAt: 0, attempt: 0, notBefore: 0, ...opts,
  };
}

/** An empty queue at RATE with `sends` enqueued in order. */
const fill = (...sends: QueuedSend[]) => sends.reduce(enqueue, emptyQueue('slack', RATE));

/** Enqueues `send` into `q` and starts it at `now`, as the dispatcher does once nextSend picks it. */
function started(send: QueuedSend, now = 0, q = fill()): ChannelQueue {
  return startSend(enqueue(q, send), send, now);
}

/** Enqueues, starts and settles `send` as sent at `now`. */
function sent(q: ChannelQueue, send: QueuedSend, now = 0): ChannelQueue {
  return settle(started(send, now, q), send, { type: 'sent', calls: 1, detail: 'ok' }, now).queue;
}

/** nextSend's answer in short: the key it would start, or how long to wait. */
function next(q: ChannelQueue, now: number): string | { waitMs: number | null } {
  const n = nextSend(q, now);
  return 'send' in n ? n.send.key : n;
}

describe('enqueue', () => {
  const cases: Array<{ name: string; run: () => ChannelQueue; want: object }> = [
    // The enqueueing activity retried: the same page twice is one send.
    { name: 'drops a page already queued', run: () => fill(page('a', '1'), page('a', '1')), want: { items: [{ key: 'a|1|slack' }] } },
    // A retried enqueue while the first copy is being sent.
    { name: 'drops a page in flight', run: () => enqueue(started(page('a', '1')), page('a', '1')), want: { items: [], inFlight: [{ key: 'a|1|slack' }] } },
    // A retried enqueue after the page went out.
    { name: 'drops a page already sent', run: () => enqueue(sent(fill(), page('a', '1')), page('a', '1')), want: { items: [], inFlight: [], done: ['a-1|a|1|slack'] } },
    // The workflow id is the fingerprint: the next incident on it restarts at step 1 with the same key, and must still page.
    {
      name: 'queues the page of a new incident whose key an earlier incident sent',
      run: () => enqueue(sent(fill(), page('a', '1')), page('a', '1', { incidentId: 'a-2' })),
      want: { items: [{ key: 'a|1|slack', incidentId: 'a-2' }] },
    },
    // Ten changes behind the limit become one call: reasons are united, the place in line is the earliest.
    {
      name: 'merges a refresh into the queued refresh of the same message',
      run: () => fill(refresh('a', ['status'], { enqueuedAt: 5 }), refresh('a', ['severity'], { enqueuedAt: 7 }), refresh('a', ['status', 'level'], { enqueuedAt: 9 })),
      want: { items: [{ key: 'a|refresh|slack', reasons: ['status', 'level', 'severity'], enqueuedAt: 5 }], stats: { coalesced: 2 } },
    },
    // The refresh in flight may already have read the old state: the new change waits as its own send.
    {
      name: 'queues a refresh behind the same one in flight',
      run: () => enqueue(started(refresh('a', ['status'])), refresh('a', ['level'])),
      want: { items: [{ key: 'a|refresh|slack', reasons: ['level'] }], inFlight: [{ reasons: ['status'] }], stats: { coalesced: 0 } },
    },
    // Another target, another incident, or another run chain of the same workflow id is another message.
    {
      name: 'keeps refreshes of other messages apart',
      run: () => fill(refresh('a', ['status']), refresh('a', ['status'], { target: 'ops' }), refresh('b', ['status']), refresh('a', ['level'], { incidentId: 'a-2' })),
      want: { items: [{ key: 'a|refresh|slack' }, { key: 'a|refresh|ops' }, { key: 'b|refresh|slack' }, { key: 'a|refresh|slack', incidentId: 'a-2' }], stats: { coalesced: 0 } },
    },
    // The incident became critical: its waiting page and refresh move up with it; incident b is untouched.
    {
      name: 'raises the severity of everything the incident has waiting',
      run: () => fill(page('a', '1', { severity: 'low' }), refresh('a', ['status'], { severity: 'low' }), page('b', '1', { severity: 'low' }), refresh('a', ['severity'], { target: 'ops', severity: 'critical' })),
      want: { items: [{ severity: 'critical' }, { severity: 'critical' }, { severity: 'low' }, { severity: 'critical' }] },
    },
    // A refresh merged into one that was raised keeps the raised severity.
    { name: 'a merged refresh keeps the higher severity', run: () => fill(refresh('a', ['status'], { severity: 'medium' }), refresh('a', ['level'], { severity: 'critical' })), want: { items: [{ severity: 'critical', reasons: ['status', 'level'] }] } },
    // Severity only rises in line: a later, lower send leaves the queued ones where they are.
    { name: 'never lowers a queued severity', run: () => fill(page('a', '1', { severity: 'critical' }), page('a', '2', { severity: 'low' })), want: { items: [{ severity: 'critical' }, { severity: 'low' }] } },
    // Its page was out when the incident became critical, and got a 429: it comes back critical, not low.
    {
      name: 'a send in flight comes back at the severity its incident rose to',
      run: () => settle(enqueue(started(page('a', '1', { severity: 'low' })), refresh('a', ['severity'], { severity: 'critical' })), page('a', '1', { severity: 'low' }), { type: 'rate_limited', calls: 1, detail: '429' }, 10).queue,
      want: { items: [{ key: 'a|refresh|slack', severity: 'critical' }, { key: 'a|1|slack', severity: 'critical' }], inFlight: [] },
    },
    // A new run chain under the same workflow id is another incident.
    { name: 'raises only the same incident', run: () => fill(page('a', '1', { severity: 'low' }), page('a', '2', { incidentId: 'a-2', severity: 'critical' })), want: { items: [{ severity: 'low' }, { severity: 'critical' }] } },
  ];
  it.each(cases)('$name', ({ run, want }) => {
    expect(run()).toMatchObject(want);
  });
});

describe('compareSends', () => {
  const cases: Array<{ name: string; first: QueuedSend; second: QueuedSend }> = [
    // Any page beats any refresh, whatever the severities.
    { name: 'an info page before a critical refresh', first: page('a', '1', { severity: 'info' }), second: refresh('b', ['status'], { severity: 'critical' }) },
    // Then severity, most urgent first.
    { name: 'critical before high', first: page('a', '1', { severity: 'critical' }), second: page('b', '1', { severity: 'high' }) },
    { name: 'high before medium', first: page('a', '1', { severity: 'high' }), second: page('b', '1', { severity: 'medium' }) },
    { name: 'medium before low', first: page('a', '1', { severity: 'medium' }), second: page('b', '1', { severity: 'low' }) },
    { name: 'low before info', first: page('a', '1', { severity: 'low' }), second: page('b', '1', { severity: 'info' }) },
    // Severity among refreshes too.
    { name: 'a critical refresh before a high one', first: refresh('a', ['status'], { severity: 'critical' }), second: refresh('b', ['status']) },
    // Same kind and severity: first come, first served, even against key order.
    { name: 'earlier enqueued first', first: page('z', '1', { enqueuedAt: 1 }), second: page('a', '1', { enqueuedAt: 2 }) },
    // A full tie is broken by key, so the order never depends on the queue's layout.
    { name: 'key breaks a tie', first: page('a', '1'), second: page('b', '1') },
  ];
  it.each(cases)('$name', ({ first, second }) => {
    expect(compareSends(first, second)).toBeLessThan(0);
    expect(compareSends(second, first)).toBeGreaterThan(0);
  });

  it('is zero only for the same key', () => {
    expect(compareSends(page('a', '1'), page('a', '1'))).toBe(0);
  });
});

describe('nextSend', () => {
  const busy = (q: ChannelQueue, ...inFlight: QueuedSend[]): ChannelQueue => ({ ...q, inFlight });
  const cases: Array<{ name: string; q: ChannelQueue; now: number; want: string | { waitMs: number | null } }> = [
    // Nothing queued: wait until a signal changes something.
    { name: 'empty queue waits for a change', q: fill(), now: 0, want: { waitMs: null } },
    // The best of the line: pages before refreshes, then severity, then first come.
    {
      name: 'picks the page of highest severity',
      q: fill(refresh('r', ['status'], { severity: 'critical' }), page('a', '1', { severity: 'medium' }), page('b', '1', { severity: 'critical', enqueuedAt: 9 }), page('c', '1', { severity: 'critical', enqueuedAt: 3 })),
      now: 0,
      want: 'c|1|slack',
    },
    // At the slot's very millisecond the send may start.
    { name: 'starts at the slot exactly', q: { ...fill(page('a', '1')), nextSlotAt: 1000 }, now: 1000, want: 'a|1|slack' },
    // Before the next slot: wait for exactly the rest of the spacing.
    { name: 'waits for the rate spacing', q: { ...fill(page('a', '1')), nextSlotAt: 1000 }, now: 400, want: { waitMs: 600 } },
    // The provider's Retry-After outlasts the spacing.
    { name: 'waits out a Retry-After pause', q: { ...fill(page('a', '1')), nextSlotAt: 1000, pausedUntil: 5000 }, now: 400, want: { waitMs: 4600 } },
    // MAX_IN_FLIGHT sends out: nothing more until one settles.
    {
      name: 'no more than MAX_IN_FLIGHT at once',
      q: busy(fill(page('z', '1')), ...Array.from({ length: MAX_IN_FLIGHT }, (_, n) => page(`f${n}`, '1'))),
      now: 0,
      want: { waitMs: null },
    },
    // One below the bound: the next may start.
    { name: 'starts with one slot of MAX_IN_FLIGHT left', q: busy(fill(page('z', '1')), ...Array.from({ length: MAX_IN_FLIGHT - 1 }, (_, n) => page(`f${n}`, '1'))), now: 0, want: 'z|1|slack' },
    // A refresh of a|slack is in flight: a's next page edits that message, so it waits and b's refresh goes.
    { name: 'never two sends to one message at once', q: busy(fill(page('a', '2', { severity: 'critical' }), refresh('b', ['status'])), refresh('a', ['status'])), now: 0, want: 'b|refresh|slack' },
    // Only the blocked send is queued: wait for the one in flight to settle.
    { name: 'a blocked send waits for its message', q: busy(fill(page('a', '2')), refresh('a', ['status'])), now: 0, want: { waitMs: null } },
    // The same incident on another target is another message and may go.
    { name: 'another target of the same incident may go', q: busy(fill(page('a', '2', { target: 'ops' })), refresh('a', ['status'])), now: 0, want: 'a|2|ops' },
    // The critical page is backing off after a failure: the low one goes meanwhile.
    { name: 'skips a send backing off', q: fill(page('a', '1', { severity: 'critical', notBefore: 3000 }), page('b', '1', { severity: 'low' })), now: 0, want: 'b|1|slack' },
    // Everything is backing off: wait until the first is due.
    { name: 'waits for the earliest backoff', q: fill(page('a', '1', { notBefore: 3000 }), page('b', '1', { notBefore: 2000 })), now: 500, want: { waitMs: 1500 } },
    // Due at 2 s but the channel is paused until 5 s: wait for the later.
    { name: 'a backoff inside a pause waits for the pause', q: { ...fill(page('a', '1', { notBefore: 2000 })), pausedUntil: 5000 }, now: 500, want: { waitMs: 4500 } },
    // The backoff is over: it goes.
    { name: 'starts once the backoff is over', q: fill(page('a', '1', { notBefore: 2000 })), now: 2000, want: 'a|1|slack' },
  ];
  it.each(cases)('$name', ({ q, now, want }) => {
    expect(next(q, now)).toEqual(want);
  });
});

describe('nextSend with a look-ahead', () => {
  const ahead = (q: ChannelQueue, now: number, lookahead: number) => {
    const n = nextSend(q, now, lookahead);
    return 'send' in n ? { key: n.send.key, at: n.at } : n;
  };
  it('starts a send whose slot opens within the look-ahead, naming the slot', () => {
    expect(ahead({ ...fill(page('a', '1')), nextSlotAt: 1000 }, 600, 500)).toEqual({ key: 'a|1|slack', at: 1000 });
  });
  it('waits only until the slot comes within the look-ahead', () => {
    expect(ahead({ ...fill(page('a', '1')), nextSlotAt: 1000 }, 400, 500)).toEqual({ waitMs: 100 });
  });
  it('never starts before a Retry-After pause comes within reach', () => {
    expect(ahead({ ...fill(page('a', '1')), nextSlotAt: 1000, pausedUntil: 5000 }, 4600, 500)).toEqual({ key: 'a|1|slack', at: 5000 });
    expect(ahead({ ...fill(page('a', '1')), nextSlotAt: 1000, pausedUntil: 5000 }, 4000, 500)).toEqual({ waitMs: 500 });
  });
  it('a slot already open starts now', () => {
    expect(ahead({ ...fill(page('a', '1')), nextSlotAt: 1000 }, 1700, 500)).toEqual({ key: 'a|1|slack', at: 1700 });
  });
  it('chains early starts one spacing apart, as far as the look-ahead reaches', () => {
    let q: ChannelQueue = { ...emptyQueue('slack', 10), nextSlotAt: 1000 };
    for (const wf of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']) q = enqueue(q, page(wf, '1'));
    const ats: number[] = [];
    for (;;) {
      const n = nextSend(q, 1000, 500);
      if (!('send' in n)) break;
      ats.push(n.at);
      q = startSend(q, n.send, n.at);
    }
    expect(ats).toEqual([1000, 1100, 1200, 1300, 1400, 1500]);
  });
});

describe('startSend', () => {
  const cases: Array<{ name: string; run: () => ChannelQueue; want: object }> = [
    // On time: the send leaves the line for flight and the next slot is one spacing later.
    { name: 'takes the next slot on time', run: () => startSend({ ...fill(page('a', '1'), page('b', '1')), nextSlotAt: 1000 }, page('a', '1'), 1000), want: { items: [{ key: 'b|1|slack' }], inFlight: [{ key: 'a|1|slack' }], nextSlotAt: 2000 } },
    // Started 300 ms late (timer, then a workflow task): the slots keep their grid, so the lateness is caught up.
    { name: 'a late start keeps the grid', run: () => startSend({ ...fill(page('a', '1')), nextSlotAt: 1000 }, page('a', '1'), 1300), want: { nextSlotAt: 2000 } },
    // The slot is still ahead (a caller that did not wait): the spacing counts from the slot, not from now.
    { name: 'counts from a slot still ahead', run: () => startSend({ ...fill(page('a', '1')), nextSlotAt: 800 }, page('a', '1'), 500), want: { nextSlotAt: 1800 } },
    // 4 per second: a slot every 250 ms.
    { name: 'spacing follows the rate', run: () => startSend({ ...enqueue(emptyQueue('slack', 4), page('a', '1')), nextSlotAt: 1000 }, page('a', '1'), 1000), want: { nextSlotAt: 1250 } },
  ];
  it.each(cases)('$name', ({ run, want }) => {
    expect(run()).toMatchObject(want);
  });
});

describe('settle', () => {
  const memo = { channelType: 'slack', ref: { channel: 'C1', ts: '171.1' }, revision: 3 };
  const cases: Array<{ name: string; send: QueuedSend; q?: ChannelQueue; outcome: SendOutcome; now: number; want: object; report: SendReport }> = [
    // Sent: gone from flight, remembered as done, counted; its slot stays taken.
    {
      name: 'a sent page is done',
      send: page('a', '1'), outcome: { type: 'sent', calls: 1, detail: 'posted' }, now: 300,
      want: { items: [], inFlight: [], done: ['a-1|a|1|slack'], nextSlotAt: 1000, stats: { sent: 1 } },
      report: { type: 'sent', detail: 'posted' },
    },
    // The post's ref is remembered for later edits and told to the incident.
    {
      name: 'a sent page remembers its message',
      send: page('a', '1'), outcome: { type: 'sent', calls: 1, detail: 'posted', memo }, now: 300,
      want: { memos: [{ workflowId: 'a', incidentId: 'a-1', target: 'slack', ...memo }] },
      report: { type: 'sent', detail: 'posted', ref: memo.ref, channelType: 'slack' },
    },
    // An older revision landing late never rolls the memo back.
    {
      name: 'a memo never goes back a revision',
      send: refresh('a', ['status']),
      q: { ...fill(), memos: [{ workflowId: 'a', incidentId: 'a-1', target: 'slack', ...memo, revision: 5 }] },
      outcome: { type: 'sent', calls: 1, detail: 'edited', memo }, now: 300,
      want: { memos: [{ revision: 5 }] },
      report: { type: 'sent', detail: 'edited', ref: memo.ref, channelType: 'slack' },
    },
    // Refreshes repeat by design: they are not remembered as done.
    { name: 'a sent refresh is not done', send: refresh('a', ['status']), outcome: { type: 'sent', calls: 1, detail: 'edited' }, now: 300, want: { done: [], stats: { sent: 1 } }, report: { type: 'sent', detail: 'edited' } },
    // A Slack escalation edits and replies: two calls, two slots.
    { name: 'extra calls take extra slots', send: page('a', '2'), outcome: { type: 'sent', calls: 2, detail: 'edited + replied' }, now: 300, want: { nextSlotAt: 2000 }, report: { type: 'sent', detail: 'edited + replied' } },
    // The ledger already had it: no call made, the reservation is given back.
    { name: 'a reservation not used is given back', send: page('a', '1'), outcome: { type: 'sent', calls: 0, detail: 'already sent' }, now: 300, want: { nextSlotAt: 300, stats: { sent: 1 } }, report: { type: 'sent', detail: 'already sent' } },
    // Skipped (nothing to say to this channel): counted, no call, slot given back.
    { name: 'skipped gives the slot back', send: refresh('a', ['level']), outcome: { type: 'skipped', detail: 'level not shown' }, now: 300, want: { items: [], nextSlotAt: 300, stats: { skipped: 1, sent: 0 } }, report: { type: 'skipped', detail: 'level not shown' } },
    // 429 with Retry-After 5 s: back in line, not an attempt, the whole channel paused; the incident hears nothing.
    {
      name: 'rate limited pauses the channel for Retry-After',
      send: page('a', '1'), outcome: { type: 'rate_limited', retryAfterMs: 5000, calls: 1, detail: '429' }, now: 200,
      want: { items: [{ key: 'a|1|slack', attempt: 0, notBefore: 0 }], inFlight: [], pausedUntil: 5200, nextSlotAt: 1000, stats: { rateLimited: 1, failed: 0 } },
      report: null,
    },
    // 429 without Retry-After: the default pause.
    { name: 'rate limited without Retry-After pauses by default', send: page('a', '1'), outcome: { type: 'rate_limited', calls: 1, detail: '429' }, now: 200, want: { pausedUntil: 200 + DEFAULT_PAUSE_MS }, report: null },
    // Another sender holds the ledger row: try again later, not an attempt, no call made.
    {
      name: 'busy waits without counting an attempt',
      send: page('a', '1'), outcome: { type: 'busy', retryAfterMs: 3000, detail: 'lease held' }, now: 200,
      want: { items: [{ attempt: 0, notBefore: 3200 }], nextSlotAt: 200, pausedUntil: 0 },
      report: null,
    },
    // First failure: attempt 1, retried in 1 s; the incident sees the attempt.
    {
      name: 'a failure backs off 1 s',
      send: page('a', '1'), outcome: { type: 'failed', permanent: false, calls: 1, detail: '500' }, now: 200,
      want: { items: [{ attempt: 1, notBefore: 1200 }], stats: { failed: 0 } },
      report: { type: 'retrying', attempt: 1, nextTryAt: 1200, detail: '500' },
    },
    // Fourth failure: 8 s.
    { name: 'the fourth failure backs off 8 s', send: page('a', '1', { attempt: 3 }), outcome: { type: 'failed', permanent: false, calls: 1, detail: '500' }, now: 200, want: { items: [{ attempt: 4, notBefore: 8200 }] }, report: { type: 'retrying', attempt: 4, nextTryAt: 8200, detail: '500' } },
    // A Retry-After longer than the backoff wins.
    { name: 'a longer Retry-After wins over the backoff', send: page('a', '1'), outcome: { type: 'failed', permanent: false, retryAfterMs: 20_000, calls: 1, detail: '503' }, now: 200, want: { items: [{ notBefore: 20_200 }] }, report: { type: 'retrying', attempt: 1, nextTryAt: 20_200, detail: '503' } },
    // The fifth failure uses up the attempts.
    { name: 'the fifth failure is final', send: page('a', '1', { attempt: 4 }), outcome: { type: 'failed', permanent: false, calls: 1, detail: '500' }, now: 200, want: { items: [], inFlight: [], done: [], stats: { failed: 1 } }, report: { type: 'failed', attempt: 5, detail: '500' } },
    // 4xx: no retry at all.
    { name: 'a permanent failure is final at once', send: page('a', '1'), outcome: { type: 'failed', permanent: true, calls: 1, detail: 'channel_not_found' }, now: 200, want: { items: [], stats: { failed: 1 } }, report: { type: 'failed', attempt: 1, detail: 'channel_not_found' } },
    // A refresh failed while a newer one waited: they become one, with every reason and the failed attempt.
    {
      name: 'a failed refresh merges into the newer one waiting',
      send: refresh('a', ['status']), q: fill(refresh('a', ['level'], { enqueuedAt: 50 })),
      outcome: { type: 'failed', permanent: false, calls: 1, detail: '500' }, now: 200,
      want: { items: [{ key: 'a|refresh|slack', reasons: ['status', 'level'], attempt: 1, notBefore: 1200, enqueuedAt: 0 }], stats: { coalesced: 0 } },
      report: { type: 'retrying', attempt: 1, nextTryAt: 1200, detail: '500' },
    },
  ];
  it.each(cases)('$name', ({ send, q, outcome, now, want, report }) => {
    // The queued copy (q) is the newer send; `send` was started at 0 ahead of it.
    const before = q ? { ...q, inFlight: [send], nextSlotAt: 1000 } : started(send, 0);
    const out = settle(before, send, outcome, now);
    expect(out.queue).toMatchObject(want);
    expect(out.report).toEqual(report);
  });
});

describe('memoFor', () => {
  const q = { memos: [{ workflowId: 'a', incidentId: 'a-1', target: 'slack', channelType: 'slack', ref: { ts: '1' }, revision: 1 }] };
  const cases: Array<{ name: string; send: QueuedSend; found: boolean }> = [
    // The incident's own message on this target.
    { name: 'same incident and target', send: refresh('a', ['status']), found: true },
    // Another target of the incident has its own message.
    { name: 'another target', send: refresh('a', ['status'], { target: 'ops' }), found: false },
    // A later incident under the same workflow id must not edit the old one's post.
    { name: 'another incident of the same workflow id', send: refresh('a', ['status'], { incidentId: 'a-2' }), found: false },
  ];
  it.each(cases)('$name', ({ send, found }) => {
    expect(memoFor(q, send) !== undefined).toBe(found);
  });
});

describe('retryDelayMs', () => {
  const cases: Array<{ name: string; attempt: number; retryAfterMs?: number; want: number | null }> = [
    // 1, 2, 4, 8 s between attempts…
    { name: 'after attempt 1: 1 s', attempt: 1, want: 1000 },
    { name: 'after attempt 2: 2 s', attempt: 2, want: 2000 },
    { name: 'after attempt 3: 4 s', attempt: 3, want: 4000 },
    { name: 'after attempt 4: 8 s', attempt: 4, want: 8000 },
    // …then the step has failed.
    { name: 'after attempt 5: none', attempt: MAX_SEND_ATTEMPTS, want: null },
    { name: 'after attempt 6: none', attempt: 6, want: null },
    // A Retry-After longer than the backoff wins; a shorter one does not shorten it.
    { name: 'a longer Retry-After wins', attempt: 2, retryAfterMs: 5000, want: 5000 },
    { name: 'a shorter Retry-After does not', attempt: 3, retryAfterMs: 500, want: 4000 },
    // Attempts used up: not even a Retry-After brings another.
    { name: 'no Retry-After after the last attempt', attempt: 5, retryAfterMs: 1000, want: null },
  ];
  it.each(cases)('$name', ({ attempt, retryAfterMs, want }) => {
    expect(retryDelayMs(attempt, retryAfterMs)).toBe(want);
  });

  it('allows exactly MAX_SEND_ATTEMPTS = 5 attempts', () => {
    expect(MAX_SEND_ATTEMPTS).toBe(5);
  });
});

describe('retryAfterOf', () => {
  const cases: Array<{ name: string; failure: Parameters<typeof retryAfterOf>[0]; want: number | undefined }> = [
    // Details are what reach a workflow: they come first.
    { name: 'details before nextRetryDelay', failure: { details: [{ retryAfterMs: 3000 }], nextRetryDelay: 9000 }, want: 3000 },
    // No usable details: nextRetryDelay.
    { name: 'nextRetryDelay without details', failure: { details: [], nextRetryDelay: 9000 }, want: 9000 },
    { name: 'nextRetryDelay when details are null', failure: { details: null, nextRetryDelay: 1500 }, want: 1500 },
    { name: 'details of another shape are ignored', failure: { details: ['429 Too Many Requests', { retryAfterMs: 7 }], nextRetryDelay: 1500 }, want: 1500 },
    { name: 'a retryAfterMs that is not a number is ignored', failure: { details: [{ retryAfterMs: '3000' }] }, want: undefined },
    // Nothing at all.
    { name: 'none', failure: {}, want: undefined },
    { name: 'a nextRetryDelay that is not a number is ignored', failure: { nextRetryDelay: '2s' }, want: undefined },
  ];
  it.each(cases)('$name', ({ failure, want }) => {
    expect(retryAfterOf(failure)).toBe(want);
  });
});

describe('failureKind', () => {
  const cases: Array<{ name: string; type: string | null; nonRetryable: boolean; want: ReturnType<typeof failureKind> }> = [
    // A 429 is "not yet", whatever the retry flag says.
    { name: 'rate limited', type: 'delivery_rate_limited', nonRetryable: false, want: 'rate_limited' },
    { name: 'rate limited even if marked non-retryable', type: 'delivery_rate_limited', nonRetryable: true, want: 'rate_limited' },
    // Another sender holds the ledger row.
    { name: 'ledger busy', type: 'ledger_busy', nonRetryable: false, want: 'busy' },
    // Everything else follows the retry flag.
    { name: 'a 4xx', type: 'delivery_client', nonRetryable: true, want: 'permanent' },
    { name: 'a 5xx', type: 'delivery_server', nonRetryable: false, want: 'retryable' },
    { name: 'no type', type: null, nonRetryable: false, want: 'retryable' },
  ];
  it.each(cases)('$name', ({ type, nonRetryable, want }) => {
    expect(failureKind(type, nonRetryable)).toBe(want);
  });
});

describe('channel queue properties', () => {
  // Three incidents; a-1 and a-2 share workflow id a (a later incident on the same fingerprint), so keys repeat across them.
  const INCIDENTS = [
    { wf: 'a', inc: 'a-1' },
    { wf: 'a', inc: 'a-2' },
    { wf: 'b', inc: 'b-1' },
  ];
  const sendArb = fc.record({
    incident: fc.integer({ min: 0, max: INCIDENTS.length - 1 }),
    kind: fc.constantFrom('page', 'page', 'refresh'),
    step: fc.constantFrom('1', '2', '3'),
    target: fc.constantFrom('slack', 'ops'),
    severity: fc.constantFrom<Severity>(...SEVERITIES),
    reasons: fc.subarray<RefreshReason>(['status', 'level', 'severity'], { minLength: 1 }),
  });
  type Spec = typeof sendArb extends fc.Arbitrary<infer T> ? T : never;
  const build = (s: Spec, now: number): QueuedSend => {
    const { wf, inc } = INCIDENTS[s.incident]!;
    const opts = { incidentId: inc, target: s.target, severity: s.severity, enqueuedAt: now };
    return s.kind === 'page' ? page(wf, s.step, opts) : refresh(wf, s.reasons, opts);
  };

  /** Outcomes that use exactly one provider call each (so every start keeps its slot). */
  const oneCall: Array<fc.Arbitrary<SendOutcome>> = [
    fc.constant<SendOutcome>({ type: 'sent', calls: 1, detail: 'ok' }),
    fc.option(fc.integer({ min: 0, max: 8000 }), { nil: undefined }).map((ms): SendOutcome => (ms === undefined ? { type: 'rate_limited', calls: 1, detail: '429' } : { type: 'rate_limited', retryAfterMs: ms, calls: 1, detail: '429' })),
    fc.boolean().map((permanent): SendOutcome => ({ type: 'failed', permanent, calls: 1, detail: '500' })),
  ];
  /** Every kind of outcome, including calls 0 (ledger said done), 2 (edit + reply), skipped and busy. */
  const anyCalls: Array<fc.Arbitrary<SendOutcome>> = [
    ...oneCall,
    fc.integer({ min: 0, max: 2 }).map((calls): SendOutcome => ({ type: 'sent', calls, detail: 'ok' })),
    fc.constant<SendOutcome>({ type: 'skipped', detail: 'nothing to change' }),
    fc.integer({ min: 0, max: 5000 }).map((ms): SendOutcome => ({ type: 'busy', retryAfterMs: ms, detail: 'lease held' })),
  ];
  const opArb = (outcomes: Array<fc.Arbitrary<SendOutcome>>) =>
    fc.oneof(
      { weight: 4, arbitrary: sendArb.map((send) => ({ type: 'enqueue' as const, send })) },
      { weight: 4, arbitrary: fc.constant({ type: 'start' as const }) },
      { weight: 3, arbitrary: fc.constant({ type: 'wait' as const }) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 3000 }).map((ms) => ({ type: 'advance' as const, ms })) },
      { weight: 4, arbitrary: fc.record({ type: fc.constant('settle' as const), pick: fc.nat(), outcome: fc.oneof(...outcomes) }) },
    );
  type Op = typeof opArb extends (o: never) => fc.Arbitrary<infer T> ? T : never;

  const id = (s: QueuedSend) => `${s.incidentId}|${s.key}`;
  const startable = (q: ChannelQueue, now: number) => {
    const busy = new Set(q.inFlight.map(messageKey));
    return q.items.filter((i) => !busy.has(messageKey(i)) && i.notBefore <= now);
  };

  interface Hooks {
    onEnqueue?: (send: QueuedSend) => void;
    onStart?: (send: QueuedSend, q: ChannelQueue, now: number) => void;
    onSettle?: (send: QueuedSend, report: SendReport) => void;
    check?: (q: ChannelQueue) => void;
  }

  /**
   * Runs a sequence of enqueues, starts, waits and settles the way the dispatcher does, handing each
   * start (with the queue it was picked from) to `onStart` and each resulting queue to `check`.
   */
  function drive(ops: Op[], rate: number, hooks: Hooks, lookaheadMs = 0) {
    let q = emptyQueue('slack', rate);
    let now = 0;
    for (const op of ops) {
      if (op.type === 'enqueue') {
        const send = build(op.send, now);
        hooks.onEnqueue?.(send);
        q = enqueue(q, send);
        now += 1; // every enqueue at its own millisecond, so "later" is well defined
      } else if (op.type === 'advance') {
        now += op.ms;
      } else if (op.type === 'wait') {
        const n = nextSend(q, now, lookaheadMs);
        if ('waitMs' in n && n.waitMs !== null) now += n.waitMs;
      } else if (op.type === 'start') {
        const n = nextSend(q, now, lookaheadMs);
        if ('send' in n) {
          // With a look-ahead the send is started early and calls the provider at its slot, `at`.
          expect(n.at).toBeGreaterThanOrEqual(now);
          expect(n.at - now).toBeLessThanOrEqual(lookaheadMs);
          hooks.onStart?.(n.send, q, n.at);
          q = startSend(q, n.send, n.at);
        }
      } else if (q.inFlight.length > 0) {
        const send = q.inFlight[op.pick % q.inFlight.length]!;
        const out = settle(q, send, op.outcome, now);
        hooks.onSettle?.(send, out.report);
        q = out.queue;
      }
      hooks.check?.(q);
    }
  }

  const rateArb = fc.constantFrom(0.5, 1, 2, 3, 7, 50);
  const opsArb = (outcomes: Array<fc.Arbitrary<SendOutcome>>) => fc.array(opArb(outcomes), { maxLength: 150, size: 'max' });

  it('(i) never starts a page again once it was sent', () => {
    fc.assert(
      fc.property(rateArb, opsArb(anyCalls), (rate, ops) => {
        const sentPages = new Set<string>();
        drive(ops, rate, {
          onStart: (s) => expect(s.kind === 'page' && sentPages.has(id(s))).toBe(false),
          onSettle: (s, r) => {
            if (s.kind === 'page' && r?.type === 'sent') sentPages.add(id(s));
          },
        });
      }),
      { numRuns: 500 },
    );
  });

  it('(ii) the limit holds when every outcome uses one call: n+1 starts span n spacings, less the one the grid may catch up', () => {
    // Slots keep their grid when a send starts late (slotAfter), so two starts may come closer than a
    // spacing; what never happens is more than the rate over any stretch, beyond that one catch-up.
    fc.assert(
      fc.property(rateArb, opsArb(oneCall), fc.constantFrom(0, LOOKAHEAD_MS), (rate, ops, lookahead) => {
        const spacing = 1000 / rate;
        const starts: number[] = [];
        drive(ops, rate, { onStart: (_s, _q, at) => starts.push(at) }, lookahead);
        for (let i = 0; i < starts.length; i++) {
          for (let j = i + 1; j < starts.length; j++) expect(starts[j]! - starts[i]!).toBeGreaterThanOrEqual((j - i) * spacing - Math.min(spacing, 1000) - 1e-6);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('(iii) the line never holds two sends with the same key for one incident', () => {
    fc.assert(
      fc.property(rateArb, opsArb(anyCalls), (rate, ops) => {
        drive(ops, rate, {
          check: (q) => {
            expect(new Set(q.items.map(id)).size).toBe(q.items.length);
            // A page is either waiting or in flight, never both.
            const flying = new Set(q.inFlight.map(id));
            expect(q.items.filter((i) => i.kind === 'page' && flying.has(id(i)))).toEqual([]);
          },
        });
      }),
      { numRuns: 500 },
    );
  });

  it('(iv) no refresh starts while a page could', () => {
    fc.assert(
      fc.property(rateArb, opsArb(anyCalls), (rate, ops) => {
        drive(ops, rate, {
          onStart: (s, q, now) => {
            if (s.kind === 'refresh') expect(startable(q, now).filter((i) => i.kind === 'page')).toEqual([]);
          },
        });
      }),
      { numRuns: 500 },
    );
  });

  it('(v) among pages ready at once, the most severe (then the oldest) starts first', () => {
    fc.assert(
      fc.property(rateArb, opsArb(anyCalls), (rate, ops) => {
        drive(ops, rate, {
          onStart: (s, q, now) => {
            if (s.kind !== 'page') return;
            for (const other of startable(q, now).filter((i) => i.kind === 'page')) {
              expect(SEVERITY_RANK[other.severity]).toBeLessThanOrEqual(SEVERITY_RANK[s.severity]);
              if (other.severity === s.severity) expect(other.enqueuedAt).toBeGreaterThanOrEqual(s.enqueuedAt);
            }
          },
        });
      }),
      { numRuns: 500 },
    );
  });

  it('never starts more than MAX_IN_FLIGHT, nor two sends to one message, nor inside a pause or backoff', () => {
    fc.assert(
      fc.property(rateArb, opsArb(anyCalls), (rate, ops) => {
        drive(ops, rate, {
          onStart: (s, q, now) => {
            expect(q.inFlight.length).toBeLessThan(MAX_IN_FLIGHT);
            expect(q.inFlight.map(messageKey)).not.toContain(messageKey(s));
            expect(now).toBeGreaterThanOrEqual(Math.max(q.pausedUntil, q.nextSlotAt, s.notBefore));
          },
        });
      }),
      { numRuns: 500 },
    );
  });

  it('loses nothing: drained with every call answered, each page is sent once and each change reaches a sent refresh', () => {
    // Only outcomes that keep a send alive (sent, rate limited, busy), so nothing may go missing.
    const keepAlive: Array<fc.Arbitrary<SendOutcome>> = [
      fc.integer({ min: 0, max: 2 }).map((calls): SendOutcome => ({ type: 'sent', calls, detail: 'ok' })),
      fc.integer({ min: 0, max: 8000 }).map((ms): SendOutcome => ({ type: 'rate_limited', retryAfterMs: ms, calls: 1, detail: '429' })),
      fc.integer({ min: 0, max: 5000 }).map((ms): SendOutcome => ({ type: 'busy', retryAfterMs: ms, detail: 'lease held' })),
    ];
    fc.assert(
      fc.property(rateArb, opsArb(keepAlive), (rate, ops) => {
        let step = 0;
        const enqueued: Array<{ send: QueuedSend; step: number }> = [];
        const startedAt = new Map<string, number>();
        const delivered: Array<{ send: QueuedSend; startStep: number }> = [];
        const hooks: Hooks = {
          onEnqueue: (s) => enqueued.push({ send: s, step: step++ }),
          onStart: (s) => startedAt.set(id(s), step++),
          onSettle: (s, r) => {
            if (r?.type === 'sent') delivered.push({ send: s, startStep: startedAt.get(id(s))! });
          },
        };
        let q = emptyQueue('slack', rate);
        let now = 0;
        // Drive with the same hooks, then drain: everything still waiting or in flight gets sent.
        drive(ops, rate, { ...hooks, check: (x) => (q = x) });
        now = Math.max(now, q.nextSlotAt, q.pausedUntil, ...q.items.map((i) => i.notBefore), ...q.inFlight.map((i) => i.notBefore), 0) + 1_000_000;
        for (let guard = 0; q.items.length + q.inFlight.length > 0; guard++) {
          expect(guard).toBeLessThan(1000);
          for (const s of q.inFlight) {
            const out = settle(q, s, { type: 'sent', calls: 1, detail: 'ok' }, now);
            hooks.onSettle!(s, out.report);
            q = out.queue;
          }
          if (q.items.length === 0) continue;
          const n = nextSend(q, now);
          if ('send' in n) {
            hooks.onStart!(n.send, q, now);
            q = startSend(q, n.send, now);
          } else {
            expect(n.waitMs).not.toBeNull();
            now += n.waitMs!;
          }
        }
        const pages = new Map<string, number>();
        for (const d of delivered.filter((x) => x.send.kind === 'page')) pages.set(id(d.send), (pages.get(id(d.send)) ?? 0) + 1);
        const wanted = new Set(enqueued.filter((e) => e.send.kind === 'page').map((e) => id(e.send)));
        expect([...pages.keys()].sort()).toEqual([...wanted].sort());
        expect([...pages.values()].every((n) => n === 1)).toBe(true);
        // Each refresh's reasons are carried by the first sent refresh of its message started after it was enqueued.
        for (const e of enqueued.filter((x) => x.send.kind === 'refresh')) {
          const carrier = delivered.filter((d) => id(d.send) === id(e.send) && d.startStep > e.step).sort((a, b) => a.startStep - b.startStep)[0];
          expect(carrier, `${id(e.send)} enqueued at step ${e.step}`).toBeDefined();
          expect(carrier!.send.reasons).toEqual(expect.arrayContaining(e.send.reasons));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('a queued page is at least as severe as any later send of its incident', () => {
    fc.assert(
      fc.property(rateArb, opsArb(anyCalls), (rate, ops) => {
        const log: QueuedSend[] = [];
        drive(ops, rate, {
          onEnqueue: (s) => log.push(s),
          check: (q) => {
            for (const i of q.items.filter((x) => x.kind === 'page')) {
              const later = log.filter((e) => e.incidentId === i.incidentId && e.enqueuedAt > i.enqueuedAt);
              for (const e of later) expect(SEVERITY_RANK[i.severity]).toBeGreaterThanOrEqual(SEVERITY_RANK[e.severity]);
            }
          },
        });
      }),
      { numRuns: 500 },
    );
    // 500 generated runs take about 2 s alone and over 5 s when the whole suite shares 2 cores.
  }, 30_000);
});
