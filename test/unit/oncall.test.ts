import { Command } from 'commander';
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../app/config-file';
import { createLogger } from '../../app/logger';
import { registerOncallCommands } from '../../cli/commands/oncall';
import type { CliContext } from '../../cli/context';
import { formatIssues } from '../../domain/config';
import { VigilError } from '../../domain/errors';
import {
  onCallTimeline,
  scheduleSchema,
  scheduleUserNames,
  scheduleUserRefs,
  whoIsOnCall,
  type OnCall,
  type Schedule,
  type ScheduleInput,
} from '../../domain/oncall';

const H = 3_600_000;
const DAY = 24 * H;
const schedule = (input: ScheduleInput): Schedule => scheduleSchema.parse(input);
/** An ISO time with an explicit offset, so every case names one unambiguous instant. */
const t = (iso: string): number => {
  const dt = DateTime.fromISO(iso, { setZone: true });
  if (!dt.isValid || !/(Z|[+-]\d\d:\d\d)$/.test(iso)) throw new Error(`test bug: "${iso}" needs an offset`);
  return dt.toMillis();
};
const inZone = (ms: number, zone: string) => DateTime.fromMillis(ms, { zone }).toISO({ suppressMilliseconds: true, suppressSeconds: true });
/** The answer in words: "bob@rota until 2024-03-31T09:00+02:00", "alice@rota forever" or "nobody". */
const say = (s: Schedule, a: OnCall | null) =>
  a ? `${a.user}@${a.layer} ${a.until === null ? 'forever' : `until ${inZone(a.until, s.timezone)}`}` : 'nobody';
const sameAnswer = (a: OnCall | null, b: OnCall | null) => (a && b ? a.user === b.user && a.layer === b.layer : a === b);

const threeBerlin = (start: string) =>
  schedule({ timezone: 'Europe/Berlin', layers: [{ name: 'rota', users: ['alice', 'bob', 'carol'], rotation: 'daily', start }] });
// Spring forward is Sunday 2024-03-31 (02:00 CET → 03:00 CEST): alice Fri, bob Sat→Sun, carol Sun.
const berlinSpring = threeBerlin('2024-03-29');
// Fall back is Sunday 2024-10-27 (03:00 CEST → 02:00 CET): alice Fri, bob Sat→Sun, carol Sun.
const berlinFall = threeBerlin('2024-10-25');
// Spring forward 2024-03-10, fall back 2024-11-03; Mondays at 10:00 local.
const nyWeekly = schedule({
  timezone: 'America/New_York',
  layers: [{ name: 'week', users: ['dana', 'eli'], rotation: 'weekly', handoff: '10:00', start: '2024-03-04' }],
});
const nyWednesday = schedule({
  timezone: 'America/New_York',
  layers: [{ name: 'week', users: ['dana', 'eli'], rotation: 'weekly', handoffDay: 'wednesday', handoff: '10:00', start: '2024-03-06' }],
});
const nyFortnight = schedule({
  timezone: 'America/New_York',
  layers: [{ name: 'week', users: ['dana', 'eli'], rotation: 'weekly', shiftLength: 2, handoff: '10:00', start: '2024-03-04' }],
});
const twoDays = schedule({ timezone: 'UTC', layers: [{ name: 'rota', users: ['ana', 'ben'], rotation: 'daily', shiftLength: 2, start: '2024-01-01' }] });
// Round the clock alice/bob from Sat 2024-06-01; carol covers office hours from Monday 06-03.
const office = schedule({
  timezone: 'Europe/Berlin',
  layers: [
    { name: 'rota', users: ['alice', 'bob'], rotation: 'daily', start: '2024-06-01' },
    {
      name: 'office',
      users: ['carol'],
      rotation: 'weekly',
      start: '2024-06-03',
      restrictions: [{ days: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'], from: '09:00', to: '17:00' }],
    },
  ],
});
const alwaysAlice = { name: 'rota', users: ['alice'], rotation: 'daily' as const, start: '2024-06-01' };
const nights = schedule({
  timezone: 'Europe/Berlin',
  layers: [alwaysAlice, { name: 'night', users: ['nina'], rotation: 'daily', start: '2024-06-01', restrictions: [{ from: '22:00', to: '06:00' }] }],
});
const fridayNights = schedule({
  timezone: 'Europe/Berlin',
  layers: [alwaysAlice, { name: 'night', users: ['nina'], rotation: 'daily', start: '2024-06-01', restrictions: [{ days: ['friday'], from: '22:00', to: '06:00' }] }],
});
// from = to is a whole day, and Saturday's and Sunday's days merge into one weekend.
const weekends = schedule({
  timezone: 'Europe/Berlin',
  layers: [alwaysAlice, { name: 'weekend', users: ['wes'], rotation: 'daily', start: '2024-06-01', restrictions: [{ days: ['saturday', 'sunday'], from: '00:00', to: '00:00' }] }],
});
const utcAlice = { name: 'rota', users: ['alice'], rotation: 'daily' as const, start: '2024-01-01' };
const withOverrides = (overrides: ScheduleInput['overrides']) => schedule({ timezone: 'UTC', layers: [utcAlice], overrides });
// dave holds 10:00–20:00, erin (defined later) cuts in 12:00–14:00.
const nested = withOverrides([
  { user: 'dave', start: '2024-06-04T10:00:00Z', end: '2024-06-04T20:00:00Z' },
  { user: 'erin', start: '2024-06-04T12:00:00Z', end: '2024-06-04T14:00:00Z' },
]);
// Same overrides, erin listed first: dave's later definition hides her completely.
const shadowed = withOverrides([
  { user: 'erin', start: '2024-06-04T12:00:00Z', end: '2024-06-04T14:00:00Z' },
  { user: 'dave', start: '2024-06-04T10:00:00Z', end: '2024-06-04T20:00:00Z' },
]);
const daveTwice = withOverrides([
  { user: 'dave', start: '2024-06-04T10:00:00Z', end: '2024-06-04T12:00:00Z' },
  { user: 'dave', start: '2024-06-04T11:00:00Z', end: '2024-06-04T13:00:00Z' },
]);
const aliceOverride = withOverrides([{ user: 'alice', start: '2024-06-04T10:00:00Z', end: '2024-06-04T12:00:00Z' }]);
// alice from 06-01; a newer bob/carol layer only from 06-10.
const later = schedule({
  timezone: 'UTC',
  layers: [alwaysAlice, { name: 'new', users: ['bob', 'carol'], rotation: 'daily', start: '2024-06-10' }],
});
const repeats = schedule({ timezone: 'UTC', layers: [{ name: 'rota', users: ['alice', 'alice', 'bob'], rotation: 'daily', start: '2024-01-01' }] });
// 02:30 does not exist on 2024-03-31 in Berlin and happens twice on 2024-10-27.
const nightHandoff = (start: string) =>
  schedule({ timezone: 'Europe/Berlin', layers: [{ name: 'rota', users: ['ana', 'ben'], rotation: 'daily', handoff: '02:30', start }] });
const gapDay = nightHandoff('2024-03-30');
const twiceDay = nightHandoff('2024-10-26');

describe('whoIsOnCall timelines', () => {
  const cases: Array<[what: string, s: Schedule, at: string, want: string]> = [
    // Daily Berlin rotation across spring forward: bob's Saturday shift ends at 09:00 CEST on Sunday, 23 h later.
    ['spring: Friday shift runs until Saturday 09:00', berlinSpring, '2024-03-30T08:59+01:00', 'alice@rota until 2024-03-30T09:00+01:00'],
    ['spring: Saturday 09:00 bob takes over until Sunday 09:00 CEST', berlinSpring, '2024-03-30T09:00+01:00', 'bob@rota until 2024-03-31T09:00+02:00'],
    ['spring: just after the clocks jump, still bob', berlinSpring, '2024-03-31T03:00+02:00', 'bob@rota until 2024-03-31T09:00+02:00'],
    ['spring: Sunday 08:59 CEST, still bob', berlinSpring, '2024-03-31T08:59+02:00', 'bob@rota until 2024-03-31T09:00+02:00'],
    ['spring: Sunday 09:00 CEST carol', berlinSpring, '2024-03-31T09:00+02:00', 'carol@rota until 2024-04-01T09:00+02:00'],
    // Fall back: bob's Saturday shift ends Sunday 09:00 CET, 25 h later; both 02:30s are his.
    ['fall: Saturday 09:00 CEST bob until Sunday 09:00 CET', berlinFall, '2024-10-26T09:00+02:00', 'bob@rota until 2024-10-27T09:00+01:00'],
    ['fall: the first 02:30', berlinFall, '2024-10-27T02:30+02:00', 'bob@rota until 2024-10-27T09:00+01:00'],
    ['fall: the second 02:30', berlinFall, '2024-10-27T02:30+01:00', 'bob@rota until 2024-10-27T09:00+01:00'],
    ['fall: Sunday 08:59 CET, still bob', berlinFall, '2024-10-27T08:59+01:00', 'bob@rota until 2024-10-27T09:00+01:00'],
    ['fall: Sunday 09:00 CET carol', berlinFall, '2024-10-27T09:00+01:00', 'carol@rota until 2024-10-28T09:00+01:00'],
    // Weekly New York: handoffs on Mondays at 10:00 local, EST before 03-10 and EDT after.
    ['weekly: before the first handoff nobody', nyWeekly, '2024-03-04T09:59-05:00', 'nobody'],
    ['weekly: first Monday dana, until Monday 10:00 EDT', nyWeekly, '2024-03-04T10:00-05:00', 'dana@week until 2024-03-11T10:00-04:00'],
    ['weekly: the spring-forward Sunday is mid-shift', nyWeekly, '2024-03-10T03:00-04:00', 'dana@week until 2024-03-11T10:00-04:00'],
    ['weekly: Monday 09:59 EDT still dana', nyWeekly, '2024-03-11T09:59-04:00', 'dana@week until 2024-03-11T10:00-04:00'],
    ['weekly: Monday 10:00 EDT eli', nyWeekly, '2024-03-11T10:00-04:00', 'eli@week until 2024-03-18T10:00-04:00'],
    ['weekly: the fall-back week ends Monday 10:00 EST', nyWeekly, '2024-10-28T10:00-04:00', 'dana@week until 2024-11-04T10:00-05:00'],
    ['weekly on wednesdays: 09:59 still dana', nyWednesday, '2024-03-13T09:59-04:00', 'dana@week until 2024-03-13T10:00-04:00'],
    ['weekly on wednesdays: 10:00 eli', nyWednesday, '2024-03-13T10:00-04:00', 'eli@week until 2024-03-20T10:00-04:00'],
    // shiftLength 2: two days (or two weeks) per person.
    ['two-day shifts: ana for two days', twoDays, '2024-01-01T09:00Z', 'ana@rota until 2024-01-03T09:00Z'],
    ['two-day shifts: second day still ana', twoDays, '2024-01-02T20:00Z', 'ana@rota until 2024-01-03T09:00Z'],
    ['two-day shifts: then ben', twoDays, '2024-01-03T09:00Z', 'ben@rota until 2024-01-05T09:00Z'],
    ['two-day shifts: then ana again', twoDays, '2024-01-05T09:00Z', 'ana@rota until 2024-01-07T09:00Z'],
    ['fortnightly: eli from the third Monday for two weeks', nyFortnight, '2024-03-18T10:00-04:00', 'eli@week until 2024-04-01T10:00-04:00'],
    // Office hours over the 24/7 rota; Monday 09:00 is both a rota handoff and the office opening.
    ['office: Monday 08:59 the rota', office, '2024-06-03T08:59+02:00', 'bob@rota until 2024-06-03T09:00+02:00'],
    ['office: Monday 09:00 carol', office, '2024-06-03T09:00+02:00', 'carol@office until 2024-06-03T17:00+02:00'],
    ['office: Monday 16:59 carol', office, '2024-06-03T16:59+02:00', 'carol@office until 2024-06-03T17:00+02:00'],
    ['office: Monday 17:00 back to the rota', office, '2024-06-03T17:00+02:00', 'alice@rota until 2024-06-04T09:00+02:00'],
    ['office: Friday evening, the rota hands off Saturday', office, '2024-06-07T17:00+02:00', 'alice@rota until 2024-06-08T09:00+02:00'],
    ['office: Saturday noon the rota', office, '2024-06-08T12:00+02:00', 'bob@rota until 2024-06-09T09:00+02:00'],
    ['office: Sunday noon, next change is Monday 09:00', office, '2024-06-09T12:00+02:00', 'alice@rota until 2024-06-10T09:00+02:00'],
    // 22:00–06:00 runs over midnight.
    ['night: 21:59 alice', nights, '2024-06-03T21:59+02:00', 'alice@rota until 2024-06-03T22:00+02:00'],
    ['night: 22:00 nina until 06:00 next day', nights, '2024-06-03T22:00+02:00', 'nina@night until 2024-06-04T06:00+02:00'],
    ['night: 05:59 still nina', nights, '2024-06-04T05:59+02:00', 'nina@night until 2024-06-04T06:00+02:00'],
    ['night: 06:00 alice again', nights, '2024-06-04T06:00+02:00', 'alice@rota until 2024-06-04T22:00+02:00'],
    ['friday night: Saturday 05:00 belongs to Friday', fridayNights, '2024-06-08T05:00+02:00', 'nina@night until 2024-06-08T06:00+02:00'],
    ['friday night: Saturday 23:00 is not a Friday night', fridayNights, '2024-06-08T23:00+02:00', 'alice@rota until 2024-06-14T22:00+02:00'],
    ['weekend: one window from Saturday 00:00 to Monday 00:00', weekends, '2024-06-08T10:00+02:00', 'wes@weekend until 2024-06-10T00:00+02:00'],
    // Overrides: the latest-defined covering one wins.
    ['overrides: before any, alice', nested, '2024-06-04T09:59Z', 'alice@rota until 2024-06-04T10:00Z'],
    ['overrides: dave from 10:00', nested, '2024-06-04T10:00Z', 'dave@override until 2024-06-04T12:00Z'],
    ['overrides: erin cuts in', nested, '2024-06-04T13:00Z', 'erin@override until 2024-06-04T14:00Z'],
    ['overrides: dave again after erin', nested, '2024-06-04T14:00Z', 'dave@override until 2024-06-04T20:00Z'],
    ['overrides: alice afterwards, with nothing left to change', nested, '2024-06-04T20:00Z', 'alice@rota forever'],
    ['overrides: a later definition hides an earlier one', shadowed, '2024-06-04T13:00Z', 'dave@override until 2024-06-04T20:00Z'],
    ['overrides: overlapping ones for the same person read as one', daveTwice, '2024-06-04T10:30Z', 'dave@override until 2024-06-04T13:00Z'],
    ['overrides: the layer user, then the same user by override', aliceOverride, '2024-06-04T09:00Z', 'alice@rota until 2024-06-04T10:00Z'],
    ['overrides: an override for the layer user still says override', aliceOverride, '2024-06-04T10:00Z', 'alice@override until 2024-06-04T12:00Z'],
    // Layers before their start date.
    ['start: nobody before the first handoff', later, '2024-06-01T08:59Z', 'nobody'],
    ['start: alice until the newer layer starts', later, '2024-06-01T09:00Z', 'alice@rota until 2024-06-10T09:00Z'],
    ['start: the newer layer takes over at its first handoff', later, '2024-06-10T09:00Z', 'bob@new until 2024-06-11T09:00Z'],
    // Handoffs to the same person are no change at all.
    ['repeats: alice twice in a row is one stretch', repeats, '2024-01-01T10:00Z', 'alice@rota until 2024-01-03T09:00Z'],
    // 02:30 handoffs: the missing 02:30 becomes 03:30 CEST; the doubled one is the first (CEST) 02:30.
    ['gap: before the moved handoff', gapDay, '2024-03-31T01:59+01:00', 'ana@rota until 2024-03-31T03:30+02:00'],
    ['gap: 03:29 CEST still ana', gapDay, '2024-03-31T03:29+02:00', 'ana@rota until 2024-03-31T03:30+02:00'],
    ['gap: 03:30 CEST ben, until a normal 02:30', gapDay, '2024-03-31T03:30+02:00', 'ben@rota until 2024-04-01T02:30+02:00'],
    ['doubled: 02:29 CEST ana', twiceDay, '2024-10-27T02:29+02:00', 'ana@rota until 2024-10-27T02:30+02:00'],
    ['doubled: the first 02:30 is the handoff', twiceDay, '2024-10-27T02:30+02:00', 'ben@rota until 2024-10-28T02:30+01:00'],
    ['doubled: the second 02:30 is mid-shift', twiceDay, '2024-10-27T02:30+01:00', 'ben@rota until 2024-10-28T02:30+01:00'],
  ];

  it.each(cases)('%s', (_what, s, at, want) => {
    expect(say(s, whoIsOnCall(s, t(at)))).toBe(want);
  });

  it.each(cases)('until is exact: same answer 1 ms before, a different one at it (%s)', (_what, s, at) => {
    const a = whoIsOnCall(s, t(at));
    if (a?.until == null) return;
    expect(sameAnswer(whoIsOnCall(s, a.until - 1), a)).toBe(true);
    // No-op edges (a handoff to the same person, overlapping overrides for one person) are skipped, so it always differs.
    expect(sameAnswer(whoIsOnCall(s, a.until), a)).toBe(false);
  });

  it('makes shifts spanning DST 23 h and 25 h long', () => {
    const length = (s: Schedule, at: string) => {
      const [shift] = onCallTimeline(s, t(at), t(at) + 9 * DAY);
      return (shift!.end - shift!.start) / H;
    };
    expect(length(berlinSpring, '2024-03-30T09:00+01:00')).toBe(23);
    expect(length(berlinFall, '2024-10-26T09:00+02:00')).toBe(25);
    expect(length(nyWeekly, '2024-03-04T10:00-05:00')).toBe(7 * 24 - 1);
    expect(length(nyWeekly, '2024-10-28T10:00-04:00')).toBe(7 * 24 + 1);
  });

  it('refuses an instant that is not a number', () => {
    expect(() => whoIsOnCall(office, Number.NaN)).toThrow(RangeError);
  });
});

describe('onCallTimeline', () => {
  it('lists the office week as alternating rota and office stretches', () => {
    const segments = onCallTimeline(office, t('2024-06-03T00:00+02:00'), t('2024-06-04T12:00+02:00'));
    expect(segments.map((x) => `${inZone(x.start, 'Europe/Berlin')} ${x.user}@${x.layer}`)).toEqual([
      '2024-06-03T00:00+02:00 bob@rota',
      '2024-06-03T09:00+02:00 carol@office',
      '2024-06-03T17:00+02:00 alice@rota',
      '2024-06-04T09:00+02:00 carol@office',
    ]);
    expect(segments.at(-1)!.end).toBe(t('2024-06-04T12:00+02:00'));
  });

  it('leaves out time when nobody is on call', () => {
    const segments = onCallTimeline(later, t('2024-05-31T00:00Z'), t('2024-06-02T00:00Z'));
    expect(segments).toEqual([{ user: 'alice', layer: 'rota', start: t('2024-06-01T09:00Z'), end: t('2024-06-02T00:00Z') }]);
  });

  it('stops at the segment limit', () => {
    expect(onCallTimeline(twoDays, t('2024-01-01T09:00Z'), t('2030-01-01T00:00Z'))).toHaveLength(500);
    expect(onCallTimeline(twoDays, t('2024-01-01T09:00Z'), t('2030-01-01T00:00Z'), 3)).toHaveLength(3);
  });
});

describe('scheduleSchema', () => {
  const layer = { name: 'rota', users: ['alice'], rotation: 'daily', start: '2024-01-01' };
  const base = { timezone: 'Europe/Berlin', layers: [layer] };
  const cases: Array<[what: string, input: unknown, path: string, says: RegExp]> = [
    ['unknown time zone', { ...base, timezone: 'Mars/Olympus' }, 'timezone', /"Mars\/Olympus" is not an IANA time zone/],
    ['no layers', { ...base, layers: [] }, 'layers', /at least one layer/],
    ['handoff not HH:MM', { ...base, layers: [{ ...layer, handoff: '9am' }] }, 'layers.0.handoff', /"9am" is not a 24-hour local time/],
    ['handoff 24:00', { ...base, layers: [{ ...layer, handoff: '24:00' }] }, 'layers.0.handoff', /"24:00"/],
    ['restriction time out of range', { ...base, layers: [{ ...layer, restrictions: [{ from: '09:00', to: '17:60' }] }] }, 'layers.0.restrictions.0.to', /"17:60"/],
    ['unknown weekday in restrictions', { ...base, layers: [{ ...layer, restrictions: [{ days: ['funday'], from: '09:00', to: '17:00' }] }] }, 'layers.0.restrictions.0.days.0', /"funday" is not a weekday/],
    ['unknown handoffDay', { ...base, layers: [{ ...layer, rotation: 'weekly', handoffDay: 'mon' }] }, 'layers.0.handoffDay', /"mon" is not a weekday/],
    ['weekly start not on the handoff day', { ...base, layers: [{ ...layer, rotation: 'weekly', start: '2024-01-03' }] }, 'layers.0.start', /2024-01-03 is a wednesday.*2024-01-01 or 2024-01-08/],
    ['handoffDay on a daily layer', { ...base, layers: [{ ...layer, handoffDay: 'monday' }] }, 'layers.0.handoffDay', /only weekly layers/],
    ['impossible start date', { ...base, layers: [{ ...layer, start: '2024-02-30' }] }, 'layers.0.start', /"2024-02-30" is not a date/],
    ['shiftLength 0', { ...base, layers: [{ ...layer, shiftLength: 0 }] }, 'layers.0.shiftLength', /at least 1/],
    ['no users', { ...base, layers: [{ ...layer, users: [] }] }, 'layers.0.users', /at least one user/],
    ['duplicate layer names', { ...base, layers: [layer, layer] }, 'layers.1.name', /used twice/],
    ['layer named like overrides', { ...base, layers: [{ ...layer, name: 'override' }] }, 'layers.0.name', /reserved/],
    ['unknown layer key', { ...base, layers: [{ ...layer, timezone: 'UTC' }] }, 'layers.0', /timezone/],
    ['override ends before it starts', { ...base, overrides: [{ user: 'bob', start: '2024-06-04T12:00:00Z', end: '2024-06-04T11:00:00Z' }] }, 'overrides.0.end', /end must be after start/],
    ['override without an offset', { ...base, overrides: [{ user: 'bob', start: '2024-06-04T12:00:00', end: '2024-06-04T13:00:00Z' }] }, 'overrides.0.start', /with offset/],
  ];
  it.each(cases)('%s', (_what, input, path, says) => {
    const result = scheduleSchema.safeParse(input);
    expect(result.success).toBe(false);
    const lines = formatIssues(result.error!);
    expect(lines.some((l) => l.startsWith(`${path}: `) && says.test(l)), lines.join('\n')).toBe(true);
  });

  it('reports a bad time or date once, without follow-on complaints', () => {
    const badOverride = scheduleSchema.safeParse({ ...base, overrides: [{ user: 'bob', start: 'noon', end: '2024-06-04T13:00:00Z' }] });
    expect(formatIssues(badOverride.error!).map((l) => l.split(':')[0])).toEqual(['overrides.0.start']);
    const badWeeklyStart = scheduleSchema.safeParse({ ...base, layers: [{ ...layer, rotation: 'weekly', start: '2024-02-30' }] });
    expect(formatIssues(badWeeklyStart.error!).map((l) => l.split(':')[0])).toEqual(['layers.0.start']);
  });

  it('fills defaults: 1-day shifts at 09:00, every day in restrictions, no overrides', () => {
    const s = schedule({ timezone: 'UTC', layers: [{ ...layer, rotation: 'daily', restrictions: [{ from: '09:00', to: '17:00' }] }] });
    expect(s.layers[0]).toMatchObject({ shiftLength: 1, handoff: '09:00' });
    expect(s.layers[0]!.restrictions![0]!.days).toHaveLength(7);
    expect(s.overrides).toEqual([]);
  });

  it('lists the users a schedule names, with paths for the config cross-check', () => {
    expect(scheduleUserNames(nested)).toEqual(['alice', 'dave', 'erin']);
    expect(scheduleUserRefs(office).map((r) => `${r.path.join('.')}=${r.user}`)).toEqual(['layers.0.users.0=alice', 'layers.0.users.1=bob', 'layers.1.users.0=carol']);
  });
});

describe('on-call properties', () => {
  const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
  const YEAR_START = Date.UTC(2024, 0, 1);
  const hhmm = (h: number, m: number) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
  // Minutes 0 and 30 at 01–03 land handoffs and windows in DST gaps and overlaps on purpose.
  const clockArb = fc.oneof(fc.constantFrom('02:30', '02:00', '01:30', '00:00', '09:00'), fc.tuple(fc.nat(23), fc.constantFrom(0, 30, 59)).map(([h, m]) => hhmm(h, m)));
  const dayArb = fc.nat(300).map((n) => new Date(YEAR_START + n * DAY).toISOString().slice(0, 10));
  const userArb = fc.constantFrom('ann', 'bob', 'cy');
  const layerArb = (i: number) =>
    fc
      .record({
        users: fc.array(userArb, { minLength: 1, maxLength: 4 }),
        rotation: fc.constantFrom('daily' as const, 'weekly' as const),
        shiftLength: fc.integer({ min: 1, max: 3 }),
        handoff: clockArb,
        start: dayArb,
        restrictions: fc.option(
          fc.array(fc.record({ days: fc.subarray([...WEEKDAYS], { minLength: 1 }), from: clockArb, to: clockArb }), { minLength: 1, maxLength: 3 }),
          { nil: undefined },
        ),
      })
      .map((l) => ({
        ...l,
        name: `layer${i}`,
        // Weekly layers hand off on the weekday they start.
        ...(l.rotation === 'weekly' ? { handoffDay: WEEKDAYS[new Date(`${l.start}T00:00Z`).getUTCDay()]! } : {}),
      }));
  const overrideArb = fc.record({ user: userArb, startAt: fc.integer({ min: YEAR_START, max: YEAR_START + 360 * DAY }), length: fc.integer({ min: 60_000, max: 3 * DAY }) }).map((o) => ({
    user: o.user,
    start: new Date(o.startAt).toISOString(),
    end: new Date(o.startAt + o.length).toISOString(),
  }));
  const scheduleArb = fc
    .record({
      timezone: fc.constantFrom('Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata', 'UTC'),
      layers: fc.integer({ min: 1, max: 3 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => layerArb(i)))),
      overrides: fc.array(overrideArb, { maxLength: 4 }),
    })
    .map((input) => schedule(input));
  const instantArb = fc.integer({ min: YEAR_START, max: YEAR_START + 366 * DAY });

  it('keeps the answer constant on [t, until) and changes it at until', () => {
    fc.assert(
      fc.property(scheduleArb, instantArb, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 4 }), (s, at, fractions) => {
        const a = whoIsOnCall(s, at);
        if (!a) return;
        // With no end in sight, look a year ahead instead.
        const end = a.until ?? at + 366 * DAY;
        expect(end).toBeGreaterThan(at);
        for (const f of [...fractions, 1]) {
          const p = Math.min(at + Math.floor(f * (end - at)), end - 1);
          expect(sameAnswer(whoIsOnCall(s, p), a), `at ${new Date(p).toISOString()}`).toBe(true);
        }
        if (a.until !== null) expect(sameAnswer(whoIsOnCall(s, a.until), a)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('builds timelines out of whoIsOnCall answers, in order and without overlaps', () => {
    fc.assert(
      fc.property(scheduleArb, instantArb, (s, from) => {
        const to = from + 10 * DAY;
        const segments = onCallTimeline(s, from, to);
        let previousEnd = from;
        for (const seg of segments) {
          expect(seg.start).toBeGreaterThanOrEqual(previousEnd);
          expect(seg.end).toBeGreaterThan(seg.start);
          // A gap before this segment means nobody was on call in it.
          if (seg.start > previousEnd) expect(whoIsOnCall(s, previousEnd)).toBeNull();
          expect(whoIsOnCall(s, seg.start)).toMatchObject({ user: seg.user, layer: seg.layer });
          previousEnd = seg.end;
        }
      }),
      { numRuns: 100 },
    );
  });

  it('goes round a simple daily rotation in order, handing off at the same wall-clock time each day', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('Europe/Berlin', 'America/New_York', 'Australia/Sydney', 'UTC'),
        fc.integer({ min: 2, max: 5 }),
        // Whole hours from 04:00 to 23:00 exist on every day in these zones.
        fc.integer({ min: 4, max: 23 }),
        instantArb,
        (timezone, n, hour, from) => {
          const users = ['u0', 'u1', 'u2', 'u3', 'u4'].slice(0, n);
          const s = schedule({ timezone, layers: [{ name: 'rota', users, rotation: 'daily', handoff: hhmm(hour, 0), start: '2023-12-01' }] });
          const segments = onCallTimeline(s, from, from + 40 * DAY);
          for (const [i, seg] of segments.entries()) {
            if (i === 0) continue;
            expect(seg.user).toBe(users[(users.indexOf(segments[i - 1]!.user) + 1) % n]);
            expect(seg.start).toBe(segments[i - 1]!.end);
            const local = DateTime.fromMillis(seg.start, { zone: timezone });
            expect(local.toFormat('HH:mm')).toBe(hhmm(hour, 0));
            // Exactly one calendar day after the previous handoff, whatever the clocks did.
            if (i > 1) expect(local.diff(DateTime.fromMillis(segments[i - 1]!.start, { zone: timezone }).startOf('day'), 'days').days).toBeLessThan(2);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('vigil oncall (in process)', () => {
  const config = parseConfig(
    {
      users: { alice: { notify: ['console'] }, bob: { notify: ['console'] }, carol: { notify: ['console'] }, dave: { notify: ['console'] } },
      schedules: {
        primary: {
          timezone: 'Europe/Berlin',
          layers: [{ name: 'rota', users: ['alice', 'bob', 'carol'], rotation: 'daily', start: '2024-03-29' }],
          overrides: [{ user: 'dave', start: '2024-04-01T12:00:00+02:00', end: '2024-04-01T13:00:00+02:00' }],
        },
        secondary: { timezone: 'UTC', layers: [{ name: 'rota', users: ['alice'], rotation: 'daily', start: '2030-01-01' }] },
      },
    },
    'test.yaml',
    {},
  );
  const context: CliContext = {
    config,
    configSource: 'test.yaml',
    logger: createLogger('test'),
    env: {},
    // These commands must work with no database and no Temporal.
    databaseUrl: () => {
      throw new Error('oncall commands must not need a database');
    },
    temporalAddress: () => {
      throw new Error('oncall commands must not need Temporal');
    },
  };
  afterEach(() => {
    vi.restoreAllMocks();
  });

  async function run(...args: string[]): Promise<string> {
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: unknown) => void lines.push(String(line)));
    const program = new Command('vigil').exitOverride();
    registerOncallCommands(program, () => context);
    await program.parseAsync(args, { from: 'user' });
    return lines.join('\n');
  }

  it.each([
    // --at without an offset is local time in the schedule's zone.
    [['who', '--schedule', 'primary', '--at', '2024-03-30T10:00'], 'bob (layer rota) until 2024-03-31T09:00+02:00'],
    // The same instant given in UTC.
    [['who', '--schedule', 'primary', '--at', '2024-03-30T09:00Z'], 'bob (layer rota) until 2024-03-31T09:00+02:00'],
    [['who', '--schedule', 'primary', '--at', '2024-04-01T12:30+02:00'], 'dave (layer override) until 2024-04-01T13:00+02:00'],
    [['who', '--schedule', 'secondary', '--at', '2029-12-31T00:00Z'], 'nobody is on call'],
    [['who', '--schedule', 'secondary', '--at', '2030-01-02T00:00Z'], 'alice (layer rota) with no change scheduled'],
  ])('%j prints %s', async (args, want) => {
    expect(await run('oncall', ...args)).toBe(want);
  });

  it('prints the upcoming shifts as a table in the schedule zone', async () => {
    const out = await run('oncall', 'shifts', '--schedule', 'primary', '--from', '2024-03-31T00:00', '--days', '2');
    expect(out.split('\n').map((l) => l.split(/\s+/))).toEqual([
      ['FROM', 'TO', 'USER', 'LAYER'],
      ['2024-03-31T00:00+01:00', '2024-03-31T09:00+02:00', 'bob', 'rota'],
      ['2024-03-31T09:00+02:00', '2024-04-01T09:00+02:00', 'carol', 'rota'],
      ['2024-04-01T09:00+02:00', '2024-04-01T12:00+02:00', 'alice', 'rota'],
      ['2024-04-01T12:00+02:00', '2024-04-01T13:00+02:00', 'dave', 'override'],
      ['2024-04-01T13:00+02:00', '2024-04-02T00:00+02:00', 'alice', 'rota'],
    ]);
  });

  it.each([
    // Unknown schedule: the message lists the known ones.
    [['who', '--schedule', 'nope'], /no schedule named "nope" in test\.yaml \(known: primary, secondary\)/],
    [['who', '--schedule', 'primary', '--at', 'yesterday'], /--at: "yesterday" is not an ISO time/],
    [['shifts', '--schedule', 'primary', '--days', '0'], /--days: "0"/],
    [['shifts', '--schedule', 'primary', '--from', '2024-13-01'], /--from: "2024-13-01"/],
  ])('%j is invalid input', async (args, says) => {
    const err = await run('oncall', ...args).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(VigilError);
    expect((err as VigilError).code).toBe('invalid_input');
    expect((err as VigilError).message).toMatch(says);
  });
});
