import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { ChannelQueue, QueuedSend, SendReport } from '../domain/delivery/channel-queue';

/** Start arguments of `dispatch/<task queue>/<channel>`; `carried` on continue-as-new. */
export interface ChannelDispatcherInput {
  channel: string;
  ratePerSecond: number;
  carried?: ChannelQueue;
}

/** Sends for the channel's queue; the rate travels with them so a config change applies to the running dispatcher. */
export interface EnqueueSendsInput {
  ratePerSecond: number;
  sends: QueuedSend[];
  /** The task queue this deployment runs dispatchers on; a dispatcher started elsewhere moves there when it continues as new. */
  taskQueue?: string;
}

/** How far the queue is, for `vigil channels queue` and tests. */
export interface DispatcherStatus {
  channel: string;
  ratePerSecond: number;
  queued: number;
  inFlight: number;
  bySeverity: Record<string, number>;
  pausedUntil: number | null;
  stats: ChannelQueue['stats'];
}

/** What a dispatcher tells the incident a queued send came to (the incident ignores reports for another run chain). */
export interface DeliveryReportInput {
  incidentId: string;
  kind: QueuedSend['kind'];
  step: string;
  target: string;
  channel: string;
  report: Exclude<SendReport, null>;
}

export const enqueueSendsSignal = defineSignal<[EnqueueSendsInput]>('enqueueSends');
export const dispatcherStatusQuery = defineQuery<DispatcherStatus>('dispatcherStatus');
export const deliveryReportSignal = defineSignal<[DeliveryReportInput]>('deliveryReport');

/**
 * Workflow id of a channel's dispatcher. The task queue is part of it: two deployments sharing a
 * namespace (or a test run's many workers) must never feed one dispatcher whose worker is elsewhere.
 */
export const dispatcherWorkflowId = (taskQueue: string, channel: string) => `dispatch/${taskQueue}/${channel}`;

/**
 * The task queue dispatchers (and their sends) run on, beside the incidents' own: a storm puts
 * hundreds of incident workflow tasks in line, and a dispatcher waiting behind them would start one
 * send per trip through that line instead of one per slot. The core worker polls both.
 */
export const dispatchTaskQueue = (taskQueue: string) => `${taskQueue}-dispatch`;
