import { describe, expect, it } from 'vitest';
import type { IncidentView } from '../../domain/incident-view';
import { SLACK_LIMITS, buildEscalationReply, buildIncidentMessage, temporalUiLink, truncate } from '../../domain/slack-blocks';

const T0 = Date.UTC(2024, 0, 15, 9, 0, 0);

function view(over: Partial<IncidentView> = {}): IncidentView {
  return {
    workflowId: 'incident/abc123',
    incidentId: 'run-1',
    fingerprint: 'abc123',
    service: 'search-api',
    kind: 'response_time_sla',
    dimension: 'p95',
    severity: 'high',
    title: 'p95 latency above SLA',
    details: { current: 2350, threshold: 2000, unit: 'ms', impact: 'answers slow for 30% of users' },
    labels: {},
    status: 'triggered',
    openedAt: T0,
    episode: 1,
    occurrences: 3,
    acknowledged: null,
    resolved: null,
    snoozedUntil: null,
    level: 'level 1',
    uiUrl: null,
    messages: [], revision: 1,
    ...over,
  };
}

type Block = { type: string; text?: { text: string }; fields?: Array<{ text: string }>; elements?: Array<{ action_id?: string; value?: string; style?: string; text?: string | { text: string } }> };
const blocksOf = (v: IncidentView, ns?: string) => buildIncidentMessage(v, ns).blocks as Block[];
const buttonIds = (v: IncidentView) => blocksOf(v).find((b) => b.type === 'actions')?.elements?.map((e) => e.action_id) ?? [];
const fieldLabels = (v: IncidentView) => (blocksOf(v).find((b) => b.fields)?.fields ?? []).map((f) => f.text.split('\n')[0]);
const allText = (v: IncidentView, ns?: string) => JSON.stringify(blocksOf(v, ns));

const acked = { by: 'slack:U1 (alice)', at: T0 + 60_000 };
const resolved = { by: 'slack:U2 (bob)', at: T0 + 120_000, reason: 'rolled back deploy 42' };

describe('buildIncidentMessage', () => {
  const cases: Array<{ name: string; v: IncidentView; buttons: string[]; fields: string[] }> = [
    // Fresh incident: both buttons, no actor fields yet.
    {
      name: 'triggered',
      v: view(),
      buttons: ['vigil_acknowledge', 'vigil_resolve'],
      fields: ['*Service*', '*Severity*', '*Status*', '*Current vs threshold*', '*Impact*', '*Escalation level*', '*Occurrences*'],
    },
    // Someone owns it: Acknowledge disappears, who acknowledged shows.
    {
      name: 'acknowledged',
      v: view({ status: 'acknowledged', acknowledged: acked }),
      buttons: ['vigil_resolve'],
      fields: ['*Service*', '*Severity*', '*Status*', '*Current vs threshold*', '*Impact*', '*Escalation level*', '*Occurrences*', '*Acknowledged by*'],
    },
    // Snoozed counts as owned: no Acknowledge either.
    {
      name: 'snoozed',
      v: view({ status: 'snoozed', acknowledged: acked, snoozedUntil: T0 + 3_600_000 }),
      buttons: ['vigil_resolve'],
      fields: ['*Service*', '*Severity*', '*Status*', '*Current vs threshold*', '*Impact*', '*Escalation level*', '*Occurrences*', '*Acknowledged by*'],
    },
    // Done: no buttons at all, both actors shown.
    {
      name: 'resolved',
      v: view({ status: 'resolved', acknowledged: acked, resolved }),
      buttons: [],
      fields: ['*Service*', '*Severity*', '*Status*', '*Current vs threshold*', '*Impact*', '*Escalation level*', '*Occurrences*', '*Acknowledged by*', '*Resolved by*'],
    },
    // No measurement or impact reported: those fields are left out rather than shown empty.
    {
      name: 'triggered without details',
      v: view({ details: {} }),
      buttons: ['vigil_acknowledge', 'vigil_resolve'],
      fields: ['*Service*', '*Severity*', '*Status*', '*Escalation level*', '*Occurrences*'],
    },
  ];

  it.each(cases)('$name shows the right buttons and fields', ({ v, buttons, fields }) => {
    expect(buttonIds(v)).toEqual(buttons);
    expect(fieldLabels(v)).toEqual(fields);
  });

  it('buttons carry the workflow id and the agreed styles', () => {
    const elements = blocksOf(view()).find((b) => b.type === 'actions')?.elements ?? [];
    expect(elements.map((e) => [e.action_id, e.style, e.value])).toEqual([
      ['vigil_acknowledge', 'primary', 'incident/abc123'],
      ['vigil_resolve', 'danger', 'incident/abc123'],
    ]);
  });

  it('renders the measurement, level and occurrences', () => {
    const text = allText(view({ level: 'level 2 (repeat 1)' }));
    expect(text).toContain('2350 ms (threshold 2000 ms)');
    expect(text).toContain('level 2 (repeat 1)');
    expect(text).toContain('*Occurrences*\\n3');
  });

  it('shows who resolved it and why', () => {
    expect(allText(view({ status: 'resolved', resolved }))).toMatch(/Resolved\* by slack:U2 \(bob\).*rolled back deploy 42/);
  });

  it('header carries the severity emoji and title; fallback text is the summary line', () => {
    const msg = buildIncidentMessage(view({ severity: 'critical' }));
    expect((msg.blocks[0] as Block).text?.text).toBe(':red_circle: p95 latency above SLA');
    expect(msg.text).toBe('[CRITICAL] search-api response_time_sla: p95 latency above SLA — triggered');
  });

  it('links to the workflow in the Temporal UI only when a UI URL is configured', () => {
    expect(allText(view())).not.toContain('View in Temporal');
    const text = allText(view({ uiUrl: 'http://localhost:8233/' }), 'vigil');
    expect(text).toContain('<http://localhost:8233/namespaces/vigil/workflows/incident%2Fabc123|View in Temporal>');
    expect(allText(view({ uiUrl: 'http://ui' }))).toContain('http://ui/namespaces/default/workflows/incident%2Fabc123');
  });

  // toView may already hand us a namespaced base or the finished link; neither gets the path twice.
  it.each([
    ['http://ui/namespaces/prod', 'http://ui/namespaces/prod/workflows/incident%2Fabc123'],
    ['http://ui/namespaces/prod/workflows/incident%2Fabc123', 'http://ui/namespaces/prod/workflows/incident%2Fabc123'],
  ])('uses %s as given', (uiUrl, link) => {
    expect(temporalUiLink(uiUrl, 'incident/abc123')).toBe(link);
    expect(allText(view({ uiUrl }))).toContain(`<${link}|View in Temporal>`);
  });

  it('truncates to Slack limits so a long title or impact never gets the message rejected', () => {
    const long = 'x'.repeat(5000);
    const blocks = blocksOf(view({ title: long, details: { impact: long }, status: 'resolved', resolved: { ...resolved, reason: long } }));
    const header = blocks[0]?.text?.text ?? '';
    expect(header.length).toBe(SLACK_LIMITS.headerText);
    expect(header.endsWith('…')).toBe(true);
    for (const f of blocks.find((b) => b.fields)?.fields ?? []) expect(f.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fieldText);
    for (const b of blocks.filter((b) => b.type === 'section' && b.text)) expect(b.text?.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
  });

  it('escapes mrkdwn control characters in user-supplied text', () => {
    const text = allText(view({ details: { impact: '<!channel> & friends' } }));
    expect(text).toContain('&lt;!channel&gt; &amp; friends');
  });
});

describe('truncate', () => {
  // An emoji is two UTF-16 units; cutting between them would send Slack invalid text.
  it('never splits a surrogate pair', () => {
    expect(truncate('ab😀cd', 4)).toBe('ab…');
    expect(truncate('short', 10)).toBe('short');
  });
});

describe('buildEscalationReply', () => {
  it('names the level and who was notified', () => {
    const reply = buildEscalationReply(view({ level: 'level 2' }), ['oncall-primary', 'ops-lead']);
    expect(reply).toContain('*level 2*');
    expect(reply).toContain('oncall-primary, ops-lead');
    expect(reply).toContain('3 occurrences');
  });
});
