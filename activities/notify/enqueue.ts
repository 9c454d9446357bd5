import type { Client } from '@temporalio/client';
import type { QueuedSend } from '../../domain/delivery/channel-queue';
import { dispatcherWorkflowId, dispatchTaskQueue, enqueueSendsSignal, type ChannelDispatcherInput } from '../../workflows/channel-dispatcher-messages';

/**
 * Hands sends to a channel's dispatcher, starting it if it is not running. Safe to repeat: the
 * dispatcher drops a page it already has and merges a refresh into the queued one.
 */
export async function enqueueSends(client: Client, taskQueue: string, channel: string, ratePerSecond: number, sends: QueuedSend[]): Promise<void> {
  const start: ChannelDispatcherInput = { channel, ratePerSecond };
  await client.workflow.signalWithStart('channelDispatcherWorkflow', {
    workflowId: dispatcherWorkflowId(taskQueue, channel),
    taskQueue: dispatchTaskQueue(taskQueue),
    args: [start],
    signal: enqueueSendsSignal,
    signalArgs: [{ ratePerSecond, sends, taskQueue: dispatchTaskQueue(taskQueue) }],
  });
}
