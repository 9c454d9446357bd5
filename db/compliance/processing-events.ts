import type { Pool } from 'pg';
import { AUDIT_LOCK_KEY, appendInTransaction, type AuditInput } from '../audit-log';
import { inTransaction } from '../pool';

/** One checked event to record, known by the reporting system's own id. */
export interface ProcessingRecord {
  eventId: string;
  entry: AuditInput;
}

/**
 * Appends the events this system has not reported before, in one transaction: a retried batch (the
 * SDK resends when a response is lost) adds nothing twice, and a batch repeating an id keeps the first.
 */
export async function recordProcessingEvents(pool: Pool, system: string, records: readonly ProcessingRecord[]): Promise<{ appended: number; duplicates: string[] }> {
  return inTransaction(pool, async (client) => {
    // appendInTransaction takes the chain lock too; taking it first makes the seen-check and the append one step.
    await client.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK_KEY]);
    const ids = records.map((r) => r.eventId);
    const seen = new Set(
      (await client.query<{ event_id: string }>('SELECT event_id FROM processing_events_seen WHERE system = $1 AND event_id = ANY($2)', [system, ids])).rows.map((r) => r.event_id),
    );
    const fresh: ProcessingRecord[] = [];
    const duplicates: string[] = [];
    for (const r of records) {
      if (seen.has(r.eventId)) duplicates.push(r.eventId);
      else {
        seen.add(r.eventId);
        fresh.push(r);
      }
    }
    if (fresh.length === 0) return { appended: 0, duplicates };
    const out = await appendInTransaction(client, fresh.map((r) => r.entry));
    await client.query('INSERT INTO processing_events_seen (system, event_id, seq) SELECT $1, * FROM unnest($2::text[], $3::bigint[])', [
      system,
      fresh.map((r) => r.eventId),
      fresh.map((_, i) => out.firstSeq + i),
    ]);
    return { appended: fresh.length, duplicates };
  });
}
