import type { ComplianceCheckResult } from './check';
import type { ProcessingEvent } from './event';

/** Fields tied to a data subject: kept beside the chain under the subject id, erasable, never hashed. */
const SUBJECT_FIELDS = ['subjectId', 'consentId'] as const;
/** Already in the seed's entry; not stored twice. */
const ENTRY_FIELDS = ['id', 'time', 'action', 'system', 'categories', 'outcome'] as const;

/** What the audit trail stores for one checked event. */
export interface AuditRecord {
  kind: string;
  /** Hashed forever: the seed's audit entry plus every non-personal event field the retrospective checks need. */
  payload: Record<string, unknown>;
  personal?: { subjectId: string; data: Record<string, unknown> };
}

/**
 * Splits a checked event into the hashed payload and the erasable personal part. The payload keeps
 * the whole event minus the subject's fields, so a later audit can rebuild it (segregation of duties
 * needs tickets and approvers, retention needs days, access volume needs actors and times). Without a
 * subject there is nobody to erase for, so a consent id stays in the payload.
 */
export function auditRecordOf(event: ProcessingEvent, result: ComplianceCheckResult): AuditRecord {
  const entry: Record<string, unknown> = { ...result.audit_trail_entry };
  delete entry.personal;
  const details: Record<string, unknown> = { ...event };
  for (const f of ENTRY_FIELDS) delete details[f];
  if (event.subjectId === undefined) return { kind: `processing.${event.action}`, payload: { ...entry, event: details } };
  const data: Record<string, unknown> = {};
  for (const f of SUBJECT_FIELDS) {
    if (event[f] !== undefined) data[f] = event[f];
    delete details[f];
  }
  return { kind: `processing.${event.action}`, payload: { ...entry, event: details }, personal: { subjectId: event.subjectId, data } };
}

/**
 * Rebuilds the event from a stored payload and its personal row (gone after erasure). Payloads written
 * before the event details were kept come back with what the seed entry had.
 */
export function eventFromAudit(payload: Record<string, unknown>, personal?: Record<string, unknown>): ProcessingEvent {
  const entry = payload as { event_id: string; time: string; actor: string; action: ProcessingEvent['action']; system: string; categories: ProcessingEvent['categories']; outcome: ProcessingEvent['outcome'] };
  const details = (payload.event ?? {}) as Partial<ProcessingEvent>;
  return {
    id: entry.event_id,
    time: entry.time,
    actor: { id: entry.actor, roles: [] },
    action: entry.action,
    system: entry.system,
    categories: entry.categories ?? [],
    outcome: entry.outcome,
    ...details,
    ...(personal ?? {}),
  } as ProcessingEvent;
}
