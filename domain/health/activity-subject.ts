/**
 * Which retried thing an activity execution belongs to, so that all its failed attempts land on one
 * row and its success clears that row.
 *
 * Temporal's own retries keep the activity id, but sends run with `maximumAttempts: 1` and the
 * workflow retries them with a new activity (new id) under the same ledger step and target
 * (workflows/incident.ts `withRetries`; a refresh keeps its `refresh.<seq>` step while retried).
 * Keyed by activity id those would each be a one-attempt failure and the oldest one would never
 * clear; keyed by step|target the row spans the whole retry of the send. Queued sends carry their
 * own unique key and the incident's workflow id (the dispatcher's own id says nothing useful).
 */
export interface ActivitySubject {
  activityType: string;
  workflowId: string;
  subject: string;
}

export interface ActivityIdentity {
  activityType: string;
  activityId: string;
  workflowId?: string | undefined;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

export function activitySubject(id: ActivityIdentity, args: readonly unknown[]): ActivitySubject {
  const input = args[0];
  const base = { activityType: id.activityType, workflowId: id.workflowId ?? '' };
  if (isRecord(input)) {
    const send = input.send;
    if (isRecord(send) && text(send.key)) return { ...base, workflowId: text(send.workflowId) ? send.workflowId : base.workflowId, subject: send.key };
    if (text(input.step)) return { ...base, subject: text(input.target) ? `${input.step}|${input.target}` : input.step };
  }
  return { ...base, subject: id.activityId };
}

/** One string per subject, for in-memory sets (the parts cannot hold NUL, Postgres text refuses it anyway). */
export function subjectKey(s: ActivitySubject): string {
  return `${s.activityType}\u0000${s.workflowId}\u0000${s.subject}`;
}
