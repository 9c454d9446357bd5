import { describePosition } from './escalation-policy';
import type { IncidentState } from './incident-state';
import type { IncidentDetails } from './violation';

/** The state fields a view carries over unchanged. */
type ViewedFields =
  | 'workflowId' | 'incidentId' | 'fingerprint' | 'service' | 'kind' | 'dimension' | 'severity' | 'title' | 'details'
  | 'labels' | 'status' | 'openedAt' | 'episode' | 'occurrences' | 'acknowledged' | 'resolved' | 'snoozedUntil' | 'messages';

/** What channels render and the projection stores: the incident without its policy and timeline. */
export type IncidentView = Pick<IncidentState, ViewedFields> & {
  /** The last escalation level that fired, as people say it ("level 2"). */
  level: string | null;
  /** Link to this incident's workflow in the Temporal Web UI, when a UI is configured. */
  uiUrl: string | null;
  /**
   * The state's sequence number when the view was taken: two views with the same revision show the
   * same incident, so it names one distinct message content (idempotency keys, Message-IDs).
   */
  revision: number;
};

/** Projects the state to the view channels and stores need. */
export function toView(s: IncidentState): IncidentView {
  return {
    workflowId: s.workflowId,
    incidentId: s.incidentId,
    fingerprint: s.fingerprint,
    service: s.service,
    kind: s.kind,
    dimension: s.dimension,
    severity: s.severity,
    title: s.title,
    details: s.details,
    labels: s.labels,
    status: s.status,
    openedAt: s.openedAt,
    episode: s.episode,
    occurrences: s.occurrences,
    acknowledged: s.acknowledged,
    resolved: s.resolved,
    snoozedUntil: s.snoozedUntil,
    level: s.escalation.lastFired ? describePosition(s.escalation.lastFired) : null,
    uiUrl: s.settings.uiUrl ? `${s.settings.uiUrl}/workflows/${encodeURIComponent(s.workflowId)}` : null,
    messages: s.messages,
    revision: s.seq,
  };
}

/** "current vs threshold" as people read it, e.g. "2350 ms (threshold 2000 ms)". */
export function formatMeasurement(d: IncidentDetails): string | null {
  if (d.current === undefined) return null;
  const unit = d.unit ? ` ${d.unit}` : '';
  const threshold = d.threshold === undefined ? '' : ` (threshold ${d.threshold}${unit})`;
  return `${d.current}${unit}${threshold}`;
}

/** One line for the Temporal UI memo and logs. */
export function summaryLine(v: Pick<IncidentView, 'severity' | 'service' | 'kind' | 'title' | 'status' | 'acknowledged' | 'resolved'>): string {
  const who =
    v.status === 'resolved' && v.resolved
      ? ` (resolved by ${v.resolved.by})`
      : v.status !== 'triggered' && v.acknowledged
        ? ` (${v.status} by ${v.acknowledged.by})`
        : '';
  return `[${v.severity.toUpperCase()}] ${v.service} ${v.kind}: ${v.title} — ${v.status}${who}`;
}
