// Where an incident's cost goes: its history (workflow tasks, activities, local activities) and the
// Postgres statements the worker issued, so the next change to the incident path can be compared.
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { Pool, PoolClient } from 'pg';

export interface HistoryProfile {
  historyEvents: number;
  /** The same events by type (e.g. a sticky-queue timeout under load adds WorkflowTaskTimedOut + a rescheduled task). */
  eventTypes: Record<string, number>;
  workflowTasks: number;
  activities: Record<string, number>;
  localActivities: number;
}

/** Counts one workflow's history by kind. */
export async function historyProfile(client: Client, workflowId: string): Promise<HistoryProfile> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const T = temporal.api.enums.v1.EventType;
  const events = history.events ?? [];
  const activities: Record<string, number> = {};
  for (const e of events) {
    if (e.eventType !== T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) continue;
    const name = e.activityTaskScheduledEventAttributes?.activityType?.name ?? '?';
    activities[name] = (activities[name] ?? 0) + 1;
  }
  const eventTypes: Record<string, number> = {};
  for (const e of events) {
    const name = (T[e.eventType ?? 0] ?? String(e.eventType)).replace(/^EVENT_TYPE_/, '');
    eventTypes[name] = (eventTypes[name] ?? 0) + 1;
  }
  return {
    historyEvents: events.length,
    eventTypes,
    workflowTasks: events.filter((e) => e.eventType === T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED).length,
    activities,
    localActivities: events.filter((e) => e.eventType === T.EVENT_TYPE_MARKER_RECORDED && e.markerRecordedEventAttributes?.markerName === 'core_local_activity').length,
  };
}

/** Statements sent through a pool (pool.query and checked-out clients alike), by first keyword. */
export interface StatementCounter {
  total(): number;
  byKind(): Record<string, number>;
}

/**
 * Wraps a pool so every statement is counted. Bench-only: it patches the pool object and the
 * clients it hands out, which production code never should.
 */
export function countStatements(pool: Pool): StatementCounter {
  const counts = new Map<string, number>();
  const note = (q: unknown) => {
    const text = typeof q === 'string' ? q : typeof q === 'object' && q !== null && 'text' in q ? String((q as { text: unknown }).text) : '';
    const kind = (/^\s*(\w+)/.exec(text)?.[1] ?? '?').toUpperCase();
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  };
  // pool.query checks a client out too, so counting every checked-out client's statements counts each once.
  const wrapped = new WeakSet<PoolClient>();
  pool.on('acquire', (c: PoolClient) => {
    if (wrapped.has(c)) return;
    wrapped.add(c);
    const clientQuery = c.query.bind(c) as (...args: unknown[]) => unknown;
    (c as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      note(args[0]);
      return clientQuery(...args);
    };
  });
  return {
    total: () => [...counts.values()].reduce((a, b) => a + b, 0),
    byKind: () => Object.fromEntries([...counts].sort((a, b) => b[1] - a[1])),
  };
}
