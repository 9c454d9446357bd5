import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { MonitorState, MonitorStatus } from '../domain/monitor';
import type { WindowSummary } from '../domain/window-summary';

/** Start arguments of `monitor/<service>`; `carried` on continue-as-new. */
export interface ServiceMonitorInput {
  service: string;
  carried?: MonitorState;
  /** Windows that arrived but were not processed before continue-as-new. */
  pending?: WindowSummary[];
  /** Windows per run before continuing as new (default 500); lowered in tests. */
  windowsPerRun?: number;
}

/** One window summary from the SDK or the HTTP API (a machine fact → signal). */
export const windowSignal = defineSignal<[WindowSummary]>('window');

/** The seed's `{ sla_compliant, violations, compliance_score }` plus what the monitor is tracking. */
export const slaStatusQuery = defineQuery<MonitorStatus>('slaStatus');

/** Workflow type name the SDK's Temporal transport and the API use (as a string, to avoid importing workflow code). */
export const SERVICE_MONITOR_WORKFLOW = 'serviceMonitorWorkflow';

/** The workflow ID of a service's monitor. */
export function monitorWorkflowId(service: string): string {
  return `monitor/${service}`;
}
