import { describe, expect, it } from 'vitest';
import { auditRecordOf, eventFromAudit } from '../../domain/compliance/audit-record';
import { checkEvent } from '../../domain/compliance/check';
import { DEFAULT_COMPLIANCE_CONTEXT, processingEventSchema, type ProcessingEvent } from '../../domain/compliance/event';

const SUBJECT = 'subj-5c0ffee';
const CONSENT = 'consent-8d2b19';

/** A disclosure carrying every optional field, about SUBJECT under CONSENT; PII sent to the US breaks a GDPR rule. */
const FULL = {
  id: 'evt-full-1',
  time: '2024-06-01T12:00:00+02:00',
  actor: { id: 'u-alice', roles: ['support', 'finance-engineer'] },
  action: 'disclosure',
  system: 'rag-support',
  subjectId: SUBJECT,
  categories: ['pii', 'financial'],
  purpose: 'support',
  lawfulBasis: 'consent',
  consentId: CONSENT,
  region: 'us-east-1',
  encryption: { inTransit: true, atRest: false },
  retentionDays: 90,
  changeTicket: { id: 'CHG-12', requester: 'u-bob', status: 'approved' },
  approver: 'u-carol',
  recipient: 'acme-insurance',
  recordCount: 17,
  auditLogId: 'log-991',
  outcome: 'success',
};

/** Stored as JSON (jsonb) and read back, as the audit trail does. */
const stored = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
const without = (e: ProcessingEvent, ...keys: Array<keyof ProcessingEvent>): Partial<ProcessingEvent> => {
  const copy: Partial<ProcessingEvent> = { ...e };
  for (const k of keys) delete copy[k];
  return copy;
};
const recordOf = (raw: Record<string, unknown>) => {
  const event = processingEventSchema.parse(raw);
  const result = checkEvent(event, DEFAULT_COMPLIANCE_CONTEXT);
  return { event, result, record: auditRecordOf(event, result) };
};

describe('auditRecordOf / eventFromAudit', () => {
  const cases: Array<{ name: string; raw: Record<string, unknown>; personal?: Record<string, unknown> }> = [
    // Subject and consent: both go to the erasable part.
    { name: 'subject and consent', raw: FULL, personal: { subjectId: SUBJECT, consentId: CONSENT } },
    // Subject only.
    { name: 'subject, no consent', raw: { ...FULL, consentId: undefined }, personal: { subjectId: SUBJECT } },
    // Neither: nothing personal to keep apart.
    { name: 'no subject, no consent', raw: { ...FULL, subjectId: undefined, consentId: undefined } },
    // A bare event with only the required fields.
    { name: 'minimal event', raw: { id: 'evt-min', time: '2024-06-01T00:00:00Z', actor: { id: 'svc-indexer', roles: [] }, action: 'query', system: 'rag-search', outcome: 'denied' } },
  ];

  it.each(cases)('$name: splits the event and rebuilds it exactly', ({ raw, personal }) => {
    const { event, record } = recordOf(raw);
    expect(record.kind).toBe(`processing.${event.action}`);
    const json = JSON.stringify(record.payload);
    expect(json).not.toContain(SUBJECT);
    expect(json).not.toContain(CONSENT);
    expect(json).not.toMatch(/subject_?id|consent_?id|"personal"/i);
    if (personal) expect(record.personal).toEqual({ subjectId: SUBJECT, data: personal });
    else expect(record.personal).toBeUndefined();

    const back = eventFromAudit(stored(record.payload), record.personal && stored(record.personal.data));
    expect(back).toEqual(event);
  });

  it('keeps every non-personal field through the round trip', () => {
    const { record } = recordOf(FULL);
    const back = eventFromAudit(stored(record.payload), stored(record.personal!.data));
    expect(back).toEqual({
      id: 'evt-full-1',
      time: '2024-06-01T12:00:00+02:00',
      actor: { id: 'u-alice', roles: ['support', 'finance-engineer'] },
      action: 'disclosure',
      system: 'rag-support',
      subjectId: SUBJECT,
      categories: ['pii', 'financial'],
      purpose: 'support',
      lawfulBasis: 'consent',
      consentId: CONSENT,
      region: 'us-east-1',
      encryption: { inTransit: true, atRest: false },
      retentionDays: 90,
      changeTicket: { id: 'CHG-12', requester: 'u-bob', status: 'approved' },
      approver: 'u-carol',
      recipient: 'acme-insurance',
      recordCount: 17,
      auditLogId: 'log-991',
      outcome: 'success',
    });
  });

  it('after erasure (no personal row) rebuilds everything but the subject and consent ids', () => {
    const { event, record } = recordOf(FULL);
    const back = eventFromAudit(stored(record.payload));
    expect(back.subjectId).toBeUndefined();
    expect(back.consentId).toBeUndefined();
    expect(back).toEqual(without(event, 'subjectId', 'consentId'));
    expect(back.changeTicket).toEqual({ id: 'CHG-12', requester: 'u-bob', status: 'approved' });
    expect(back.retentionDays).toBe(90);
  });

  it("keeps a consent id in the payload when there is no subject to erase it for", () => {
    const { event, record } = recordOf({ ...FULL, subjectId: undefined });
    expect(record.personal).toBeUndefined();
    expect((record.payload.event as Record<string, unknown>).consentId).toBe(CONSENT);
    expect(eventFromAudit(stored(record.payload))).toEqual(event);
  });

  it("puts the seed's entry fields in the payload and does not store them twice", () => {
    const { result, record } = recordOf(FULL);
    expect(result.audit_trail_entry.violated_rules.length).toBeGreaterThan(0);
    expect(record.payload).toMatchObject({
      event_id: 'evt-full-1',
      time: '2024-06-01T12:00:00+02:00',
      actor: 'u-alice',
      action: 'disclosure',
      system: 'rag-support',
      categories: ['pii', 'financial'],
      outcome: 'success',
      compliant: false,
      violated_rules: result.audit_trail_entry.violated_rules,
    });
    expect(Object.keys(record.payload.event as object).sort()).toEqual([
      'actor', 'approver', 'auditLogId', 'changeTicket', 'encryption', 'lawfulBasis', 'purpose', 'recipient', 'recordCount', 'region', 'retentionDays',
    ]);
  });

  it('does not change the event or the check result it is given', () => {
    const { event, result } = recordOf(FULL);
    const before = stored({ event, result });
    auditRecordOf(event, result);
    expect({ event, result }).toEqual(before);
    expect(result.audit_trail_entry.personal).toEqual({ subject_id: SUBJECT });
  });

  it('rebuilds an old payload without `event` from the entry alone, with no roles', () => {
    const { result } = recordOf(FULL);
    const entry: Partial<typeof result.audit_trail_entry> = { ...result.audit_trail_entry };
    delete entry.personal;
    expect(eventFromAudit(stored(entry) as unknown as Record<string, unknown>)).toEqual({
      id: 'evt-full-1',
      time: '2024-06-01T12:00:00+02:00',
      actor: { id: 'u-alice', roles: [] },
      action: 'disclosure',
      system: 'rag-support',
      categories: ['pii', 'financial'],
      outcome: 'success',
    });
    // An old row's personal part still restores the subject.
    expect(eventFromAudit(stored(entry) as unknown as Record<string, unknown>, { subjectId: SUBJECT }).subjectId).toBe(SUBJECT);
  });
});
