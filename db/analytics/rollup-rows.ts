// The mapping between ServiceRollup and a rollups_hourly / rollups_daily row, in one place so the
// writer and the readers cannot drift apart.
import type { ServiceRollup } from '../../domain/analytics/rollup';

/** Column ↔ field, in insert order (service and slot_start first: the key). */
export const ROLLUP_COLUMNS: ReadonlyArray<readonly [column: string, field: keyof ServiceRollup, json?: true]> = [
  ['service', 'service'], ['slot_start', 'slotStart'], ['requests', 'requests'], ['errors', 'errors'], ['availability', 'availability'],
  ['p50_ms', 'p50Ms'], ['p95_ms', 'p95Ms'], ['p99_ms', 'p99Ms'], ['quality_sum', 'qualitySum'], ['quality_count', 'qualityCount'],
  ['quality_avg', 'qualityAvg'], ['satisfaction_sum', 'satisfactionSum'], ['satisfaction_count', 'satisfactionCount'],
  ['satisfaction_avg', 'satisfactionAvg'], ['cost_usd', 'costUsd'], ['tokens', 'tokens'], ['cost_per_query', 'costPerQuery'],
  ['cost_per_success', 'costPerSuccess'], ['slices_judged', 'slicesJudged'], ['slices_good', 'slicesGood'], ['sla_compliance', 'slaCompliance'],
  ['budget_consumed', 'budgetConsumed'], ['budget_remaining', 'budgetRemaining'], ['exhaustion_hours', 'exhaustionHours'],
  ['incidents_by_severity', 'incidentsBySeverity', true], ['incidents_by_kind', 'incidentsByKind', true], ['incidents_opened', 'incidentsOpened'],
  ['acks', 'acks'], ['ack_seconds', 'ackSeconds'], ['resolves', 'resolves'], ['resolve_seconds', 'resolveSeconds'],
  ['notifications_by_channel', 'notificationsByChannel', true], ['compliance_violations', 'complianceViolations'], ['replicas', 'replicas'], ['windows', 'windows'],
  ['sketch', 'sketch', true],
];

/** The bind values of one row, in ROLLUP_COLUMNS order. */
export function rowValues(r: ServiceRollup): unknown[] {
  return ROLLUP_COLUMNS.map(([, field, json]) => {
    const v = r[field];
    if (field === 'slotStart') return new Date(v as number);
    if (json) return JSON.stringify(v);
    // Postgres takes NaN but JSON and the dashboards do not: a figure that cannot be computed is NULL.
    return typeof v === 'number' && !Number.isFinite(v) ? null : v;
  });
}

/** A row as read back (bigint columns arrive as strings). */
export function fromRow(row: Record<string, unknown>): ServiceRollup {
  const out: Record<string, unknown> = {};
  for (const [column, field, json] of ROLLUP_COLUMNS) {
    const v = row[column];
    if (field === 'slotStart') out[field] = (v as Date).getTime();
    else if (field === 'service' || json) out[field] = v;
    else out[field] = v === null ? null : Number(v);
  }
  return out as unknown as ServiceRollup;
}

