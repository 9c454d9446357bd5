// Experiments in Postgres: the definition and plan as created, the live status the SDK's kill
// switch reads, and the reports. Every write is keyed, so retried activities repeat, never add.
import type { Pool } from 'pg';
import type { ExperimentDefinition } from '../domain/experiments/definition';
import type { ExperimentPlan } from '../domain/experiments/plan';

export type ExperimentStatus = 'running' | 'paused' | 'stopped' | 'shipped';

/** An experiment as list/status show it. */
export interface ExperimentRow {
  name: string;
  service: string;
  definition: ExperimentDefinition;
  plan: ExperimentPlan;
  status: ExperimentStatus;
  stoppedVariants: Record<string, string>;
  decision: string;
  why: string;
  look: number;
  lastLook: unknown;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

interface Row {
  name: string;
  service: string;
  definition: ExperimentDefinition;
  plan: ExperimentPlan;
  status: ExperimentStatus;
  stopped_variants: Record<string, string>;
  decision: string;
  why: string;
  look: number;
  last_look: unknown;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

const toRow = (r: Row): ExperimentRow => ({
  name: r.name,
  service: r.service,
  definition: r.definition,
  plan: r.plan,
  status: r.status,
  stoppedVariants: r.stopped_variants,
  decision: r.decision,
  why: r.why,
  look: r.look,
  lastLook: r.last_look,
  createdBy: r.created_by,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

/** Inserts a new experiment; false when the name is taken (nothing written). */
export async function insertExperiment(pool: Pool, d: ExperimentDefinition, plan: ExperimentPlan, createdBy: string): Promise<boolean> {
  const r = await pool.query(
    'INSERT INTO experiments (name, service, definition, plan, created_by) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO NOTHING',
    [d.name, d.service, JSON.stringify(d), JSON.stringify(plan), createdBy],
  );
  return r.rowCount === 1;
}

/** Removes an experiment whose workflow could not start, so a retry can create it again. */
export async function deleteExperiment(pool: Pool, name: string): Promise<void> {
  await pool.query('DELETE FROM experiments WHERE name = $1', [name]);
}

export async function getExperiment(pool: Pool, name: string): Promise<ExperimentRow | null> {
  const r = await pool.query<Row>('SELECT * FROM experiments WHERE name = $1', [name]);
  return r.rows[0] ? toRow(r.rows[0]) : null;
}

export async function listExperiments(pool: Pool, limit = 200): Promise<ExperimentRow[]> {
  const r = await pool.query<Row>('SELECT * FROM experiments ORDER BY created_at DESC LIMIT $1', [limit]);
  return r.rows.map(toRow);
}

/** What a look or an Update changes; ordered by seq, so a retried or slow write cannot undo a later one. */
export interface StatusUpdate {
  name: string;
  status: ExperimentStatus;
  stoppedVariants: Record<string, string>;
  decision: string;
  why: string;
  look: number;
  /** The workflow's write counter (carried across continue-as-new): a write lands only over older ones. */
  seq: number;
  lastLook?: unknown;
}

export async function updateExperimentStatus(pool: Pool, u: StatusUpdate): Promise<void> {
  await pool.query(
    `UPDATE experiments SET status = $2, stopped_variants = $3, decision = $4, why = $5, look = $6,
       last_look = COALESCE($7, last_look), status_seq = $8, updated_at = now()
     WHERE name = $1 AND status_seq < $8`,
    [u.name, u.status, JSON.stringify(u.stoppedVariants), u.decision, u.why, u.look, u.lastLook === undefined ? null : JSON.stringify(u.lastLook), u.seq],
  );
}

/** Traffic for the duration estimate: requests the service reported over the last 24 hours. */
export async function requestsLastDay(pool: Pool, service: string): Promise<number | null> {
  const r = await pool.query<{ n: string | null }>("SELECT sum(count)::text AS n FROM metric_windows WHERE service = $1 AND window_start >= now() - interval '24 hours'", [service]);
  const n = Number(r.rows[0]?.n ?? 0);
  return n > 0 ? n : null;
}

export interface StoredReport {
  experiment: string;
  kind: string;
  look: number;
  report: unknown;
  markdown: string;
  createdAt: string;
}

export async function storeExperimentReport(pool: Pool, r: Omit<StoredReport, 'createdAt'>): Promise<void> {
  await pool.query(
    `INSERT INTO experiment_reports (experiment, kind, look, report, markdown) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (experiment, kind, look) DO UPDATE SET report = EXCLUDED.report, markdown = EXCLUDED.markdown`,
    [r.experiment, r.kind, r.look, JSON.stringify(r.report), r.markdown],
  );
}

export async function listExperimentReports(pool: Pool, experiment: string): Promise<StoredReport[]> {
  const r = await pool.query<{ experiment: string; kind: string; look: number; report: unknown; markdown: string; created_at: Date }>(
    'SELECT * FROM experiment_reports WHERE experiment = $1 ORDER BY created_at DESC, look DESC',
    [experiment],
  );
  return r.rows.map((x) => ({ experiment: x.experiment, kind: x.kind, look: x.look, report: x.report, markdown: x.markdown, createdAt: x.created_at.toISOString() }));
}
