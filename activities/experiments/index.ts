import { getClient } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Pool } from 'pg';
import { createIncidentService } from '../../app/incident-service';
import { publicUrl } from '../../app/public-url';
import { getExperiment, storeExperimentReport, updateExperimentStatus } from '../../db/experiments';
import type { VigilConfig } from '../../domain/config';
import { buildExperimentReport, renderExperimentMarkdown, type ExperimentReport } from '../../domain/experiments/report';
import type { RenderedReport, ReportStatus } from '../../domain/reports/rendered-report';
import { violationSchema } from '../../domain/violation';
import type { Notifier } from '../notify/notifier';
import { deliverReportOnce } from '../notify/report-delivery';
import type { ExperimentActivities } from './types';

export interface ExperimentDeps {
  pool: Pool;
  config: VigilConfig;
  logger: Logger;
  channels: Record<string, Notifier>;
  /** Defaults to the worker's own client (the activity context's); tests may pass one. */
  client?: () => Client;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** pass: shipped; fail: a variant harmed a guardrail or the primary; attention: anything else a person should read. */
function statusOf(r: ExperimentReport): ReportStatus {
  if (r.decision === 'ship') return 'pass';
  if (r.decision === 'stop_harm' || r.srm?.mismatch) return 'fail';
  return 'attention';
}

/** An experiment report in the one shape every channel's sendReport takes. */
export function renderedExperimentReport(r: ExperimentReport, createdAt: string, startedAt: string, url?: string): RenderedReport<ExperimentReport> {
  const markdown = renderExperimentMarkdown(r);
  const title = `Experiment ${r.experiment}: ${r.decision.replace('_', ' ')}`;
  return {
    kind: 'experiment',
    id: `${r.experiment}/${r.kind}/${r.look}`,
    title,
    period: { start: startedAt, end: createdAt },
    status: statusOf(r),
    summary: [r.why, ...(r.srm?.mismatch ? ['sample-ratio mismatch: results withheld'] : [])],
    markdown,
    html: `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title></head><body><pre>${esc(markdown)}</pre></body></html>\n`,
    data: r,
    ...(url ? { url } : {}),
  };
}

/** The Experiment workflow's side effects: the status projection (the kill switch), incidents, reports. */
export function createExperimentActivities(deps: ExperimentDeps): ExperimentActivities {
  return {
    async recordExperimentLook(u) {
      await updateExperimentStatus(deps.pool, u);
    },

    async openExperimentIncident({ experiment, service, variant, metric, why }) {
      const incidents = createIncidentService({ client: (deps.client ?? getClient)(), pool: deps.pool, config: deps.config });
      // Parsed like any API input: the experiment can never open an incident the API would refuse.
      const r = await incidents.raise(
        violationSchema.parse({
          service,
          kind: 'experiment',
          dimension: `${experiment}/${variant}`,
          severity: 'high',
          title: `Experiment ${experiment}: variant ${variant} stopped, ${metric} guardrail breached`.slice(0, 300),
          impact: `${why}. Assignment now returns control for ${variant}.`.slice(0, 1000),
          labels: { experiment, variant, metric },
          occurrenceId: `experiment/${experiment}/${variant}/${metric}`,
        }),
      );
      deps.logger.warn({ experiment, variant, metric, incident: r.workflowId }, 'experiment variant stopped: guardrail breached');
      return { incidentWorkflowId: r.workflowId };
    },

    async publishExperimentReport(input) {
      const report = buildExperimentReport(input);
      const markdown = renderExperimentMarkdown(report);
      await storeExperimentReport(deps.pool, { experiment: report.experiment, kind: report.kind, look: report.look, report, markdown });
      const row = await getExperiment(deps.pool, report.experiment);
      const url = `${publicUrl(deps.config)}/v1/experiments/${encodeURIComponent(report.experiment)}/report`;
      const rendered = renderedExperimentReport(report, new Date().toISOString(), row?.createdAt ?? new Date().toISOString(), url);
      let delivered = 0;
      for (const channel of input.definition.reportChannels) {
        const out = await deliverReportOnce(deps.pool, deps.config, deps.channels, channel, rendered);
        if (!out.duplicate) delivered++;
      }
      deps.logger.info({ experiment: report.experiment, kind: report.kind, decision: report.decision, delivered }, 'experiment report published');
      return { delivered };
    },
  };
}
