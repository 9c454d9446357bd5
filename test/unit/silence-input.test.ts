import { describe, expect, it } from 'vitest';
import { formatIssues } from '../../domain/config';
import { silenceInputSchema, silenceWindow, type SilenceInput } from '../../domain/silence-input';

const M = 60_000;
const H = 60 * M;
/** "Now" for every window: 2024-06-01 12:00 UTC. */
const NOW = Date.parse('2024-06-01T12:00:00Z');
const iso = (offset: number) => new Date(NOW + offset).toISOString();

/** A valid body to vary: one matcher, two hours. */
const valid = { matchers: ['service="search"'], duration: '2h', createdBy: 'alice', comment: 'reindexing' };

describe('silenceInputSchema accepts', () => {
  const cases: Array<{ name: string; input: unknown; want: Partial<SilenceInput> }> = [
    // Matchers and a duration: the duration becomes milliseconds, matchers are parsed.
    { name: 'matchers and duration', input: valid, want: { matchers: [{ name: 'service', op: '=', value: 'search' }], duration: 2 * H } },
    // An end time with an offset instead of a duration.
    { name: 'endsAt with offset', input: { ...valid, duration: undefined, endsAt: '2024-06-01T14:00:00+02:00' }, want: { endsAt: '2024-06-01T14:00:00+02:00' } },
    // An incident alone is enough (the service adds the incident matcher); matchers default to [].
    { name: 'incident without matchers', input: { ...valid, matchers: undefined, incident: 'incident-abc' }, want: { matchers: [], incident: 'incident-abc' } },
    // A later start.
    { name: 'startsAt and duration', input: { ...valid, startsAt: '2024-06-02T08:00:00Z' }, want: { startsAt: '2024-06-02T08:00:00Z', duration: 2 * H } },
    // Who and why are trimmed.
    { name: 'trimmed who and why', input: { ...valid, createdBy: '  alice ', comment: ' reindexing\n' }, want: { createdBy: 'alice', comment: 'reindexing' } },
  ];
  it.each(cases)('$name', ({ input, want }) => {
    expect(silenceInputSchema.parse(input)).toMatchObject(want);
  });
});

describe('silenceInputSchema errors name the field', () => {
  const HOW = 'write name="value", name!="value", name=~"regex" or name!~"regex"';
  const cases: Array<{ name: string; input: unknown; want: Array<[path: string, message: RegExp]> }> = [
    // Neither matchers nor an incident: the silence would match everything.
    { name: 'no matchers and no incident', input: { ...valid, matchers: [] }, want: [['matchers', /^give at least one matcher, or an incident$/]] },
    // ... also when matchers are left out entirely.
    { name: 'matchers left out, no incident', input: { ...valid, matchers: undefined }, want: [['matchers', /^give at least one matcher, or an incident$/]] },
    // Both an end and a duration: ambiguous.
    { name: 'both endsAt and duration', input: { ...valid, endsAt: iso(H) }, want: [['endsAt', /^give exactly one of endsAt and duration$/]] },
    // Neither an end nor a duration: unbounded.
    { name: 'neither endsAt nor duration', input: { ...valid, duration: undefined }, want: [['endsAt', /^give exactly one of endsAt and duration$/]] },
    // Both cross-field problems at once are both reported.
    { name: 'no matchers and no window', input: { ...valid, matchers: [], duration: undefined }, want: [['matchers', /matcher/], ['endsAt', /exactly one/]] },
    // Bad matcher text: the index of the bad one, and how to write one.
    { name: 'bad matcher text', input: { ...valid, matchers: ['service="search"', 'severity'] }, want: [['matchers.1', new RegExp(`^"severity" is not a matcher; ${HOW.replace(/[|()"~!]/g, '\\$&')}$`)]] },
    // A regex that does not compile.
    { name: 'bad regex', input: { ...valid, matchers: ['service=~"("'] }, want: [['matchers.0', /invalid regular expression/]] },
    // An empty comment: say why, since it shows in every muted incident.
    { name: 'empty comment', input: { ...valid, comment: '' }, want: [['comment', /^say why \(it shows in every muted incident\)$/]] },
    // Whitespace is not a reason either.
    { name: 'blank comment', input: { ...valid, comment: '   ' }, want: [['comment', /^say why/]] },
    // Who created it is required.
    { name: 'empty createdBy', input: { ...valid, createdBy: '' }, want: [['createdBy', /^say who creates the silence$/]] },
    // A duration that is not one.
    { name: 'bad duration', input: { ...valid, duration: 'two hours' }, want: [['duration', /"two hours" is not a duration/]] },
    // A negative millisecond duration.
    { name: 'negative duration', input: { ...valid, duration: -1 }, want: [['duration', /-1 is not a duration/]] },
    // An end time without an offset would depend on the server's zone.
    { name: 'endsAt without offset', input: { ...valid, duration: undefined, endsAt: '2024-06-01T14:00:00' }, want: [['endsAt', /./]] },
    // A typo'd key is refused rather than ignored (e.g. "ends" for "endsAt").
    { name: 'unknown key', input: { ...valid, ends: iso(H) }, want: [['(root)', /"ends"/]] },
    // Field errors come first: the cross-field checks only run once every field parses, so a bad matcher
    // together with a missing window reports only the matcher this round.
    { name: 'field error hides cross-field checks', input: { ...valid, matchers: ['nope'], duration: undefined }, want: [['matchers.0', /is not a matcher/]] },
  ];
  it.each(cases)('$name', ({ input, want }) => {
    const r = silenceInputSchema.safeParse(input);
    expect(r.success).toBe(false);
    const lines = formatIssues(r.error!);
    expect(lines, lines.join('\n')).toHaveLength(want.length);
    want.forEach(([path, message], i) => {
      expect(lines[i]!.startsWith(`${path}: `), lines[i]).toBe(true);
      expect(lines[i]!.slice(path.length + 2)).toMatch(message);
    });
  });
});

describe('silenceWindow', () => {
  const input = (over: Record<string, unknown>): SilenceInput => silenceInputSchema.parse({ ...valid, duration: undefined, ...over });
  const cases: Array<{ name: string; input: SilenceInput; want: ReturnType<typeof silenceWindow> }> = [
    // A duration runs from now when no start is given.
    { name: 'duration from now', input: input({ duration: '2h' }), want: { startsAt: NOW, endsAt: NOW + 2 * H } },
    // A duration runs from startsAt when one is given.
    { name: 'duration from startsAt', input: input({ startsAt: iso(24 * H), duration: '30m' }), want: { startsAt: NOW + 24 * H, endsAt: NOW + 24 * H + 30 * M } },
    // An explicit end, starting now; the offset is honoured.
    { name: 'endsAt with offset', input: input({ endsAt: '2024-06-01T15:00:00+02:00' }), want: { startsAt: NOW, endsAt: NOW + H } },
    // A start in the past is fine while the end is still ahead (a silence back-dated to when the problem began).
    { name: 'started in the past, ends in the future', input: input({ startsAt: iso(-H), endsAt: iso(H) }), want: { startsAt: NOW - H, endsAt: NOW + H } },
    // A minute ahead is the shortest silence.
    { name: 'ends 1 minute from now', input: input({ endsAt: iso(M) }), want: { startsAt: NOW, endsAt: NOW + M } },
    // Ahead, but over before anyone could see it: refused rather than silently useless.
    { name: 'ends 1ms from now', input: input({ endsAt: iso(1) }), want: { error: 'must keep the silence in effect for at least 1 minute (a bare number is milliseconds)', field: 'endsAt' } },
    // A bare number is milliseconds: 30 meant as minutes.
    { name: 'duration of 30 ms', input: input({ duration: 30 }), want: { error: 'must keep the silence in effect for at least 1 minute (a bare number is milliseconds)', field: 'duration' } },
    // A back-dated silence counts from now: ending in 59 s is too short however long ago it started.
    { name: 'back-dated, ends in 59 s', input: input({ startsAt: iso(-H), endsAt: iso(59_000) }), want: { error: 'must keep the silence in effect for at least 1 minute (a bare number is milliseconds)', field: 'endsAt' } },
    // An end before the start is refused on endsAt.
    { name: 'end before start', input: input({ startsAt: iso(2 * H), endsAt: iso(H) }), want: { error: 'must be after startsAt', field: 'endsAt' } },
    // An end equal to the start is an empty window.
    { name: 'end equal to start', input: input({ startsAt: iso(H), endsAt: iso(H) }), want: { error: 'must be after startsAt', field: 'endsAt' } },
    // A zero duration is the same mistake, reported on duration.
    { name: 'zero duration', input: input({ duration: 0 }), want: { error: 'must be after startsAt', field: 'duration' } },
    // A duration no date can hold (schemathesis sent 8.3e21 ms; it reached Postgres as NaN, a 500).
    { name: 'duration beyond any date', input: input({ duration: 8_319_854_034_384_230_285_312 }), want: { error: 'may be at most 366 days after the start', field: 'duration' } },
    // Longer than a year is a switch-off, not a maintenance window.
    { name: 'longer than 366 days', input: input({ duration: '367d' }), want: { error: 'may be at most 366 days after the start', field: 'duration' } },
    // A window wholly in the past would never apply.
    { name: 'past window', input: input({ startsAt: iso(-2 * H), endsAt: iso(-H) }), want: { error: 'is in the past; the silence would never apply', field: 'endsAt' } },
    // A duration from a past start that is already over.
    { name: 'past window by duration', input: input({ startsAt: iso(-2 * H), duration: '1h' }), want: { error: 'is in the past; the silence would never apply', field: 'duration' } },
    // Ending exactly now is already over.
    { name: 'ends now', input: input({ startsAt: iso(-H), endsAt: iso(0) }), want: { error: 'is in the past; the silence would never apply', field: 'endsAt' } },
  ];
  it.each(cases)('$name', ({ input, want }) => {
    expect(silenceWindow(input, NOW)).toEqual(want);
  });

  it('refuses a past end given without a start', () => {
    expect(silenceWindow(input({ endsAt: iso(-H) }), NOW)).toMatchObject({ field: 'endsAt' });
  });

  // Regression: a past end with no start was reported as "must be after startsAt".
  it('says a past end without a start is in the past', () => {
    expect(silenceWindow(input({ endsAt: iso(-H) }), NOW)).toEqual({ error: 'is in the past; the silence would never apply', field: 'endsAt' });
  });
});
