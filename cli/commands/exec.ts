import fs from 'node:fs';
import type { Command } from 'commander';
import { loadDashboard } from '../../db/analytics/dashboard';
import type { ExecutiveDashboard } from '../../domain/analytics/dashboard';
import { periodSchema, reportFormatSchema } from '../../domain/analytics/period';
import { renderHtml, renderMarkdown } from '../../domain/analytics/report-render';
import { VigilError } from '../../domain/errors';
import { sendExecutiveReport } from '../../app/executive-client';
import { connectClient } from '../../app/temporal-connection';
import type { VigilConfig } from '../../domain/config';
import { withCliPool } from '../cli-pool';
import type { CliContext } from '../context';

/** Parses a flag with a zod enum; a bad value exits 2 naming the flag and the choices. */
function flag<T>(name: string, schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: Array<{ message: string }> } } }, v: string): T {
  const r = schema.safeParse(v);
  if (!r.success) throw new VigilError('invalid_input', `--${name}: "${v}" is not valid: ${r.error.issues[0]!.message}`);
  return r.data;
}

/** The dashboard as the chosen format. */
export function renderDashboard(d: ExecutiveDashboard, format: 'markdown' | 'html' | 'json'): string {
  return format === 'json' ? `${JSON.stringify(d, null, 2)}\n` : format === 'html' ? renderHtml(d) : renderMarkdown(d);
}

/** Each --channel must be a configured channel that can carry a report; a bad one exits 2 naming it. */
function reportChannels(config: VigilConfig, names: string[]): string[] {
  for (const name of names) {
    const ch = config.channels[name];
    if (!ch) throw new VigilError('invalid_input', `--channel: "${name}" is not a configured channel (known: ${Object.keys(config.channels).join(', ')})`);
    if (ch.type === 'pagerduty') throw new VigilError('invalid_input', `--channel: "${name}" is a PagerDuty channel, which pages people and cannot carry a report`);
  }
  return names;
}

/** `vigil exec report`: the executive dashboard of a period, from the rollups, as Markdown, HTML or JSON. */
export function registerExecCommands(program: Command, ctx: () => CliContext): void {
  const exec = program.command('exec').description('executive analytics: health score, SLA compliance, cost, satisfaction, business impact');
  exec
    .command('report')
    .description('the executive dashboard for a period ending with the last rolled-up hour, with changes vs the period before')
    .option('--period <period>', '24h, 7d, 30d or 90d', '7d')
    .option('--format <format>', 'markdown, html or json', 'markdown')
    .option('--out <file>', 'write the report to this file instead of printing it')
    .action(async (o: { period: string; format: string; out?: string }) => {
      // Both flags are checked before anything connects: a typo exits 2 at once.
      const period = flag('period', periodSchema, o.period);
      const format = flag('format', reportFormatSchema, o.format);
      const c = ctx();
      const dashboard = await withCliPool(ctx, (pool) => loadDashboard(pool, c.config, period));
      const text = renderDashboard(dashboard, format);
      if (o.out) {
        fs.writeFileSync(o.out, text);
        process.stderr.write(`executive report (${period}) → ${o.out}\n`);
      } else process.stdout.write(text);
    });
  exec
    .command('send')
    .description('deliver the executive report now (the ExecutiveReport workflow the weekly Schedule runs) to analytics.reports.channels or --channel')
    .option('--period <period>', '24h, 7d, 30d or 90d', undefined)
    .option('--channel <name...>', 'channels to send to instead of analytics.reports.channels')
    .action(async (o: { period?: string; channel?: string[] }) => {
      const c = ctx();
      const period = flag('period', periodSchema, o.period ?? c.config.analytics.reports.period);
      const channels = o.channel ? reportChannels(c.config, o.channel) : undefined;
      if (!channels && c.config.analytics.reports.channels.length === 0) {
        throw new VigilError('invalid_input', 'no channel to send to: set analytics.reports.channels in the config or pass --channel <name>');
      }
      const client = await connectClient({ address: c.temporalAddress(), namespace: c.config.temporal.namespace }, c.env);
      try {
        const r = await sendExecutiveReport(client, c.config, { period, ...(channels ? { channels } : {}) });
        const parts = [`delivered to ${r.delivered.join(', ') || 'none'}`, ...(r.alreadySent.length ? [`already sent to ${r.alreadySent.join(', ')}`] : []), ...(r.failedChannels.length ? [`FAILED: ${r.failedChannels.join(', ')}`] : [])];
        process.stdout.write(`executive report ${r.reportId}: ${r.status.toUpperCase()} · ${parts.join(' · ')}\n`);
        if (r.failedChannels.length) throw new VigilError('unavailable', `the report did not reach ${r.failedChannels.join(', ')}; the worker log says why`);
      } finally {
        await client.connection.close();
      }
    });
}
