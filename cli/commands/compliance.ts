import fs from 'node:fs';
import type { Command } from 'commander';
import { runComplianceAudit } from '../../app/compliance-client';
import { connectClient } from '../../app/temporal-connection';
import { getReport, listReports, type StoredReport } from '../../db/compliance/reports';
import { createPool } from '../../db/pool';
import { parseDuration } from '../../domain/duration';
import { VigilError } from '../../domain/errors';
import type { CliContext } from '../context';

const FORMATS = ['markdown', 'html', 'json'] as const;
type Format = (typeof FORMATS)[number];

function parseFormat(v: string): Format {
  if (!(FORMATS as readonly string[]).includes(v)) throw new VigilError('invalid_input', `--format: "${v}" is not one of ${FORMATS.join(', ')}`);
  return v as Format;
}

function parsePeriod(v: string): number {
  const ms = parseDuration(v);
  if (ms === undefined || ms <= 0) throw new VigilError('invalid_input', `--period: "${v}" is not a duration; use e.g. 1d, 7d, 12h`);
  if (ms > 366 * 86_400_000) throw new VigilError('invalid_input', `--period: ${v} is longer than a year; make several reports instead`);
  return ms;
}

function parseEnd(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const t = Date.parse(v);
  if (!/^\d{4}-\d{2}-\d{2}/.test(v) || Number.isNaN(t)) throw new VigilError('invalid_input', `--end: "${v}" is not an ISO 8601 time, e.g. 2026-11-29T00:00:00Z`);
  if (t > Date.now() + 60_000) throw new VigilError('invalid_input', `--end: ${v} is in the future; a report covers what has happened`);
  return new Date(t).toISOString();
}

const render = (s: StoredReport, format: Format) => (format === 'json' ? `${JSON.stringify(s.report, null, 2)}\n` : format === 'html' ? s.html : s.markdown);

/** `vigil compliance report|reports|show`: make a compliance report on demand and read stored ones. */
export function registerComplianceCommands(program: Command, ctx: () => CliContext): void {
  const compliance = program.command('compliance').description('compliance reports (GDPR, HIPAA, SOX, ISO 27001) over the audit trail');
  compliance
    .command('report')
    .description('run a ComplianceAudit now: verify the chain, check the period, store the report, deliver it to compliance.reports.channels')
    .option('--period <duration>', 'how far back the report looks', '1d')
    .option('--end <time>', 'when the period ends (ISO 8601)', undefined)
    .option('--format <format>', `what to print: ${FORMATS.join(', ')}`, 'markdown')
    .option('--out <file>', 'write the report to this file instead of printing it')
    .option('--no-deliver', 'store the report but send it to no channel')
    .action(async (o: { period: string; end?: string; format: string; out?: string; deliver: boolean }) => {
      const periodMs = parsePeriod(o.period);
      const format = parseFormat(o.format);
      const periodEnd = parseEnd(o.end);
      const c = ctx();
      const client = await connectClient({ address: c.temporalAddress(), namespace: c.config.temporal.namespace }, c.env);
      const pool = createPool(c.databaseUrl(), 'vigil-compliance', 2);
      try {
        process.stderr.write(`auditing the last ${o.period}${periodEnd ? ` up to ${periodEnd}` : ''} (verifying the whole chain)…\n`);
        const result = await runComplianceAudit(client, c.config, { periodMs, deliver: o.deliver, ...(periodEnd ? { periodEnd } : {}) });
        const stored = await getReport(pool, result.reportId);
        if (!stored) throw new VigilError('invalid_state', `the audit finished but report ${result.reportId} is not in the database it writes to; is DATABASE_URL the worker's database?`);
        if (o.out) fs.writeFileSync(o.out, render(stored, format));
        else process.stdout.write(render(stored, format));
        const deliveries = result.delivered.length || result.failedChannels.length
          ? ` · delivered to ${result.delivered.join(', ') || 'none'}${result.failedChannels.length ? `, FAILED: ${result.failedChannels.join(', ')}` : ''}`
          : '';
        process.stderr.write(`report ${result.reportId}: ${result.status.toUpperCase()}${o.out ? ` → ${o.out}` : ''}${deliveries}\n`);
        process.stderr.write(`history: ${c.config.temporal.uiUrl}/namespaces/${c.config.temporal.namespace}/workflows/${result.reportId}\n`);
        if (!result.chainOk) throw new VigilError('invalid_state', 'the audit trail failed verification; see the report');
      } finally {
        await pool.end();
        await client.connection.close();
      }
    });
  compliance
    .command('reports')
    .description('list stored compliance reports, newest first')
    .option('--limit <n>', 'how many', '20')
    .option('--json', 'print JSON')
    .action(async (o: { limit: string; json?: boolean }) => {
      const limit = Number(o.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new VigilError('invalid_input', `--limit: "${o.limit}" is not a whole number from 1 to 1000`);
      const pool = createPool(ctx().databaseUrl(), 'vigil-compliance', 1);
      try {
        const reports = await listReports(pool, limit);
        if (o.json) return console.log(JSON.stringify(reports, null, 2));
        if (reports.length === 0) return console.log('no compliance reports yet: make one with `vigil compliance report --period 7d`');
        for (const r of reports) {
          console.log(`${r.id}  ${r.status.toUpperCase().padEnd(9)}  ${r.period.start} – ${r.period.end}  ${r.trigger}  chain ${r.chain.ok ? 'ok' : 'TAMPERED'}`);
        }
      } finally {
        await pool.end();
      }
    });
  compliance
    .command('show <id>')
    .description('print one stored report')
    .option('--format <format>', `${FORMATS.join(', ')}`, 'markdown')
    .action(async (id: string, o: { format: string }) => {
      const format = parseFormat(o.format);
      const pool = createPool(ctx().databaseUrl(), 'vigil-compliance', 1);
      try {
        const stored = await getReport(pool, id);
        if (!stored) throw new VigilError('not_found', `no compliance report "${id}"; list them with \`vigil compliance reports\``);
        process.stdout.write(render(stored, format));
      } finally {
        await pool.end();
      }
    });
}
