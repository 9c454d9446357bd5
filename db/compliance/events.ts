import type { Pool } from 'pg';
import { eventFromAudit } from '../../domain/compliance/audit-record';
import type { ProcessingEvent } from '../../domain/compliance/event';
import type { AccessCount } from '../../domain/compliance/retrospective';

// Processing events in the audit trail, selected by when they were recorded (at), which is indexed
// and follows seq; an event's own time (payload.time) decides windows and deadlines.

/** A stretch of recording time: start exclusive, end inclusive. */
export interface TimeRange {
  from: Date;
  to: Date;
}

const PROCESSING = "a.kind LIKE 'processing.%'";
// The subject's fields live beside the chain; gone after erasure, so the join is optional.
const WITH_PERSONAL = `SELECT a.payload, p.data AS personal FROM audit_log a
  LEFT JOIN LATERAL (SELECT data FROM audit_personal p WHERE p.seq = a.seq LIMIT 1) p ON true`;

type Row = { payload: Record<string, unknown>; personal: Record<string, unknown> | null };
const toEvents = (rows: Row[]): ProcessingEvent[] => rows.map((r) => eventFromAudit(r.payload, r.personal ?? undefined));

/** How many events were checked, how many were compliant, and how often each rule was broken. */
export async function eventTotals(pool: Pool, range: TimeRange): Promise<{ events: number; compliant: number; byRule: Array<{ rule: string; count: number }> }> {
  const totals = await pool.query<{ events: string; compliant: string }>(
    `SELECT count(*) AS events, count(*) FILTER (WHERE a.payload ->> 'compliant' = 'true') AS compliant
     FROM audit_log a WHERE ${PROCESSING} AND a.at > $1 AND a.at <= $2`,
    [range.from, range.to],
  );
  const rules = await pool.query<{ rule: string; count: string }>(
    `SELECT r AS rule, count(*) AS count FROM audit_log a, jsonb_array_elements_text(a.payload -> 'violated_rules') r
     WHERE ${PROCESSING} AND a.at > $1 AND a.at <= $2 GROUP BY r`,
    [range.from, range.to],
  );
  return {
    events: Number(totals.rows[0]?.events ?? 0),
    compliant: Number(totals.rows[0]?.compliant ?? 0),
    byRule: rules.rows.map((r) => ({ rule: r.rule, count: Number(r.count) })),
  };
}

/** Accesses per actor per window (of the event's own time), counted by the database. */
export async function accessCounts(pool: Pool, range: TimeRange, windowMs: number, actions: readonly string[]): Promise<AccessCount[]> {
  const res = await pool.query<{ actor: string; w: string; count: string }>(
    `SELECT a.payload ->> 'actor' AS actor,
            floor(extract(epoch FROM (a.payload ->> 'time')::timestamptz) * 1000 / $3)::bigint AS w,
            count(*) AS count
     FROM audit_log a WHERE a.kind = ANY($4) AND a.at > $1 AND a.at <= $2 GROUP BY 1, 2`,
    [range.from, range.to, windowMs, actions.map((x) => `processing.${x}`)],
  );
  return res.rows.map((r) => ({ actorId: r.actor, window: Number(r.w), count: Number(r.count) }));
}

/** Events carrying a change ticket or an approver (segregation of duties). */
export async function ticketEvents(pool: Pool, range: TimeRange): Promise<ProcessingEvent[]> {
  const res = await pool.query<Row>(
    `${WITH_PERSONAL} WHERE ${PROCESSING} AND a.at > $1 AND a.at <= $2
     AND (a.payload -> 'event' ? 'changeTicket' OR a.payload -> 'event' ? 'approver') ORDER BY a.seq`,
    [range.from, range.to],
  );
  return toEvents(res.rows);
}

/** Erasure requests recorded in the range, and every later deletion of the same subjects up to its end. */
export async function erasureEvents(pool: Pool, range: TimeRange): Promise<ProcessingEvent[]> {
  const res = await pool.query<Row>(
    `WITH req AS (
       SELECT a.seq FROM audit_log a WHERE a.kind = 'processing.erasure_request' AND a.at > $1 AND a.at <= $2
     ), subjects AS (
       SELECT DISTINCT p.subject_id FROM audit_personal p JOIN req ON req.seq = p.seq
     )
     ${WITH_PERSONAL}
     WHERE a.seq IN (SELECT seq FROM req)
        OR (a.kind = 'processing.deletion' AND a.at > $1 AND a.at <= $2
            AND EXISTS (SELECT 1 FROM audit_personal d JOIN subjects s ON s.subject_id = d.subject_id WHERE d.seq = a.seq))
     ORDER BY a.seq`,
    [range.from, range.to],
  );
  return toEvents(res.rows);
}

/**
 * Events whose retention runs out inside `expiring`, plus the deletions that could cover them
 * (deletions recorded from the earliest such event up to the end of the range).
 */
export async function retentionEvents(pool: Pool, expiring: TimeRange): Promise<{ events: ProcessingEvent[]; deletions: ProcessingEvent[] }> {
  const expiry = `(a.payload ->> 'time')::timestamptz + make_interval(days => (a.payload -> 'event' ->> 'retentionDays')::int)`;
  const events = toEvents(
    (
      await pool.query<Row>(
        `${WITH_PERSONAL} WHERE ${PROCESSING} AND a.kind <> 'processing.deletion' AND a.at <= $2
         AND a.payload -> 'event' ? 'retentionDays' AND ${expiry} > $1 AND ${expiry} <= $2 ORDER BY a.seq`,
        [expiring.from, expiring.to],
      )
    ).rows,
  );
  if (events.length === 0) return { events, deletions: [] };
  const earliest = new Date(Math.min(...events.map((e) => Date.parse(e.time))));
  const deletions = toEvents(
    (
      await pool.query<Row>(`${WITH_PERSONAL} WHERE a.kind = 'processing.deletion' AND a.at >= $1 AND a.at <= $2 ORDER BY a.seq`, [earliest, expiring.to])
    ).rows,
  );
  return { events, deletions };
}
