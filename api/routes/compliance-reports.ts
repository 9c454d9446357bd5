import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import { z } from 'zod';
import { getReport, listReports } from '../../db/compliance/reports';
import { VigilError } from '../../domain/errors';
import { parseOr400 } from '../errors';

const FORMATS = { json: 'application/json', md: 'text/markdown; charset=utf-8', html: 'text/html; charset=utf-8' } as const;
const idSchema = z.object({ id: z.string().min(1).max(300).regex(/^[A-Za-z0-9._:-]+$/, 'a report id as listed by GET /v1/compliance/reports') });
const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(20) }).strict();

/** Stored compliance reports (made by the ComplianceAudit workflow): list, and each as JSON, Markdown or HTML. */
export function complianceReportRoutes(app: FastifyInstance, pool: Pool): void {
  app.get('/v1/compliance/reports', async (req) => {
    const { limit } = parseOr400(listQuery, req.query, 'query');
    const reports = await listReports(pool, limit);
    return { reports: reports.map(({ findings: _f, totals: _t, ...head }) => head) };
  });

  // One route with the format as a suffix: "/:id.html" would need a route per format.
  app.get('/v1/compliance/reports/:file', async (req, reply) => {
    const file = (req.params as { file: string }).file;
    // `s`: a line break in the id must reach the id check (a 400), not fail the match (it was a 500).
    const m = /^(.*?)(?:\.(json|md|html))?$/s.exec(file)!;
    const { id } = parseOr400(idSchema, { id: m[1] }, 'params');
    const format = (m[2] ?? 'json') as keyof typeof FORMATS;
    const stored = await getReport(pool, id);
    if (!stored) throw new VigilError('not_found', `no compliance report "${id}"; list them with GET /v1/compliance/reports or \`vigil compliance reports\``);
    reply.header('content-type', FORMATS[format]);
    if (format === 'md') return stored.markdown;
    if (format === 'html') return stored.html;
    return stored.report;
  });
}
