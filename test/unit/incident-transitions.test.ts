import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { EscalationPolicyInput } from '../../domain/escalation-policy';
import { escalationPolicySchema } from '../../domain/escalation-policy-schema';
import { advanceClock, nextWakeAt } from '../../domain/incident-clock';
import { TIMELINE_KEEP_HEAD, TIMELINE_KEEP_TAIL, type IncidentSettings, type IncidentState, type Transition } from '../../domain/incident-state';
import * as t from '../../domain/incident-transitions';
import type { Severity } from '../../domain/names';
import { violationSchema } from '../../domain/violation';

const T0 = Date.UTC(2024, 0, 15, 9, 0, 0);
const [S, M, D] = [1_000, 60_000, 86_400_000];
const LADDER: EscalationPolicyInput = { levels: [{ delay: 0, targets: ['oncall'] }, { delay: '5m', targets: ['lead'] }, { delay: '10m', targets: ['manager'] }] };

function open(o: { policy?: EscalationPolicyInput; settings?: Partial<IncidentSettings>; severity?: Severity } = {}): IncidentState {
  const violation = violationSchema.parse({ service: 'search-api', kind: 'response_time_sla', dimension: 'p95', severity: o.severity ?? 'high', title: 'p95 slow' });
  const settings = { reopenWindowMs: 10 * M, resolveAfterQuietMs: null, uiUrl: null, ...o.settings };
  const policy = escalationPolicySchema.parse(o.policy ?? LADDER);
  return t.openIncident({ workflowId: 'incident/fp', incidentId: 'run-1', fingerprint: 'fp', violation, policyName: 'default', policy, settings }, T0);
}
const occ = (o: Partial<t.Occurrence> = {}): t.Occurrence => ({ severity: 'high', title: 'p95 slow', details: {}, ...o });
const paged = (tr: Transition) => tr.effects.flatMap((e) => (e.type === 'notify' ? e.targets : []));
const types = (s: IncidentState) => s.timeline.map((e) => e.type);

describe('escalation timeline', () => {
  it('breach at t=0 pages level 1; level 2 not at 5m-1ms, exactly at 5m; level 3 10m later; then nothing', () => {
    const cases: Array<{ at: number; pages: string[] }> = [
      { at: 0, pages: ['oncall'] }, // level 1 has no delay
      { at: 5 * M - 1, pages: [] }, // one millisecond early: nothing
      { at: 5 * M, pages: ['lead'] }, // level 2 exactly at its delay
      { at: 15 * M - 1, pages: [] }, // level 3 counts from when level 2 fired
      { at: 15 * M, pages: ['manager'] }, // level 3 exactly 10m after level 2
      { at: 60 * M, pages: [] }, // ladder exhausted, no repeats
    ];
    let s = open();
    // Opening schedules level 1 at its own delay, here none; a 5m grace period is in the nextWakeAt table.
    expect(s.escalation).toEqual({ next: { pass: 0, level: 0 }, dueAt: T0, lastFired: null, fired: 0 });
    for (const c of cases) {
      expect(paged(advanceClock(s, T0 + c.at)), `at ${c.at}`).toEqual(c.pages);
      s = advanceClock(s, T0 + c.at).state;
    }
    expect([s.escalation.next, s.escalation.dueAt, s.escalation.fired, nextWakeAt(s)]).toEqual([null, null, 3, null]);
  });

  it('breach at t=0, ack at 3m, no page at 5m or 10m; a second ack is a no-op naming the first', () => {
    let s = advanceClock(open(), T0).state;
    expect(t.acknowledgeRefusal(s)).toBeNull();
    s = t.acknowledge(s, 'alice', T0 + 3 * M).state;
    expect([s.status, nextWakeAt(s)]).toEqual(['acknowledged', null]);
    for (const at of [5 * M, 10 * M]) expect(paged(advanceClock(s, T0 + at))).toEqual([]);
    const again = t.acknowledge(s, 'bob', T0 + 4 * M);
    expect([again.state === s, again.effects, again.message]).toEqual([true, [], `Already acknowledged by alice at ${new Date(T0 + 3 * M).toISOString()}`]);
  });

  it('refuses bad snoozes', () => {
    const now = T0 + M;
    const cases: Array<{ name: string; s: IncidentState; until: number; refused: RegExp | null }> = [
      { name: 'until in the past', s: open(), until: now - 1, refused: /future/ }, // nothing to wait for
      { name: 'until is now', s: open(), until: now, refused: /future/ }, // would end at once
      { name: 'just over 7 days', s: open(), until: now + 7 * D + 1, refused: /at most 7d/ }, // incidents must not be forgotten
      { name: 'exactly 7 days', s: open(), until: now + 7 * D, refused: null }, // the limit itself is allowed
      { name: 'resolved', s: t.resolve(open(), 'bob', '', now).state, until: now + M, refused: /resolved/ }, // nothing to silence
    ];
    for (const c of cases) expect(t.snoozeRefusal(c.s, c.until, now), c.name).toEqual(c.refused && expect.stringMatching(c.refused));
  });

  // Regression: an unparseable "until" (NaN) made the refusal itself throw "Invalid time value".
  it('refuses an unparseable "until" with a message instead of throwing', () => {
    expect(t.snoozeRefusal(open(), Number.NaN, T0)).toMatch(/must be an ISO-8601 time or epoch milliseconds/);
  });

  it('page at 0 and 5m, snooze at 6m for 30m, restarts at level 1 when it expires at 36m', () => {
    let s = advanceClock(advanceClock(open(), T0).state, T0 + 5 * M).state;
    s = t.snooze(s, 'alice', T0 + 36 * M, T0 + 6 * M).state;
    expect([s.status, s.acknowledged?.by, nextWakeAt(s), paged(advanceClock(s, T0 + 36 * M - 1))]).toEqual(['snoozed', 'alice', T0 + 36 * M, []]);
    const woke = advanceClock(s, T0 + 36 * M);
    expect([paged(woke), types(woke.state).slice(-2)]).toEqual([['oncall'], ['snooze_ended', 'escalated']]);
    expect(woke.state).toMatchObject({ status: 'triggered', snoozedUntil: null, escalation: { next: { pass: 0, level: 1 }, dueAt: T0 + 41 * M } });
  });

  it('escalate-now pages the next level at once, then the last level again at the end', () => {
    let s = t.acknowledge(advanceClock(open(), T0).state, 'alice', T0 + M).state;
    for (const [now, target] of [[T0 + 2 * M, 'lead'], [T0 + 3 * M, 'manager'], [T0 + 4 * M, 'manager']] as const) {
      expect(t.escalateNowRefusal(s)).toBeNull();
      s = t.escalateNow(s, 'carol', now).state;
      expect([s.status, s.escalation.dueAt, paged(advanceClock(s, now))]).toEqual(['triggered', now, [target]]);
      s = advanceClock(s, now).state;
    }
    expect(t.escalateNowRefusal(t.resolve(s, 'bob', '', T0 + 5 * M).state)).toMatch(/resolved/);
  });
});

describe('resolve, reopen and close', () => {
  const resolvedAt5m = () => t.resolve(advanceClock(t.acknowledge(open(), 'alice', T0).state, T0).state, 'bob', 'fixed', T0 + 5 * M).state;

  it('resolve at 5m keeps the incident reopenable until 15m and pauses escalation', () => {
    const s = resolvedAt5m();
    expect(s).toMatchObject({ status: 'resolved', resolved: { by: 'bob', at: T0 + 5 * M, reason: 'fixed' }, reopenUntil: T0 + 15 * M, escalation: { dueAt: null } });
    expect(nextWakeAt(s)).toBe(T0 + 15 * M);
    expect(t.resolve(s, 'carol', '', T0 + 6 * M).message).toMatch(/Already resolved by bob/);
    // An ack after resolve is refused, naming who resolved and when.
    expect(t.acknowledgeRefusal(s)).toMatch(`resolved by bob at ${new Date(T0 + 5 * M).toISOString()}`);
  });

  it('occurrence at 14m reopens as episode 2 with ack and resolve cleared and escalation restarted', () => {
    const tr = t.recordOccurrence(resolvedAt5m(), occ({ title: 'p95 slow again' }), T0 + 14 * M);
    expect(tr.state).toMatchObject({ status: 'triggered', episode: 2, acknowledged: null, resolved: null, reopenUntil: null, title: 'p95 slow again' });
    expect([tr.state.escalation.next, tr.state.escalation.dueAt, types(tr.state).at(-1), paged(advanceClock(tr.state, T0 + 14 * M))]).toEqual([{ pass: 0, level: 0 }, T0 + 14 * M, 'reopened', ['oncall']]);
  });

  // Regression: a reopening occurrence kept the old, lower severity.
  it('a reopening occurrence of higher severity raises the severity', () => {
    expect(t.recordOccurrence(resolvedAt5m(), occ({ severity: 'critical' }), T0 + 6 * M).state.severity).toBe('critical');
  });

  it('after the window, advanceClock closes it and late occurrences are left for a new incident', () => {
    const s = resolvedAt5m();
    const closed = advanceClock(s, T0 + 15 * M).state;
    expect([advanceClock(s, T0 + 15 * M - 1).state.closed, closed.closed, types(closed).at(-1), nextWakeAt(closed)]).toEqual([false, true, 'closed', null]);
    const late = t.recordOccurrence(s, occ(), T0 + 15 * M + 1);
    expect([late.state, late.message]).toEqual([s, expect.stringMatching(/new incident/)]);
  });

  it('auto-resolves after 30m without occurrences, and not a millisecond before', () => {
    let s = t.acknowledge(open({ settings: { resolveAfterQuietMs: 30 * M } }), 'alice', T0).state;
    s = t.recordOccurrence(s, occ(), T0 + 10 * M).state;
    expect([nextWakeAt(s), advanceClock(s, T0 + 40 * M - 1).state.status]).toEqual([T0 + 40 * M, 'acknowledged']);
    expect(advanceClock(s, T0 + 40 * M).state.resolved).toEqual({ by: 'system', at: T0 + 40 * M, reason: 'no occurrence for 30m' });
  });
});

describe('occurrences', () => {
  it('counts a duplicate occurrence id once', () => {
    const first = t.recordOccurrence(open(), occ({ occurrenceId: 'a' }), T0).state;
    const dup = t.recordOccurrence(first, occ({ occurrenceId: 'a' }), T0 + S);
    expect([dup.state, dup.message, first.occurrences]).toEqual([first, 'duplicate occurrence ignored', 1]);
    expect(t.recordOccurrence(first, occ({ occurrenceId: 'b' }), T0 + S).state.occurrences).toBe(2);
  });

  const severityCases: Array<{ name: string; from: Severity; reports: Severity[]; end: Severity }> = [
    { name: 'rises to critical', from: 'high', reports: ['critical'], end: 'critical' }, // raise and refresh
    { name: 'never falls', from: 'critical', reports: ['low', 'info', 'high'], end: 'critical' }, // a calmer report is not all-clear
    { name: 'climbs step by step', from: 'info', reports: ['low', 'info', 'medium', 'low'], end: 'medium' }, // max so far
  ];
  it.each(severityCases)('severity $name', ({ from, reports, end }) => {
    let s = open({ severity: from });
    reports.forEach((sev, i) => (s = t.recordOccurrence(s, occ({ severity: sev }), T0 + i).state));
    expect(s.severity).toBe(end);
  });

  it('stays bounded under 5,000 occurrences: a log-scale trace, and with deliveries the first 50 and last 450 entries', () => {
    let [bare, s] = [open(), open()];
    for (let i = 1; i <= 5000; i++) {
      bare = t.recordOccurrence(bare, occ(), T0 + i).state;
      s = t.recordOccurrence(s, occ(), T0 + i).state;
      s = t.recordDelivery(s, { step: `${i}`, target: 'oncall', ok: true, detail: 'posted' }, T0 + i);
    }
    // Occurrences alone trace #2, #4 … #4096 and drop nothing.
    const traced = bare.timeline.filter((e) => e.type === 'occurrence').map((e) => Number(e.text.match(/#(\d+)/)![1]));
    expect([bare.occurrences, traced, bare.timelineDropped]).toEqual([5000, Array.from({ length: 12 }, (_, k) => 2 ** (k + 1)), 0]);
    const seqs = s.timeline.map((e) => e.seq);
    expect([s.timeline.length, s.timelineDropped]).toEqual([TIMELINE_KEEP_HEAD + TIMELINE_KEEP_TAIL, s.seq - s.timeline.length]);
    // The opening stays (seq 1..50) and the tail runs up to the latest seq.
    expect([seqs.slice(0, TIMELINE_KEEP_HEAD), seqs.at(-1)]).toEqual([Array.from({ length: TIMELINE_KEEP_HEAD }, (_, i) => i + 1), s.seq]);
    seqs.slice(1).forEach((q, i) => expect(q).toBeGreaterThan(seqs[i]!));
  });

  // Regression: escalation, snooze-end and close entries bypassed the timeline bound.
  it('stays within the cap when escalations fire on a full timeline', () => {
    let s = open({ policy: { levels: [{ delay: 0, targets: ['oncall'] }, { delay: 0, targets: ['lead'] }] } });
    for (let i = 0; i < 600; i++) s = t.addNote(s, 'alice', `note ${i}`, T0).state;
    expect(advanceClock(s, T0).state.timeline.length).toBeLessThanOrEqual(TIMELINE_KEEP_HEAD + TIMELINE_KEEP_TAIL);
  });

  it('recordDelivery keeps one message ref per target, the latest successful one', () => {
    const deliver = (s: IncidentState, target: string, ts: string, ok = true) => t.recordDelivery(s, { step: '1', target, ok, detail: 'x', channelType: 'slack', ref: { ts } }, T0);
    let s = deliver(deliver(open(), 'oncall', '1'), 'lead', '2');
    s = deliver(deliver(s, 'oncall', '3'), 'oncall', '4', false); // a failure keeps the last good ref
    expect(s.messages.map((m) => [m.target, m.ref.ts])).toEqual([['lead', '2'], ['oncall', '3']]);
    expect(types(s).slice(-1)).toEqual(['notify_failed']);
  });
});

describe('nextWakeAt', () => {
  const quiet = (ms: number | null, first = '0s') => open({ settings: { resolveAfterQuietMs: ms }, policy: { levels: [{ delay: first, targets: ['a'] }] } });
  const cases: Array<{ name: string; s: () => IncidentState; wake: number | null }> = [
    { name: 'triggered: escalation due', s: () => quiet(null, '5m'), wake: T0 + 5 * M }, // waits for level 1's grace period
    { name: 'triggered: quiet deadline first', s: () => quiet(M, '5m'), wake: T0 + M }, // the earliest deadline wins
    { name: 'acknowledged: quiet deadline', s: () => t.acknowledge(quiet(60 * M), 'a', T0).state, wake: T0 + 60 * M }, // paging paused, auto-resolve not
    { name: 'acknowledged, no quiet', s: () => t.acknowledge(quiet(null), 'a', T0).state, wake: null }, // only messages can wake it
    { name: 'snoozed: snooze end', s: () => t.snooze(quiet(60 * M), 'a', T0 + 20 * M, T0).state, wake: T0 + 20 * M }, // before the quiet deadline
    { name: 'resolved: reopen window end', s: () => t.resolve(quiet(M), 'a', '', T0).state, wake: T0 + 10 * M }, // quiet no longer applies
    { name: 'closed: never', s: () => advanceClock(t.resolve(open(), 'a', '', T0).state, T0 + 10 * M).state, wake: null }, // workflow ends
  ];
  it.each(cases)('$name', ({ s, wake }) => expect(nextWakeAt(s())).toBe(wake));
});

describe('invariants under random action sequences', () => {
  const action = fc.record({
    dt: fc.oneof(fc.integer({ min: 0, max: 3 * M }), fc.integer({ min: 0, max: 40 * M })), // non-decreasing time
    kind: fc.constantFrom('occurrence', 'occurrence', 'ack', 'resolve', 'cleared', 'snooze', 'snooze', 'escalate', 'clock', 'clock'),
    severity: fc.constantFrom<Severity>('critical', 'high', 'medium', 'low', 'info'),
    id: fc.option(fc.constantFrom('o1', 'o2', 'o3'), { nil: undefined }),
    snoozeFor: fc.oneof(fc.integer({ min: -M, max: 30 * M }), fc.integer({ min: 0, max: 8 * D })), // some refused, some expire
  });
  const delay = fc.integer({ min: 0, max: 10 * M });
  const levels = fc.array(fc.record({ delay, targets: fc.constant<string[]>(['a']) }), { minLength: 1, maxLength: 3 });
  const policyArb = fc.record({ levels, repeat: fc.integer({ min: 0, max: 2 }), repeatDelay: delay });
  const quietArb = fc.option(fc.integer({ min: M, max: 60 * M }), { nil: null });

  // Applies an action as the workflow does: refusals first, then the transition, then the clock.
  function apply(s: IncidentState, a: ReturnType<typeof action.generate>['value'], now: number): IncidentState {
    const by = 'alice'; // 'clock' does nothing but let time pass before advanceClock.
    if (a.kind === 'occurrence') s = t.recordOccurrence(s, occ({ severity: a.severity, occurrenceId: a.id }), now).state;
    if (a.kind === 'ack' && !t.acknowledgeRefusal(s)) s = t.acknowledge(s, by, now).state;
    if (a.kind === 'resolve') s = t.resolve(s, by, 'fixed', now).state;
    if (a.kind === 'cleared') s = t.conditionCleared(s, '', now).state;
    if (a.kind === 'snooze' && !t.snoozeRefusal(s, now + a.snoozeFor, now)) s = t.snooze(s, by, now + a.snoozeFor, now).state;
    if (a.kind === 'escalate' && !t.escalateNowRefusal(s)) s = t.escalateNow(s, by, now).state;
    return advanceClock(s, now).state;
  }

  it('seq rises, resolved ⇔ status resolved, no silent re-trigger, no escalation when resolved, closed ⇒ resolved', () => {
    fc.assert(
      fc.property(policyArb, quietArb, fc.array(action, { maxLength: 40 }), (policy, quiet, actions) => {
        let [s, now] = [advanceClock(open({ policy, settings: { resolveAfterQuietMs: quiet } }), T0).state, T0] as const;
        for (const a of actions) {
          const prev = s;
          now += a.dt; // times never go backwards
          s = apply(s, a, now);
          const seqs = s.timeline.map((e) => e.seq);
          expect(seqs.every((q, i) => i === 0 || q > seqs[i - 1]!) && seqs.at(-1) === s.seq).toBe(true);
          expect(s.status === 'resolved').toBe(s.resolved !== null);
          if (prev.status !== 'triggered' && s.status === 'triggered') {
            const added = s.timeline.filter((e) => e.seq > prev.seq).map((e) => e.type);
            expect(added.some((x) => x === 'escalate_now' || x === 'snooze_ended' || x === 'reopened')).toBe(true);
          }
          // Resolved (like acknowledged and snoozed) never has an escalation pending.
          if (s.status !== 'triggered') expect(s.escalation.dueAt).toBeNull();
          if (s.closed) expect(s.status).toBe('resolved');
          expect(s.status === 'snoozed').toBe(s.snoozedUntil !== null);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('escalate-now after escalation restarts', () => {
  it('climbs from level 1 of the new episode, not from where the last episode stopped', () => {
    // pages at 0, 5m, 15m (top); resolved at 16m; reopened at 18m, level 1 again at once
    let s = open();
    for (const at of [0, 5 * M, 15 * M]) s = advanceClock(s, T0 + at).state;
    s = t.resolve(s, 'alice', '', T0 + 16 * M).state;
    s = t.recordOccurrence(s, occ(), T0 + 18 * M).state;
    expect(s.escalation.lastFired).toBeNull();
    s = advanceClock(s, T0 + 18 * M).state;
    const now = t.escalateNow(s, 'bob', T0 + 19 * M).state;
    expect(paged(advanceClock(now, T0 + 19 * M))).toEqual(['lead']);
  });
});
