import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { ChannelDispatcherInput, EnqueueSendsInput } from '../../workflows/channel-dispatcher-messages';
import type { QueuedSend } from '../../domain/delivery/channel-queue';
import type { SendQueuedInput } from '../../activities/notify/types';
import { SEVERITY_RANK } from '../../domain/severity';

/** A send the dispatcher started while it already held one that should have gone first. */
export interface OrderViolation {
  started: string;
  startedSeverity: string;
  passedOver: string;
  passedOverSeverity: string;
  why: 'severity' | 'page before refresh';
}

type Event = temporal.api.history.v1.IHistoryEvent;
const decode = <T>(p: temporal.api.common.v1.IPayloads | null | undefined): T => defaultPayloadConverter.fromPayload<T>(p!.payloads![0]!);
const id = (s: QueuedSend) => `${s.incidentId}|${s.key}`;

/**
 * Reads a dispatcher's whole history (every run) and checks its decisions against what it knew
 * when it made them: a send started in a workflow task must not pass over a page that had reached
 * the dispatcher before that task began and was more severe, nor (for a refresh) any such page.
 * This is the queue's promise as the server recorded it, so it holds however slow the machine is;
 * wall-clock comparisons at the provider also count the send's own latency.
 */
export async function dispatcherOrderViolations(client: Client, workflowId: string): Promise<OrderViolation[]> {
  const runs: string[] = [];
  for await (const run of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs.push(run.runId);
  const violations: OrderViolation[] = [];
  for (const runId of runs) {
    const events = (await client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
    violations.push(...checkRun(events));
  }
  return violations;
}

function checkRun(events: Event[]): OrderViolation[] {
  const out: OrderViolation[] = [];
  // Pages the dispatcher held at the start of the current workflow task, and those signalled since.
  const known = new Map<string, QueuedSend>();
  let arriving: QueuedSend[] = [];
  const started = new Set<string>();
  for (const e of events) {
    if (e.workflowExecutionStartedEventAttributes) {
      const input = decode<ChannelDispatcherInput>(e.workflowExecutionStartedEventAttributes.input);
      // Sends carried over from the previous run (its waiting line and what was in flight).
      arriving.push(...(input.carried?.items ?? []), ...(input.carried?.inFlight ?? []).flatMap((s) => s.members ?? [s]));
    } else if (e.workflowExecutionSignaledEventAttributes?.signalName === 'enqueueSends') {
      arriving.push(...decode<EnqueueSendsInput>(e.workflowExecutionSignaledEventAttributes.input).sends);
    } else if (e.workflowTaskStartedEventAttributes) {
      for (const s of arriving) if (s.kind === 'page' && !started.has(id(s))) known.set(id(s), s);
      arriving = [];
    } else if (e.activityTaskScheduledEventAttributes?.activityType?.name === 'sendQueued') {
      const { send } = decode<SendQueuedInput>(e.activityTaskScheduledEventAttributes.input);
      const leaving = send.members ?? [send];
      for (const s of leaving) {
        known.delete(id(s));
        started.add(id(s));
      }
      for (const waiting of known.values()) {
        if (waiting.notBefore > Number(e.eventTime?.seconds ?? 0) * 1000) continue;
        const severityFirst = SEVERITY_RANK[waiting.severity] > SEVERITY_RANK[send.severity];
        if (send.kind === 'refresh' || severityFirst) {
          out.push({ started: send.key, startedSeverity: send.severity, passedOver: waiting.key, passedOverSeverity: waiting.severity, why: send.kind === 'refresh' ? 'page before refresh' : 'severity' });
        }
      }
    }
  }
  return out;
}
