import { ScheduleAlreadyRunning, type Client } from '@temporalio/client';
import type { VigilConfig } from '../domain/config';
import type { ComplianceAuditInput } from '../workflows/compliance-audit';
import type { ModelTrainingInput } from '../workflows/model-training';
import type { ExecutiveRollupInput } from '../workflows/executive-rollup';
import type { ForecastInput } from '../workflows/forecast';
import type { ExecutiveReportInput } from '../workflows/executive-report';

/** Schedule IDs Vigil owns. */
export const MODEL_TRAINING_SCHEDULE = 'vigil-model-training';
export const COMPLIANCE_AUDIT_SCHEDULE = 'vigil-compliance-audit';
export const ROLLUP_HOURLY_SCHEDULE = 'vigil-rollup-hourly';
export const ROLLUP_DAILY_SCHEDULE = 'vigil-rollup-daily';
export const FORECAST_SCHEDULE = 'vigil-forecast';
export const EXECUTIVE_REPORT_SCHEDULE = 'vigil-executive-report';

/**
 * Creates Vigil's Temporal Schedules if they do not exist (idempotent; an existing schedule is left
 * as an operator may have paused or tuned it in the UI). Catch-up covers a day of downtime.
 */
export async function ensureSchedules(client: Client, config: VigilConfig): Promise<string[]> {
  const created: string[] = [];
  const createOnce = async (scheduleId: string, options: Omit<Parameters<Client['schedule']['create']>[0], 'scheduleId'>) => {
    try {
      await client.schedule.create({ scheduleId, ...options });
      created.push(scheduleId);
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    }
  };
  const reports = config.compliance.reports;
  if (reports.enabled) {
    await createOnce(COMPLIANCE_AUDIT_SCHEDULE, {
      spec: { intervals: [{ every: reports.every, offset: reports.offset }] },
      action: {
        type: 'startWorkflow',
        workflowType: 'complianceAuditWorkflow',
        // Temporal appends each slot's time to this id, so every run (and its report) has its own.
        workflowId: 'compliance-audit',
        taskQueue: config.temporal.taskQueue,
        args: [{ periodMs: reports.period ?? reports.every, trigger: 'schedule' } satisfies ComplianceAuditInput],
      },
      // BUFFER_ALL: after downtime every missed slot within the window gets its own report, in order.
      policies: { overlap: 'BUFFER_ALL', catchupWindow: reports.catchupWindow, pauseOnFailure: false },
      memo: { summary: 'Verifies the audit chain, runs retrospective compliance checks, stores and delivers the report' },
    });
  }
  if (config.anomalyDetection.enabled) {
    const a = config.anomalyDetection;
    await createOnce(MODEL_TRAINING_SCHEDULE, {
      spec: { intervals: [{ every: a.trainEvery }] },
      action: {
        type: 'startWorkflow',
        workflowType: 'modelTrainingWorkflow',
        workflowId: 'model-training',
        taskQueue: config.temporal.taskQueue,
        args: [{ mlTaskQueue: config.temporal.mlTaskQueue, lookbackMs: a.lookback, minWindows: a.minWindows } satisfies ModelTrainingInput],
      },
      policies: { overlap: 'SKIP', catchupWindow: '1d', pauseOnFailure: false },
      memo: { summary: 'Trains per-service anomaly models from metric_windows' },
    });
  }
  if (config.analytics.enabled) {
    // The workflow rolls every slot since its watermark, so one run after downtime catches all
    // missed slots up: SKIP keeps the Schedule from queueing one (idle) run per missed slot.
    const rollup = (scheduleId: string, every: '1h' | '1d', offset: '5m' | '10m', input: ExecutiveRollupInput, summary: string) =>
      createOnce(scheduleId, {
        spec: { intervals: [{ every, offset }] },
        action: { type: 'startWorkflow', workflowType: 'executiveRollupWorkflow', workflowId: scheduleId.replace('vigil-', ''), taskQueue: config.temporal.taskQueue, args: [input] },
        policies: { overlap: 'SKIP', catchupWindow: config.analytics.maxCatchup, pauseOnFailure: false },
        memo: { summary },
      });
    await rollup(ROLLUP_HOURLY_SCHEDULE, '1h', '5m', { period: 'hour' }, 'Rolls the last hour (and any missed or late ones) into rollups_hourly');
    await rollup(ROLLUP_DAILY_SCHEDULE, '1d', '10m', { period: 'day' }, 'Rolls yesterday (00:10 UTC) into rollups_daily');
    await createOnce(FORECAST_SCHEDULE, {
      spec: { intervals: [{ every: '1d', offset: '1h' }] },
      action: { type: 'startWorkflow', workflowType: 'forecastWorkflow', workflowId: 'forecast', taskQueue: config.temporal.taskQueue, args: [{ mlTaskQueue: config.temporal.mlTaskQueue } satisfies ForecastInput] },
      // Only the latest forecast matters: after downtime one run, not one per missed day.
      policies: { overlap: 'SKIP', catchupWindow: '1d', pauseOnFailure: false },
      memo: { summary: 'Forecasts 7 and 30 days of requests, p95, quality and cost per service and plans capacity (01:00 UTC, on vigil-ml)' },
    });
    const r = config.analytics.reports;
    // A report nobody receives is not worth a Schedule; channels are read again at each run.
    if (r.enabled && r.channels.length > 0) {
      await createOnce(EXECUTIVE_REPORT_SCHEDULE, {
        spec: { calendars: [{ dayOfWeek: r.dayOfWeek, hour: r.hour, minute: 0, comment: `weekly executive report, ${r.dayOfWeek} ${String(r.hour).padStart(2, '0')}:00 ${r.timeZone}` }], timezone: r.timeZone },
        action: { type: 'startWorkflow', workflowType: 'executiveReportWorkflow', workflowId: 'executive-report', taskQueue: config.temporal.taskQueue, args: [{} satisfies ExecutiveReportInput] },
        // After downtime, the missed week's report still goes out once (its id is its slot; the ledger dedups).
        policies: { overlap: 'BUFFER_ONE', catchupWindow: '7d', pauseOnFailure: false },
        memo: { summary: `Renders the executive dashboard (${r.period}) and delivers it to ${r.channels.join(', ')} through the notification ledger` },
      });
    }
  }
  return created;
}
