import { describe, expect, it } from 'vitest';
import { RULE_PACKS, checkEvent } from '../../domain/compliance/check';
import { DEFAULT_COMPLIANCE_CONTEXT, REGULATIONS, processingEventSchema, type ComplianceContext, type ProcessingEvent } from '../../domain/compliance/event';

/** A clinical retrieval that every rule accepts; cases vary one thing. */
const BASE = {
  id: 'evt-1',
  time: '2024-06-01T12:00:00Z',
  actor: { id: 'u-alice', roles: ['clinician'] },
  action: 'retrieval',
  system: 'rag-clinical',
  subjectId: 'subj-42',
  categories: ['pii', 'phi'],
  purpose: 'treatment',
  lawfulBasis: 'consent',
  consentId: 'consent-7',
  region: 'eu-west-1',
  encryption: { inTransit: true, atRest: true },
  retentionDays: 30,
  recordCount: 5,
  outcome: 'success',
};
/** A change to the ledger, requested and made by bob, approved by carol. */
const CHANGE = {
  ...BASE,
  actor: { id: 'u-bob', roles: ['finance-engineer'] },
  action: 'change',
  system: 'ledger',
  subjectId: undefined,
  categories: ['financial'],
  purpose: 'month-end-close',
  changeTicket: { id: 'CHG-1', requester: 'u-bob', status: 'approved' },
  approver: 'u-carol',
};
/** A PHI disclosure with everything the accounting of disclosures needs. */
const DISCLOSURE = { ...BASE, action: 'disclosure', recipient: 'insurer-x', purpose: 'payment', auditLogId: 'log-9' };

const ev = (input: Record<string, unknown>): ProcessingEvent => processingEventSchema.parse(input);
const ctx = (over: Partial<ComplianceContext> = {}): ComplianceContext => ({ ...DEFAULT_COMPLIANCE_CONTEXT, ...over });

type Case = { rule: string; name: string; event: Record<string, unknown>; ctx?: Partial<ComplianceContext>; fix?: RegExp };

const compliant: Case[] = [
  // Personal data with consent and its record.
  { rule: 'GDPR-6-lawful-basis', name: 'consent with consent id', event: BASE },
  // No personal data: no basis needed.
  { rule: 'GDPR-6-lawful-basis', name: 'financial data only', event: { ...CHANGE, lawfulBasis: undefined } },
  // The stated purpose is one the system allows.
  { rule: 'GDPR-5-1b-purpose-limitation', name: 'allowed purpose', event: BASE, ctx: { purposesBySystem: { 'rag-clinical': ['treatment'] } } },
  // EU personal data in an EU region.
  { rule: 'GDPR-44-data-residency', name: 'eu region', event: BASE },
  // Within the 365-day limit for pii.
  { rule: 'GDPR-5-1e-retention', name: 'short retention', event: { ...BASE, retentionDays: 365 } },
  // An accepted erasure request.
  { rule: 'GDPR-17-erasure-request', name: 'accepted request', event: { ...BASE, action: 'erasure_request' } },
  // A clinician reads PHI.
  { rule: 'HIPAA-164.312a-phi-authorised-roles', name: 'clinician', event: BASE },
  // An unauthorised attempt that was denied: the control worked.
  { rule: 'HIPAA-164.312a-phi-authorised-roles', name: 'denied attempt', event: { ...BASE, actor: { id: 'u-eve', roles: ['analyst'] }, outcome: 'denied' } },
  // Five records is within the limit.
  { rule: 'HIPAA-164.502b-minimum-necessary', name: 'few records', event: BASE },
  // Encrypted both ways.
  { rule: 'HIPAA-164.312e-phi-encrypted', name: 'encrypted', event: BASE },
  // A logged disclosure with recipient and purpose.
  { rule: 'HIPAA-164.528-disclosures-logged', name: 'logged disclosure', event: DISCLOSURE },
  // An approved ticket with an approver.
  { rule: 'SOX-404-change-approved-ticket', name: 'approved ticket', event: CHANGE },
  // Carol approves what bob requested and made.
  { rule: 'SOX-404-segregation-of-duties', name: 'different approver', event: CHANGE },
  // A dba's change that is logged.
  { rule: 'SOX-404-privileged-access-logged', name: 'logged dba change', event: { ...CHANGE, actor: { id: 'u-bob', roles: ['dba'] }, auditLogId: 'log-1' } },
  // A role the system allows.
  { rule: 'ISO27001-A5.15-access-control', name: 'allowed role', event: BASE, ctx: { systemRoles: { 'rag-clinical': ['clinician'] } } },
  // Sensitive data encrypted both ways.
  { rule: 'ISO27001-A8.24-encryption', name: 'encrypted', event: BASE },
  // Credentials rotated through a change, never in a prompt.
  { rule: 'ISO27001-A5.17-no-credentials-in-prompts', name: 'credential rotation', event: { ...CHANGE, categories: ['credentials'] } },
  // An admin login with its audit log entry.
  { rule: 'ISO27001-A8.15-privileged-actions-logged', name: 'logged admin login', event: { ...BASE, action: 'login', actor: { id: 'u-root', roles: ['admin'] }, auditLogId: 'log-2' } },
];

const violating: Case[] = [
  // Personal data without any basis.
  { rule: 'GDPR-6-lawful-basis', name: 'no basis', event: { ...BASE, lawfulBasis: undefined, consentId: undefined }, fix: /has no lawful basis: set lawfulBasis/ },
  // Consent claimed but not recorded.
  { rule: 'GDPR-6-lawful-basis', name: 'consent without record', event: { ...BASE, consentId: undefined }, fix: /no consent is recorded: set consentId/ },
  // No purpose stated.
  { rule: 'GDPR-5-1b-purpose-limitation', name: 'no purpose', event: { ...BASE, purpose: undefined }, fix: /without a purpose: set purpose/ },
  // Clinical data reused for marketing.
  { rule: 'GDPR-5-1b-purpose-limitation', name: 'disallowed purpose', event: { ...BASE, purpose: 'marketing' }, ctx: { purposesBySystem: { 'rag-clinical': ['treatment'] } }, fix: /"marketing" is not allowed .*: stop this processing, or add the purpose to compliance\.purposesBySystem\.rag-clinical/ },
  // EU personal data processed in the US.
  { rule: 'GDPR-44-data-residency', name: 'us region', event: { ...BASE, region: 'us-east-1' }, fix: /region us-east-1, outside .*: route it to an allowed region/ },
  // "europe-1" is not "eu" just because it starts with "eu".
  { rule: 'GDPR-44-data-residency', name: 'look-alike region', event: { ...BASE, region: 'europe-1' }, fix: /route it to an allowed region/ },
  // No region at all.
  { rule: 'GDPR-44-data-residency', name: 'no region', event: { ...BASE, region: undefined }, fix: /without a region: set region/ },
  // Kept longer than a year.
  { rule: 'GDPR-5-1e-retention', name: 'long retention', event: { ...BASE, retentionDays: 400 }, fix: /retained for 400 days.*: shorten retentionDays to at most 365/ },
  // A request that failed to be recorded.
  { rule: 'GDPR-17-erasure-request', name: 'failed request', event: { ...BASE, action: 'erasure_request', outcome: 'failure' }, fix: /30-day deadline is not tracked: record it again with outcome success/ },
  // An analyst reads PHI.
  { rule: 'HIPAA-164.312a-phi-authorised-roles', name: 'analyst', event: { ...BASE, actor: { id: 'u-eve', roles: ['analyst'] } }, fix: /without an authorised role .*: deny PHI to this role in rag-clinical, or grant the actor an authorised role/ },
  // A bulk export of PHI.
  { rule: 'HIPAA-164.502b-minimum-necessary', name: 'bulk export', event: { ...BASE, action: 'export', recordCount: 5000 }, fix: /5000 PHI records, more than .* 50: narrow the query/ },
  // PHI stored unencrypted.
  { rule: 'HIPAA-164.312e-phi-encrypted', name: 'not at rest', event: { ...BASE, encryption: { inTransit: true, atRest: false } }, fix: /not encrypted at rest: enable TLS/ },
  // No encryption reported.
  { rule: 'HIPAA-164.312e-phi-encrypted', name: 'unreported', event: { ...BASE, encryption: undefined }, fix: /not encrypted in transit and at rest: enable/ },
  // A disclosure without recipient or log entry.
  { rule: 'HIPAA-164.528-disclosures-logged', name: 'unlogged disclosure', event: { ...DISCLOSURE, recipient: undefined, auditLogId: undefined }, fix: /missing recipient, auditLogId: log every disclosure/ },
  // A change without a ticket.
  { rule: 'SOX-404-change-approved-ticket', name: 'no ticket', event: { ...CHANGE, changeTicket: undefined, approver: undefined }, fix: /no change ticket: open a ticket/ },
  // A change under a pending ticket.
  { rule: 'SOX-404-change-approved-ticket', name: 'pending ticket', event: { ...CHANGE, changeTicket: { ...CHANGE.changeTicket, status: 'pending' }, approver: undefined }, fix: /CHG-1 is pending and has no approver: get the ticket approved/ },
  // The requester approves their own ticket.
  { rule: 'SOX-404-segregation-of-duties', name: 'requester approves', event: { ...CHANGE, approver: 'u-bob' }, fix: /approved by its own requester .*: have someone other than the requester approve/ },
  // The implementer approves someone else's request.
  { rule: 'SOX-404-segregation-of-duties', name: 'implementer approves', event: { ...CHANGE, changeTicket: { ...CHANGE.changeTicket, requester: 'u-dan' }, approver: 'u-bob' }, fix: /who also made the change: have someone other than the implementer approve/ },
  // A dba's change that is not logged.
  { rule: 'SOX-404-privileged-access-logged', name: 'unlogged dba change', event: { ...CHANGE, actor: { id: 'u-bob', roles: ['dba'] } }, fix: /no audit log entry: write the action to ledger's audit log and set auditLogId/ },
  // Nobody should act without a role.
  { rule: 'ISO27001-A5.15-access-control', name: 'no role', event: { ...BASE, actor: { id: 'u-x', roles: [] } }, fix: /with no role: assign roles/ },
  // A role the system does not allow.
  { rule: 'ISO27001-A5.15-access-control', name: 'disallowed role', event: { ...BASE, actor: { id: 'u-x', roles: ['intern'] } }, ctx: { systemRoles: { 'rag-clinical': ['clinician'] } }, fix: /allows only clinician: deny the access, or add the role to compliance\.systemRoles\.rag-clinical/ },
  // Financial data with no encryption.
  { rule: 'ISO27001-A8.24-encryption', name: 'unencrypted financial', event: { ...CHANGE, encryption: undefined }, fix: /financial data in ledger is not encrypted in transit and at rest: enable encryption/ },
  // An API key retrieved into a prompt.
  { rule: 'ISO27001-A5.17-no-credentials-in-prompts', name: 'key in context', event: { ...BASE, categories: ['credentials'] }, fix: /credentials reached a retrieval .*: rotate the exposed credentials/ },
  // A password in a generated answer.
  { rule: 'ISO27001-A5.17-no-credentials-in-prompts', name: 'password in answer', event: { ...BASE, action: 'generation', categories: ['credentials'] }, fix: /rotate the exposed credentials, remove them/ },
  // An admin login without a log entry.
  { rule: 'ISO27001-A8.15-privileged-actions-logged', name: 'unlogged admin login', event: { ...BASE, action: 'login', actor: { id: 'u-root', roles: ['admin'] } }, fix: /no audit log entry: write it to the audit log and set auditLogId/ },
];

const ALL_RULES = REGULATIONS.flatMap((r) => RULE_PACKS[r]);
const ruleById = (id: string) => {
  const rule = ALL_RULES.find((r) => r.id === id);
  if (!rule) throw new Error(`no rule ${id}`);
  return rule;
};

describe('compliance rules accept compliant events', () => {
  it.each(compliant)('$rule: $name', ({ rule, event, ctx: over }) => {
    const e = ev(event);
    expect(ruleById(rule).check(e, ctx(over))).toBeNull();
    expect(checkEvent(e, ctx(over)).audit_trail_entry.violated_rules).not.toContain(rule);
  });
});

describe('compliance rules flag violating events and say what to fix', () => {
  it.each(violating)('$rule: $name', ({ rule, event, ctx: over, fix }) => {
    const e = ev(event);
    expect(ruleById(rule).check(e, ctx(over))?.message).toMatch(fix ?? /./);
    const result = checkEvent(e, ctx(over));
    const found = Object.values(result.regulation_results).flatMap((r) => r?.violations ?? []).find((v) => v.rule === rule);
    expect(found).toMatchObject({ rule, clause: ruleById(rule).clause, severity: ruleById(rule).severity });
    // Personal data stays out of messages: the subject id never appears.
    expect(found?.message).not.toContain('subj-42');
  });
});

describe('rule packs', () => {
  it('the base events break no rule at all', () => {
    for (const e of [BASE, CHANGE, DISCLOSURE]) expect(checkEvent(ev(e), ctx()).audit_trail_entry.violated_rules).toEqual([]);
  });
  it('every rule has a compliant and a violating case', () => {
    for (const r of ALL_RULES) {
      expect(compliant.map((c) => c.rule), r.id).toContain(r.id);
      expect(violating.map((c) => c.rule), r.id).toContain(r.id);
    }
  });
  it('rule ids are unique and each rule sits in its own regulation pack', () => {
    expect(new Set(ALL_RULES.map((r) => r.id)).size).toBe(ALL_RULES.length);
    for (const reg of REGULATIONS) for (const r of RULE_PACKS[reg]) expect(r.regulation).toBe(reg);
  });
  it('every rule has a clause and a title', () => {
    for (const r of ALL_RULES) {
      expect(r.clause, r.id).toMatch(/^(GDPR|HIPAA|SOX|ISO\/IEC 27001)/);
      expect(r.title.length, r.id).toBeGreaterThan(10);
    }
  });
});
