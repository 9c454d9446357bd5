import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatDuration, parseDuration } from '../../domain/duration';
import { durationSchema } from '../../domain/duration-schema';

const S = 1_000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('parseDuration', () => {
  const valid: Array<{ text: string; ms: number }> = [
    // Each unit on its own.
    { text: '250ms', ms: 250 },
    { text: '90s', ms: 90 * S },
    { text: '5m', ms: 5 * M },
    { text: '2h', ms: 2 * H },
    { text: '7d', ms: 7 * D },
    // Zero is a duration (level 1 of a policy usually fires at once).
    { text: '0s', ms: 0 },
    // Compound, largest unit first, as formatDuration writes it.
    { text: '1h30m', ms: H + 30 * M },
    { text: '1d2h3m4s5ms', ms: D + 2 * H + 3 * M + 4 * S + 5 },
    // "ms" must win over "m" followed by "s": 1m30s is minutes+seconds, 30ms is milliseconds.
    { text: '1m30s', ms: M + 30 * S },
    { text: '1m30ms', ms: M + 30 },
    // Decimal amounts are accepted and rounded to whole milliseconds.
    { text: '1.5h', ms: 1.5 * H },
    { text: '0.5s', ms: 500 },
    { text: '1.0004s', ms: 1000 },
    // Surrounding whitespace (from YAML or a form field) is ignored.
    { text: '  5m\n', ms: 5 * M },
  ];
  it.each(valid)('parses "$text" as $ms ms', ({ text, ms }) => {
    expect(parseDuration(text)).toBe(ms);
  });

  const invalid: Array<{ text: string }> = [
    // Empty or blank text is no duration.
    { text: '' },
    { text: '   ' },
    // A bare number has no unit; config gives bare milliseconds as a YAML number instead.
    { text: '300' },
    // Negative durations make no sense for delays.
    { text: '-5m' },
    // Spaces inside, words, and upper-case units are refused rather than guessed at.
    { text: '5 m' },
    { text: '1h 30m' },
    { text: 'five minutes' },
    { text: '5M' },
    // Units people might expect but the format does not have.
    { text: '2w' },
    { text: '1y' },
    { text: '5min' },
    // A unit with no number, or junk after a valid part.
    { text: 'm' },
    { text: '5mx' },
    { text: '.5s' },
  ];
  it.each(invalid)('refuses "$text"', ({ text }) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('formatDuration', () => {
  const cases: Array<{ ms: number; text: string }> = [
    // Zero has to show something.
    { ms: 0, text: '0s' },
    // Sub-second values keep their milliseconds.
    { ms: 250, text: '250ms' },
    { ms: 1_500, text: '1s500ms' },
    // Exact units use the largest that fits, with no zero parts in between.
    { ms: 5 * M, text: '5m' },
    { ms: 90 * M, text: '1h30m' },
    { ms: 7 * D, text: '7d' },
    { ms: D + 5 * S, text: '1d5s' },
    // Fractional milliseconds round to the nearest whole millisecond.
    { ms: 1_000.6, text: '1s1ms' },
  ];
  it.each(cases)('formats $ms ms as "$text"', ({ ms, text }) => {
    expect(formatDuration(ms)).toBe(text);
  });

  // Regression: a value that rounds to zero once printed as "" because zero was checked before rounding.
  it('formats a sub-millisecond value that rounds to zero as "0s"', () => {
    expect(formatDuration(0.4)).toBe('0s');
  });

  it('round-trips: formatDuration(ms) parses back to ms for whole milliseconds up to ten years', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3650 * D }), (ms) => {
        expect(parseDuration(formatDuration(ms))).toBe(ms);
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips the other way for canonical text: parse then format gives the text back', () => {
    const part = (max: number, unit: string) => fc.integer({ min: 1, max }).map((n) => `${n}${unit}`);
    const canonical = fc
      .tuple(
        fc.option(part(400, 'd'), { nil: '' }),
        fc.option(part(23, 'h'), { nil: '' }),
        fc.option(part(59, 'm'), { nil: '' }),
        fc.option(part(59, 's'), { nil: '' }),
        fc.option(part(999, 'ms'), { nil: '' }),
      )
      .map((parts) => parts.join(''))
      .filter((text) => text !== '');
    fc.assert(
      fc.property(canonical, (text) => {
        expect(formatDuration(parseDuration(text)!)).toBe(text);
      }),
    );
  });
});

describe('durationSchema', () => {
  const accepted: Array<{ input: unknown; ms: number }> = [
    // Text goes through parseDuration.
    { input: '5m', ms: 5 * M },
    { input: '1h30m', ms: 90 * M },
    // Whole milliseconds pass through unchanged.
    { input: 0, ms: 0 },
    { input: 300_000, ms: 300_000 },
  ];
  it.each(accepted)('accepts $input as $ms ms', ({ input, ms }) => {
    expect(durationSchema.parse(input)).toBe(ms);
  });

  const refused: Array<{ input: unknown }> = [
    // Negative and fractional numbers are not whole milliseconds.
    { input: -1 },
    { input: 1.5 },
    // Neither number nor text.
    { input: true },
    { input: null },
    // Text that is not a duration.
    { input: 'soon' },
  ];
  it.each(refused)('refuses $input', ({ input }) => {
    expect(durationSchema.safeParse(input).success).toBe(false);
  });

  const messages: Array<{ input: unknown; quoted: string }> = [
    // Bad text: the message quotes it, so the user sees what they typed.
    { input: 'ten minutes', quoted: '"ten minutes"' },
    // A negative number is no duration either, and gets the same guidance.
    { input: -1, quoted: '-1' },
    // Neither text nor number: the message still says what a duration looks like.
    { input: true, quoted: '' },
  ];
  it.each(messages)('explains what a duration looks like when refusing $input', ({ input, quoted }) => {
    const result = durationSchema.safeParse(input);
    // The top-level issue message is what formatIssues (domain/config.ts) shows people, so the example must be there.
    const text = result.error!.issues.map((i) => i.message).join('\n');
    expect(text).toMatch(/e\.g\.|such as/);
    expect(text).toContain('"5m"');
    expect(text).toContain(quoted);
  });
});
