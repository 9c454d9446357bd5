import type { Pool } from 'pg';
import type { ComplianceReport } from '../../domain/compliance/report';

/** A stored report with its renderings. */
export interface StoredReport {
  report: ComplianceReport;
  markdown: string;
  html: string;
}

/** Stores a report once: a second store of the same id (retry, replay) keeps the first and says so. */
export async function storeReport(pool: Pool, r: StoredReport): Promise<{ stored: boolean }> {
  const res = await pool.query(
    `INSERT INTO compliance_reports (id, trigger, period_start, period_end, generated_at, status, chain_ok, head_seq, head_hash, report, markdown, html)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (id) DO NOTHING`,
    [
      r.report.id, r.report.trigger, r.report.period.start, r.report.period.end, r.report.generatedAt, r.report.status,
      r.report.chain.ok, r.report.chain.head?.seq ?? null, r.report.chain.head?.hash ?? null, JSON.stringify(r.report), r.markdown, r.html,
    ],
  );
  return { stored: (res.rowCount ?? 0) > 0 };
}

/** One report by id, or undefined. */
export async function getReport(pool: Pool, id: string): Promise<StoredReport | undefined> {
  const res = await pool.query<{ report: ComplianceReport; markdown: string; html: string }>('SELECT report, markdown, html FROM compliance_reports WHERE id = $1', [id]);
  return res.rows[0];
}

/** Newest reports first, without their renderings. */
export async function listReports(pool: Pool, limit = 20): Promise<ComplianceReport[]> {
  const res = await pool.query<{ report: ComplianceReport }>('SELECT report FROM compliance_reports ORDER BY period_end DESC, generated_at DESC LIMIT $1', [limit]);
  return res.rows.map((r) => r.report);
}
