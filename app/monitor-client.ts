import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { MonitorStatus } from '../domain/monitor';
import { VigilError } from '../domain/errors';
import type { WindowSummary } from '../domain/window-summary';
import type { serviceMonitorWorkflow } from '../workflows/service-monitor';
import { monitorWorkflowId, slaStatusQuery, windowSignal } from '../workflows/service-monitor-messages';

const FORWARD_PARALLEL = 16;

/**
 * Hands windows to their services' monitors (`monitor/<service>`), starting a monitor on its first
 * window. One signal per window: the SDK aggregates, so this is one per service per 10 s, not per request.
 */
export function createWindowForwarder(client: Client, taskQueue: string): (windows: WindowSummary[]) => Promise<void> {
  const forward = (w: WindowSummary) =>
    client.workflow.signalWithStart<typeof serviceMonitorWorkflow, [WindowSummary]>('serviceMonitorWorkflow', {
      workflowId: monitorWorkflowId(w.service),
      taskQueue,
      args: [{ service: w.service }],
      signal: windowSignal,
      signalArgs: [w],
      memo: { summary: `${w.service}: SLA monitor` },
    });
  return async (windows) => {
    // A batch may hold many windows (and the API holds a database transaction meanwhile): send in parallel, bounded.
    for (let i = 0; i < windows.length; i += FORWARD_PARALLEL) {
      await Promise.all(windows.slice(i, i + FORWARD_PARALLEL).map(forward));
    }
  };
}

/** The live SLA status of a service (`vigil sla status`, `GET /v1/services/:service/sla`). */
export async function slaStatus(client: Client, service: string): Promise<MonitorStatus> {
  try {
    return await client.workflow.getHandle(monitorWorkflowId(service)).query(slaStatusQuery);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) {
      throw new VigilError('not_found', `No SLA monitor for "${service}": it starts with the service's first metrics window (SDK or POST /v1/metrics).`);
    }
    throw err;
  }
}
