import type { Client } from '@temporalio/client';
import type { QueuedSend } from '../../domain/delivery/channel-queue';
import type { IncidentView } from '../../domain/incident-view';
import { viewQuery } from '../../workflows/incident-messages';

/**
 * The incident as it is now: a queued send shows the latest state, however long it waited. The
 * latest run is asked first; when another incident has since taken the workflow id, its own first run.
 */
export async function currentView(client: Client, send: Pick<QueuedSend, 'workflowId' | 'incidentId'>): Promise<IncidentView> {
  const latest = await client.workflow.getHandle(send.workflowId).query(viewQuery);
  if (latest.incidentId === send.incidentId) return latest;
  return client.workflow.getHandle(send.workflowId, send.incidentId).query(viewQuery);
}
