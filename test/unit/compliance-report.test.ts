import { describe, expect, it } from 'vitest';
import { processingEventSchema, type ProcessingEvent } from '../../domain/compliance/event';
import { periodEnding, reportStatus, sortRuleCounts, summaryLines, type ChainCheck, type ComplianceReport, type EventTotals, type ReportFindings } from '../../domain/compliance/report';
import { renderHtml, renderMarkdown, renderReport, reportTitle } from '../../domain/compliance/report-render';
import { overdueErasures, retentionExpiries, segregationOfDutyBreaches, unusualAccessVolume } from '../../domain/compliance/retrospective';

const H = 3_600_000;
const D = 24 * H;
const HASH = 'a3f1c2d4e5b6978800112233445566778899aabbccddeeff0011223344556677';

const NO_FINDINGS: ReportFindings = { overdueErasures: [], retentionExpiries: [], segregationBreaches: [], unusualAccess: [] };
const OK_CHAIN: ChainCheck = { ok: true, checked: 120, checkpoints: 2, head: { seq: 120, hash: HASH } };
const CLEAN_TOTALS: EventTotals = { events: 40, compliant: 40, byRule: [] };

/** A stored report for 2026-11-28 06:00 – 2026-11-29 06:00 UTC; overrides vary it. Status is derived unless given. */
const report = (over: Partial<ComplianceReport> = {}): ComplianceReport => {
  const base = {
    id: 'compliance-audit-2026-11-29T06:00:00Z',
    trigger: 'schedule' as const,
    period: { start: '2026-11-28T06:00:00.000Z', end: '2026-11-29T06:00:00.000Z' },
    generatedAt: '2026-11-29T06:00:04.000Z',
    regulations: ['gdpr', 'hipaa', 'sox', 'iso27001'] as ComplianceReport['regulations'],
    chain: OK_CHAIN,
    totals: CLEAN_TOTALS,
    findings: NO_FINDINGS,
    ...over,
  };
  return { status: reportStatus(base), ...base };
};

const oneErasure: ReportFindings['overdueErasures'][number] = { requestEventId: 'evt-er-1', requestedAt: '2026-10-01T00:00:00.000Z', deadline: '2026-10-31T00:00:00.000Z' };
const oneExpiry: ReportFindings['retentionExpiries'][number] = { eventId: 'evt-ret-1', system: 'rag-support', categories: ['pii', 'financial'], expiredAt: '2026-11-28T12:00:00.000Z' };
const oneBreach: ReportFindings['segregationBreaches'][number] = { ticketId: 'CHG-7', person: 'u-bob', eventIds: ['evt-c1', 'evt-c2'] };
const oneUnusual: ReportFindings['unusualAccess'][number] = { actorId: 'u-eve', windowStart: '2026-11-28T14:00:00.000Z', count: 400, median: 12 };

describe('reportStatus', () => {
  const cases: Array<{ name: string; r: Pick<ComplianceReport, 'chain' | 'totals' | 'findings'>; want: ComplianceReport['status'] }> = [
    // Intact chain, every event compliant, no findings.
    { name: 'clean', r: { chain: OK_CHAIN, totals: CLEAN_TOTALS, findings: NO_FINDINGS }, want: 'pass' },
    // An empty trail with no events is still a pass.
    { name: 'empty period', r: { chain: { ok: true, checked: 0, checkpoints: 0 }, totals: { events: 0, compliant: 0, byRule: [] }, findings: NO_FINDINGS }, want: 'pass' },
    // Each review-worthy finding kind alone.
    { name: 'retention expiry', r: { chain: OK_CHAIN, totals: CLEAN_TOTALS, findings: { ...NO_FINDINGS, retentionExpiries: [oneExpiry] } }, want: 'attention' },
    { name: 'segregation breach', r: { chain: OK_CHAIN, totals: CLEAN_TOTALS, findings: { ...NO_FINDINGS, segregationBreaches: [oneBreach] } }, want: 'attention' },
    { name: 'unusual access', r: { chain: OK_CHAIN, totals: CLEAN_TOTALS, findings: { ...NO_FINDINGS, unusualAccess: [oneUnusual] } }, want: 'attention' },
    // One event with a violation, no retrospective findings.
    { name: 'violations', r: { chain: OK_CHAIN, totals: { events: 40, compliant: 39, byRule: [{ rule: 'GDPR-X', count: 1 }] }, findings: NO_FINDINGS }, want: 'attention' },
    // The trail itself is broken: fail even when everything else is clean.
    { name: 'broken chain', r: { chain: { ok: false, checked: 7, checkpoints: 0, firstBad: { seq: 7, problem: 'hash_mismatch', detail: 'x' } }, totals: CLEAN_TOTALS, findings: NO_FINDINGS }, want: 'fail' },
    // A missed erasure deadline: fail, and it outranks other findings.
    { name: 'overdue erasure', r: { chain: OK_CHAIN, totals: CLEAN_TOTALS, findings: { ...NO_FINDINGS, overdueErasures: [oneErasure] } }, want: 'fail' },
    { name: 'overdue erasure with other findings', r: { chain: OK_CHAIN, totals: CLEAN_TOTALS, findings: { ...NO_FINDINGS, overdueErasures: [oneErasure], unusualAccess: [oneUnusual] } }, want: 'fail' },
  ];
  it.each(cases)('$name → $want', ({ r, want }) => {
    expect(reportStatus(r)).toBe(want);
  });
});

describe('sortRuleCounts', () => {
  it('orders by severity, then count (most first), then rule id; unknown severity last', () => {
    const rows: EventTotals['byRule'] = [
      { rule: 'Z-unknown', count: 99 },
      { rule: 'B-low', count: 50, severity: 'low' },
      { rule: 'C-high', count: 2, severity: 'high' },
      { rule: 'A-high', count: 2, severity: 'high' },
      { rule: 'D-high', count: 9, severity: 'high' },
      { rule: 'E-critical', count: 1, severity: 'critical' },
      { rule: 'F-info', count: 1000, severity: 'info' },
    ];
    expect(sortRuleCounts(rows).map((r) => r.rule)).toEqual(['E-critical', 'D-high', 'A-high', 'C-high', 'B-low', 'F-info', 'Z-unknown']);
  });

  it('does not reorder the input', () => {
    const rows: EventTotals['byRule'] = [{ rule: 'B', count: 1, severity: 'low' }, { rule: 'A', count: 1, severity: 'critical' }];
    sortRuleCounts(rows);
    expect(rows.map((r) => r.rule)).toEqual(['B', 'A']);
  });
});

describe('periodEnding', () => {
  it('ends at the given instant and starts one length earlier', () => {
    expect(periodEnding(Date.parse('2026-11-29T06:00:00Z'), D)).toEqual({ start: '2026-11-28T06:00:00.000Z', end: '2026-11-29T06:00:00.000Z' });
    expect(periodEnding(Date.parse('2026-03-01T00:00:00Z'), 7 * D)).toEqual({ start: '2026-02-22T00:00:00.000Z', end: '2026-03-01T00:00:00.000Z' });
  });

  const bad: Array<{ name: string; end: number; length: number }> = [
    // Not a time at all.
    { name: 'NaN end', end: NaN, length: D },
    { name: 'infinite end', end: Infinity, length: D },
    // A period needs a positive length.
    { name: 'zero length', end: 0, length: 0 },
    { name: 'negative length', end: 0, length: -D },
    { name: 'NaN length', end: 0, length: NaN },
  ];
  it.each(bad)('throws a RangeError on $name', ({ end, length }) => {
    expect(() => periodEnding(end, length)).toThrow(RangeError);
  });
});

describe('summaryLines', () => {
  it('counts every kind of finding and shortens the head hash', () => {
    const r = report({ totals: { events: 40, compliant: 37, byRule: [] }, findings: { overdueErasures: [oneErasure], retentionExpiries: [oneExpiry, oneExpiry], segregationBreaches: [], unusualAccess: [oneUnusual] } });
    expect(summaryLines(r)).toEqual([
      `Audit chain verified: 120 entries, head #120 ${HASH.slice(0, 16)}…`,
      'Events checked: 40 (3 with violations)',
      'Erasure requests past deadline: 1',
      'Retention expired without deletion: 2',
      'Segregation-of-duty breaches: 0',
      'Unusual access volume: 1',
    ]);
  });
});

describe('renderMarkdown', () => {
  const full = report({
    totals: {
      events: 40,
      compliant: 35,
      byRule: [
        { rule: 'GDPR-44-transfer-region', count: 3, severity: 'high', clause: 'GDPR Art. 44' },
        { rule: 'HIPAA-164.312a-phi-authorised-roles', count: 2, severity: 'critical', clause: 'HIPAA 45 CFR 164.312(a)(1)' },
      ],
    },
    findings: { overdueErasures: [oneErasure], retentionExpiries: [oneExpiry], segregationBreaches: [oneBreach], unusualAccess: [oneUnusual] },
  });

  it('starts with the title line, naming the period days and status', () => {
    const md = renderMarkdown(full);
    expect(reportTitle(full)).toBe('Compliance report 2026-11-28 – 2026-11-29: FAIL');
    expect(md.split('\n')[0]).toBe('# Compliance report 2026-11-28 – 2026-11-29: FAIL');
    expect(md).toContain('(scheduled), generated 2026-11-29T06:00:04.000Z.');
    expect(md).toContain('Regulations: GDPR, HIPAA, SOX, ISO 27001. Report id: `compliance-audit-2026-11-29T06:00:00Z`.');
    expect(md.endsWith('\n')).toBe(true);
  });

  it('renders a table per non-empty section, worst rule first', () => {
    const md = renderMarkdown(full);
    const lines = md.split('\n');
    const tableAfter = (heading: string) => {
      const i = lines.indexOf(`## ${heading}`);
      expect(i, heading).toBeGreaterThan(0);
      return lines.slice(i + 2, lines.indexOf('', i + 2));
    };
    expect(tableAfter('Violations by rule')).toEqual([
      '| Rule | Clause | Severity | Events |',
      '| --- | --- | --- | --- |',
      '| HIPAA-164.312a-phi-authorised-roles | HIPAA 45 CFR 164.312(a)(1) | critical | 2 |',
      '| GDPR-44-transfer-region | GDPR Art. 44 | high | 3 |',
    ]);
    expect(tableAfter('Erasure requests past their deadline')).toEqual([
      '| Request event | Requested | Deadline | Deleted |',
      '| --- | --- | --- | --- |',
      '| evt-er-1 | 2026-10-01T00:00:00.000Z | 2026-10-31T00:00:00.000Z | not yet |',
    ]);
    expect(tableAfter('Retention expired without deletion')).toEqual([
      '| Event | System | Categories | Expired |',
      '| --- | --- | --- | --- |',
      '| evt-ret-1 | rag-support | pii, financial | 2026-11-28T12:00:00.000Z |',
    ]);
    expect(tableAfter('Segregation-of-duty breaches')).toEqual(['| Ticket | Person | Events |', '| --- | --- | --- |', '| CHG-7 | u-bob | evt-c1, evt-c2 |']);
    expect(tableAfter('Unusual access volume')).toEqual([
      '| Actor | Window start | Accesses | Usual (median) |',
      '| --- | --- | --- | --- |',
      '| u-eve | 2026-11-28T14:00:00.000Z | 400 | 12 |',
    ]);
  });

  it('shows a late deletion time instead of "not yet"', () => {
    const md = renderMarkdown(report({ findings: { ...NO_FINDINGS, overdueErasures: [{ ...oneErasure, deletedAt: '2026-11-02T00:00:00.000Z' }] } }));
    expect(md).toContain('| evt-er-1 | 2026-10-01T00:00:00.000Z | 2026-10-31T00:00:00.000Z | 2026-11-02T00:00:00.000Z |');
  });

  it('says so in a sentence, with no table, when a section is empty', () => {
    const md = renderMarkdown(report());
    for (const sentence of [
      'No event in the period broke a rule.',
      'Every erasure request due in the period was honoured in time.',
      'No retention period ran out without a deletion.',
      'No change was approved by the person who requested or made it.',
      'No actor accessed data far above their usual volume.',
    ]) {
      expect(md).toContain(`\n\n${sentence}\n`);
    }
    expect(md).not.toContain('| --- |');
    expect(md.split('\n')[0]).toBe('# Compliance report 2026-11-28 – 2026-11-29: PASS');
  });

  it('escapes "|" and flattens newlines inside a cell so the table keeps its columns', () => {
    const md = renderMarkdown(report({ findings: { ...NO_FINDINGS, unusualAccess: [{ ...oneUnusual, actorId: 'svc|ops\nbot' }] } }));
    expect(md).toContain('| svc\\|ops bot | 2026-11-28T14:00:00.000Z | 400 | 12 |');
  });

  it('gives the chain head as a line an auditor can keep and re-check with the CLI', () => {
    const md = renderMarkdown(report());
    expect(md).toContain('Verified 120 entries and 2 checkpoints: the audit trail is intact.');
    expect(md).toContain(`Chain head: entry 120, hash ${HASH}.`);
    expect(md).toContain(`\`vigil audit verify --expect 120:${HASH}\``);
  });

  it('says the trail is empty when there is no head', () => {
    const md = renderMarkdown(report({ chain: { ok: true, checked: 0, checkpoints: 0 } }));
    expect(md).toContain('The audit trail is empty.');
    expect(md).not.toContain('vigil audit verify');
  });

  it('says where a tampered chain failed, and offers no head to trust', () => {
    const r = report({ chain: { ok: false, checked: 7, checkpoints: 0, firstBad: { seq: 7, problem: 'hash_mismatch', detail: 'stored hash differs from recomputed' } } });
    const md = renderMarkdown(r);
    expect(md.split('\n')[0]).toBe('# Compliance report 2026-11-28 – 2026-11-29: FAIL');
    expect(md).toContain('- Audit chain TAMPERED at entry 7 (hash_mismatch)');
    expect(md).toContain('The audit trail FAILED verification at entry 7: hash_mismatch (stored hash differs from recomputed). Treat every entry from there on as untrusted');
    expect(md).not.toContain('Chain head');
    expect(md).not.toContain('intact');
  });

  it('says "on demand" for a manual run', () => {
    expect(renderMarkdown(report({ trigger: 'manual' }))).toContain('(on demand), generated');
  });
});

describe('renderHtml', () => {
  const SCRIPT = '<script>alert(1)</script>';
  const ATTR = 'x" onmouseover="alert(2)';
  const SQ = "y' onfocus='alert(3)";
  /** Hostile text in every free-text field a report carries. */
  const hostile = report({
    id: `run-${SCRIPT}`,
    totals: { events: 3, compliant: 2, byRule: [{ rule: `R-${SCRIPT}`, count: 1, severity: 'high', clause: ATTR }] },
    findings: {
      overdueErasures: [{ ...oneErasure, requestEventId: SCRIPT }],
      retentionExpiries: [{ ...oneExpiry, eventId: ATTR, system: SCRIPT }],
      segregationBreaches: [{ ticketId: SCRIPT, person: ATTR, eventIds: [SQ, SCRIPT] }],
      unusualAccess: [{ ...oneUnusual, actorId: SCRIPT }, { ...oneUnusual, actorId: ATTR }, { ...oneUnusual, actorId: SQ }],
    },
  });

  it('escapes hostile text everywhere it appears', () => {
    const html = renderHtml(hostile);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toContain('" onmouseover=');
    expect(html).not.toContain("' onfocus=");
    const count = (needle: string) => html.split(needle).length - 1;
    // id, rule, erasure request, retention system, ticket, segregation event id, actor.
    expect(count('&lt;script&gt;alert(1)&lt;/script&gt;')).toBe(7);
    // clause, retention event, person, actor.
    expect(count('x&quot; onmouseover=&quot;alert(2)')).toBe(4);
    // segregation event id, actor.
    expect(count('y&#39; onfocus=&#39;alert(3)')).toBe(2);
  });

  it('escapes the failure detail of a tampered chain', () => {
    const html = renderHtml(report({ chain: { ok: false, checked: 3, checkpoints: 0, firstBad: { seq: 3, problem: 'hash_mismatch', detail: '<img src=x onerror=alert(1)>' } } }));
    expect(html).not.toContain('<img');
    expect(html).toContain('hash_mismatch (&lt;img src=x onerror=alert(1)&gt;)');
  });

  it('is a whole document with the title, in the status colour', () => {
    const html = renderHtml(report());
    expect(html.startsWith('<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Compliance report 2026-11-28 – 2026-11-29: PASS</title></head><body')).toBe(true);
    expect(html.endsWith('</body></html>\n')).toBe(true);
    expect(html).toContain('<h1>Compliance report 2026-11-28 – 2026-11-29: PASS</h1>');
    expect(html).toContain('<strong style="color:#1a7f37">PASS</strong>');
  });

  const colours: Array<{ status: ComplianceReport['status']; colour: string; r: () => ComplianceReport }> = [
    { status: 'pass', colour: '#1a7f37', r: () => report() },
    { status: 'attention', colour: '#9a6700', r: () => report({ findings: { ...NO_FINDINGS, unusualAccess: [oneUnusual] } }) },
    { status: 'fail', colour: '#cf222e', r: () => report({ findings: { ...NO_FINDINGS, overdueErasures: [oneErasure] } }) },
  ];
  it.each(colours)('colours $status $colour', ({ status, colour, r }) => {
    const rep = r();
    expect(rep.status).toBe(status);
    expect(renderHtml(rep)).toContain(`<strong style="color:${colour}">${status.toUpperCase()}</strong>`);
  });

  it('shows the verify command as code and empty sections as sentences', () => {
    const html = renderHtml(report());
    expect(html).toContain(`<code>vigil audit verify --expect 120:${HASH}</code>`);
    expect(html).toContain('<p>No actor accessed data far above their usual volume.</p>');
    expect(html).not.toContain('<table');
  });

  it('renders a non-empty section as a table', () => {
    const html = renderHtml(report({ findings: { ...NO_FINDINGS, unusualAccess: [oneUnusual] } }));
    expect(html).toContain('<h2>Unusual access volume</h2>\n<table');
    expect(html).toMatch(/<tr><td[^>]*>u-eve<\/td><td[^>]*>2026-11-28T14:00:00.000Z<\/td><td[^>]*>400<\/td><td[^>]*>12<\/td><\/tr>/);
  });
});

describe('renderReport', () => {
  it('bundles the renderings and carries the url only when given', () => {
    const r = report({ findings: { ...NO_FINDINGS, segregationBreaches: [oneBreach] } });
    const plain = renderReport(r);
    expect(plain).toEqual({ kind: 'compliance', id: r.id, title: 'Compliance report 2026-11-28 – 2026-11-29: ATTENTION', period: r.period, status: 'attention', summary: summaryLines(r), markdown: renderMarkdown(r), html: renderHtml(r), data: r });
    expect('url' in plain).toBe(false);
    expect('url' in renderReport(r, '')).toBe(false);
    const url = `https://vigil.example.com/v1/compliance/reports/${r.id}.html`;
    expect(renderReport(r, url).url).toBe(url);
  });
});

describe('no data subject id reaches a rendering', () => {
  const T0 = Date.parse('2026-10-01T00:00:00Z');
  const SUBJECTS = ['subj-7d1e0a', 'subj-93bb42', 'subj-ff0c11'];
  let seq = 0;
  const ev = (offset: number, over: Record<string, unknown>): ProcessingEvent =>
    processingEventSchema.parse({
      id: `evt-${++seq}`,
      time: new Date(T0 + offset).toISOString(),
      actor: { id: 'u-alice', roles: ['support'] },
      action: 'access',
      system: 'rag-support',
      categories: ['pii'],
      outcome: 'success',
      ...over,
    });
  /** Events about subjects, each producing a finding of one kind. */
  const events = (): ProcessingEvent[] => [
    // Erasure request never honoured.
    ev(0, { action: 'erasure_request', subjectId: SUBJECTS[0] }),
    // Erasure request honoured late.
    ev(0, { action: 'erasure_request', subjectId: SUBJECTS[1] }),
    ev(40 * D, { action: 'deletion', subjectId: SUBJECTS[1] }),
    // Retention of 50 days runs out inside the period, nothing deleted.
    ev(10 * D, { subjectId: SUBJECTS[2], retentionDays: 50 }),
    // A self-approved change about a subject.
    ev(20 * D, { action: 'change', subjectId: SUBJECTS[0], categories: ['financial'], changeTicket: { id: 'CHG-1', requester: 'u-bob', status: 'approved' }, approver: 'u-bob' }),
    // Steady access by Alice, then a burst about one subject.
    ...Array.from({ length: 24 }, (_, h) => ev(58 * D + h * H, { subjectId: SUBJECTS[2] })),
    ...Array.from({ length: 60 }, (_, i) => ev(58 * D + 5 * H + i * 1000, { subjectId: SUBJECTS[0] })),
  ];
  const now = T0 + 60 * D;

  const build = (strip: boolean): ComplianceReport => {
    const evs = events();
    const erasures = overdueErasures(evs, now, { erasureDeadlineDays: 30 });
    const findings: ReportFindings = {
      // What the activity does: the report type has no subjectId field.
      overdueErasures: strip ? erasures.map(({ subjectId: _subject, ...rest }) => rest) : erasures,
      retentionExpiries: retentionExpiries(evs, evs.filter((e) => e.action === 'deletion'), { from: now - 2 * D, to: now }),
      segregationBreaches: segregationOfDutyBreaches(evs),
      unusualAccess: unusualAccessVolume(evs, { windowMs: H, factor: 5 }),
    };
    return report({ findings, totals: { events: evs.length, compliant: evs.length - 1, byRule: [{ rule: 'SOX-404-segregation', count: 1, severity: 'high' }] } });
  };

  it('builds findings of every kind from events that carry subject ids', () => {
    const f = build(true).findings;
    expect(f.overdueErasures).toHaveLength(2);
    expect(f.retentionExpiries).toHaveLength(1);
    expect(f.segregationBreaches.map((b) => b.person)).toEqual(['u-bob']);
    expect(f.unusualAccess.map((u) => u.count)).toEqual([61]);
    // The raw finding did hold the subject id, so stripping it is what keeps it out of the stored report.
    expect(JSON.stringify(build(false).findings)).toContain(SUBJECTS[0]);
    expect(JSON.stringify(f)).not.toMatch(/subj-/);
  });

  it.each([true, false])('renders no subject id (subjectId stripped: %s)', (strip) => {
    const rendered = renderReport(build(strip), 'https://vigil.example.com/r.html');
    const text = [rendered.title, ...rendered.summary, rendered.markdown, rendered.html].join('\n');
    // The rendering does mention the findings...
    expect(rendered.markdown).toContain('| CHG-1 | u-bob |');
    expect(rendered.markdown).toContain('| u-alice |');
    // ... but never whom they are about.
    for (const s of SUBJECTS) expect(text).not.toContain(s);
    expect(text).not.toMatch(/subj-/);
  });
});
