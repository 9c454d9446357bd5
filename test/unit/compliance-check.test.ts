import { describe, expect, it } from 'vitest';
import { formatIssues } from '../../domain/config';
import { VigilError } from '../../domain/errors';
import { checkEvent } from '../../domain/compliance/check';
import {
  DEFAULT_COMPLIANCE_CONTEXT,
  complianceConfigSchema,
  complianceContextFrom,
  parseProcessingEvent,
  processingEventSchema,
  type Regulation,
} from '../../domain/compliance/event';

/** A PHI retrieval by an analyst, unencrypted at rest: breaks HIPAA and ISO 27001, nothing in GDPR or SOX. */
const BAD = {
  id: 'evt-9',
  time: '2024-06-01T12:00:00Z',
  actor: { id: 'u-eve', roles: ['analyst'] },
  action: 'retrieval',
  system: 'rag-clinical',
  subjectId: 'subj-42',
  categories: ['phi'],
  purpose: 'treatment',
  lawfulBasis: 'contract',
  region: 'eu-central-1',
  encryption: { inTransit: true, atRest: false },
  outcome: 'success',
};
const GOOD = { ...BAD, actor: { id: 'u-alice', roles: ['clinician'] }, encryption: { inTransit: true, atRest: true } };

describe('checkEvent', () => {
  it('returns the seed shape: overall flag, per-regulation results, audit entry', () => {
    const r = checkEvent(processingEventSchema.parse(BAD), DEFAULT_COMPLIANCE_CONTEXT);
    expect(r.overall_compliant).toBe(false);
    expect(Object.keys(r.regulation_results).sort()).toEqual(['gdpr', 'hipaa', 'iso27001', 'sox']);
    expect(r.regulation_results.gdpr).toEqual({ compliant: true, violations: [] });
    expect(r.regulation_results.sox).toEqual({ compliant: true, violations: [] });
    expect(r.regulation_results.hipaa?.compliant).toBe(false);
    expect(r.regulation_results.hipaa?.violations.map((v) => v.rule)).toEqual(['HIPAA-164.312a-phi-authorised-roles', 'HIPAA-164.312e-phi-encrypted']);
    expect(r.regulation_results.hipaa?.violations[0]).toEqual({
      rule: 'HIPAA-164.312a-phi-authorised-roles',
      clause: 'HIPAA 45 CFR 164.312(a)(1)',
      severity: 'critical',
      message: expect.stringMatching(/: deny PHI/),
    });
    expect(r.regulation_results.iso27001?.violations.map((v) => v.rule)).toEqual(['ISO27001-A8.24-encryption']);
    expect(r.audit_trail_entry).toEqual({
      event_id: 'evt-9',
      time: '2024-06-01T12:00:00Z',
      actor: 'u-eve',
      action: 'retrieval',
      system: 'rag-clinical',
      categories: ['phi'],
      outcome: 'success',
      compliant: false,
      violated_rules: ['HIPAA-164.312a-phi-authorised-roles', 'HIPAA-164.312e-phi-encrypted', 'ISO27001-A8.24-encryption'],
      personal: { subject_id: 'subj-42' },
    });
  });

  it('keeps the subject id only under `personal`, and omits it when there is none', () => {
    const r = checkEvent(processingEventSchema.parse(GOOD), DEFAULT_COMPLIANCE_CONTEXT);
    const { personal, ...hashed } = r.audit_trail_entry;
    expect(personal).toEqual({ subject_id: 'subj-42' });
    expect(JSON.stringify(hashed)).not.toContain('subj-42');
    const anonymous = checkEvent(processingEventSchema.parse({ ...GOOD, subjectId: undefined }), DEFAULT_COMPLIANCE_CONTEXT);
    expect(anonymous.audit_trail_entry).not.toHaveProperty('personal');
  });

  it('is compliant when no active rule is broken', () => {
    const r = checkEvent(processingEventSchema.parse(GOOD), DEFAULT_COMPLIANCE_CONTEXT);
    expect(r.overall_compliant).toBe(true);
    expect(r.audit_trail_entry).toMatchObject({ compliant: true, violated_rules: [] });
  });

  const active: Array<{ name: string; regulations: Regulation[]; keys: string[]; compliant: boolean }> = [
    // Only GDPR: the HIPAA and ISO findings are not looked for.
    { name: 'gdpr only', regulations: ['gdpr'], keys: ['gdpr'], compliant: true },
    // Only SOX and GDPR: still compliant.
    { name: 'sox and gdpr', regulations: ['sox', 'gdpr'], keys: ['gdpr', 'sox'], compliant: true },
    // HIPAA active: the event fails.
    { name: 'hipaa only', regulations: ['hipaa'], keys: ['hipaa'], compliant: false },
    // A duplicate in the list is checked once.
    { name: 'duplicate iso27001', regulations: ['iso27001', 'iso27001'], keys: ['iso27001'], compliant: false },
  ];
  it.each(active)('checks only the active regulations: $name', ({ regulations, keys, compliant }) => {
    const r = checkEvent(processingEventSchema.parse(BAD), DEFAULT_COMPLIANCE_CONTEXT, regulations);
    expect(Object.keys(r.regulation_results).sort()).toEqual(keys);
    expect(r.overall_compliant).toBe(compliant);
    expect(r.audit_trail_entry.violated_rules.every((id) => keys.some((k) => id.toLowerCase().startsWith(k)))).toBe(true);
  });
});

describe('processingEventSchema errors name the field', () => {
  const cases: Array<{ name: string; input: unknown; want: Array<[path: string, message: RegExp]> }> = [
    // A typo in a field name is an error, not silently dropped.
    { name: 'unknown field', input: { ...GOOD, lawfulbasis: 'consent' }, want: [['(root)', /lawfulbasis/]] },
    // An action outside the list.
    { name: 'bad action', input: { ...GOOD, action: 'read' }, want: [['action', /^must be one of: retrieval, query, .*login$/]] },
    // A category outside the list.
    { name: 'bad category', input: { ...GOOD, categories: ['phi', 'secrets'] }, want: [['categories.1', /^must be one of: pii, phi/]] },
    // A time without an offset is ambiguous.
    { name: 'time without offset', input: { ...GOOD, time: '2024-06-01 12:00' }, want: [['time', /ISO 8601 time with an offset/]] },
    // No actor id.
    { name: 'empty actor id', input: { ...GOOD, actor: { id: ' ', roles: [] } }, want: [['actor.id', /^give the actor id$/]] },
    // An erasure request that does not say whose data.
    { name: 'erasure without subject', input: { ...GOOD, action: 'erasure_request', subjectId: undefined }, want: [['subjectId', /^an erasure_request needs the data subject id$/]] },
    // Negative retention.
    { name: 'negative retention', input: { ...GOOD, retentionDays: -1 }, want: [['retentionDays', /^retention cannot be negative$/]] },
    // An unknown lawful basis.
    { name: 'bad lawful basis', input: { ...GOOD, lawfulBasis: 'because' }, want: [['lawfulBasis', /^must be one of: consent, contract/]] },
    // A ticket status outside the list.
    { name: 'bad ticket status', input: { ...GOOD, changeTicket: { id: 'CHG-1', requester: 'u-bob', status: 'ok' } }, want: [['changeTicket.status', /^must be one of: approved, pending, rejected$/]] },
  ];
  it.each(cases)('$name', ({ input, want }) => {
    const r = processingEventSchema.safeParse(input);
    expect(r.success).toBe(false);
    if (r.success) return;
    const got = formatIssues(r.error);
    for (const [path, message] of want) expect(got.some((g) => g.startsWith(`${path}: `) && message.test(g.slice(path.length + 2))), got.join('\n')).toBe(true);
  });

  it('parseProcessingEvent throws a VigilError listing the fields', () => {
    expect(() => parseProcessingEvent({ ...GOOD, action: 'read', outcome: 'maybe' })).toThrow(VigilError);
    expect(() => parseProcessingEvent({ ...GOOD, action: 'read', outcome: 'maybe' })).toThrow(/invalid processing event: action: must be one of: .*; outcome: must be one of: success, failure, denied/);
  });
});

describe('complianceConfigSchema', () => {
  it('defaults to all four regulations and the default context', () => {
    const c = complianceConfigSchema.parse({});
    expect(c.regulations).toEqual(['gdpr', 'hipaa', 'sox', 'iso27001']);
    expect(complianceContextFrom(c)).toEqual(DEFAULT_COMPLIANCE_CONTEXT);
  });

  it('merges overrides into the defaults', () => {
    const c = complianceConfigSchema.parse({ regulations: ['gdpr'], allowedRegions: { phi: ['us'] }, phiRoles: ['doctor'], erasureDeadlineDays: 14 });
    const ctx = complianceContextFrom(c);
    expect(ctx.allowedRegions).toMatchObject({ phi: ['us'], pii: DEFAULT_COMPLIANCE_CONTEXT.allowedRegions.pii });
    expect(ctx).toMatchObject({ phiRoles: ['doctor'], erasureDeadlineDays: 14, privilegedRoles: DEFAULT_COMPLIANCE_CONTEXT.privilegedRoles });
  });

  const bad: Array<{ name: string; input: unknown; want: [path: string, message: RegExp] }> = [
    // An unknown regulation.
    { name: 'unknown regulation', input: { regulations: ['pci'] }, want: ['regulations.0', /^must be one of: gdpr, hipaa, sox, iso27001$/] },
    // An empty list would silently disable compliance.
    { name: 'no regulations', input: { regulations: [] }, want: ['regulations', /^activate at least one regulation/] },
    // Listed twice.
    { name: 'duplicate regulation', input: { regulations: ['sox', 'sox'] }, want: ['regulations', /^list each regulation once$/] },
    // Beyond the GDPR maximum.
    { name: 'erasure deadline too long', input: { erasureDeadlineDays: 120 }, want: ['erasureDeadlineDays', /at most 90 days/] },
    // Retention for a category that does not exist.
    { name: 'unknown category', input: { maxRetentionDays: { secrets: 3 } }, want: ['maxRetentionDays', /^unknown data category secrets: use one of pii, phi/] },
  ];
  it.each(bad)('rejects $name', ({ input, want: [path, message] }) => {
    const r = complianceConfigSchema.safeParse(input);
    expect(r.success).toBe(false);
    if (r.success) return;
    const got = formatIssues(r.error);
    expect(got.some((g) => g.startsWith(`${path}: `) && message.test(g.slice(path.length + 2))), got.join('\n')).toBe(true);
  });
});
