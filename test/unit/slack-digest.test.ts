import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_DIGEST_MEMBERS } from '../../domain/delivery/grouping';
import { fingerprint, incidentWorkflowId } from '../../domain/fingerprint';
import type { IncidentStatus } from '../../domain/incident-state';
import type { IncidentView } from '../../domain/incident-view';
import { SLACK_LIMITS } from '../../domain/slack-blocks';
import {
  ACKNOWLEDGE_ALL_ACTION_ID,
  DIGEST_LIMITS,
  ackAllValue,
  buildDigestEscalationReply,
  buildDigestMessage,
  mrkdwnLiteral,
  parseAckAllValue,
  type DigestMember,
} from '../../domain/slack-digest';

const T0 = Date.UTC(2024, 0, 15, 9, 0, 0);

function view(n: number, over: Partial<IncidentView> = {}): IncidentView {
  const fp = fingerprint('checkout-rag', 'response_time_sla', `shard-${n}`);
  return {
    workflowId: incidentWorkflowId(fp), incidentId: `run-${n}`, fingerprint: fp, service: 'checkout-rag', kind: 'response_time_sla', dimension: `shard-${n}`,
    severity: 'high', title: `p95 over SLA on shard ${n}`, details: { current: 2350, threshold: 2000, unit: 'ms' }, labels: {}, status: 'triggered',
    openedAt: T0 + n * 1000, episode: 1, occurrences: 1, acknowledged: null, resolved: null, snoozedUntil: null, level: 'level 1', uiUrl: null, messages: [], revision: 3,
    ...over,
  };
}

type Element = { type: string; action_id?: string; value?: string; text?: { text: string } };
type Block = { type: string; text?: { type: string; text: string }; accessory?: Element; elements?: Element[] };
const blocksOf = (members: DigestMember[]) => buildDigestMessage(members).blocks as Block[];
const sections = (members: DigestMember[]) => blocksOf(members).filter((b) => b.type === 'section');
const ackAll = (members: DigestMember[]) => blocksOf(members).find((b) => b.type === 'actions')?.elements?.find((e) => e.action_id === ACKNOWLEDGE_ALL_ACTION_ID);

/** Every Slack limit a message must meet, as one list of problems (empty when it is valid). */
function limitProblems(msg: { text: string; blocks: object[] }): string[] {
  const out: string[] = [];
  const blocks = msg.blocks as Block[];
  if (blocks.length > DIGEST_LIMITS.blocks) out.push(`${blocks.length} blocks`);
  for (const b of blocks) {
    if (b.type === 'header' && b.text!.text.length > SLACK_LIMITS.headerText) out.push('header too long');
    if (b.type === 'section' && b.text!.text.length > SLACK_LIMITS.sectionText) out.push('section too long');
    if (b.type === 'context' && b.elements!.some((e) => (e as { text?: unknown }).text && String((e as unknown as { text: string }).text).length > SLACK_LIMITS.contextText)) out.push('context too long');
    for (const e of [...(b.elements ?? []), ...(b.accessory ? [b.accessory] : [])]) {
      if (e.value !== undefined && e.value.length > DIGEST_LIMITS.buttonValue) out.push(`button value of ${e.value.length}`);
    }
  }
  return out;
}

describe('buildDigestMessage', () => {
  it('says how many on which service, one section per incident with its Acknowledge button, and Acknowledge all', () => {
    const members = [view(1), view(2, { severity: 'medium' }), view(3)];
    const blocks = blocksOf(members);
    expect(blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'section', 'context', 'actions']);
    expect(blocks[0]!.text!.text).toBe('3 new incidents on checkout-rag');
    expect(sections(members).map((s) => s.accessory)).toEqual(members.map((m) => expect.objectContaining({ action_id: 'vigil_acknowledge', value: m.workflowId })));
    expect(sections(members)[0]!.text!.text).toContain('2350 ms (threshold 2000 ms)');
    expect(parseAckAllValue(ackAll(members)!.value!)).toEqual(members.map((m) => m.workflowId));
    expect(buildDigestMessage(members).text).toMatch(/^3 new incidents on checkout-rag: \[HIGH\] checkout-rag response_time_sla: p95 over SLA on shard 1 — triggered; /);
  });

  const acked = { by: 'slack:U0ALICE (alice)', at: T0 + 60_000 };
  const cases: Array<{ name: string; members: DigestMember[]; buttons: boolean[]; ackAll: boolean; statusLines: RegExp[] }> = [
    // Acknowledged and resolved members lose their button and show who; Acknowledge all stays while one is triggered.
    {
      name: 'some owned, one still triggered',
      members: [view(1, { status: 'acknowledged', acknowledged: acked }), view(2, { status: 'resolved', acknowledged: acked, resolved: { by: 'bob', at: T0, reason: 'ok' } }), view(3)],
      buttons: [false, false, true],
      ackAll: true,
      statusLines: [/\*acknowledged\* by slack:U0ALICE \(alice\)/, /\*resolved\* by bob/, /\*triggered\*/],
    },
    // Everyone acknowledged: no buttons left at all.
    { name: 'all acknowledged', members: [view(1, { status: 'acknowledged', acknowledged: acked }), view(2, { status: 'snoozed', acknowledged: acked, snoozedUntil: T0 })], buttons: [false, false], ackAll: false, statusLines: [/\*acknowledged\*/, /\*snoozed\*/] },
    // A member whose workflow cannot be read is still listed, by id, without a button.
    { name: 'an unreadable member', members: [view(1), { workflowId: 'incident/00000000000000ff', unreadable: 'state unavailable (workflow not found)' }], buttons: [true, false], ackAll: true, statusLines: [/triggered/, /incident\/00000000000000ff`: state unavailable/] },
  ];
  it.each(cases)('$name', ({ members, buttons, ackAll: wantAckAll, statusLines }) => {
    expect(sections(members).map((s) => s.accessory !== undefined)).toEqual(buttons);
    expect(ackAll(members) !== undefined).toBe(wantAckAll);
    sections(members).forEach((s, i) => expect(s.text!.text).toMatch(statusLines[i]!));
  });

  it.each([
    // each case: a title, how its section must show it
    ['<@U123> & <!channel>', '&lt;@U123&gt; &amp; &lt;!channel&gt;'],
    ['*not bold* and ~not struck~ and `not code`', '∗not bold∗ and ∼not struck∼ and ˋnot codeˋ'],
    ['<https://evil.example|click> *here*', '&lt;https://evil.example|click&gt; ∗here∗'],
  ])('shows the title %j as typed', (title, shown) => {
    const text = sections([view(1, { title })])[0]!.text!.text;
    expect(text).toContain(`*${shown}*`);
    expect(text).not.toContain('<');
  });

  it('fits MAX_DIGEST_MEMBERS incidents with the longest titles into one valid message, Acknowledge all included', () => {
    const members = Array.from({ length: MAX_DIGEST_MEMBERS }, (_, n) => view(n, { title: `${'&<*'.repeat(400)}`, service: 's'.repeat(100), dimension: 'd'.repeat(200) }));
    const msg = buildDigestMessage(members);
    expect(limitProblems(msg)).toEqual([]);
    expect((msg.blocks as Block[]).filter((b) => b.accessory)).toHaveLength(MAX_DIGEST_MEMBERS);
    const value = ackAll(members)!.value!;
    expect(value.length).toBeLessThanOrEqual(DIGEST_LIMITS.buttonValue);
    expect(parseAckAllValue(value)).toHaveLength(MAX_DIGEST_MEMBERS);
  });

  it('stays within every limit for any members, titles and states; a title never adds emphasis', () => {
    const status = fc.constantFrom<IncidentStatus>('triggered', 'acknowledged', 'snoozed', 'resolved');
    const member = fc.record({ title: fc.string({ maxLength: 600 }), status, unreadable: fc.boolean() });
    fc.assert(
      fc.property(fc.array(member, { minLength: 1, maxLength: 80 }), (raw) => {
        const members: DigestMember[] = raw.map((m, n) =>
          m.unreadable && n % 7 === 3 ? { workflowId: view(n).workflowId, unreadable: m.title } : view(n, { title: m.title, status: m.status, ...(m.status !== 'triggered' ? { acknowledged: acked } : {}) }),
        );
        const msg = buildDigestMessage(members);
        expect(limitProblems(msg)).toEqual([]);
        for (const s of (msg.blocks as Block[]).filter((b) => b.type === 'section' && b.accessory)) expect(s.text!.text.split('*').length - 1).toBe(4);
        const all = ackAll(members);
        if (all) expect(parseAckAllValue(all.value!)).toEqual(members.map((m) => m.workflowId));
      }),
    );
  });

  it('leaves Acknowledge all out, and says so, when the ids would not fit a button value', () => {
    const members = Array.from({ length: 3 }, (_, n) => view(n, { workflowId: `incident/${String(n).repeat(900)}` }));
    expect(ackAll(members)).toBeUndefined();
    expect(JSON.stringify(blocksOf(members))).toContain('acknowledge each incident above');
  });
});

describe('ackAllValue and parseAckAllValue', () => {
  it.each([
    // each case: ids, the value
    [['incident/a', 'incident/b'], 'incident/a,incident/b'],
    [[], null],
    [['x'.repeat(2001)], null],
  ])('%j → %j', (ids, want) => {
    expect(ackAllValue(ids)).toBe(want);
  });
  it('reads ids back, once each, ignoring blanks', () => {
    expect(parseAckAllValue('incident/a, incident/b,,incident/a')).toEqual(['incident/a', 'incident/b']);
  });
});

describe('mrkdwnLiteral and buildDigestEscalationReply', () => {
  it('escapes the control characters and swaps emphasis marks', () => {
    expect(mrkdwnLiteral('a < b && *c* ~d~ `e`')).toBe('a &lt; b &amp;&amp; ∗c∗ ∼d∼ ˋeˋ');
  });
  it('names the incident in the shared thread', () => {
    const v = view(1, { level: 'level 2', title: 'p95 <high> *now*' });
    expect(buildDigestEscalationReply(v, ['slack'])).toBe(`:large_orange_circle: *p95 &lt;high&gt; ∗now∗* (\`${v.workflowId}\`) escalated to *level 2*: slack. Status triggered, 1 occurrence.`);
  });
});
