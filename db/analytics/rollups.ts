import type { Pool, PoolClient } from 'pg';
import type { IncidentFact, ServiceRollup } from '../../domain/analytics/rollup';
import type { RollupPeriod } from '../../domain/analytics/slots';
import type { WindowSummary } from '../../domain/window-summary';
import { windowFromRow, type WindowRow } from '../metric-windows';
import { inTransaction } from '../pool';
import { fromRow, ROLLUP_COLUMNS, rowValues } from './rollup-rows';

const TABLE: Readonly<Record<RollupPeriod, string>> = { hour: 'rollups_hourly', day: 'rollups_daily' };

/** Every service's windows starting in [from, to), one per replica (source), as WindowSummary. */
export async function windowsBetween(db: Pool | PoolClient, from: number, to: number): Promise<Map<string, WindowSummary[]>> {
  const r = await db.query<WindowRow & { service: string; source: string }>(
    `SELECT service, source, window_start, duration_ms, count, errors, quality_avg, quality_count, cost_usd, tokens,
            satisfaction_avg, satisfaction_count, dropped, sketch
     FROM metric_windows WHERE window_start >= $1 AND window_start < $2`,
    [new Date(from), new Date(to)],
  );
  const out = new Map<string, WindowSummary[]>();
  for (const row of r.rows) {
    const w = windowFromRow(row, row.service, row.source);
    const list = out.get(w.service);
    if (list) list.push(w);
    else out.set(w.service, [w]);
  }
  return out;
}

/** Incidents opened, first acknowledged or first resolved in [from, to), per service. */
export async function incidentFactsBetween(db: Pool | PoolClient, from: number, to: number): Promise<Map<string, IncidentFact[]>> {
  const r = await db.query<{ service: string; severity: string; kind: string; opened_at: Date; acknowledged_at: Date | null; resolved_at: Date | null }>(
    `SELECT service, severity, kind, opened_at, acknowledged_at, resolved_at FROM incidents
     WHERE (opened_at >= $1 AND opened_at < $2) OR (acknowledged_at >= $1 AND acknowledged_at < $2) OR (resolved_at >= $1 AND resolved_at < $2)`,
    [new Date(from), new Date(to)],
  );
  const out = new Map<string, IncidentFact[]>();
  for (const row of r.rows) {
    const f: IncidentFact = {
      severity: row.severity,
      kind: row.kind,
      openedAt: row.opened_at.getTime(),
      acknowledgedAt: row.acknowledged_at?.getTime() ?? null,
      resolvedAt: row.resolved_at?.getTime() ?? null,
    };
    out.set(row.service, [...(out.get(row.service) ?? []), f]);
  }
  return out;
}

/** Notifications sent in [from, to) about each service's incidents, by channel type (the ledger's run_id is the incident id). */
export async function notificationsBetween(db: Pool | PoolClient, from: number, to: number): Promise<Map<string, Record<string, number>>> {
  const r = await db.query<{ service: string; channel_type: string; n: string }>(
    `SELECT i.service, n.channel_type, count(*) AS n FROM notifications n JOIN incidents i ON i.incident_id = n.run_id
     WHERE n.status = 'sent' AND n.sent_at >= $1 AND n.sent_at < $2 GROUP BY 1, 2`,
    [new Date(from), new Date(to)],
  );
  const out = new Map<string, Record<string, number>>();
  for (const row of r.rows) out.set(row.service, { ...out.get(row.service), [row.channel_type]: Number(row.n) });
  return out;
}

/** Requests and errors per service over hourly rollups in [from, to): the SLO window before a slot. */
export async function hourlyTotalsBetween(db: Pool | PoolClient, from: number, to: number): Promise<Map<string, { requests: number; errors: number }>> {
  const r = await db.query<{ service: string; requests: string; errors: string }>(
    `SELECT service, sum(requests) AS requests, sum(errors) AS errors FROM rollups_hourly
     WHERE slot_start >= $1 AND slot_start < $2 GROUP BY service`,
    [new Date(from), new Date(to)],
  );
  return new Map(r.rows.map((row) => [row.service, { requests: Number(row.requests), errors: Number(row.errors) }]));
}

/**
 * Stores a slot's rollups and records the run, in one transaction: a row rolled again is replaced
 * whole and its `computations` counts up (a re-run is visible, never a second row).
 */
export async function storeRollups(pool: Pool, period: RollupPeriod, slotStart: number, rows: readonly ServiceRollup[]): Promise<void> {
  const table = TABLE[period];
  const columns = ROLLUP_COLUMNS.map(([c]) => c);
  const updates = columns.slice(2).map((c) => `${c} = EXCLUDED.${c}`).join(', ');
  await inTransaction(pool, async (db) => {
    // Lock the slot's run row first: two runs rolling the same slot at once take turns.
    await db.query(
      `INSERT INTO rollup_runs (period, slot_start, services, started_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (period, slot_start) DO UPDATE SET services = EXCLUDED.services, started_at = now(), computed_at = now(),
         computations = rollup_runs.computations + 1`,
      [period, new Date(slotStart), rows.length],
    );
    for (const row of rows) {
      const values = rowValues(row);
      await db.query(
        `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${values.map((_, i) => `$${i + 1}`).join(', ')})
         ON CONFLICT (service, slot_start) DO UPDATE SET ${updates}, computed_at = now(), computations = ${table}.computations + 1`,
        values,
      );
    }
  });
}

/** The latest slot rolled for a period: the catch-up watermark; null before the first run. */
export async function rollupWatermark(db: Pool | PoolClient, period: RollupPeriod): Promise<number | null> {
  const r = await db.query<{ s: Date | null }>('SELECT max(slot_start) AS s FROM rollup_runs WHERE period = $1', [period]);
  return r.rows[0]?.s?.getTime() ?? null;
}

/**
 * Hours already rolled that a window arrived for afterwards (a late reporter, a replayed batch):
 * they must be rolled again. Candidates are the hours of windows received since the previous
 * hourly run (less 5 minutes, for batches committed while it read); a candidate is late only when
 * its windows or requests no longer match what was rolled, so a window that merely arrived just
 * before its roll does not trigger a second one.
 */
export async function lateHours(db: Pool | PoolClient, before: number, horizon: number): Promise<number[]> {
  const r = await db.query<{ hour: Date }>(
    `WITH last AS (SELECT max(started_at) - interval '5 minutes' AS since FROM rollup_runs WHERE period = 'hour'),
     cand AS (
       SELECT DISTINCT w.service, date_trunc('hour', w.window_start) AS hour FROM metric_windows w CROSS JOIN last
       WHERE last.since IS NOT NULL AND w.received_at > last.since AND w.window_start < $1 AND w.window_start >= $2),
     now_in AS (
       SELECT c.service, c.hour, count(w.*) AS windows, coalesce(sum(w.count), 0) AS requests FROM cand c
       JOIN metric_windows w ON w.service = c.service AND w.window_start >= c.hour AND w.window_start < c.hour + interval '1 hour'
       GROUP BY 1, 2)
     SELECT DISTINCT n.hour FROM now_in n LEFT JOIN rollups_hourly r ON r.service = n.service AND r.slot_start = n.hour
     WHERE r.service IS NULL OR r.windows <> n.windows OR r.requests <> n.requests
     ORDER BY 1`,
    [new Date(before), new Date(horizon)],
  );
  return r.rows.map((row) => row.hour.getTime());
}

/** Rollup rows of a period with slot_start in [from, to), oldest first. */
export async function readRollups(db: Pool | PoolClient, period: RollupPeriod, from: number, to: number, service?: string): Promise<ServiceRollup[]> {
  const r = await db.query(
    `SELECT ${ROLLUP_COLUMNS.map(([c]) => c).join(', ')} FROM ${TABLE[period]}
     WHERE slot_start >= $1 AND slot_start < $2 AND ($3::text IS NULL OR service = $3) ORDER BY slot_start, service`,
    [new Date(from), new Date(to), service ?? null],
  );
  return r.rows.map(fromRow);
}

/** How often each slot of a period was rolled (tests and `vigil exec status`). */
export async function rollupRuns(db: Pool | PoolClient, period: RollupPeriod): Promise<Array<{ slotStart: number; services: number; computations: number }>> {
  const r = await db.query<{ slot_start: Date; services: number; computations: number }>(
    'SELECT slot_start, services, computations FROM rollup_runs WHERE period = $1 ORDER BY slot_start',
    [period],
  );
  return r.rows.map((row) => ({ slotStart: row.slot_start.getTime(), services: row.services, computations: row.computations }));
}
