import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  describePosition,
  escalateNowTarget,
  firstStep,
  mergePolicies,
  stepAfter,
  type EscalationPolicy,
  type EscalationPolicyInput,
  type EscalationPosition,
} from '../../domain/escalation-policy';
import { escalationPolicySchema } from '../../domain/escalation-policy-schema';

const M = 60_000;
const policy = (input: EscalationPolicyInput): EscalationPolicy => escalationPolicySchema.parse(input);

// Three levels: on-call at once, team lead at 5m, manager 15m later; two extra passes 10m apart.
const ladder = policy({
  levels: [
    { delay: 0, targets: ['oncall'] },
    { delay: '5m', targets: ['lead'] },
    { delay: '15m', targets: ['manager', 'slack-ops'] },
  ],
  repeat: 2,
  repeatDelay: '10m',
});
// One level, no repeats: the smallest policy there is.
const single = policy({ levels: [{ delay: '2m', targets: ['console'] }] });
const pos = (pass: number, level: number): EscalationPosition => ({ pass, level });

describe('escalationPolicySchema defaults', () => {
  it('repeats nothing and pauses 5m between passes unless told otherwise', () => {
    expect(single.repeat).toBe(0);
    expect(single.repeatDelay).toBe(5 * M);
    // Duration text is stored as milliseconds.
    expect(single.levels[0]!.delay).toBe(2 * M);
  });
});

describe('firstStep', () => {
  const cases: Array<{ name: string; p: EscalationPolicy; delayMs: number }> = [
    // Level 1 fires after its own delay, counted from the incident opening.
    { name: 'immediate first level', p: ladder, delayMs: 0 },
    // A delayed first level waits (grace period before paging anyone).
    { name: 'delayed single level', p: single, delayMs: 2 * M },
  ];
  it.each(cases)('$name starts at pass 0, level 0 after $delayMs ms', ({ p, delayMs }) => {
    expect(firstStep(p)).toEqual({ position: pos(0, 0), delayMs });
  });
});

describe('stepAfter', () => {
  const cases: Array<{ name: string; p: EscalationPolicy; fired: EscalationPosition; next: ReturnType<typeof stepAfter> }> = [
    // Within a pass, the next level waits its own delay.
    { name: 'level 1 → level 2', p: ladder, fired: pos(0, 0), next: { position: pos(0, 1), delayMs: 5 * M } },
    { name: 'level 2 → level 3', p: ladder, fired: pos(0, 1), next: { position: pos(0, 2), delayMs: 15 * M } },
    // End of pass 0 with repeats left: back to level 1 after repeatDelay, not level 1's delay.
    { name: 'end of pass 0 → repeat 1', p: ladder, fired: pos(0, 2), next: { position: pos(1, 0), delayMs: 10 * M } },
    // Inside a repeat, levels use their own delays again.
    { name: 'repeat 1 level 1 → level 2', p: ladder, fired: pos(1, 0), next: { position: pos(1, 1), delayMs: 5 * M } },
    // repeat=2 means passes 0, 1 and 2; pass 2 is the last.
    { name: 'end of pass 1 → repeat 2', p: ladder, fired: pos(1, 2), next: { position: pos(2, 0), delayMs: 10 * M } },
    { name: 'end of pass 2 → exhausted', p: ladder, fired: pos(2, 2), next: null },
    // Single level with no repeats: exhausted after its only firing.
    { name: 'single level exhausted', p: single, fired: pos(0, 0), next: null },
    // Single level with repeats: each pass is the one level again after repeatDelay.
    {
      name: 'single level repeating',
      p: policy({ levels: [{ delay: '1m', targets: ['console'] }], repeat: 1, repeatDelay: '30s' }),
      fired: pos(0, 0),
      next: { position: pos(1, 0), delayMs: 30_000 },
    },
  ];
  it.each(cases)('$name', ({ p, fired, next }) => {
    expect(stepAfter(p, fired)).toEqual(next);
  });
});

describe('escalateNowTarget', () => {
  const cases: Array<{ name: string; p: EscalationPolicy; lastFired: EscalationPosition | null; target: EscalationPosition }> = [
    // Nothing fired yet: "escalate now" pages level 1 at once.
    { name: 'nothing fired', p: ladder, lastFired: null, target: pos(0, 0) },
    // The next level of the same pass.
    { name: 'after level 1', p: ladder, lastFired: pos(0, 0), target: pos(0, 1) },
    { name: 'after level 2', p: ladder, lastFired: pos(0, 1), target: pos(0, 2) },
    // At the top, a human asking for more gets the top level again, not a restart at level 1.
    { name: 'at the last level, repeats left', p: ladder, lastFired: pos(0, 2), target: pos(0, 2) },
    { name: 'at the last level of the last pass', p: ladder, lastFired: pos(2, 2), target: pos(2, 2) },
    // In a repeat pass, stays in that pass.
    { name: 'inside repeat 1', p: ladder, lastFired: pos(1, 0), target: pos(1, 1) },
    // A single-level policy can only page its one level again.
    { name: 'single level', p: single, lastFired: pos(0, 0), target: pos(0, 0) },
  ];
  it.each(cases)('$name → $target', ({ p, lastFired, target }) => {
    expect(escalateNowTarget(p, lastFired)).toEqual(target);
  });
});

describe('describePosition', () => {
  const cases: Array<{ p: EscalationPosition; text: string }> = [
    // People count levels from 1.
    { p: pos(0, 0), text: 'level 1' },
    { p: pos(0, 2), text: 'level 3' },
    // Repeat passes say which repeat.
    { p: pos(2, 1), text: 'level 2 (repeat 2)' },
  ];
  it.each(cases)('$text', ({ p, text }) => expect(describePosition(p)).toBe(text));
});

describe('escalationPolicySchema errors', () => {
  const cases: Array<{ name: string; input: unknown; path: Array<string | number>; message: RegExp }> = [
    // A policy that pages nobody is a mistake.
    { name: 'no levels', input: { levels: [] }, path: ['levels'], message: /at least one level/ },
    // A level that pages nobody too; the path names the level.
    {
      name: 'empty targets on level 2',
      input: { levels: [{ delay: 0, targets: ['a'] }, { delay: '5m', targets: [] }] },
      path: ['levels', 1, 'targets'],
      message: /at least one target/,
    },
    // Delay text that is not a duration; the path names the field.
    { name: 'bad delay text', input: { levels: [{ delay: 'five', targets: ['a'] }] }, path: ['levels', 0, 'delay'], message: /./ },
    // Negative delays are refused.
    { name: 'negative delay', input: { levels: [{ delay: -1, targets: ['a'] }] }, path: ['levels', 0, 'delay'], message: /./ },
    // A target that is not a valid channel name.
    { name: 'bad target name', input: { levels: [{ delay: 0, targets: ['has space'] }] }, path: ['levels', 0, 'targets', 0], message: /letters, digits/ },
    // Repeat bounds keep a policy finite.
    { name: 'negative repeat', input: { levels: [{ delay: 0, targets: ['a'] }], repeat: -1 }, path: ['repeat'], message: /./ },
    { name: 'repeat is words other than until-acknowledged', input: { levels: [{ delay: 0, targets: ['a'] }], repeat: 'forever' as unknown as number }, path: ['repeat'], message: /./ },
    // Bad repeatDelay text.
    { name: 'bad repeatDelay', input: { levels: [{ delay: 0, targets: ['a'] }], repeatDelay: '5 m' }, path: ['repeatDelay'], message: /./ },
  ];
  it.each(cases)('$name → error at $path', ({ input, path, message }) => {
    const result = escalationPolicySchema.safeParse(input);
    expect(result.success).toBe(false);
    const issue = result.error!.issues.find((i) => JSON.stringify(i.path) === JSON.stringify(path));
    expect(issue, `issues: ${JSON.stringify(result.error!.issues)}`).toBeDefined();
    expect(issue!.message).toMatch(message);
  });
});

describe('walking the ladder', () => {
  const policyArb = fc
    .record({
      levels: fc.array(fc.record({ delay: fc.integer({ min: 0, max: 3_600_000 }), targets: fc.constant<string[]>(['console']) }), {
        minLength: 1,
        maxLength: 6,
      }),
      repeat: fc.integer({ min: 0, max: 20 }),
      repeatDelay: fc.integer({ min: 0, max: 3_600_000 }),
    })
    .map(policy);

  it('visits exactly levels × (repeat + 1) positions, each once and in order, then stops', () => {
    fc.assert(
      fc.property(policyArb, (p) => {
        const visited: EscalationPosition[] = [];
        let step: ReturnType<typeof stepAfter> = firstStep(p);
        const passes = (p.repeat as number) + 1; // the generator only makes numeric repeats
        const limit = p.levels.length * passes + 1;
        while (step && visited.length < limit) {
          visited.push(step.position);
          // Each step's delay is the level's own, except the first level of a repeat pass.
          const expected = step.position.pass > 0 && step.position.level === 0 ? p.repeatDelay : p.levels[step.position.level]!.delay;
          expect(step.delayMs).toBe(expected);
          step = stepAfter(p, step.position);
        }
        expect(step).toBeNull();
        expect(visited).toHaveLength(p.levels.length * passes);
        // Row-major order: pass by pass, level by level.
        visited.forEach((v, i) => expect(v).toEqual(pos(Math.floor(i / p.levels.length), i % p.levels.length)));
      }),
    );
  });
});

describe('repeat until acknowledged', () => {
  it('never runs out of steps: pass 1000 still has a next step', () => {
    const p = policy({ levels: [{ delay: 0, targets: ['a'] }, { delay: '1m', targets: ['b'] }], repeat: 'until-acknowledged', repeatDelay: '10m' });
    expect(stepAfter(p, pos(1000, 1))).toEqual({ position: pos(1001, 0), delayMs: 10 * M });
  });
});

describe('mergePolicies (an alert matched several routes)', () => {
  it('unions targets level by level with the shortest delay, the most insistent repeat and the shortest ack timeout', () => {
    const a = policy({ levels: [{ delay: 0, targets: ['slack'] }, { delay: '10m', targets: ['email'] }], repeat: 1, ackTimeout: '1h' });
    const b = policy({ levels: [{ delay: '1m', targets: ['pd', 'slack'] }], repeat: 'until-acknowledged', repeatDelay: '2m', ackTimeout: '30m' });
    expect(mergePolicies([a, b])).toEqual({
      levels: [
        { delay: 0, targets: ['slack', 'pd'] },
        { delay: 10 * M, targets: ['email'] },
      ],
      repeat: 'until-acknowledged',
      repeatDelay: 2 * M,
      ackTimeout: 30 * M,
    });
    expect(mergePolicies([a])).toBe(a);
  });
});
