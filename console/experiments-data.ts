// The console's experiments pages read the stored rows (db/experiments.ts), not the workflow: a
// list of many experiments must not query a workflow per row, and a finished one has none to ask.
// Shaping is pure so the unit test can hold it to the rows' odd cases (no look yet, SRM unknown).
import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import { z } from 'zod';
import { parseOr400 } from '../api/errors';
import type { Principal } from '../api/auth/principal';
import { getExperiment, listExperimentReports, listExperiments, type ExperimentRow, type StoredReport } from '../db/experiments';
import { serviceRefusal, type TeamsConfig } from '../domain/auth/teams';
import type { MetricResult } from '../domain/experiments/evaluate';
import { nameSchema } from '../domain/names';
import type { SrmResult } from '../domain/stats/srm';

/** SRM as one word: `unknown` until a look has counted units, `mismatch` when results are withheld. */
export type SrmState = 'ok' | 'mismatch' | 'unknown';

export interface ExperimentListItem {
  name: string;
  service: string;
  status: ExperimentRow['status'];
  /** Each variant's share of units in percent (weights may be given as fractions or percentages). */
  variants: Array<{ name: string; percent: number; stopped: string | null }>;
  primary: string;
  decision: string;
  srm: SrmState;
}

export interface MetricLine {
  variant: string;
  metric: string;
  role: string;
  control: number;
  treatment: number;
  relative: number;
  ci: [number, number];
  p: number | null;
  significant: boolean;
  verdict: string | null;
  margin: number | null;
}

export interface ExperimentDetail extends ExperimentListItem {
  description: string;
  unit: string;
  look: number;
  why: string;
  srmDetail: SrmResult | null;
  metrics: MetricLine[];
  guardrails: Array<{ metric: string; margin: number; verdicts: Array<{ variant: string; verdict: string }> }>;
  latestReport: { kind: string; look: number; createdAt: string; markdown: string } | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

interface StoredLook {
  srm: SrmResult | null;
  results: Record<string, MetricResult[]>;
}

/** last_look is written by the workflow as { srm, results }; anything else (null, an older shape) reads as no look. */
function lookOf(row: ExperimentRow): StoredLook {
  const l = row.lastLook as Partial<StoredLook> | null;
  return { srm: l?.srm ?? null, results: l?.results && typeof l.results === 'object' ? l.results : {} };
}

const srmState = (srm: SrmResult | null): SrmState => (srm === null ? 'unknown' : srm.mismatch ? 'mismatch' : 'ok');

export function experimentListItem(row: ExperimentRow): ExperimentListItem {
  const total = row.definition.variants.reduce((s, v) => s + v.weight, 0);
  return {
    name: row.name,
    service: row.service,
    status: row.status,
    variants: row.definition.variants.map((v) => ({ name: v.name, percent: Math.round((v.weight / total) * 10_000) / 100, stopped: row.stoppedVariants[v.name] ?? null })),
    primary: row.definition.primary,
    decision: row.decision,
    srm: srmState(lookOf(row).srm),
  };
}

export function experimentDetail(row: ExperimentRow, reports: StoredReport[]): ExperimentDetail {
  const look = lookOf(row);
  const metrics: MetricLine[] = Object.entries(look.results).flatMap(([variant, rs]) =>
    rs.map((r) => ({
      variant,
      metric: r.metric,
      role: r.role,
      control: r.control,
      treatment: r.treatment,
      relative: r.relative,
      ci: r.ci,
      p: r.p,
      significant: r.significant,
      verdict: r.verdict ?? null,
      margin: r.margin ?? null,
    })),
  );
  // Every guardrail the owner declared shows, with "no data yet" until a look has judged it.
  const guardrails = row.definition.guardrails.map((g) => ({
    metric: g.metric,
    margin: g.margin,
    verdicts: metrics.filter((m) => m.role === 'guardrail' && m.metric === g.metric).map((m) => ({ variant: m.variant, verdict: m.verdict ?? 'unknown' })),
  }));
  const latest = reports[0];
  return {
    ...experimentListItem(row),
    description: row.definition.description,
    unit: row.definition.unit,
    look: row.look,
    why: row.why,
    srmDetail: look.srm,
    metrics,
    guardrails,
    latestReport: latest ? { kind: latest.kind, look: latest.look, createdAt: latest.createdAt, markdown: latest.markdown } : null,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/**
 * GET /console/data/experiments and /console/data/experiments/:name (experiments:read, in
 * CONSOLE_ACCESS). A user limited to teams sees their teams' services' experiments only.
 */
export function experimentConsoleRoutes(app: FastifyInstance, deps: { pool: Pool; teams?: TeamsConfig }): void {
  const visible = (p: Principal | undefined, service: string) => !p || p.teams.length === 0 || serviceRefusal(p.name, p.teams, service, deps.teams ?? {}) === null;
  app.get('/console/data/experiments', async (req) => ({
    experiments: (await listExperiments(deps.pool)).filter((r) => visible(req.principal, r.service)).map(experimentListItem),
  }));
  app.get('/console/data/experiments/:name', async (req, reply) => {
    const { name } = parseOr400(z.object({ name: nameSchema }), req.params, 'params');
    const row = await getExperiment(deps.pool, name);
    if (!row || !visible(req.principal, row.service)) return reply.status(404).send({ error: 'not_found', message: `no experiment named "${name}" that you may see` });
    return experimentDetail(row, await listExperimentReports(deps.pool, name));
  });
}
