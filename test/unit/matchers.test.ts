import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatMatcher, incidentLabels, matcherSchema, matches, matchesAll, parseMatcher, type Matcher } from '../../domain/matchers';

/** The part of every "not a matcher" error that tells people how to write one. */
const HOW_TO_WRITE = 'write name="value", name!="value", name=~"regex" or name!~"regex"';
const m = (name: string, op: Matcher['op'], value: string): Matcher => ({ name, op, value });

describe('parseMatcher: valid forms', () => {
  const cases: Array<{ name: string; text: string; want: Matcher }> = [
    // Equality, the everyday case.
    { name: 'equal', text: 'severity="critical"', want: m('severity', '=', 'critical') },
    // Inequality.
    { name: 'not equal', text: 'team!="db"', want: m('team', '!=', 'db') },
    // Regex match; the text is kept as written (anchoring happens when matching).
    { name: 'regex', text: 'service=~"search|rerank"', want: m('service', '=~', 'search|rerank') },
    // Negated regex.
    { name: 'negated regex', text: 'env!~"dev.*"', want: m('env', '!~', 'dev.*') },
    // An escaped quote inside a quoted value is a literal quote.
    { name: 'escaped quote', text: 'title="say \\"hi\\""', want: m('title', '=', 'say "hi"') },
    // An escaped backslash is one backslash.
    { name: 'escaped backslash', text: 'path="C:\\\\logs"', want: m('path', '=', 'C:\\logs') },
    // Unquoted values are allowed when they hold no spaces or quotes.
    { name: 'unquoted value', text: 'severity=critical', want: m('severity', '=', 'critical') },
    // Unquoted regexes keep their backslashes as written.
    { name: 'unquoted regex', text: 'path=~/v\\d+/.*', want: m('path', '=~', '/v\\d+/.*') },
    // Whitespace around the name, the operator and the value is ignored.
    { name: 'whitespace everywhere', text: '  severity  =~  "high|critical"  ', want: m('severity', '=~', 'high|critical') },
    // Whitespace inside quotes is part of the value.
    { name: 'spaces inside quotes', text: 'title=" disk full "', want: m('title', '=', ' disk full ') },
    // An empty quoted value: matches a missing label.
    { name: 'empty quoted value', text: 'team=""', want: m('team', '=', '') },
    // Nothing after the operator is the empty value too.
    { name: 'empty unquoted value', text: 'team!=', want: m('team', '!=', '') },
    // Names are identifiers: underscores and digits after the first character.
    { name: 'identifier name', text: '_p95_ms="1"', want: m('_p95_ms', '=', '1') },
    // Non-ASCII values pass through untouched.
    { name: 'unicode value', text: 'region="zürich-Ω"', want: m('region', '=', 'zürich-Ω') },
    // A "(" is a plain character for = (only regex operators compile the value).
    { name: 'regex metacharacters under =', text: 'dimension="("', want: m('dimension', '=', '(') },
  ];
  it.each(cases)('$name: $text', ({ text, want }) => {
    expect(parseMatcher(text)).toEqual(want);
  });
});

describe('parseMatcher: invalid forms say how to write a matcher', () => {
  const cases: Array<{ name: string; text: string }> = [
    // No operator at all.
    { name: 'bare name', text: 'severity' },
    // A doubled equals sign (PromQL habit) is not an operator.
    { name: '==', text: 'severity=="critical"' },
    // A name is required.
    { name: 'missing name', text: '="critical"' },
    // Names start with a letter or underscore.
    { name: 'name starting with a digit', text: '9lives="x"' },
    // Dashes are not allowed in names (they are in values).
    { name: 'dash in the name', text: 'error-rate="x"' },
    // The closing quote is missing.
    { name: 'unterminated quote', text: 'severity="critical' },
    // A stray unescaped quote inside the value.
    { name: 'unescaped quote', text: 'title="say "hi""' },
    // Unquoted values cannot contain spaces: quote them.
    { name: 'space in an unquoted value', text: 'title=disk full' },
    // Trailing garbage after a quoted value.
    { name: 'text after the value', text: 'severity="critical" extra' },
    // Two matchers in one string (the caller must split them).
    { name: 'two matchers', text: 'a="1",b="2"' },
    // Tilde alone is not an operator.
    { name: '~ alone', text: 'severity~"high"' },
    // The empty string.
    { name: 'empty', text: '' },
  ];
  it.each(cases)('$name: $text', ({ text }) => {
    expect(() => parseMatcher(text)).toThrow(`"${text}" is not a matcher; ${HOW_TO_WRITE}`);
  });
});

describe('parseMatcher: invalid regular expressions', () => {
  const cases: Array<{ name: string; text: string }> = [
    // An unbalanced group under =~.
    { name: 'unterminated group', text: 'service=~"("' },
    // A reversed character range under !~.
    { name: 'bad range', text: 'service!~"[z-a]"' },
    // A dangling quantifier.
    { name: 'nothing to repeat', text: 'service=~"*"' },
  ];
  it.each(cases)('$name: $text', ({ text }) => {
    expect(() => parseMatcher(text)).toThrow(`"${text}": invalid regular expression`);
  });
});

describe('parseMatcher: backslashes in quoted regexes', () => {
  // Regression: quoted regexes lost their backslashes ("/v\\d+/" became "/vd+/").
  it('keeps \\d in a quoted regex, so "/v\\d+/search" matches /v2/search', () => {
    const matcher = parseMatcher('path=~"/v\\d+/search"');
    expect(matcher.value).toBe('/v\\d+/search');
    expect(matches(matcher, { path: '/v2/search' })).toBe(true);
  });
});

describe('matcherSchema', () => {
  it('parses matcher text into a Matcher', () => {
    expect(matcherSchema.parse('severity=~"high|critical"')).toEqual(m('severity', '=~', 'high|critical'));
  });

  it('reports a bad matcher as one issue whose message says how to write one', () => {
    const r = matcherSchema.safeParse('severity');
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.message)).toEqual([`"severity" is not a matcher; ${HOW_TO_WRITE}`]);
  });

  it('reports an invalid regex with the parser\'s reason', () => {
    const r = matcherSchema.safeParse('service=~"("');
    expect(r.error?.issues[0]?.message).toMatch(/^"service=~"\("": invalid regular expression: .*Unterminated group/);
  });
});

describe('matches', () => {
  const cases: Array<{ name: string; matcher: string; labels: Record<string, string>; want: boolean }> = [
    // Plain equality.
    { name: '= same value', matcher: 'severity="high"', labels: { severity: 'high' }, want: true },
    // Equality is exact, not a substring test.
    { name: '= other value', matcher: 'severity="high"', labels: { severity: 'very-high' }, want: false },
    // Regexes are anchored: "high" does not match inside "very-high".
    { name: '=~ anchored at the start', matcher: 'severity=~"high"', labels: { severity: 'very-high' }, want: false },
    // ... nor at the end of "highest".
    { name: '=~ anchored at the end', matcher: 'severity=~"high"', labels: { severity: 'highest' }, want: false },
    // The whole value matches.
    { name: '=~ whole value', matcher: 'severity=~"high"', labels: { severity: 'high' }, want: true },
    // Anchoring wraps the whole alternation, not just its first and last branch.
    { name: '=~ alternation, second branch', matcher: 'severity=~"high|critical"', labels: { severity: 'critical' }, want: true },
    // ... so "supercritical" does not sneak through the second branch.
    { name: '=~ alternation stays anchored', matcher: 'severity=~"high|critical"', labels: { severity: 'supercritical' }, want: false },
    // ... nor "highly" through the first.
    { name: '=~ alternation stays anchored (first branch)', matcher: 'severity=~"high|critical"', labels: { severity: 'highly' }, want: false },
    // A prefix pattern needs an explicit .*.
    { name: '=~ prefix with .*', matcher: 'env=~"prod.*"', labels: { env: 'production' }, want: true },
    // ... and still does not match in the middle.
    { name: '=~ prefix is not a substring', matcher: 'env=~"prod.*"', labels: { env: 'preprod' }, want: false },
    // A missing label reads as "", which differs from "db".
    { name: '!= on a missing label', matcher: 'team!="db"', labels: {}, want: true },
    // != with the label present and equal.
    { name: '!= same value', matcher: 'team!="db"', labels: { team: 'db' }, want: false },
    // A missing label equals the empty string.
    { name: '="" on a missing label', matcher: 'team=""', labels: {}, want: true },
    // != "" means "the label is set".
    { name: '!="" on a missing label', matcher: 'team!=""', labels: {}, want: false },
    // ... and holds once it is.
    { name: '!="" on a present label', matcher: 'team!=""', labels: { team: 'search' }, want: true },
    // .* matches the empty string, hence a missing label.
    { name: '=~".*" on a missing label', matcher: 'team=~".*"', labels: {}, want: true },
    // .+ needs at least one character, so a missing label fails.
    { name: '=~".+" on a missing label', matcher: 'team=~".+"', labels: {}, want: false },
    // Negated regex excludes exactly the matching values.
    { name: '!~ matching value', matcher: 'service!~"search|rerank"', labels: { service: 'search' }, want: false },
    // Negation is anchored too: "searcher" is not "search".
    { name: '!~ anchored', matcher: 'service!~"search|rerank"', labels: { service: 'searcher' }, want: true },
    // A missing label is "", which the pattern does not match, so !~ accepts it.
    { name: '!~ on a missing label', matcher: 'service!~"search|rerank"', labels: {}, want: true },
    // !~".*" rejects everything, missing labels included.
    { name: '!~".*" on a missing label', matcher: 'team!~".*"', labels: {}, want: false },
    // Matching is case-sensitive, like Alertmanager.
    { name: 'case-sensitive', matcher: 'severity="High"', labels: { severity: 'high' }, want: false },
    // Other labels do not matter.
    { name: 'other labels ignored', matcher: 'service="search"', labels: { service: 'search', team: 'db', env: 'prod' }, want: true },
  ];
  it.each(cases)('$name: $matcher on $labels → $want', ({ matcher, labels, want }) => {
    expect(matches(parseMatcher(matcher), labels)).toBe(want);
  });
});

describe('matchesAll', () => {
  const cases: Array<{ name: string; matchers: string[]; labels: Record<string, string>; want: boolean }> = [
    // No matchers: everything matches (the root route, an empty rule side).
    { name: 'empty list', matchers: [], labels: { service: 'search' }, want: true },
    // Every matcher must accept.
    { name: 'all accept', matchers: ['service="search"', 'severity=~"high|critical"'], labels: { service: 'search', severity: 'high' }, want: true },
    // One refusal is enough to fail.
    { name: 'one refuses', matchers: ['service="search"', 'severity=~"high|critical"'], labels: { service: 'search', severity: 'low' }, want: false },
    // Two matchers on the same label act as a range.
    { name: 'same label twice', matchers: ['env=~"prod.*"', 'env!="prod-canary"'], labels: { env: 'prod-canary' }, want: false },
  ];
  it.each(cases)('$name', ({ matchers, labels, want }) => {
    expect(matchesAll(matchers.map(parseMatcher), labels)).toBe(want);
  });
});

describe('incidentLabels', () => {
  const base = { service: 'search', kind: 'response_time_sla', dimension: 'p95', severity: 'high' };
  const cases: Array<{ name: string; input: Parameters<typeof incidentLabels>[0]; want: Record<string, string> }> = [
    // Own labels plus the four identity fields; no incident label before the workflow exists.
    {
      name: 'own labels plus identity, no workflow',
      input: { ...base, labels: { team: 'search', region: 'eu' } },
      want: { team: 'search', region: 'eu', service: 'search', kind: 'response_time_sla', dimension: 'p95', severity: 'high' },
    },
    // A detector cannot relabel the incident: service/kind/dimension/severity override same-named own labels.
    {
      name: 'identity overrides own labels',
      input: { ...base, labels: { service: 'other', kind: 'x', dimension: 'y', severity: 'info', team: 'search' } },
      want: { team: 'search', service: 'search', kind: 'response_time_sla', dimension: 'p95', severity: 'high' },
    },
    // Once the workflow exists its id is the `incident` label, so a silence can target one incident.
    {
      name: 'incident label from workflowId',
      input: { ...base, labels: {}, workflowId: 'incident-abc' },
      want: { service: 'search', kind: 'response_time_sla', dimension: 'p95', severity: 'high', incident: 'incident-abc' },
    },
    // The workflow id overrides an own label called `incident`.
    {
      name: 'workflowId overrides an own incident label',
      input: { ...base, labels: { incident: 'spoofed' }, workflowId: 'incident-abc' },
      want: { service: 'search', kind: 'response_time_sla', dimension: 'p95', severity: 'high', incident: 'incident-abc' },
    },
    // An empty workflowId counts as none.
    {
      name: 'empty workflowId adds no incident label',
      input: { ...base, labels: {}, workflowId: '' },
      want: { service: 'search', kind: 'response_time_sla', dimension: 'p95', severity: 'high' },
    },
    // An empty dimension is still a label (""), which `dimension=""` matches.
    {
      name: 'empty dimension kept',
      input: { ...base, dimension: '', labels: {} },
      want: { service: 'search', kind: 'response_time_sla', dimension: '', severity: 'high' },
    },
  ];
  it.each(cases)('$name', ({ input, want }) => {
    expect(incidentLabels(input)).toEqual(want);
  });

  it('does not modify the incident\'s own labels', () => {
    const labels = { service: 'other' };
    incidentLabels({ ...base, labels, workflowId: 'w' });
    expect(labels).toEqual({ service: 'other' });
  });
});

describe('formatMatcher', () => {
  const cases: Array<{ name: string; matcher: Matcher; want: string }> = [
    // Values are always quoted.
    { name: 'plain', matcher: m('severity', '=', 'critical'), want: 'severity="critical"' },
    // Only \", \\ and \n are escapes (Alertmanager), so a lone backslash before another character is written as is.
    { name: 'quote and backslash', matcher: m('title', '!=', 'say "hi" \\o/'), want: 'title!="say \\"hi\\" \\o/"' },
    // The empty value is "".
    { name: 'empty', matcher: m('team', '=~', ''), want: 'team=~""' },
  ];
  it.each(cases)('$name → $want', ({ matcher, want }) => {
    expect(formatMatcher(matcher)).toBe(want);
  });
});

describe('parseMatcher(formatMatcher(m)) round trip', () => {
  const isRegex = (s: string) => {
    try {
      new RegExp(s);
      return true;
    } catch {
      return false;
    }
  };
  const nameArb = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,20}$/);
  const matcherArb = (unit: 'grapheme' | 'binary-ascii') =>
    fc.oneof(
      fc.record({ name: nameArb, op: fc.constantFrom('=' as const, '!=' as const), value: fc.string({ unit, maxLength: 30 }) }),
      // Regex operators only accept values that compile.
      fc.record({ name: nameArb, op: fc.constantFrom('=~' as const, '!~' as const), value: fc.string({ unit, maxLength: 30 }).filter(isRegex) }),
    );

  it('gives back the same matcher for printable values (quotes, backslashes and non-ASCII included)', () => {
    fc.assert(
      fc.property(matcherArb('grapheme'), (matcher) => {
        expect(parseMatcher(formatMatcher(matcher))).toEqual(matcher);
      }),
      { numRuns: 500 },
    );
  });

  it('handles values made of quotes and backslashes only', () => {
    fc.assert(
      fc.property(nameArb, fc.string({ unit: fc.constantFrom('"', '\\', ' ', 'a') }), (name, value) => {
        const matcher = m(name, '=', value);
        expect(parseMatcher(formatMatcher(matcher))).toEqual(matcher);
      }),
    );
  });

  // Regression: formatted matchers with newlines or tabs did not parse back.
  it('gives back the same matcher for values with newlines, tabs and control characters', () => {
    expect(parseMatcher(formatMatcher(m('title', '=', 'line1\nline2')))).toEqual(m('title', '=', 'line1\nline2'));
    // Found by the property below (seed 1628700691): a backslash before a newline came back as "\\n".
    for (const value of ['\\\n', 'a\\\nb', '\\\n\\', '\\\\\n', '\\\r', '\\\u2028']) expect(parseMatcher(formatMatcher(m('a', '=', value)))).toEqual(m('a', '=', value));
    fc.assert(
      fc.property(matcherArb('binary-ascii'), (matcher) => {
        expect(parseMatcher(formatMatcher(matcher))).toEqual(matcher);
      }),
    );
  });
});
