import type { Logger } from 'pino';
import { formatMeasurement, summaryLine } from '../../domain/incident-view';
import type { Notifier } from './notifier';

/** The default channel: a structured log line per notification, so a fresh install pages somewhere visible. */
export function createConsoleNotifier(logger: Logger): Notifier {
  return {
    type: 'console',
    async send({ view, step, target }) {
      logger.warn(
        {
          channel: 'console',
          target,
          step,
          incident: view.workflowId,
          service: view.service,
          severity: view.severity,
          status: view.status,
          level: view.level,
          measurement: formatMeasurement(view.details),
          ui: view.uiUrl,
        },
        `PAGE ${summaryLine(view)}`,
      );
      return { detail: 'written to the console log' };
    },
    async sendReport(report) {
      // A passing report is routine; anything else is worth the same attention level as a page.
      logger[report.status === 'pass' ? 'info' : 'warn'](
        { channel: 'console', report: report.id, kind: report.kind, status: report.status, summary: report.summary, ...(report.url ? { url: report.url } : {}) },
        `${report.kind.toUpperCase()} REPORT ${report.status.toUpperCase()} ${report.title}`,
      );
      return { detail: 'written to the console log' };
    },
  };
}
