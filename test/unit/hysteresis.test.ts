import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkKey, stepHysteresis, type HysteresisDecision, type HysteresisState } from '../../domain/hysteresis';

const KEY = checkKey('response_time_sla', 'p95');

/** Feeds one verdict per window through stepHysteresis; B = breached, C = clear, _ = no data. */
function run(series: string, openAfter: number, resolveAfter: number, start: HysteresisState = {}) {
  let state = start;
  const decisions: HysteresisDecision[] = [];
  for (const ch of series.replace(/\s/g, '')) {
    const verdict = ch === 'B' ? true : ch === 'C' ? false : null;
    const step = stepHysteresis(state, KEY, verdict, { openAfter, resolveAfter });
    state = step.state;
    decisions.push(step.decision);
  }
  return { state, decisions };
}

/** Short names for decisions so the expected timelines line up with the series: o=open, +=occurrence, x=clear, .=none. */
const short = (d: HysteresisDecision[]) => d.map((x) => ({ open: 'o', occurrence: '+', clear: 'x', none: '.' })[x]).join('');

describe('stepHysteresis timelines', () => {
  const cases: Array<{ name: string; series: string; openAfter: number; resolveAfter: number; want: string }> = [
    // Three breaching windows in a row open the incident on the third; the fourth is an occurrence of it.
    { name: 'opens after openAfter breaches', series: 'BBBB', openAfter: 3, resolveAfter: 5, want: '..o+' },
    // openAfter 1: the first breach opens.
    { name: 'openAfter 1 opens at once', series: 'BB', openAfter: 1, resolveAfter: 1, want: 'o+' },
    // Breach, clear, breach, clear…: the streak never reaches 3, so nothing ever opens.
    { name: 'flapping never opens', series: 'BCBCBCBCBCBC', openAfter: 3, resolveAfter: 5, want: '............' },
    // Two breaches, a clear (streak reset), then three more: opens on the fifth breach overall, not the third.
    { name: 'a clear window resets the breach streak', series: 'BBCBBB', openAfter: 3, resolveAfter: 5, want: '.....o' },
    // Open, then flapping inside: each breach is an occurrence and restarts the clear count; five clears in a row clear it.
    { name: 'flapping inside an open incident stays one incident', series: 'BBB CBCBCB CCCCC', openAfter: 3, resolveAfter: 5, want: '..o.+.+.+....x' },
    // Four clears, a breach, four clears: never five in a row, so it stays open.
    { name: 'no clear until resolveAfter clears in a row', series: 'BBB CCCCB CCCC', openAfter: 3, resolveAfter: 5, want: '..o....+....' },
    // No data between breaches neither breaks nor extends the streak: opens on the third real breach.
    { name: 'no data does not break a breach streak', series: 'B_B_B', openAfter: 3, resolveAfter: 2, want: '....o' },
    // No data between clears neither breaks nor extends the clear streak: clears on the second real clear.
    { name: 'no data does not break a clear streak', series: 'BC__C', openAfter: 1, resolveAfter: 2, want: 'o...x' },
    // Clears without an open incident decide nothing.
    { name: 'clear windows alone do nothing', series: 'CCCCCC', openAfter: 1, resolveAfter: 1, want: '......' },
    // After a clear, reopening takes openAfter breaches again.
    { name: 'reopening needs a fresh streak', series: 'BB C BB', openAfter: 2, resolveAfter: 1, want: '.ox.o' },
    // resolveAfter 1: the first clear window resolves.
    { name: 'resolveAfter 1', series: 'BBC', openAfter: 2, resolveAfter: 1, want: '.ox' },
  ];
  it.each(cases)('$name: $series → $want', ({ series, openAfter, resolveAfter, want }) => {
    expect(short(run(series, openAfter, resolveAfter).decisions)).toBe(want);
  });
});

describe('stepHysteresis state', () => {
  it('keeps keys independent', () => {
    const sla = { openAfter: 1, resolveAfter: 1 };
    const a = stepHysteresis({}, 'availability_sla/availability', true, sla);
    const b = stepHysteresis(a.state, KEY, false, sla);
    expect(b.decision).toBe('none');
    expect(b.state).toEqual({ 'availability_sla/availability': { open: true, breachStreak: 1, clearStreak: 0 } });
  });

  it('forgets a check once it is closed and quiet, so the state stays small', () => {
    // Open, then cleared: nothing left to remember.
    expect(run('BBC', 2, 1).state).toEqual({});
    // A breach streak below openAfter is remembered; a clear window ends it.
    expect(run('B', 2, 1).state).toEqual({ [KEY]: { open: false, breachStreak: 1, clearStreak: 0 } });
    expect(run('BC', 2, 1).state).toEqual({});
  });

  it('returns the very same state for no data', () => {
    const { state } = run('BB', 3, 1);
    const step = stepHysteresis(state, KEY, null, { openAfter: 3, resolveAfter: 1 });
    expect(step).toEqual({ state, decision: 'none' });
    expect(step.state).toBe(state);
  });

  it('does not change the state it was given', () => {
    const before: HysteresisState = { [KEY]: { open: true, breachStreak: 0, clearStreak: 4 } };
    const copy = structuredClone(before);
    expect(stepHysteresis(before, KEY, false, { openAfter: 3, resolveAfter: 5 }).decision).toBe('clear');
    expect(before).toEqual(copy);
  });
});

describe('stepHysteresis properties', () => {
  const verdicts = fc.array(fc.constantFrom(true, false, null), { maxLength: 200 });
  const limits = fc.record({ openAfter: fc.integer({ min: 1, max: 6 }), resolveAfter: fc.integer({ min: 1, max: 6 }) });

  it("never 'open' twice without a 'clear' between, never 'clear' or 'occurrence' while closed", () => {
    fc.assert(
      fc.property(verdicts, limits, (series, sla) => {
        let state: HysteresisState = {};
        let open = false;
        for (const v of series) {
          const step = stepHysteresis(state, KEY, v, sla);
          state = step.state;
          if (step.decision === 'open') expect(open).toBe(false);
          if (step.decision === 'clear' || step.decision === 'occurrence') expect(open).toBe(true);
          if (step.decision === 'open') open = true;
          if (step.decision === 'clear') open = false;
        }
      }),
    );
  });

  it('opens exactly when the last openAfter verdicts with data were all breaches (from closed)', () => {
    fc.assert(
      fc.property(verdicts, limits, (series, sla) => {
        let state: HysteresisState = {};
        let open = false;
        const seen: boolean[] = [];
        for (const v of series) {
          const step = stepHysteresis(state, KEY, v, sla);
          state = step.state;
          if (v !== null) seen.push(v);
          const lastN = seen.slice(-sla.openAfter);
          const wantOpen = !open && v === true && lastN.length === sla.openAfter && lastN.every(Boolean);
          expect(step.decision === 'open').toBe(wantOpen);
          if (step.decision === 'open') open = true;
          if (step.decision === 'clear') open = false;
        }
      }),
    );
  });
});
